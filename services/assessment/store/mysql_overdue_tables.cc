// The tables migration 011 added for deadline's ClockOverdue and DutyGap
// (overdue_clock, overdue_accrual, duty_gap_day): kept in the inbox
// transaction of each event, and the open overdue clocks read back.

#include "services/assessment/store/mysql_overdue_tables.h"

#include <cppconn/resultset.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/status/status.h"
#include "services/assessment/store/mysql_assessment_store.h"
#include "services/assessment/store/mysql_rows.h"

namespace hotline::assessment {

using mysql_rows::Placeholders;

namespace mysql_overdue {

absl::StatusOr<bool> RecordDutyGapDay(db::Connection& conn,
                                      const std::string& unit_id,
                                      absl::CivilDay day,
                                      const std::string& event_id) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("INSERT IGNORE INTO duty_gap_day (unit_id, "
                                "local_date, event_id) VALUES (?,?,?)"));
  return conn.Guard("record duty_gap_day", [&] {
    stmt->setString(1, unit_id);
    stmt->setString(2, calendar::FormatDate(day));
    stmt->setString(3, event_id);
    return stmt->executeUpdate() == 1;
  });
}

}  // namespace mysql_overdue

absl::Status MysqlAssessmentStore::UpsertOverdueClock(db::Connection& conn,
                                                      const OverdueClock& c) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare(
          "INSERT INTO overdue_clock (clock_id, ticket_id, ticket_number, "
          "kind, request_type, due, overdue_since, first_event_id, rule, "
          "article) VALUES (?,?,?,?,?,?,?,?,?,?) ON DUPLICATE KEY UPDATE "
          "kind = VALUES(kind)"));
  return conn.Guard("upsert overdue_clock", [&] {
    stmt->setString(1, c.clock_id);
    stmt->setString(2, c.ticket_id);
    stmt->setString(3, c.ticket_number);
    stmt->setInt(4, c.kind);
    stmt->setInt(5, c.request_type);
    stmt->setString(6, SqlTime(c.due));
    stmt->setString(7, SqlTime(c.overdue_since));
    stmt->setString(8, c.first_event_id);
    stmt->setString(9, c.rule);
    stmt->setString(10, c.article);
    stmt->executeUpdate();
  });
}

absl::Status MysqlAssessmentStore::InsertOverdueAccrual(
    db::Connection& conn, const std::string& clock_id,
    const OverdueAccrual& a) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("INSERT INTO overdue_accrual (event_id, clock_id, as_of, "
                   "unit_id, added_days) VALUES (?,?,?,?,?)"));
  return conn.Guard("insert overdue_accrual", [&] {
    stmt->setString(1, a.event_id);
    stmt->setString(2, clock_id);
    stmt->setString(3, SqlTime(a.as_of));
    stmt->setString(4, a.unit_id);
    stmt->setInt(5, static_cast<int32_t>(a.added_days));
    stmt->executeUpdate();
  });
}

absl::Status MysqlAssessmentStore::CloseOverdueClock(
    db::Connection& conn, const std::string& clock_id, absl::Time at) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("UPDATE overdue_clock SET closed_at = ? "
                                "WHERE clock_id = ? AND closed_at IS NULL"));
  return conn.Guard("close overdue_clock", [&] {
    stmt->setString(1, SqlTime(at));
    stmt->setString(2, clock_id);
    stmt->executeUpdate();
  });
}

absl::StatusOr<std::vector<OverdueClock>>
MysqlAssessmentStore::LoadOverdueClocks(absl::Time from, absl::Time to) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  std::vector<OverdueClock> out;
  std::map<std::string, size_t> index;
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn->Prepare(
          "SELECT clock_id, ticket_id, ticket_number, kind, request_type, "
          "due, overdue_since, first_event_id, rule, article, closed_at FROM "
          "overdue_clock WHERE overdue_since < ? AND (closed_at IS NULL OR "
          "closed_at >= ?) ORDER BY clock_id"));
  RETURN_IF_ERROR(conn->Guard("load overdue_clock", [&] {
    stmt->setString(1, SqlTime(to));
    stmt->setString(2, SqlTime(from));
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    while (rs->next()) {
      OverdueClock c;
      c.clock_id = rs->getString(1);
      c.ticket_id = rs->getString(2);
      c.ticket_number = rs->getString(3);
      c.kind = static_cast<v1::ClockKind>(rs->getInt(4));
      c.request_type = rs->getInt(5);
      c.due = ParseSqlTime(rs->getString(6));
      c.overdue_since = ParseSqlTime(rs->getString(7));
      c.first_event_id = rs->getString(8);
      c.rule = rs->getString(9);
      c.article = rs->getString(10);
      if (!rs->isNull(11)) c.closed_at = ParseSqlTime(rs->getString(11));
      index[c.clock_id] = out.size();
      out.push_back(std::move(c));
    }
  }));
  // Their ClockOverdue events, a bounded number of clocks per statement.
  std::vector<std::string> ids;
  for (const auto& c : out) ids.push_back(c.clock_id);
  for (size_t start = 0; start < ids.size(); start += 500) {
    const size_t n = std::min<size_t>(500, ids.size() - start);
    ASSIGN_OR_RETURN(
        auto* acc,
        conn->Prepare(absl::StrCat(
            "SELECT clock_id, event_id, as_of, unit_id, added_days FROM "
            "overdue_accrual WHERE as_of < ? AND clock_id IN (",
            Placeholders(n), ") ORDER BY clock_id, as_of, event_id")));
    RETURN_IF_ERROR(conn->Guard("load overdue_accrual", [&] {
      acc->setString(1, SqlTime(to));
      for (size_t i = 0; i < n; ++i) acc->setString(2 + i, ids[start + i]);
      std::unique_ptr<sql::ResultSet> rs(acc->executeQuery());
      while (rs->next()) {
        auto it = index.find(rs->getString(1));
        if (it == index.end()) continue;
        out[it->second].accruals.push_back(
            OverdueAccrual{rs->getString(2), ParseSqlTime(rs->getString(3)),
                           rs->getString(4), rs->getInt64(5)});
      }
    }));
  }
  return out;
}

}  // namespace hotline::assessment
