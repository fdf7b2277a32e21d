// MysqlAssessmentStore: the reads of queries (AssessmentQueryStore).

#include <cppconn/resultset.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/assessment/store/mysql_assessment_store.h"
#include "services/assessment/store/mysql_rows.h"

namespace hotline::assessment {

using mysql_rows::kFactColumnCount;
using mysql_rows::kFactColumns;
using mysql_rows::ParseDay;
using mysql_rows::Placeholders;
using mysql_rows::ReadFact;

absl::StatusOr<UnitTree> MysqlAssessmentStore::LoadUnits() {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto* stmt,
                   conn->Prepare("SELECT unit_id, parent_id, is_area FROM "
                                 "unit_node"));
  return conn->Guard("load units", [&] {
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    UnitTree tree;
    while (rs->next()) {
      tree.Add(rs->getString(1), rs->getString(2), rs->getInt(3) != 0);
    }
    return tree;
  });
}

absl::Status MysqlAssessmentStore::LoadRollups(
    const DateRange& range, const std::vector<std::string>& unit_ids,
    int request_type, std::vector<RollupRow>* rows,
    std::vector<HandlingRow>* handling) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  std::string where = "local_date BETWEEN ? AND ?";
  if (!unit_ids.empty()) {
    absl::StrAppend(&where, " AND unit_id IN (", Placeholders(unit_ids.size()),
                    ")");
  }
  if (request_type != 0) absl::StrAppend(&where, " AND request_type = ?");
  auto bind = [&](sql::PreparedStatement* s) {
    int i = 1;
    s->setString(i++, calendar::FormatDate(range.from));
    s->setString(i++, calendar::FormatDate(range.to));
    for (const auto& u : unit_ids) s->setString(i++, u);
    if (request_type != 0) s->setInt(i++, request_type);
  };
  if (rows != nullptr) {
    ASSIGN_OR_RETURN(
        auto* stmt,
        conn->Prepare(absl::StrCat("SELECT local_date, unit_id, request_type, ",
                                   absl::StrJoin(CounterColumns(), ", "),
                                   " FROM rollup_unit_day WHERE ", where)));
    RETURN_IF_ERROR(conn->Guard("load rollups", [&] {
      bind(stmt);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next()) {
        RollupRow r;
        r.date = ParseDay(rs->getString(1));
        r.unit_id = rs->getString(2);
        r.request_type = rs->getInt(3);
        for (int i = 0; i < kCounterCount; ++i) {
          r.counters.v[i] = rs->getInt64(4 + i);
        }
        rows->push_back(std::move(r));
      }
    }));
  }
  if (handling != nullptr) {
    ASSIGN_OR_RETURN(
        auto* stmt,
        conn->Prepare(absl::StrCat("SELECT local_date, unit_id, request_type, "
                                   "working_days, n FROM rollup_handling "
                                   "WHERE ",
                                   where)));
    RETURN_IF_ERROR(conn->Guard("load rollup_handling", [&] {
      bind(stmt);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next()) {
        handling->push_back(HandlingRow{ParseDay(rs->getString(1)),
                                        rs->getString(2), rs->getInt(3),
                                        rs->getInt64(4), rs->getInt64(5)});
      }
    }));
  }
  return absl::OkStatus();
}

absl::Status MysqlAssessmentStore::LoadUnitTotals(
    const DateRange& range, int request_type,
    std::map<std::string, Totals>* out) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  const MonthSplit split = SplitMonths(range);
  std::vector<std::pair<bool, DateRange>> parts;  // (monthly?, range)
  if (split.months.has_value()) parts.emplace_back(true, *split.months);
  for (const auto& d : split.days) parts.emplace_back(false, d);
  std::vector<std::string> sums;
  for (const char* c : CounterColumns()) {
    sums.push_back(absl::StrCat("SUM(", c, ")"));
  }
  for (const auto& [monthly, r] : parts) {
    const std::string date_col = monthly ? "month_start" : "local_date";
    std::string where = absl::StrCat(date_col, " BETWEEN ? AND ?");
    if (request_type != 0) absl::StrAppend(&where, " AND request_type = ?");
    auto bind = [&, r = r](sql::PreparedStatement* s) {
      s->setString(1, calendar::FormatDate(r.from));
      s->setString(2, calendar::FormatDate(r.to));
      if (request_type != 0) s->setInt(3, request_type);
    };
    ASSIGN_OR_RETURN(
        auto* stmt, conn->Prepare(absl::StrCat(
                        "SELECT unit_id, ", absl::StrJoin(sums, ", "), " FROM ",
                        monthly ? "rollup_unit_month" : "rollup_unit_day",
                        " WHERE ", where, " GROUP BY unit_id")));
    RETURN_IF_ERROR(conn->Guard("sum rollups by unit", [&] {
      bind(stmt);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next()) {
        Totals& t = (*out)[rs->getString(1)];
        for (int i = 0; i < kCounterCount; ++i) {
          t.counters.v[i] += rs->getInt64(2 + i);
        }
      }
    }));
    ASSIGN_OR_RETURN(auto* hstmt,
                     conn->Prepare(absl::StrCat(
                         "SELECT unit_id, working_days, SUM(n) FROM ",
                         monthly ? "rollup_handling_month" : "rollup_handling",
                         " WHERE ", where, " GROUP BY unit_id, working_days")));
    RETURN_IF_ERROR(conn->Guard("sum rollup_handling by unit", [&] {
      bind(hstmt);
      std::unique_ptr<sql::ResultSet> rs(hstmt->executeQuery());
      while (rs->next()) {
        (*out)[rs->getString(1)].handling[rs->getInt64(2)] += rs->getInt64(3);
      }
    }));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredFact>> MysqlAssessmentStore::ListFacts(
    const FactFilter& filter) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  std::vector<std::string> conds;
  if (!filter.ticket_id.empty()) conds.push_back("ticket_id = ?");
  if (!filter.ticket_ids.empty()) {
    conds.push_back(absl::StrCat("ticket_id IN (",
                                 Placeholders(filter.ticket_ids.size()), ")"));
  }
  if (!filter.unit_ids.empty()) {
    conds.push_back(absl::StrCat(filter.by_second_unit ? "unit2_id" : "unit_id",
                                 " IN (", Placeholders(filter.unit_ids.size()),
                                 ")"));
  }
  if (filter.range.has_value()) conds.push_back("local_date BETWEEN ? AND ?");
  if (!filter.producers.empty()) {
    conds.push_back(absl::StrCat("producer IN (",
                                 Placeholders(filter.producers.size()), ")"));
  }
  if (!filter.kinds.empty()) {
    conds.push_back(
        absl::StrCat("kind IN (", Placeholders(filter.kinds.size()), ")"));
  }
  if (filter.after_at.has_value()) {
    conds.push_back("(occurred_at > ? OR (occurred_at = ? AND event_id > ?))");
  }
  std::string sql =
      absl::StrCat("SELECT ", kFactColumns, ", event, recorded_at FROM fact");
  if (!conds.empty()) {
    absl::StrAppend(&sql, " WHERE ", absl::StrJoin(conds, " AND "));
  }
  absl::StrAppend(&sql, " ORDER BY occurred_at, event_id");
  if (filter.limit > 0) absl::StrAppend(&sql, " LIMIT ", filter.limit);
  ASSIGN_OR_RETURN(auto* stmt, conn->Prepare(sql));
  return conn->Guard("list facts", [&] {
    int i = 1;
    if (!filter.ticket_id.empty()) stmt->setString(i++, filter.ticket_id);
    for (const auto& t : filter.ticket_ids) stmt->setString(i++, t);
    for (const auto& u : filter.unit_ids) stmt->setString(i++, u);
    if (filter.range.has_value()) {
      stmt->setString(i++, calendar::FormatDate(filter.range->from));
      stmt->setString(i++, calendar::FormatDate(filter.range->to));
    }
    for (const auto& p : filter.producers) stmt->setString(i++, p);
    for (const auto& k : filter.kinds) stmt->setString(i++, k);
    if (filter.after_at.has_value()) {
      stmt->setString(i++, SqlTime(*filter.after_at));
      stmt->setString(i++, SqlTime(*filter.after_at));
      stmt->setString(i++, filter.after_event_id);
    }
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    std::vector<StoredFact> out;
    while (rs->next()) {
      StoredFact f;
      ReadFact(*rs, f.record);
      if (!rs->isNull(kFactColumnCount + 1)) {
        f.event_bytes = rs->getString(kFactColumnCount + 1);
      }
      f.recorded_at = ParseSqlTime(rs->getString(kFactColumnCount + 2));
      out.push_back(std::move(f));
    }
    return out;
  });
}

absl::StatusOr<std::map<std::pair<std::string, std::string>, int64_t>>
MysqlAssessmentStore::Topics(const DateRange& range) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn->Prepare("SELECT category_code, area_code, SUM(n) FROM "
                    "rollup_topic WHERE local_date BETWEEN ? AND ? GROUP BY "
                    "category_code, area_code"));
  return conn->Guard("topics", [&] {
    stmt->setString(1, calendar::FormatDate(range.from));
    stmt->setString(2, calendar::FormatDate(range.to));
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    std::map<std::pair<std::string, std::string>, int64_t> out;
    while (rs->next()) {
      out[{rs->getString(1), rs->getString(2)}] += rs->getInt64(3);
    }
    return out;
  });
}

absl::StatusOr<std::optional<absl::Time>> MysqlAssessmentStore::FactsThrough() {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto* stmt,
                   conn->Prepare("SELECT recorded_at FROM fact ORDER BY id "
                                 "DESC LIMIT 1"));
  return conn->Guard("facts through", [&]() -> std::optional<absl::Time> {
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    if (!rs->next()) return std::nullopt;
    return ParseSqlTime(rs->getString(1));
  });
}

}  // namespace hotline::assessment
