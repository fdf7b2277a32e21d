#pragma once

// The shared request log (idempotency.h) over MySQL 8 / MariaDB 10.11: the
// table idempotency_log of common/server/schema/004_idempotency_log.sql, which
// RequestLogMigrations() embeds and the service runtime applies to every
// service schema (after the outbox's, before the service's own).

#include <optional>
#include <string>

#include "common/server/idempotency.h"

namespace hotline::server {

// Stateless and thread-safe; one instance may serve every core of a process.
class MysqlRequestLog final : public RequestLog {
 public:
  absl::StatusOr<std::optional<LoggedRequest>> Find(
      db::Connection& conn, const std::string& request_id) const override;
  absl::Status Claim(db::Connection& conn,
                     const RequestKey& key) const override;
  absl::Status Record(db::Connection& conn, const std::string& request_id,
                      const std::string& answer) const override;
};

}  // namespace hotline::server
