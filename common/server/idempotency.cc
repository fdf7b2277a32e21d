#include "common/server/idempotency.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/strings/str_cat.h"
#include "common/server/proto_digest.h"

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

namespace {

// RunIdempotent whose answer is *response, serialized: `body` fills it;
// a replay parses the stored bytes into it.
absl::Status RunWithResponse(
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

}  // namespace

std::string RequestHash(const google::protobuf::Message& request) {
  return Sha256(DeterministicBytesWithout(request, "request_id"));
}

RequestKey KeyOf(absl::string_view rpc,
                 const google::protobuf::Message& request) {
  RequestKey key;
  const google::protobuf::FieldDescriptor* id =
      request.GetDescriptor()->FindFieldByName("request_id");
  if (id != nullptr &&
      id->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
      !id->is_repeated()) {
    key.request_id = request.GetReflection()->GetString(request, id);
  }
  key.rpc = std::string(rpc);
  key.hash = RequestHash(request);
  return key;
}

absl::Status RequestIdReused(absl::string_view request_id) {
  return absl::AlreadyExistsError(absl::StrCat(
      "request_id: ", request_id, " was already used for a different request"));
}

absl::StatusOr<std::string> MatchLogged(const RequestKey& key,
                                        const LoggedRequest& logged) {
  if (logged.rpc != key.rpc ||
      (logged.hash.has_value() && *logged.hash != key.hash)) {
    return RequestIdReused(key.request_id);
  }
  return logged.answer;
}

absl::StatusOr<std::optional<std::string>> ClaimOrReplay(
    db::Connection& conn, const RequestLog& log, const RequestKey& key) {
  absl::StatusOr<std::optional<LoggedRequest>> found =
      log.Find(conn, key.request_id);
  if (!found.ok()) return found.status();
  if (found->has_value()) {
    absl::StatusOr<std::string> answer = MatchLogged(key, **found);
    if (!answer.ok()) return answer.status();
    return std::optional<std::string>(*std::move(answer));
  }
  // Claim the id before the work: a concurrent twin's claim waits for this
  // transaction, then fails on the key; retried, it finds the answer.
  absl::Status claimed = log.Claim(conn, key);
  if (absl::IsAlreadyExists(claimed)) {
    return absl::AbortedError(absl::StrCat("request_id: ", key.request_id,
                                           " claimed concurrently; retry"));
  }
  if (!claimed.ok()) return claimed;
  return std::optional<std::string>();
}

absl::Status RunIdempotent(
    db::ConnectionPool& pool, const RequestLog& log, const RequestKey& key,
    std::function<absl::Status(db::Connection&)> authorize,
    std::function<absl::StatusOr<std::string>(db::Connection&)> run,
    std::function<absl::Status(db::Connection&, const std::string&)> replay,
    const db::TxnOptions& options) {
  IdempotentCall call;
  call.authorize = std::move(authorize);
  call.find = [&](db::Connection& conn) {
    return ClaimOrReplay(conn, log, key);
  };
  call.replay = std::move(replay);
  call.run = std::move(run);
  call.record = [&](db::Connection& conn, const std::string& answer) {
    return log.Record(conn, key.request_id, answer);
  };
  return RunIdempotent(pool, call, options);
}

absl::Status RunIdempotentResponse(
    db::ConnectionPool& pool, const RequestLog& log, const RequestKey& key,
    std::function<absl::Status(db::Connection&)> authorize,
    std::function<absl::Status(db::Connection&)> body,
    google::protobuf::Message* response, const db::TxnOptions& options) {
  return RunWithResponse(
      pool, std::move(authorize),
      [&](db::Connection& conn) { return ClaimOrReplay(conn, log, key); },
      [&](db::Connection& conn, const std::string& answer) {
        return log.Record(conn, key.request_id, answer);
      },
      std::move(body), response, options);
}

}  // namespace hotline::server
