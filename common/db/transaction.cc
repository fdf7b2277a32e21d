#include "common/db/transaction.h"

#include <cppconn/exception.h>

#include <algorithm>
#include <string>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"

namespace hotline::db {
namespace {

void Backoff(const TxnOptions& options, int retry) {
  thread_local absl::BitGen gen;
  double factor = absl::Uniform(gen, 0.5, 1.5);
  absl::Duration delay =
      options.backoff_base * (1 << std::min(retry - 1, 10)) * factor;
  absl::SleepFor(delay);
}

enum class Phase { kBeforeCommit, kCommit };

struct Attempt {
  absl::Status status;
  Phase phase = Phase::kBeforeCommit;
};

Attempt RunOnce(ConnectionPool& pool,
                absl::FunctionRef<absl::Status(Connection&)> body) {
  absl::StatusOr<PooledConnection> conn = pool.Acquire();
  if (!conn.ok()) return {conn.status()};
  Connection& c = **conn;
  absl::Status status = c.Begin();
  if (status.ok()) {
    try {
      status = body(c);
    } catch (const sql::SQLException& e) {
      status = FromSqlException(e, "transaction body");
    }
    c.NoteStatus(status);
  }
  if (!status.ok()) {
    // A broken session is discarded by the pool; the server rolls it back.
    if (c.in_transaction() && !c.broken()) (void)c.Rollback();
    return {status};
  }
  status = c.Commit();
  if (!status.ok() && absl::IsUnavailable(status)) {
    status = absl::UnavailableError(
        absl::StrCat("commit outcome unknown: ", status.message()));
  }
  return {status, Phase::kCommit};
}

}  // namespace

absl::Status RunInTransaction(ConnectionPool& pool,
                              absl::FunctionRef<absl::Status(Connection&)> body,
                              const TxnOptions& options) {
  int aborted_retries = 0;
  int unavailable_retries = 0;
  for (int run = 1;; ++run) {
    Attempt attempt = RunOnce(pool, body);
    if (attempt.status.ok()) return attempt.status;
    const bool before_commit = attempt.phase == Phase::kBeforeCommit;
    if (absl::IsAborted(attempt.status) &&
        aborted_retries + 1 < options.max_attempts) {
      ++aborted_retries;
      Backoff(options, aborted_retries);
      continue;
    }
    if (absl::IsUnavailable(attempt.status) && before_commit &&
        unavailable_retries < options.unavailable_retries) {
      ++unavailable_retries;
      continue;
    }
    if (absl::IsAborted(attempt.status)) {
      return absl::AbortedError(absl::StrCat(
          attempt.status.message(), " [gave up after ", run, " attempts]"));
    }
    return attempt.status;
  }
}

}  // namespace hotline::db
