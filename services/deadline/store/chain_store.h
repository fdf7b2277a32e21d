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
