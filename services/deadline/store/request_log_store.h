#pragma once

// The idempotency log of hotline-deadline (table request_log): one stored
// response per request id.
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

// RequestLogStore: see the file comment. Thread-safe; owns nothing.
class RequestLogStore {
 public:
  virtual ~RequestLogStore() = default;

  // --- idempotency
  // The stored response of `request_id` (locking its row) if it was recorded
  // for the same rpc and fingerprint; ALREADY_EXISTS if it was recorded for
  // another request; nullopt if unknown.
  virtual absl::StatusOr<std::optional<std::string>> LookupRequest(
      db::Connection& conn, const std::string& request_id,
      const std::string& rpc, uint64_t fingerprint) = 0;
  // Stores `response` for `request_id` (a duplicate id is the database's
  // error: the caller looked it up in the same transaction).
  virtual absl::Status RecordRequest(db::Connection& conn,
                                     const std::string& request_id,
                                     const std::string& rpc,
                                     uint64_t fingerprint,
                                     const std::string& response,
                                     absl::Time now) = 0;
};

}  // namespace hotline::deadline
