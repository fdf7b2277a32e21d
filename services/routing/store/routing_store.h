#pragma once

// Routing's storage (DESIGN.md §1): the directory, the catalogue, the duty
// roster, assignments, running clocks and the idempotency log. Every method
// runs on a connection the caller holds — inside its transaction when the
// call is part of a state change. Implementations: MysqlRoutingStore.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/connection.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/routing.pb.h"
#include "services/routing/domain/assignment_machine.h"
#include "services/routing/domain/work_queues.h"

namespace hotline::routing {

struct WorkQuery {
  std::vector<std::string> holders;   // orders held by these units
  std::vector<std::string> co_units;  // or awaiting input from these units
  std::vector<int> statuses;          // empty: all open
  std::optional<absl::Time> due_before;
  int limit = 50;
  int offset = 0;
};

struct RunningClock {
  std::string clock_id;
  v1::ClockKind kind;
  int dispatch_round;
  absl::Time due;
  bool running = true;  // false once stopped (LockClocks returns both)
};

// A clock as stored: the order it is stored under and its fields.
struct StoredClock {
  std::string ticket_id;
  RunningClock clock;
};

// Identifies one committed state of the directory and the catalogue (units
// and dispatch rules): every write of either changes it in the same
// transaction. `version` counts the writes; `stamp` is a random value drawn
// by each write, so that a stamp seen inside a transaction that later rolled
// back is never seen again.
struct DirectoryStamp {
  int64_t version = 0;
  int64_t stamp = 0;
  bool operator==(const DirectoryStamp& o) const {
    return version == o.version && stamp == o.stamp;
  }
  bool operator!=(const DirectoryStamp& o) const { return !(*this == o); }
};

class RoutingStore {
 public:
  virtual ~RoutingStore() = default;

  // Directory. Every write of units or rules (PutUnit, PutRule, DeleteRule)
  // first changes the directory stamp (DirectoryStamp), in the caller's
  // transaction; the stamp is taken before the row, so concurrent directory
  // writers queue on the stamp row and cannot deadlock on unit/rule rows.
  virtual absl::StatusOr<DirectoryStamp> GetDirectoryStamp(
      db::Connection& c) = 0;
  virtual absl::StatusOr<std::vector<v1::Unit>> LoadUnits(
      db::Connection& c) = 0;
  virtual absl::Status PutUnit(db::Connection& c, const v1::Unit& u) = 0;
  // Open orders held by any of `units`.
  virtual absl::StatusOr<int64_t> CountOpenHeld(
      db::Connection& c, const std::vector<std::string>& units) = 0;
  virtual absl::StatusOr<std::vector<v1::DutyEntry>> GetDuty(
      db::Connection& c, const std::string& unit, const std::string& from,
      const std::string& to) = 0;
  // The whole roster, by unit then date.
  virtual absl::StatusOr<std::vector<std::pair<std::string, v1::DutyEntry>>>
  AllDuty(db::Connection& c) = 0;
  // Removes the roster entry of `unit` on `date` (YYYY-MM-DD), if any.
  virtual absl::Status ClearDuty(db::Connection& c, const std::string& unit,
                                 const std::string& date) = 0;
  // Writes (inserts or replaces) the roster entry of `unit` on e.date().
  virtual absl::Status PutDuty(db::Connection& c, const std::string& unit,
                               const v1::DutyEntry& e) = 0;

  // Catalogue.
  virtual absl::StatusOr<std::vector<v1::DispatchRule>> LoadRules(
      db::Connection& c) = 0;
  virtual absl::Status PutRule(db::Connection& c,
                               const v1::DispatchRule& r) = 0;
  virtual absl::StatusOr<bool> DeleteRule(db::Connection& c,
                                          const std::string& rule_id) = 0;

  // Assignments.
  virtual absl::StatusOr<std::optional<AssignmentState>> LoadAssignment(
      db::Connection& c, const std::string& ticket_id, bool for_update) = 0;
  // Writes `s`. `stored` is the state as loaded (locked) in this
  // transaction, or nullptr when the order has no row yet: the co-unit rows
  // are rewritten only when they differ from `stored`'s.
  virtual absl::Status SaveAssignment(db::Connection& c,
                                      const AssignmentState& s,
                                      const AssignmentState* stored) = 0;
  // The assignments of `ticket_ids` (any order, duplicates allowed) that
  // routing stores, locked for update in ticket order, in one round trip per
  // up to 128 orders (an event batch's orders, read once at its start).
  virtual absl::StatusOr<std::map<std::string, AssignmentState>>
  LockAssignments(db::Connection& c,
                  const std::vector<std::string>& ticket_ids) = 0;
  // Writes many orders at once: each pair is (the state to write, the
  // state as loaded and locked in this transaction or nullptr for an order
  // without a row), as SaveAssignment would one by one; rows in ticket order,
  // co-unit rows rewritten only for the orders whose co-units changed. At
  // most one entry per order.
  virtual absl::Status SaveAssignments(
      db::Connection& c,
      const std::vector<std::pair<const AssignmentState*,
                                  const AssignmentState*>>& states) = 0;
  virtual absl::StatusOr<std::vector<AssignmentState>> ListWork(
      db::Connection& c, const WorkQuery& q) = 0;
  // Orders in a status of `q.anywhere`, or of `q.at_center` while held by
  // `center` (domain/work_queues.h); most urgent first, then oldest
  // received.
  virtual absl::StatusOr<std::vector<AssignmentState>> ListCenterQueue(
      db::Connection& c, const std::string& center,
      const CenterQueueSelection& q, int limit, int offset) = 0;

  // Clocks from deadline. Every clock stored under one of `ticket_ids` or
  // named by one of `clock_ids`, running or stopped, locked for update: one
  // round trip per up to 128 ids of each key (a clock found by both keys is
  // returned twice).
  virtual absl::StatusOr<std::vector<StoredClock>> LockClocks(
      db::Connection& c, const std::vector<std::string>& ticket_ids,
      const std::vector<std::string>& clock_ids) = 0;
  // Writes the clocks as given (inserted, or due and running set on the
  // stored row), in clock order, in one round trip per up to 128.
  virtual absl::Status PutClocks(db::Connection& c,
                                 const std::vector<StoredClock>& clocks) = 0;

  // Routing's own outbox events of one ticket, seq ascending.
  virtual absl::StatusOr<std::vector<v1::TicketEvent>> History(
      db::Connection& c, const std::string& ticket,
      const std::string& producer) = 0;
};

}  // namespace hotline::routing
