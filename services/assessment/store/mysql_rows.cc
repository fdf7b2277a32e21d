#include "services/assessment/store/mysql_rows.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/db/sql_text.h"
#include "services/assessment/domain/indicators.h"

namespace hotline::assessment::mysql_rows {

using db::ParseSqlTime;

absl::CivilDay ParseDay(const std::string& s) {
  auto d = calendar::ParseDate(s);
  return d.ok() ? *d : absl::CivilDay();
}

std::string Placeholders(size_t n) {
  std::vector<std::string> q(n, "?");
  return absl::StrJoin(q, ",");
}

const char kFactColumns[] =
    "event_id, producer, ticket_id, seq, kind, unit_id, occurred_at, "
    "local_date, request_type, urgency, category_code, area_code, detail, "
    "amount, unit2_id, handling_days";

void ReadFact(sql::ResultSet& rs, FactRecord& f) {
  f.event_id = rs.getString(1);
  f.producer = rs.getString(2);
  f.ticket_id = rs.getString(3);
  f.seq = rs.getInt64(4);
  f.kind = rs.getString(5);
  f.unit_id = rs.getString(6);
  f.occurred_at = ParseSqlTime(rs.getString(7));
  f.local_date = ParseDay(rs.getString(8));
  f.request_type = rs.getInt(9);
  f.urgency = rs.getInt(10);
  f.category_code = rs.getString(11);
  f.area_code = rs.getString(12);
  f.detail = rs.getString(13);
  f.amount = rs.getInt64(14);
  f.unit2_id = rs.getString(15);
  if (rs.isNull(16)) {
    f.handling_days.reset();
  } else {
    f.handling_days = rs.getInt64(16);
  }
}

namespace {

std::string CounterUpsertSql(const std::string& table,
                             const std::string& date_col, size_t rows = 1) {
  std::vector<std::string> cols, upd;
  for (const char* c : CounterColumns()) {
    cols.push_back(c);
    upd.push_back(absl::StrCat(c, " = ", c, " + VALUES(", c, ")"));
  }
  return absl::StrCat(
      "INSERT INTO ", table, " (", date_col, ", unit_id, request_type, ",
      absl::StrJoin(cols, ", "), ") VALUES ",
      db::SqlRows(absl::StrCat("(", Placeholders(3 + kCounterCount), ")"),
                  rows),
      " ON DUPLICATE KEY UPDATE ", absl::StrJoin(upd, ", "));
}

}  // namespace

const std::string& RollupUpsertSql() {
  static const std::string* const kSql =
      new std::string(CounterUpsertSql("rollup_unit_day", "local_date"));
  return *kSql;
}

std::string RollupUpsertRowsSql(int monthly, size_t rows) {
  return monthly == 0
             ? CounterUpsertSql("rollup_unit_day", "local_date", rows)
             : CounterUpsertSql("rollup_unit_month", "month_start", rows);
}

const std::string& RollupMonthUpsertSql() {
  static const std::string* const kSql =
      new std::string(CounterUpsertSql("rollup_unit_month", "month_start"));
  return *kSql;
}

}  // namespace hotline::assessment::mysql_rows
