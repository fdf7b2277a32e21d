// MysqlDeadlineStore: calendar years (CalendarYearStore).
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
#include "common/db/sql_text.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/deadline/store/mysql_deadline_rows.h"
#include "services/deadline/store/mysql_deadline_store.h"

namespace hotline::deadline {

using db::ParseSqlTime;
using db::SqlTime;

namespace {

std::string JoinDays(const std::vector<absl::CivilDay>& days) {
  std::vector<std::string> parts;
  parts.reserve(days.size());
  for (const absl::CivilDay& d : days) parts.push_back(calendar::FormatDate(d));
  return absl::StrJoin(parts, ",");
}

absl::StatusOr<std::vector<absl::CivilDay>> SplitDays(const std::string& s) {
  std::vector<absl::CivilDay> out;
  for (absl::string_view part : absl::StrSplit(s, ',', absl::SkipEmpty())) {
    ASSIGN_OR_RETURN(absl::CivilDay d, calendar::ParseDate(part));
    out.push_back(d);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<PersistedYear>>
MysqlDeadlineStore::LoadCalendarYears(db::Connection& conn) {
  ASSIGN_OR_RETURN(auto rs,
                   conn.Query("SELECT year, holidays, workdays, source, "
                              "loaded_at, loaded_by FROM calendar_year "
                              "ORDER BY year"));
  std::vector<PersistedYear> out;
  while (true) {
    ASSIGN_OR_RETURN(bool more, conn.Guard("read calendar_year",
                                           [&] { return rs->next(); }));
    if (!more) break;
    PersistedYear p;
    p.data.year = rs->getInt(1);
    ASSIGN_OR_RETURN(p.data.holidays, SplitDays(rs->getString(2)));
    ASSIGN_OR_RETURN(p.data.workdays, SplitDays(rs->getString(3)));
    p.meta.source = rs->getString(4);
    p.meta.loaded_at = ParseSqlTime(rs->getString(5));
    p.meta.loaded_by = rs->getString(6);
    out.push_back(std::move(p));
  }
  return out;
}

absl::Status MysqlDeadlineStore::SaveCalendarYear(
    db::Connection& conn, const PersistedYear& year,
    const std::string& calendar_version) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("REPLACE INTO calendar_year (year, holidays, workdays, "
                   "source, loaded_at, loaded_by, calendar_version) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?)"));
  return conn.Guard("save calendar_year", [&] {
    stmt->setInt(1, year.data.year);
    stmt->setString(2, JoinDays(year.data.holidays));
    stmt->setString(3, JoinDays(year.data.workdays));
    stmt->setString(4, year.meta.source);
    stmt->setString(5, SqlTime(year.meta.loaded_at));
    stmt->setString(6, year.meta.loaded_by);
    stmt->setString(7, calendar_version);
    stmt->executeUpdate();
  });
}

}  // namespace hotline::deadline
