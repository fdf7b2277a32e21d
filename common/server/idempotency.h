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
// Each service keeps its own request_log table (routing, deadline, intake,
// knowledge, assessment): find/record/replay adapt it.

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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
absl::Status RunIdempotent(db::ConnectionPool& pool, const IdempotentCall& call,
                           const db::TxnOptions& options = {});

// The common case of a log that keeps the serialized response: the answer
// is `response` itself. `body` fills *response; `find`/`record` read and
// write the stored bytes.
absl::Status RunIdempotentResponse(
    db::ConnectionPool& pool,
    std::function<absl::Status(db::Connection&)> authorize,
    std::function<absl::StatusOr<std::optional<std::string>>(db::Connection&)>
        find,
    std::function<absl::Status(db::Connection&, const std::string&)> record,
    std::function<absl::Status(db::Connection&)> body,
    google::protobuf::Message* response, const db::TxnOptions& options = {});

}  // namespace hotline::server
