#pragma once

// Routing's storage (DESIGN.md §1): the directory, the catalogue, the duty
// roster, assignments, running clocks and the idempotency log. Every method
// runs on a connection the caller holds — inside its transaction when the
// call is part of a state change. Implementations: MysqlRoutingStore.

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
  bool running = true;  // false once stopped (LoadForClockEvent lists both)
};

// The stored state of an order with its clocks, as a clock event needs it
// (LoadForClockEvent).
struct AssignmentWithClocks {
  AssignmentState state;
  // Every clock stored for the order, running or stopped, due ascending.
  std::vector<RunningClock> clocks;
  // The ticket the clock named by the event is stored under ("" if no such
  // clock is stored).
  std::string clock_owner;
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
  // The order's assignment locked for update, with all its clocks and the
  // owner of the clock `clock_id`, in one round trip; nothing if routing
  // does not know the order.
  virtual absl::StatusOr<std::optional<AssignmentWithClocks>> LoadForClockEvent(
      db::Connection& c, const std::string& ticket_id,
      const std::string& clock_id) = 0;
  virtual absl::StatusOr<std::vector<AssignmentState>> ListWork(
      db::Connection& c, const WorkQuery& q) = 0;
  // Orders in a status of `q.anywhere`, or of `q.at_center` while held by
  // `center` (domain/work_queues.h); most urgent first, then oldest
  // received.
  virtual absl::StatusOr<std::vector<AssignmentState>> ListCenterQueue(
      db::Connection& c, const std::string& center,
      const CenterQueueSelection& q, int limit, int offset) = 0;

  // Clocks from deadline.
  virtual absl::Status PutClock(db::Connection& c, const std::string& ticket,
                                const RunningClock& k) = 0;
  virtual absl::Status SetClockDue(db::Connection& c,
                                   const std::string& clock_id,
                                   absl::Time due) = 0;
  virtual absl::Status StopClock(db::Connection& c,
                                 const std::string& clock_id) = 0;

  // Routing's own outbox events of one ticket, seq ascending.
  virtual absl::StatusOr<std::vector<v1::TicketEvent>> History(
      db::Connection& c, const std::string& ticket,
      const std::string& producer) = 0;
};

}  // namespace hotline::routing
