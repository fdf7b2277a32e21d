#include "common/server/idempotency.h"

#include <google/protobuf/message.h>

namespace hotline::server {

absl::Status RunIdempotent(db::ConnectionPool& pool, const IdempotentCall& call,
                           const db::TxnOptions& options) {
  if (!call.authorize || !call.find || !call.replay || !call.run ||
      !call.record) {
    return absl::InternalError("RunIdempotent: incomplete call");
  }
  return db::RunInTransaction(
      pool,
      [&](db::Connection& conn) -> absl::Status {
        // 1. Who may do this, now: before anything about request_id.
        if (absl::Status allowed = call.authorize(conn); !allowed.ok()) {
          return allowed;
        }
        // 2. A retry gets the first answer.
        absl::StatusOr<std::optional<std::string>> stored = call.find(conn);
        if (!stored.ok()) return stored.status();
        if (stored->has_value()) return call.replay(conn, **stored);
        // 3. The first call does the work and keeps its answer.
        absl::StatusOr<std::string> answer = call.run(conn);
        if (!answer.ok()) return answer.status();
        return call.record(conn, *answer);
      },
      options);
}

absl::Status RunIdempotentResponse(
    db::ConnectionPool& pool,
    std::function<absl::Status(db::Connection&)> authorize,
    std::function<absl::StatusOr<std::optional<std::string>>(db::Connection&)>
        find,
    std::function<absl::Status(db::Connection&, const std::string&)> record,
    std::function<absl::Status(db::Connection&)> body,
    google::protobuf::Message* response, const db::TxnOptions& options) {
  IdempotentCall call;
  call.authorize = std::move(authorize);
  call.find = [&](db::Connection& conn) {
    response->Clear();
    return find(conn);
  };
  call.replay = [&](db::Connection&, const std::string& stored) {
    if (!response->ParseFromString(stored)) {
      return absl::InternalError("request_log: unreadable response");
    }
    return absl::OkStatus();
  };
  call.run = [&](db::Connection& conn) -> absl::StatusOr<std::string> {
    if (absl::Status s = body(conn); !s.ok()) return s;
    return response->SerializeAsString();
  };
  call.record = std::move(record);
  return RunIdempotent(pool, call, options);
}

}  // namespace hotline::server
