// MysqlDeadlineStore: the clocks (ClockStore).
#include <algorithm>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/calendar/calendar.h"
#include "common/db/dialect.h"
#include "common/db/sql_text.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/deadline/store/mysql_deadline_rows.h"
#include "services/deadline/store/mysql_deadline_store.h"

namespace hotline::deadline {

using db::SqlTime;
using mysql::InList;
using mysql::kClockColumns;
using mysql::ReadAll;
using mysql::ReadClock;
using mysql::SetOptTime;
using mysql::UnitIn;

absl::Status MysqlDeadlineStore::InsertClocks(db::Connection& conn,
                                              std::vector<ClockRow>* rows) {
  if (rows->empty()) return absl::OkStatus();
  // With RETURNING (MariaDB) all rows in one statement that gives their ids
  // in the rows' order: no read-back. Without it (MySQL 8) one row at a
  // time, each id read by LAST_INSERT_ID().
  ASSIGN_OR_RETURN(const bool returning, db::InsertReturning(conn));
  const size_t per_statement = returning ? rows->size() : 1;
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare(absl::StrCat(
          "INSERT INTO clock (ticket_id, ticket_number, kind, "
          "unit_id, dispatch_round, running, started_at, "
          "working_days, rule, due, original_due, fixed_due, "
          "calendar_version, policy_version, calendar_incomplete, "
          "explanation) VALUES ",
          db::SqlRows("(?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      per_statement),
          returning ? " RETURNING clock_id" : "")));
  sql::PreparedStatement* last_id = nullptr;
  if (!returning) {
    ASSIGN_OR_RETURN(last_id, conn.Prepare("SELECT LAST_INSERT_ID()"));
  }
  constexpr unsigned kColumns = 15;
  return conn.Guard("insert clocks", [&]() -> absl::Status {
    std::vector<std::unique_ptr<std::istringstream>> blobs;
    auto bind = [&](size_t i, unsigned b) {
      const ClockRow* r = &(*rows)[i];
      stmt->setString(b + 1, r->ticket_id);
      stmt->setString(b + 2, r->ticket_number);
      stmt->setInt(b + 3, r->kind);
      stmt->setString(b + 4, r->unit_id);
      stmt->setInt(b + 5, r->dispatch_round);
      stmt->setString(b + 6, SqlTime(r->started_at));
      stmt->setInt(b + 7, r->working_days);
      stmt->setString(b + 8, r->rule);
      stmt->setString(b + 9, SqlTime(r->due));
      stmt->setString(b + 10, SqlTime(r->original_due));
      stmt->setInt(b + 11, r->fixed_due ? 1 : 0);
      stmt->setString(b + 12, r->calendar_version);
      stmt->setString(b + 13, r->policy_version);
      stmt->setInt(b + 14, r->calendar_incomplete ? 1 : 0);
      blobs.push_back(std::make_unique<std::istringstream>(
          r->explanation.SerializeAsString()));
      stmt->setBlob(b + 15, blobs.back().get());
    };
    size_t i = 0;
    if (returning) {
      for (size_t k = 0; k < rows->size(); ++k) {
        bind(k, static_cast<unsigned>(k) * kColumns);
      }
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next() && i < rows->size()) {
        (*rows)[i].clock_id = rs->getInt64(1);
        (*rows)[i].running = true;
        ++i;
      }
    } else {
      for (; i < rows->size(); ++i) {
        bind(i, 0);
        stmt->executeUpdate();
        std::unique_ptr<sql::ResultSet> rs(last_id->executeQuery());
        if (!rs->next()) break;
        (*rows)[i].clock_id = rs->getInt64(1);
        (*rows)[i].running = true;
      }
    }
    if (i != rows->size()) {
      return absl::InternalError(absl::StrCat("insert clocks: ", i, " ids for ",
                                              rows->size(), " rows"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ClockRow>> MysqlDeadlineStore::ClocksOfTicket(
    db::Connection& conn, const std::string& ticket_id, bool running_only,
    bool for_update) {
  ASSIGN_OR_RETURN(auto* stmt, conn.Prepare(absl::StrCat(
                                   "SELECT ", kClockColumns,
                                   " FROM clock c WHERE c.ticket_id = ?",
                                   running_only ? " AND c.running = 1" : "",
                                   " ORDER BY c.dispatch_round, c.started_at, "
                                   "c.clock_id",
                                   for_update ? " FOR UPDATE" : "")));
  stmt->setString(1, ticket_id);
  return ReadAll<ClockRow>(conn, stmt, "read clocks",
                           [](sql::ResultSet& rs) { return ReadClock(rs); });
}

absl::StatusOr<std::optional<ClockRow>> MysqlDeadlineStore::GetClock(
    db::Connection& conn, int64_t clock_id, bool for_update) {
  ASSIGN_OR_RETURN(auto* stmt, conn.Prepare(absl::StrCat(
                                   "SELECT ", kClockColumns,
                                   " FROM clock c WHERE c.clock_id = ?",
                                   for_update ? " FOR UPDATE" : "")));
  return conn.Guard("read clock", [&] {
    stmt->setInt64(1, clock_id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    std::optional<ClockRow> out;
    if (rs->next()) out = ReadClock(*rs);
    return out;
  });
}

absl::Status MysqlDeadlineStore::StopClock(db::Connection& conn,
                                           const ClockRow& row) {
  ASSIGN_OR_RETURN(
      auto* stop,
      conn.Prepare("UPDATE clock SET running = 0, outcome = ?, stopped_at = ?, "
                   "judged_at = ?, stop_cause = ?, overdue_working_days = ?, "
                   "elapsed_working_days = ?, pending_since = NULL, "
                   "pending_kind = 0 WHERE clock_id = ?"));
  ASSIGN_OR_RETURN(auto* drop,
                   conn.Prepare("DELETE FROM ladder_due WHERE clock_id = ?"));
  return conn.Guard("stop clock", [&] {
    stop->setInt(1, row.outcome);
    SetOptTime(stop, 2, row.stopped_at);
    SetOptTime(stop, 3, row.judged_at);
    stop->setString(4, row.stop_cause);
    stop->setInt(5, row.overdue_working_days);
    stop->setInt(6, row.elapsed_working_days);
    stop->setInt64(7, row.clock_id);
    stop->executeUpdate();
    drop->setInt64(1, row.clock_id);
    drop->executeUpdate();
  });
}

absl::Status MysqlDeadlineStore::SetPending(db::Connection& conn,
                                            int64_t clock_id,
                                            std::optional<absl::Time> since,
                                            Pending kind) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("UPDATE clock SET pending_since = ?, "
                                "pending_kind = ? WHERE clock_id = ?"));
  return conn.Guard("set pending", [&] {
    SetOptTime(stmt, 1, since);
    stmt->setInt(2, since.has_value() ? static_cast<int>(kind) : 0);
    stmt->setInt64(3, clock_id);
    stmt->executeUpdate();
  });
}

absl::Status MysqlDeadlineStore::RecordOverdue(
    db::Connection& conn, const std::vector<OverdueUpdate>& updates) {
  if (updates.empty()) return absl::OkStatus();
  std::string rows;
  for (size_t i = 0; i < updates.size(); ++i) {
    const OverdueUpdate& u = updates[i];
    const bool first = i == 0;
    absl::StrAppend(
        &rows, first ? "SELECT " : " UNION ALL SELECT ", u.clock_id,
        first ? " AS id, " : ", ",
        u.state.since.has_value()
            ? absl::StrCat("'", SqlTime(*u.state.since), "'")
            : std::string("NULL"),
        first ? " AS since, " : ", ",
        u.state.counted_through.has_value()
            ? absl::StrCat("'", calendar::FormatDate(*u.state.counted_through),
                           "'")
            : std::string("NULL"),
        first ? " AS through, " : ", ", u.state.accrued,
        first ? " AS accrued" : "");
  }
  return conn.Execute(absl::StrCat(
      "UPDATE clock c JOIN (", rows,
      ") u ON u.id = c.clock_id SET c.overdue_since = u.since, "
      "c.overdue_counted_through = u.through, c.overdue_working_days = "
      "u.accrued"));
}

absl::Status MysqlDeadlineStore::SetClockUnit(db::Connection& conn,
                                              int64_t clock_id,
                                              const std::string& unit_id) {
  ASSIGN_OR_RETURN(auto* stmt, conn.Prepare("UPDATE clock SET unit_id = ? "
                                            "WHERE clock_id = ?"));
  return conn.Guard("move clock unit", [&] {
    stmt->setString(1, unit_id);
    stmt->setInt64(2, clock_id);
    stmt->executeUpdate();
  });
}

absl::Status MysqlDeadlineStore::SetClockKind(db::Connection& conn,
                                              const ClockRow& r) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("UPDATE clock SET kind = ?, rule = ?, "
                                "explanation = ? WHERE clock_id = ?"));
  return conn.Guard("change clock kind", [&] {
    stmt->setInt(1, r.kind);
    stmt->setString(2, r.rule);
    std::istringstream in(r.explanation.SerializeAsString());
    stmt->setBlob(3, &in);
    stmt->setInt64(4, r.clock_id);
    stmt->executeUpdate();
  });
}

absl::Status MysqlDeadlineStore::MoveClock(db::Connection& conn,
                                           const ClockRow& r) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("UPDATE clock SET due = ?, fixed_due = ?, "
                   "calendar_version = ?, calendar_incomplete = ?, "
                   "working_days = ?, explanation = ? WHERE clock_id = ?"));
  return conn.Guard("move clock", [&] {
    stmt->setString(1, SqlTime(r.due));
    stmt->setInt(2, r.fixed_due ? 1 : 0);
    stmt->setString(3, r.calendar_version);
    stmt->setInt(4, r.calendar_incomplete ? 1 : 0);
    stmt->setInt(5, r.working_days);
    std::istringstream in(r.explanation.SerializeAsString());
    stmt->setBlob(6, &in);
    stmt->setInt64(7, r.clock_id);
    stmt->executeUpdate();
  });
}

absl::StatusOr<std::vector<ClockRow>> MysqlDeadlineStore::RunningClocksInYear(
    db::Connection& conn, int year) {
  const absl::Time begin =
      calendar::StartOfLocalDay(absl::CivilDay(year, 1, 1));
  const absl::Time end =
      calendar::StartOfLocalDay(absl::CivilDay(year + 1, 1, 1));
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare(absl::StrCat(
          "SELECT ", kClockColumns,
          " FROM clock c WHERE c.running = 1 AND c.fixed_due = 0 AND "
          "((c.started_at >= ? AND c.started_at < ?) OR (c.due > ? AND c.due "
          "<= ?)) ORDER BY c.clock_id FOR UPDATE")));
  stmt->setString(1, SqlTime(begin));
  stmt->setString(2, SqlTime(end));
  stmt->setString(3, SqlTime(begin));
  stmt->setString(4, SqlTime(end));
  return ReadAll<ClockRow>(conn, stmt, "clocks in year",
                           [](sql::ResultSet& rs) { return ReadClock(rs); });
}

absl::StatusOr<std::vector<ClockRow>> MysqlDeadlineStore::ListDueClocks(
    db::Connection& conn, const DueFilter& f) {
  std::string sql = absl::StrCat("SELECT ", kClockColumns,
                                 " FROM clock c WHERE c.running = 1 AND "
                                 "c.due < ?");
  std::vector<std::string> params = {SqlTime(f.due_before)};
  if (f.not_before.has_value()) {
    sql += " AND c.due >= ?";
    params.push_back(SqlTime(*f.not_before));
  }
  if (!f.kinds.empty())
    absl::StrAppend(&sql, " AND c.kind IN ", InList(f.kinds));
  sql += UnitIn("c.unit_id", f.units, &params);
  sql += " ORDER BY c.due, c.clock_id LIMIT ? OFFSET ?";
  ASSIGN_OR_RETURN(auto* stmt, conn.Prepare(sql));
  int i = 1;
  for (const std::string& p : params) stmt->setString(i++, p);
  stmt->setInt(i++, f.limit);
  stmt->setInt64(i++, f.offset);
  return ReadAll<ClockRow>(conn, stmt, "list due",
                           [](sql::ResultSet& rs) { return ReadClock(rs); });
}

absl::StatusOr<int64_t> MysqlDeadlineStore::CountRunningClocksInYear(
    db::Connection& conn, int year) {
  const absl::Time begin =
      calendar::StartOfLocalDay(absl::CivilDay(year, 1, 1));
  const absl::Time end =
      calendar::StartOfLocalDay(absl::CivilDay(year + 1, 1, 1));
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("SELECT COUNT(*) FROM clock WHERE running = 1 AND "
                   "((started_at >= ? AND started_at < ?) OR "
                   "(due > ? AND due <= ?))"));
  return conn.Guard("count clocks in year", [&] {
    stmt->setString(1, SqlTime(begin));
    stmt->setString(2, SqlTime(end));
    stmt->setString(3, SqlTime(begin));
    stmt->setString(4, SqlTime(end));
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    rs->next();
    return static_cast<int64_t>(rs->getInt64(1));
  });
}

}  // namespace hotline::deadline
