#pragma once

// Idempotent mutations, one order for every service: AUTHORIZATION FIRST,
// then the request id (DESIGN.md §6, "Authorization before idempotency").
//
// A request_id makes a retry harmless: the second call gets the first call's
// answer. That answer (the order's content, a reply's text, an extension's
// decision) is only for a caller who may make that call on that object now,
// so RunIdempotent runs, in ONE transaction:
//
//   1. authorize(conn)   may this principal make this call on this object
//                        now? (role, unit subtree, holder, approver …, read
//                        from the current state). Its error is the answer,
//                        and the request log is not even read: a replay by
//                        another unit or role is PERMISSION_DENIED exactly
//                        like a first call would be.
//   2. find(conn)        the stored answer of request_id, if any → replay
//                        (conn, answer) fills the response; OK. ALREADY_EXISTS
//                        when the id answered a different request. An
//                        implementation may claim a new id here (so a
//                        concurrent twin waits for this transaction).
//   3. run(conn)         the body; returns the answer to keep, which
//                        record(conn, answer) stores in the same transaction.
//
// Refusals (errors of 1–3) are not recorded; the transaction rolls back.
//
// The request log: ONE contract for every service (DESIGN.md §6). Each
// service schema holds the shared table `idempotency_log` (migration
// common/server/schema/004_idempotency_log.sql, applied by the runtime with the
// outbox's): request_id → rpc, request hash, the stored answer, created_at.
// The hash is RequestHash: SHA-256 of the request's DETERMINISTIC protobuf
// serialization with its request_id field cleared (the id is the key, not
// part of what it binds). A service never writes its own SQL for it: the
// overloads below take a RequestLog (MysqlRequestLog, mysql_request_log.h)
// and a RequestKey, and do claim → replay/run → record the same way for all:
//   - same id, same rpc and hash      → the stored answer (a replay);
//   - same id, other rpc or hash      → ALREADY_EXISTS "request_id: <id> was
//                                       already used for a different request";
//   - two transactions with one new id → the first claims it (inserts the
//     row); the twin's insert waits for that transaction, then fails on the
//     key and is ABORTED, so RunInTransaction retries it and it replays.
// The answer is the service's to choose: a serialized response, or a
// reference it rebuilds the response from (intake's merge keeps the order's
// id, its knowledge calls "<version>:<article_id>").

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/db/connection.h"
#include "common/db/transaction.h"

namespace google::protobuf {
class Message;
}

namespace hotline::server {

struct IdempotentCall {
  std::function<absl::Status(db::Connection&)> authorize;  // required
  std::function<absl::StatusOr<std::optional<std::string>>(db::Connection&)>
      find;  // required
  std::function<absl::Status(db::Connection&, const std::string&)> replay;
  std::function<absl::StatusOr<std::string>(db::Connection&)> run;
  std::function<absl::Status(db::Connection&, const std::string&)> record;
};

// Runs `call` as above in one transaction on `pool` (retried as a whole when
// the database aborts it). INTERNAL when a required function is missing.
// The general form: the overloads over the shared log below are built on
// it; a call whose id is bound by the object row it creates (assessment's
// one evaluation per order) gives its own find/record.
absl::Status RunIdempotent(db::ConnectionPool& pool, const IdempotentCall& call,
                           const db::TxnOptions& options = {});

// ------------------------------------------------------- the shared log

// SHA-256 (32 raw bytes) of the deterministic serialization of `request`
// with its `request_id` field (when it has one) cleared. Thread-safe.
std::string RequestHash(const google::protobuf::Message& request);

// What a request id is bound to in the log.
struct RequestKey {
  std::string request_id;
  std::string rpc;   // e.g. "MergeTicket"
  std::string hash;  // RequestHash of the request
};

// The key of `request` made as `rpc`: its request_id field and RequestHash.
RequestKey KeyOf(absl::string_view rpc,
                 const google::protobuf::Message& request);

// A row of the log as found.
struct LoggedRequest {
  std::string rpc;
  // nullopt for an entry carried over from a service's pre-upgrade
  // request_log (its hash was of another kind and cannot be recomputed):
  // such an entry binds the rpc alone.
  std::optional<std::string> hash;
  std::string answer;
};

// The one refusal of a request id reused for another request, in every
// service (also where an object row binds the id: intake's order and
// reveal audit, assessment's evaluation): ALREADY_EXISTS "request_id: <id>
// was already used for a different request".
absl::Status RequestIdReused(absl::string_view request_id);

// The decision on a found row, pure: its answer when it was made by the
// same request (same rpc, and same hash unless the entry has none),
// RequestIdReused otherwise.
absl::StatusOr<std::string> MatchLogged(const RequestKey& key,
                                        const LoggedRequest& logged);

// The storage of the log (MysqlRequestLog). Every method runs on the
// caller's connection, inside its transaction. Errors: UNAVAILABLE/ABORTED
// from the database, as named below.
class RequestLog {
 public:
  virtual ~RequestLog() = default;
  // The row of `request_id`, if any.
  virtual absl::StatusOr<std::optional<LoggedRequest>> Find(
      db::Connection& conn, const std::string& request_id) const = 0;
  // Inserts `key` with an empty answer. A concurrent claim of the same id
  // waits for this transaction; ALREADY_EXISTS when the id is taken.
  virtual absl::Status Claim(db::Connection& conn,
                             const RequestKey& key) const = 0;
  // Stores the answer of an id claimed in this transaction.
  virtual absl::Status Record(db::Connection& conn,
                              const std::string& request_id,
                              const std::string& answer) const = 0;
};

// Step 2 over `log`: the stored answer of key.request_id when it answered
// this request (MatchLogged), else claims the id and returns nullopt.
// ABORTED when a concurrent twin claimed it first (retry: it replays then).
absl::StatusOr<std::optional<std::string>> ClaimOrReplay(db::Connection& conn,
                                                         const RequestLog& log,
                                                         const RequestKey& key);

// RunIdempotent over the shared log: `run` returns the answer to keep,
// `replay` rebuilds the response from a stored answer.
absl::Status RunIdempotent(
    db::ConnectionPool& pool, const RequestLog& log, const RequestKey& key,
    std::function<absl::Status(db::Connection&)> authorize,
    std::function<absl::StatusOr<std::string>(db::Connection&)> run,
    std::function<absl::Status(db::Connection&, const std::string&)> replay,
    const db::TxnOptions& options = {});

// RunIdempotentResponse over the shared log: the answer is *response.
absl::Status RunIdempotentResponse(
    db::ConnectionPool& pool, const RequestLog& log, const RequestKey& key,
    std::function<absl::Status(db::Connection&)> authorize,
    std::function<absl::Status(db::Connection&)> body,
    google::protobuf::Message* response, const db::TxnOptions& options = {});

}  // namespace hotline::server
