// MysqlAssessmentStore: the kept monthly bulletins (StoredReportStore).

#include <cppconn/resultset.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/assessment/store/mysql_assessment_store.h"
#include "services/assessment/store/mysql_rows.h"

namespace hotline::assessment {

using mysql_rows::ParseDay;

namespace {

constexpr char kStoredReportColumns[] =
    "month, title, from_date, to_date, generated_at, facts_through, "
    "documents";

StoredReportRow ReadStoredReport(sql::ResultSet& rs, bool with_response) {
  StoredReportRow r;
  r.month = rs.getString(1);
  r.title = rs.getString(2);
  r.from_date = ParseDay(rs.getString(3));
  r.to_date = ParseDay(rs.getString(4));
  r.generated_at = ParseSqlTime(rs.getString(5));
  if (!rs.isNull(6)) r.facts_through = ParseSqlTime(rs.getString(6));
  r.documents = rs.getInt(7);
  if (with_response) r.response = rs.getString(8);
  return r;
}

}  // namespace

absl::StatusOr<bool> MysqlAssessmentStore::InsertStoredReport(
    const StoredReportRow& row) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto* stmt, conn->Prepare(absl::StrCat(
                                   "INSERT IGNORE INTO stored_report (",
                                   kStoredReportColumns,
                                   ", response) VALUES (?,?,?,?,?,?,?,?)")));
  return conn->Guard("store report", [&]() -> bool {
    stmt->setString(1, row.month);
    stmt->setString(2, row.title);
    stmt->setString(3, calendar::FormatDate(row.from_date));
    stmt->setString(4, calendar::FormatDate(row.to_date));
    stmt->setString(5, SqlTime(row.generated_at));
    if (row.facts_through.has_value()) {
      stmt->setString(6, SqlTime(*row.facts_through));
    } else {
      stmt->setNull(6, 0);
    }
    stmt->setInt(7, row.documents);
    stmt->setString(8, row.response);
    return stmt->executeUpdate() == 1;
  });
}

absl::StatusOr<bool> MysqlAssessmentStore::HasStoredReport(
    const std::string& month) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(
      auto* stmt, conn->Prepare("SELECT 1 FROM stored_report WHERE month = ?"));
  return conn->Guard("has stored report", [&]() -> bool {
    stmt->setString(1, month);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    return rs->next();
  });
}

absl::StatusOr<std::vector<StoredReportRow>>
MysqlAssessmentStore::ListStoredReports(const std::string& from_month,
                                        const std::string& to_month,
                                        const std::string& before_month,
                                        int limit) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  std::vector<std::string> where = {"1 = 1"}, args;
  if (!from_month.empty()) {
    where.push_back("month >= ?");
    args.push_back(from_month);
  }
  if (!to_month.empty()) {
    where.push_back("month <= ?");
    args.push_back(to_month);
  }
  if (!before_month.empty()) {
    where.push_back("month < ?");
    args.push_back(before_month);
  }
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn->Prepare(absl::StrCat(
          "SELECT ", kStoredReportColumns, " FROM stored_report WHERE ",
          absl::StrJoin(where, " AND "), " ORDER BY month DESC LIMIT ",
          std::max(1, limit))));
  return conn->Guard("list stored reports", [&] {
    for (size_t i = 0; i < args.size(); ++i) {
      stmt->setString(static_cast<int>(i + 1), args[i]);
    }
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    std::vector<StoredReportRow> out;
    while (rs->next()) out.push_back(ReadStoredReport(*rs, false));
    return out;
  });
}

absl::StatusOr<std::optional<StoredReportRow>>
MysqlAssessmentStore::GetStoredReport(const std::string& month) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto* stmt,
                   conn->Prepare(absl::StrCat(
                       "SELECT ", kStoredReportColumns,
                       ", response FROM stored_report WHERE month = ?")));
  return conn->Guard("get stored report",
                     [&]() -> std::optional<StoredReportRow> {
                       stmt->setString(1, month);
                       std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
                       if (!rs->next()) return std::nullopt;
                       return ReadStoredReport(*rs, true);
                     });
}

}  // namespace hotline::assessment
