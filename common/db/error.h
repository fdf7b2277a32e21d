#pragma once

// MySQL/MariaDB errors as absl::Status, and Guard(), which runs Connector/C++
// code and turns its exceptions into a Status.
//
// Mapping (server or client error number → code):
//   1062 duplicate key                                  → ALREADY_EXISTS
//   1205 lock wait timeout, 1213 deadlock,
//   3572 NOWAIT lock not granted (MySQL 8)              → ABORTED (retry the
//                                                         whole transaction)
//   2002 2003 2005 2006 2013 2055 (cannot connect / lost connection),
//   1040 too many connections, 1053 server shutdown, 1927 connection killed,
//   4031 disconnected for inactivity (MySQL 8)          → UNAVAILABLE
//   1044 1045 1142 access denied                        → UNAVAILABLE
//   1406 data too long, 1366 incorrect string value,
//   1264 out of range                                   → INVALID_ARGUMENT
//   1146 missing table, anything else                   → INTERNAL
//
// Access denied is UNAVAILABLE, not PERMISSION_DENIED, on purpose: the caller
// of a service is never the database user. A wrong password or a missing
// grant is the service's own misconfiguration, i.e. an outage of its
// database as far as the caller can tell (retry later, page the operator), and
// PERMISSION_DENIED would wrongly tell the caller that *they* lack a right.
// The message says "access denied for user ..." so the log line names the
// cause.
//
// Messages are "<context>: <server message> (mysql error N)". Bound parameter
// values never appear: the server's messages that quote row data (1062's
// duplicate entry, 1366's string value) have the data cut out.

#include <cppconn/exception.h>

#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotline::db {

// The status for `e`; `context` says what was being done ("insert ticket").
absl::Status FromSqlException(const sql::SQLException& e,
                              absl::string_view context);

// The status for a MySQL error number and server message (what
// FromSqlException uses; exposed for tests and for code that has only these).
absl::Status FromMysqlError(int error_code, absl::string_view message,
                            absl::string_view context);

// True for error numbers meaning that the session is gone or unusable (lost
// connection, server shutdown, killed): such a connection must be discarded.
bool IsConnectionLost(int error_code);

namespace internal {
template <typename T>
struct IsStatusOr : std::false_type {};
template <typename T>
struct IsStatusOr<absl::StatusOr<T>> : std::true_type {};

// Guard's result for a callable returning R: void and Status give Status,
// StatusOr<T> stays StatusOr<T>, any other T gives StatusOr<T>.
template <typename R>
struct GuardResult {
  using type = absl::StatusOr<R>;
};
template <>
struct GuardResult<void> {
  using type = absl::Status;
};
template <>
struct GuardResult<absl::Status> {
  using type = absl::Status;
};
template <typename T>
struct GuardResult<absl::StatusOr<T>> {
  using type = absl::StatusOr<T>;
};
}  // namespace internal

// Runs f() and converts a thrown sql::SQLException (Connector/C++ throws
// nothing else for database errors) into a Status with `context`. f may
// return void, absl::Status, absl::StatusOr<T> or a plain T; see GuardResult.
//
//   ASSIGN_OR_RETURN(int64_t n, Guard("count tickets", [&] {
//     std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
//     rs->next();
//     return rs->getInt64(1);
//   }));
//
// Inside a pooled Connection prefer Connection::Guard, which also retires the
// connection after a connection-level error.
template <typename F>
auto Guard(absl::string_view context, F&& f) ->
    typename internal::GuardResult<std::invoke_result_t<F>>::type {
  using R = std::invoke_result_t<F>;
  try {
    if constexpr (std::is_void_v<R>) {
      std::forward<F>(f)();
      return absl::OkStatus();
    } else {
      return std::forward<F>(f)();
    }
  } catch (const sql::SQLException& e) {
    return FromSqlException(e, context);
  }
}

}  // namespace hotline::db
