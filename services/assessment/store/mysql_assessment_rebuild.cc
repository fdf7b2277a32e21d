// MysqlAssessmentStore: RebuildRollups' SQL (AssessmentRebuildStore) — the
// facts read chunk by chunk and the stored rollups, at one snapshot; the
// recomputed rollups written. The diff is domain/rebuild_diff.h, the loop,
// decision and transactions core/'s.

#include <cppconn/resultset.h>

#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/status/status.h"
#include "services/assessment/store/mysql_assessment_store.h"
#include "services/assessment/store/mysql_rows.h"

namespace hotline::assessment {

using mysql_rows::ParseDay;
using mysql_rows::RollupMonthUpsertSql;
using mysql_rows::RollupUpsertSql;

namespace {

// [0] daily, [1] monthly.
const char* const kRowTable[2] = {"rollup_unit_day", "rollup_unit_month"};
const char* const kHistTable[2] = {"rollup_handling", "rollup_handling_month"};
const char* const kDateCol[2] = {"local_date", "month_start"};

// " WHERE <date column of m> BETWEEN ? AND ?", or "" for all dates.
std::string RangeWhere(const std::optional<DateRange>& range, int m) {
  return range.has_value()
             ? absl::StrCat(" WHERE ", kDateCol[m], " BETWEEN ? AND ?")
             : std::string();
}

// Binds RangeWhere's two dates, if any.
void BindRange(const std::optional<DateRange>& range,
               sql::PreparedStatement* s) {
  if (range.has_value()) {
    s->setString(1, calendar::FormatDate(range->from));
    s->setString(2, calendar::FormatDate(range->to));
  }
}

}  // namespace

absl::Status MysqlAssessmentStore::BeginRebuildSnapshot(db::Connection& conn) {
  // Sessions run READ COMMITTED (a fresh snapshot per statement): the next
  // transaction alone runs REPEATABLE READ, so that every chunk and the
  // stored rollups are read at the snapshot of the first read.
  RETURN_IF_ERROR(
      conn.Execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
  return conn.Begin();
}

absl::StatusOr<std::optional<std::pair<int64_t, int64_t>>>
MysqlAssessmentStore::FactIdSpan(db::Connection& conn, const DateRange& range) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("SELECT MIN(id), MAX(id) FROM fact FORCE "
                                "INDEX (ix_fact_date) WHERE local_date "
                                "BETWEEN ? AND ?"));
  return conn.Guard("fact id span",
                    [&]() -> std::optional<std::pair<int64_t, int64_t>> {
                      stmt->setString(1, calendar::FormatDate(range.from));
                      stmt->setString(2, calendar::FormatDate(range.to));
                      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
                      if (!rs->next() || rs->isNull(1)) return std::nullopt;
                      return std::make_pair(rs->getInt64(1), rs->getInt64(2));
                    });
}

absl::Status MysqlAssessmentStore::ReadFactChunk(
    db::Connection& conn, const std::optional<DateRange>& range,
    int64_t after_id, int64_t up_to_id, int limit,
    std::vector<FactRecord>* facts, int64_t* last_id) {
  // By the primary key (FORCE INDEX: a date range must not turn each chunk
  // into a sort of the whole range), so each chunk starts where the last
  // ended and the connector buffers one chunk.
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare(absl::StrCat(
          "SELECT id, local_date, unit_id, request_type, kind, detail, "
          "amount, category_code, area_code, unit2_id, handling_days FROM "
          "fact FORCE INDEX (PRIMARY) WHERE id > ? AND id <= ?",
          range.has_value() ? " AND local_date BETWEEN ? AND ?" : "",
          " ORDER BY id LIMIT ?")));
  return conn.Guard("read facts", [&] {
    unsigned k = 1;
    stmt->setInt64(k++, after_id);
    stmt->setInt64(k++, up_to_id);
    if (range.has_value()) {
      stmt->setString(k++, calendar::FormatDate(range->from));
      stmt->setString(k++, calendar::FormatDate(range->to));
    }
    stmt->setInt(k, limit);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    while (rs->next()) {
      FactRecord& f = facts->emplace_back();
      *last_id = rs->getInt64(1);
      f.local_date = ParseDay(rs->getString(2));
      f.unit_id = rs->getString(3);
      f.request_type = rs->getInt(4);
      f.kind = rs->getString(5);
      f.detail = rs->getString(6);
      f.amount = rs->getInt64(7);
      f.category_code = rs->getString(8);
      f.area_code = rs->getString(9);
      f.unit2_id = rs->getString(10);
      if (!rs->isNull(11)) f.handling_days = rs->getInt64(11);
    }
  });
}

absl::Status MysqlAssessmentStore::ReadStoredRollups(
    db::Connection& conn, const std::optional<DateRange>& range,
    RollupSet* stored) {
  auto where = [&](int m) { return RangeWhere(range, m); };
  auto bind = [&](sql::PreparedStatement* s) { BindRange(range, s); };
  for (int m = 0; m < 2; ++m) {
    ASSIGN_OR_RETURN(auto* rstmt,
                     conn.Prepare(absl::StrCat(
                         "SELECT ", kDateCol[m], ", unit_id, request_type, ",
                         absl::StrJoin(CounterColumns(), ", "), " FROM ",
                         kRowTable[m], where(m))));
    RETURN_IF_ERROR(conn.Guard("scan rollups", [&] {
      bind(rstmt);
      std::unique_ptr<sql::ResultSet> rs(rstmt->executeQuery());
      while (rs->next()) {
        Counters c;
        for (int i = 0; i < kCounterCount; ++i) c.v[i] = rs->getInt64(4 + i);
        stored->rows[m][{rs->getString(1), rs->getString(2), rs->getInt(3)}] =
            c;
      }
    }));
    ASSIGN_OR_RETURN(auto* hstmt, conn.Prepare(absl::StrCat(
                                      "SELECT ", kDateCol[m],
                                      ", unit_id, request_type, working_days, "
                                      "n FROM ",
                                      kHistTable[m], where(m))));
    RETURN_IF_ERROR(conn.Guard("scan rollup_handling", [&] {
      bind(hstmt);
      std::unique_ptr<sql::ResultSet> rs(hstmt->executeQuery());
      while (rs->next()) {
        stored->hist[m][{rs->getString(1), rs->getString(2), rs->getInt(3),
                         rs->getInt64(4)}] = rs->getInt64(5);
      }
    }));
  }
  ASSIGN_OR_RETURN(
      auto* tstmt,
      conn.Prepare(absl::StrCat(
          "SELECT local_date, category_code, area_code, n FROM rollup_topic",
          where(0))));
  return conn.Guard("scan rollup_topic", [&] {
    bind(tstmt);
    std::unique_ptr<sql::ResultSet> rs(tstmt->executeQuery());
    while (rs->next()) {
      stored->topic[{rs->getString(1), rs->getString(2), rs->getString(3)}] =
          rs->getInt64(4);
    }
  });
}

absl::Status MysqlAssessmentStore::ReplaceRollups(
    db::Connection& conn, const std::optional<DateRange>& range,
    const RollupSet& fresh) {
  auto where = [&](int m) { return RangeWhere(range, m); };
  auto bind = [&](sql::PreparedStatement* s) { BindRange(range, s); };
  for (int m = 0; m < 2; ++m) {
    for (const char* table : {kRowTable[m], kHistTable[m]}) {
      ASSIGN_OR_RETURN(auto* del, conn.Prepare(absl::StrCat("DELETE FROM ",
                                                            table, where(m))));
      RETURN_IF_ERROR(conn.Guard("clear rollups", [&] {
        bind(del);
        del->executeUpdate();
      }));
    }
    for (const auto& [k, c] : fresh.rows[m]) {
      ASSIGN_OR_RETURN(
          auto* stmt,
          conn.Prepare(m == 0 ? RollupUpsertSql() : RollupMonthUpsertSql()));
      RETURN_IF_ERROR(conn.Guard("write rollup", [&] {
        stmt->setString(1, std::get<0>(k));
        stmt->setString(2, std::get<1>(k));
        stmt->setInt(3, std::get<2>(k));
        for (int i = 0; i < kCounterCount; ++i) {
          stmt->setInt64(4 + i, c.v[i]);
        }
        stmt->executeUpdate();
      }));
    }
    for (const auto& [k, n] : fresh.hist[m]) {
      ASSIGN_OR_RETURN(auto* stmt,
                       conn.Prepare(absl::StrCat(
                           "INSERT INTO ", kHistTable[m], " (", kDateCol[m],
                           ", unit_id, request_type, "
                           "working_days, n) VALUES (?,?,?,?,?)")));
      RETURN_IF_ERROR(conn.Guard("write rollup_handling", [&] {
        stmt->setString(1, std::get<0>(k));
        stmt->setString(2, std::get<1>(k));
        stmt->setInt(3, std::get<2>(k));
        stmt->setInt64(4, std::get<3>(k));
        stmt->setInt64(5, n);
        stmt->executeUpdate();
      }));
    }
  }
  ASSIGN_OR_RETURN(auto* del, conn.Prepare(absl::StrCat(
                                  "DELETE FROM rollup_topic", where(0))));
  RETURN_IF_ERROR(conn.Guard("clear rollup_topic", [&] {
    bind(del);
    del->executeUpdate();
  }));
  for (const auto& [k, n] : fresh.topic) {
    ASSIGN_OR_RETURN(
        auto* stmt,
        conn.Prepare("INSERT INTO rollup_topic (local_date, category_code, "
                     "area_code, n) VALUES (?,?,?,?)"));
    RETURN_IF_ERROR(conn.Guard("write rollup_topic", [&] {
      stmt->setString(1, std::get<0>(k));
      stmt->setString(2, std::get<1>(k));
      stmt->setString(3, std::get<2>(k));
      stmt->setInt64(4, n);
      stmt->executeUpdate();
    }));
  }
  return absl::OkStatus();
}

}  // namespace hotline::assessment
