#include "common/server/mysql_request_log.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <istream>
#include <memory>
#include <sstream>

#include "common/status/status.h"

namespace hotline::server {
namespace {

std::string ReadBlob(sql::ResultSet& rs, int column) {
  std::unique_ptr<std::istream> in(rs.getBlob(column));
  std::stringstream out;
  if (in != nullptr) out << in->rdbuf();
  return out.str();
}

}  // namespace

absl::StatusOr<std::optional<LoggedRequest>> MysqlRequestLog::Find(
    db::Connection& conn, const std::string& request_id) const {
  ASSIGN_OR_RETURN(sql::PreparedStatement * stmt,
                   conn.Prepare("SELECT rpc, request_hash, answer FROM "
                                "idempotency_log WHERE request_id = ?"));
  return conn.Guard("find request_id", [&]() -> std::optional<LoggedRequest> {
    stmt->setString(1, request_id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    if (!rs->next()) return std::nullopt;
    LoggedRequest out;
    out.rpc = rs->getString(1);
    if (!rs->isNull(2)) out.hash = ReadBlob(*rs, 2);
    out.answer = ReadBlob(*rs, 3);
    return out;
  });
}

absl::Status MysqlRequestLog::Claim(db::Connection& conn,
                                    const RequestKey& key) const {
  ASSIGN_OR_RETURN(sql::PreparedStatement * stmt,
                   conn.Prepare("INSERT INTO idempotency_log (request_id, rpc, "
                                "request_hash, answer, created_at) VALUES "
                                "(?, ?, ?, '', UTC_TIMESTAMP(6))"));
  return conn.Guard("claim request_id", [&] {
    stmt->setString(1, key.request_id);
    stmt->setString(2, key.rpc);
    std::istringstream hash(key.hash);
    stmt->setBlob(3, &hash);
    stmt->executeUpdate();
  });
}

absl::Status MysqlRequestLog::Record(db::Connection& conn,
                                     const std::string& request_id,
                                     const std::string& answer) const {
  ASSIGN_OR_RETURN(sql::PreparedStatement * stmt,
                   conn.Prepare("UPDATE idempotency_log SET answer = ? "
                                "WHERE request_id = ?"));
  return conn.Guard("record request_id", [&] {
    std::istringstream in(answer);
    stmt->setBlob(1, &in);
    stmt->setString(2, request_id);
    stmt->executeUpdate();
  });
}

}  // namespace hotline::server
