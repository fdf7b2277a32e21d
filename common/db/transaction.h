#pragma once

// RunInTransaction: one transaction on a pooled connection, retried when the
// database aborts it (deadlock, lock wait timeout).
//
//   RETURN_IF_ERROR(RunInTransaction(*pool, [&](Connection& conn) {
//     ASSIGN_OR_RETURN(auto* stmt, conn.Prepare("UPDATE ..."));
//     RETURN_IF_ERROR(conn.Guard("update ...", [&] { stmt->execute(); }));
//     return outbox.Append(conn, event);
//   }));
//
// The body may run several times, each time in a fresh transaction whose
// earlier attempt was rolled back, so it must have no effects outside the
// connection (no RPCs, no in-memory state it cannot reset) and must return
// the Status of every database call (use Connection::Guard; an escaping
// sql::SQLException is caught and treated the same way).
//
// Retries:
//  * ABORTED (1213 deadlock, 1205 lock wait timeout, 3572 NOWAIT): the server
//    rolled back, so the whole body runs again after a short jittered
//    exponential backoff, up to max_attempts runs in all.
//  * UNAVAILABLE before COMMIT was sent (stale pooled connection after a
//    server restart, lost connection mid-body, or no connection at all): the
//    server rolls back a transaction whose session dies, so nothing was
//    committed and one more run on a fresh connection is safe. This happens at
//    most once (unavailable_retries), then the error is returned.
//  * A failure of COMMIT itself is never retried: if the connection broke
//    while committing, the outcome is unknown. It is returned as UNAVAILABLE
//    with "commit outcome unknown" in the message; the caller's idempotency
//    key (request id, event id) makes its own retry safe.
//  * Any other error (including the body's own) rolls back and is returned.

#include <optional>
#include <type_traits>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/connection.h"

namespace hotline::db {

struct TxnOptions {
  // Runs of the body in all (first run + retries after ABORTED).
  int max_attempts = 5;
  // Extra runs after UNAVAILABLE that happened before COMMIT.
  int unavailable_retries = 1;
  // Backoff before retry n (n = 1, 2, ...): base * 2^(n-1), times a random
  // factor in [0.5, 1.5).
  absl::Duration backoff_base = absl::Milliseconds(5);
};

// Runs `body(Connection&) -> absl::Status` in a transaction; see above.
absl::Status RunInTransaction(ConnectionPool& pool,
                              absl::FunctionRef<absl::Status(Connection&)> body,
                              const TxnOptions& options = {});

// The same for a body returning absl::StatusOr<T>: the value of the run that
// committed.
template <typename F, typename R = std::invoke_result_t<F&, Connection&>,
          typename = std::enable_if_t<internal::IsStatusOr<R>::value>>
R RunInTransaction(ConnectionPool& pool, F&& body,
                   const TxnOptions& options = {}) {
  std::optional<typename R::value_type> result;
  absl::Status status = RunInTransaction(
      pool,
      [&](Connection& conn) -> absl::Status {
        R r = body(conn);
        if (!r.ok()) return r.status();
        result.emplace(*std::move(r));
        return absl::OkStatus();
      },
      options);
  if (!status.ok()) return status;
  return *std::move(result);
}

}  // namespace hotline::db
