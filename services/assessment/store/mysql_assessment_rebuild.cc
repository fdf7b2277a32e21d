// MysqlAssessmentStore::Rebuild: the rollups recomputed from the fact rows
// with ContributionOf, compared with the incremental ones, and replaced.

#include <cppconn/resultset.h>

#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/db/transaction.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/assessment/store/mysql_assessment_store.h"

namespace hotline::assessment {

const std::string& RollupMonthUpsertSql();

namespace {
using RowKey = std::tuple<std::string, std::string, int>;  // date, unit, type
using HistKey = std::tuple<std::string, std::string, int, int64_t>;
using TopicKey = std::tuple<std::string, std::string, std::string>;
}  // namespace

absl::StatusOr<RebuildOutcome> MysqlAssessmentStore::Rebuild(
    const std::optional<DateRange>& requested, bool verify_only) {
  // Monthly rollups cover whole months: work on the widened range.
  std::optional<DateRange> range;
  if (requested.has_value()) range = WidenToMonths(*requested);
  RebuildOutcome out;
  // [0] daily, [1] monthly.
  std::map<RowKey, Counters> fresh_rows[2], old_rows[2];
  std::map<HistKey, int64_t> fresh_hist[2], old_hist[2];
  std::map<TopicKey, int64_t> fresh_topic, old_topic;
  const char* const kRowTable[2] = {"rollup_unit_day", "rollup_unit_month"};
  const char* const kHistTable[2] = {"rollup_handling",
                                     "rollup_handling_month"};
  const char* const kDateCol[2] = {"local_date", "month_start"};
  auto where = [&](int m) {
    return range.has_value()
               ? absl::StrCat(" WHERE ", kDateCol[m], " BETWEEN ? AND ?")
               : std::string();
  };
  auto bind = [&](sql::PreparedStatement* s) {
    if (range.has_value()) {
      s->setString(1, calendar::FormatDate(range->from));
      s->setString(2, calendar::FormatDate(range->to));
    }
  };
  {
    ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
    ASSIGN_OR_RETURN(
        auto* stmt,
        conn->Prepare(absl::StrCat(
            "SELECT local_date, unit_id, request_type, kind, detail, amount, "
            "category_code, area_code, unit2_id, handling_days FROM fact",
            where(0))));
    RETURN_IF_ERROR(conn->Guard("scan facts", [&] {
      bind(stmt);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      FactRecord f;
      while (rs->next()) {
        ++out.facts_scanned;
        const std::string date = rs->getString(1);
        const std::string month = date.substr(0, 8) + "01";
        f.unit_id = rs->getString(2);
        f.request_type = rs->getInt(3);
        f.kind = rs->getString(4);
        f.detail = rs->getString(5);
        f.amount = rs->getInt64(6);
        f.unit2_id = rs->getString(9);
        if (rs->isNull(10)) {
          f.handling_days.reset();
        } else {
          f.handling_days = rs->getInt64(10);
        }
        const Contribution c = ContributionOf(f);
        for (const auto& [unit, counters] :
             {std::make_pair(f.unit_id, &c.counters),
              std::make_pair(f.unit2_id, &c.second)}) {
          if (counters->IsZero()) continue;
          fresh_rows[0][{date, unit, f.request_type}].Add(*counters);
          fresh_rows[1][{month, unit, f.request_type}].Add(*counters);
        }
        if (c.handling_days.has_value()) {
          ++fresh_hist[0][{date, f.unit_id, f.request_type, *c.handling_days}];
          ++fresh_hist[1][{month, f.unit_id, f.request_type, *c.handling_days}];
        }
        if (c.topic) {
          ++fresh_topic[{date, rs->getString(7), rs->getString(8)}];
        }
      }
    }));
    for (int m = 0; m < 2; ++m) {
      ASSIGN_OR_RETURN(auto* rstmt,
                       conn->Prepare(absl::StrCat(
                           "SELECT ", kDateCol[m], ", unit_id, request_type, ",
                           absl::StrJoin(CounterColumns(), ", "), " FROM ",
                           kRowTable[m], where(m))));
      RETURN_IF_ERROR(conn->Guard("scan rollups", [&] {
        bind(rstmt);
        std::unique_ptr<sql::ResultSet> rs(rstmt->executeQuery());
        while (rs->next()) {
          Counters c;
          for (int i = 0; i < kCounterCount; ++i) c.v[i] = rs->getInt64(4 + i);
          old_rows[m][{rs->getString(1), rs->getString(2), rs->getInt(3)}] = c;
        }
      }));
      ASSIGN_OR_RETURN(
          auto* hstmt,
          conn->Prepare(absl::StrCat("SELECT ", kDateCol[m],
                                     ", unit_id, request_type, working_days, "
                                     "n FROM ",
                                     kHistTable[m], where(m))));
      RETURN_IF_ERROR(conn->Guard("scan rollup_handling", [&] {
        bind(hstmt);
        std::unique_ptr<sql::ResultSet> rs(hstmt->executeQuery());
        while (rs->next()) {
          old_hist[m][{rs->getString(1), rs->getString(2), rs->getInt(3),
                       rs->getInt64(4)}] = rs->getInt64(5);
        }
      }));
    }
    ASSIGN_OR_RETURN(
        auto* tstmt,
        conn->Prepare(absl::StrCat(
            "SELECT local_date, category_code, area_code, n FROM rollup_topic",
            where(0))));
    RETURN_IF_ERROR(conn->Guard("scan rollup_topic", [&] {
      bind(tstmt);
      std::unique_ptr<sql::ResultSet> rs(tstmt->executeQuery());
      while (rs->next()) {
        old_topic[{rs->getString(1), rs->getString(2), rs->getString(3)}] =
            rs->getInt64(4);
      }
    }));
  }
  for (int m = 0; m < 2; ++m) {
    out.rollup_rows +=
        static_cast<int64_t>(old_rows[m].size() + old_hist[m].size());
  }
  out.rollup_rows += static_cast<int64_t>(old_topic.size());
  auto mismatch = [&](const std::string& unit, const std::string& date,
                      const std::string& indicator, int64_t inc, int64_t rec) {
    ++out.mismatches;
    if (out.examples.size() < 100) {
      v1::RollupMismatch mm;
      mm.set_unit_id(unit);
      mm.set_date(date);
      mm.set_indicator(indicator);
      mm.set_incremental(static_cast<double>(inc));
      mm.set_recomputed(static_cast<double>(rec));
      out.examples.push_back(std::move(mm));
    }
  };
  for (int m = 0; m < 2; ++m) {
    const std::string scope = m == 0 ? "" : "month:";
    std::map<RowKey, std::pair<Counters, Counters>> all;
    for (const auto& [k, c] : old_rows[m]) all[k].first = c;
    for (const auto& [k, c] : fresh_rows[m]) all[k].second = c;
    for (const auto& [k, p] : all) {
      for (int i = 0; i < kCounterCount; ++i) {
        if (p.first.v[i] != p.second.v[i]) {
          mismatch(std::get<1>(k), std::get<0>(k),
                   absl::StrCat(scope, CounterColumns()[i], "[type ",
                                std::get<2>(k), "]"),
                   p.first.v[i], p.second.v[i]);
        }
      }
    }
    std::map<HistKey, std::pair<int64_t, int64_t>> h;
    for (const auto& [k, n] : old_hist[m]) h[k].first = n;
    for (const auto& [k, n] : fresh_hist[m]) h[k].second = n;
    for (const auto& [k, p] : h) {
      if (p.first != p.second) {
        mismatch(std::get<1>(k), std::get<0>(k),
                 absl::StrCat(scope, "handling_days=", std::get<3>(k)), p.first,
                 p.second);
      }
    }
  }
  {
    std::map<TopicKey, std::pair<int64_t, int64_t>> t;
    for (const auto& [k, n] : old_topic) t[k].first = n;
    for (const auto& [k, n] : fresh_topic) t[k].second = n;
    for (const auto& [k, p] : t) {
      if (p.first != p.second) {
        mismatch(std::get<2>(k), std::get<0>(k),
                 absl::StrCat("topic:", std::get<1>(k)), p.first, p.second);
      }
    }
  }
  if (verify_only || out.mismatches == 0) return out;
  RETURN_IF_ERROR(
      db::RunInTransaction(*pool_, [&](db::Connection& conn) -> absl::Status {
        for (int m = 0; m < 2; ++m) {
          for (const char* table : {kRowTable[m], kHistTable[m]}) {
            ASSIGN_OR_RETURN(auto* del, conn.Prepare(absl::StrCat(
                                            "DELETE FROM ", table, where(m))));
            RETURN_IF_ERROR(conn.Guard("clear rollups", [&] {
              bind(del);
              del->executeUpdate();
            }));
          }
          for (const auto& [k, c] : fresh_rows[m]) {
            ASSIGN_OR_RETURN(auto* stmt,
                             conn.Prepare(m == 0 ? RollupUpsertSql()
                                                 : RollupMonthUpsertSql()));
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
          for (const auto& [k, n] : fresh_hist[m]) {
            ASSIGN_OR_RETURN(
                auto* stmt,
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
        for (const auto& [k, n] : fresh_topic) {
          ASSIGN_OR_RETURN(
              auto* stmt,
              conn.Prepare(
                  "INSERT INTO rollup_topic (local_date, category_code, "
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
      }));
  return out;
}

}  // namespace hotline::assessment
