#pragma once

// Row mapping shared by the MySQL files of the assessment store (store/):
// the fact columns, placeholders, dates and the rollup upsert statements.
// SQL text only.

#include <cppconn/resultset.h>

#include <string>

#include "absl/time/civil_time.h"
#include "services/assessment/domain/fact_plan.h"

namespace hotline::assessment::mysql_rows {

// "?,?,…" with n marks.
std::string Placeholders(size_t n);
// A DATE column's text as a day (the zero day when unreadable).
absl::CivilDay ParseDay(const std::string& s);

// The fact columns in ReadFact's order.
extern const char kFactColumns[];
constexpr int kFactColumnCount = 16;
// Reads the kFactColumns of the current row of `rs` into `f`.
void ReadFact(sql::ResultSet& rs, FactRecord& f);

// The upsert of one row of all counters into rollup_unit_day /
// rollup_unit_month: (date, unit_id, request_type, counters…).
const std::string& RollupUpsertSql();
const std::string& RollupMonthUpsertSql();
// The same for `rows` rows at once: [0] rollup_unit_day, [1]
// rollup_unit_month.
std::string RollupUpsertRowsSql(int monthly, size_t rows);

}  // namespace hotline::assessment::mysql_rows
