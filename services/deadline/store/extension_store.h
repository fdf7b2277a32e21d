#pragma once

// The extensions of hotline-deadline (table extension): requested,
// decided, the caller informed.
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
#include "services/deadline/domain/extension_rules.h"
#include "services/deadline/store/deadline_rows.h"

namespace hotline::db {
class Connection;
}

namespace hotline::deadline {

// ExtensionStore: see the file comment. Thread-safe; owns nothing.
class ExtensionStore {
 public:
  virtual ~ExtensionStore() = default;

  // --- extensions
  // Returns the new extension_id.
  virtual absl::StatusOr<int64_t> InsertExtension(db::Connection& conn,
                                                  const ExtensionRow& row) = 0;
  // The extension, nullopt if unknown; locked with `for_update`.
  virtual absl::StatusOr<std::optional<ExtensionRow>> GetExtension(
      db::Connection& conn, int64_t id, bool for_update) = 0;
  // Whether the clock has a PENDING extension.
  virtual absl::StatusOr<bool> HasPendingExtension(db::Connection& conn,
                                                   int64_t clock_id) = 0;
  // Moves the clock's extensions in state change.from to change.to.
  virtual absl::Status ChangeExtensionStates(
      db::Connection& conn, int64_t clock_id,
      const ExtensionStateChange& change) = 0;
  // Writes the decision (state, approved date, due after, reason, who, when,
  // decided after due).
  virtual absl::Status DecideExtension(db::Connection& conn,
                                       const ExtensionRow& row) = 0;
  // Writes the caller-informed record (contact, when, note, who).
  virtual absl::Status RecordCallerInformed(db::Connection& conn,
                                            const ExtensionRow& row) = 0;
  // The order's extensions, oldest first.
  virtual absl::StatusOr<std::vector<v1::Extension>> ExtensionsOfTicket(
      db::Connection& conn, const std::string& ticket_id) = 0;
  // Newest first.
  virtual absl::StatusOr<std::vector<v1::Extension>> ListExtensions(
      db::Connection& conn, const ExtensionFilter& f) = 0;
};

}  // namespace hotline::deadline
