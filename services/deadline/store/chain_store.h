#pragma once

// The per-order chain of units (ticket_info, ticket_unit) and the holdings
// of each dispatch round (holding) of hotline-deadline.
//
// Every method runs on a connection the caller holds, inside the caller's
// transaction when the call is part of a state change. Implementations are
// stateless and thread-safe (MysqlDeadlineStore). Errors of every method:
// UNAVAILABLE when the database is unreachable, ABORTED on deadlock or lock
// wait timeout (retry); other results are named on the method.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/store/deadline_rows.h"

namespace hotline::db {
class Connection;
}

namespace hotline::deadline {

// One unit's link in an order's chain (PutChainLinks).
struct ChainLink {
  std::string ticket_id;
  std::string unit_id;
  std::string parent_unit_id;
};

// A holding to insert as it is (InsertHoldings): its seq known, still open.
struct NewHolding {
  std::string ticket_id;
  int dispatch_round = 0;
  int seq = 0;
  std::string unit_id;
  absl::Time arrived_at;
  std::string arrived_by;
};

// ChainStore: see the file comment. Thread-safe; owns nothing.
class ChainStore {
 public:
  virtual ~ChainStore() = default;

  // --- per-order chain
  // Locks the row (FOR UPDATE).
  virtual absl::StatusOr<std::optional<TicketInfo>> GetTicketInfo(
      db::Connection& conn, const std::string& ticket_id) = 0;
  // Inserts or replaces the order's row (REPLACE: idempotent).
  virtual absl::Status PutTicketInfo(db::Connection& conn,
                                     const TicketInfo& info) = 0;
  // Records that `parent` passed the order to `unit` (directory::kCenterUnitId
  // when the center dispatched it). Who gave a unit the order, never where the
  // unit lies: that is the directory's (domain/unit_scope.h).
  virtual absl::Status PutChainLink(db::Connection& conn,
                                    const std::string& ticket_id,
                                    const std::string& unit,
                                    const std::string& parent) = 0;
  // The unit that passed the order to `unit`; nullopt when no link names
  // one (ApproverOf, domain/extension_rules.h, says who decides then).
  virtual absl::StatusOr<std::optional<std::string>> ParentOf(
      db::Connection& conn, const std::string& ticket_id,
      const std::string& unit) = 0;
  // The units the order was passed to (every unit that held or holds it),
  // sorted.
  virtual absl::StatusOr<std::vector<std::string>> UnitsOfTicket(
      db::Connection& conn, const std::string& ticket_id) = 0;

  // --- a delivered batch's dispatches of orders new here, written at once
  // The ids among `ticket_ids` of which anything is stored: ticket_info, a
  // clock or a holding. Not locked.
  virtual absl::StatusOr<std::vector<std::string>> KnownTickets(
      db::Connection& conn, const std::vector<std::string>& ticket_ids) = 0;
  // PutTicketInfo of each, in multi-row statements.
  virtual absl::Status PutTicketInfos(db::Connection& conn,
                                      const std::vector<TicketInfo>& infos) = 0;
  // PutChainLink of each in order (a later link of the same unit wins), in
  // multi-row statements.
  virtual absl::Status PutChainLinks(db::Connection& conn,
                                     const std::vector<ChainLink>& links) = 0;
  // Inserts the holdings as they are (no holding is closed), in multi-row
  // statements.
  virtual absl::Status InsertHoldings(
      db::Connection& conn, const std::vector<NewHolding>& holdings) = 0;

  // --- holdings within a round
  // Closes the round's open holding (if any) at `at` and opens one for
  // `unit` arriving at `at` by `arrived_by`.
  virtual absl::Status MoveHolding(db::Connection& conn,
                                   const std::string& ticket_id, int round,
                                   const std::string& unit, absl::Time at,
                                   const std::string& arrived_by) = 0;
  // Closes the round's open holding (if any) at `at`.
  virtual absl::Status CloseHolding(db::Connection& conn,
                                    const std::string& ticket_id, int round,
                                    absl::Time at) = 0;
  // The round's holdings, oldest first.
  virtual absl::StatusOr<std::vector<Holding>> Holdings(
      db::Connection& conn, const std::string& ticket_id, int round) = 0;
};

}  // namespace hotline::deadline
