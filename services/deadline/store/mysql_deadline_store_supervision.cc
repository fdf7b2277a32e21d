// MysqlDeadlineStore: special inspections and district-wide notices
// (SupervisionActStore).
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
using db::SqlQuote;
using db::SqlTime;
using mysql::ReadAll;
using mysql::UnitIn;

absl::Status MysqlDeadlineStore::InsertSupervisionAct(db::Connection& conn,
                                                      v1::SupervisionAct* act) {
  v1::SupervisionAct& a = *act;
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("INSERT INTO supervision_act (step, text, participants, "
                   "recorded_by, recorded_role, recorded_at) VALUES (?, ?, ?, "
                   "?, ?, ?)"));
  RETURN_IF_ERROR(conn.Guard("insert supervision act", [&] {
    stmt->setInt(1, a.step());
    stmt->setString(2, a.text());
    stmt->setString(3, absl::StrJoin(a.district_office_participants(), "\n"));
    stmt->setString(4, a.recorded_by().principal_id());
    stmt->setInt(5, a.recorded_by().role());
    stmt->setString(6, SqlTime(FromProto(a.recorded_at())));
    stmt->executeUpdate();
  }));
  ASSIGN_OR_RETURN(auto rs, conn.Query("SELECT LAST_INSERT_ID()"));
  ASSIGN_OR_RETURN(int64_t id, conn.Guard("last id", [&] {
    rs->next();
    return static_cast<int64_t>(rs->getInt64(1));
  }));
  a.set_act_id(absl::StrCat(id));
  return absl::OkStatus();
}

absl::Status MysqlDeadlineStore::InsertSupervisionActItems(
    db::Connection& conn, const SupervisionActRow& row) {
  if (row.items.empty()) return absl::OkStatus();
  std::string sql =
      "INSERT INTO supervision_act_item (act_id, ticket_id, unit_id, step_id) "
      "VALUES ";
  for (size_t i = 0; i < row.items.size(); ++i) {
    const SupervisionActRow::Item& it = row.items[i];
    absl::StrAppend(&sql, i ? "," : "", "(", SqlQuote(row.act.act_id()), ",",
                    SqlQuote(it.ticket_id), ",", SqlQuote(it.unit_id), ",",
                    it.step_id, ")");
  }
  return conn.Execute(sql);
}

absl::StatusOr<std::vector<v1::SupervisionAct>>
MysqlDeadlineStore::ListSupervisionActs(db::Connection& conn,
                                        const ActFilter& f) {
  std::string sql =
      "SELECT a.act_id, a.step, a.text, a.participants, a.recorded_by, "
      "a.recorded_role, a.recorded_at FROM supervision_act a WHERE 1=1";
  std::vector<std::string> params;
  if (f.step != 0) absl::StrAppend(&sql, " AND a.step = ", f.step);
  if (!f.ticket_id.empty()) {
    sql +=
        " AND EXISTS (SELECT 1 FROM supervision_act_item i WHERE i.act_id = "
        "a.act_id AND i.ticket_id = ?)";
    params.push_back(f.ticket_id);
  }
  if (f.units.has_value()) {
    absl::StrAppend(&sql,
                    " AND EXISTS (SELECT 1 FROM supervision_act_item i WHERE "
                    "i.act_id = a.act_id",
                    UnitIn("i.unit_id", f.units, &params), ")");
  }
  if (f.from.has_value()) {
    sql += " AND a.recorded_at >= ?";
    params.push_back(SqlTime(*f.from));
  }
  if (f.to.has_value()) {
    sql += " AND a.recorded_at < ?";
    params.push_back(SqlTime(*f.to));
  }
  sql += " ORDER BY a.recorded_at DESC, a.act_id DESC LIMIT ? OFFSET ?";
  ASSIGN_OR_RETURN(auto* stmt, conn.Prepare(sql));
  int i = 1;
  for (const std::string& p : params) stmt->setString(i++, p);
  stmt->setInt(i++, f.limit);
  stmt->setInt64(i++, f.offset);
  ASSIGN_OR_RETURN(
      std::vector<v1::SupervisionAct> acts,
      ReadAll<v1::SupervisionAct>(
          conn, stmt, "list supervision acts", [](sql::ResultSet& rs) {
            v1::SupervisionAct a;
            a.set_act_id(absl::StrCat(rs.getInt64(1)));
            a.set_step(static_cast<v1::LadderStep>(rs.getInt(2)));
            a.set_text(rs.getString(3));
            for (absl::string_view p : absl::StrSplit(
                     std::string(rs.getString(4)), '\n', absl::SkipEmpty())) {
              a.add_district_office_participants(std::string(p));
            }
            a.mutable_recorded_by()->set_principal_id(rs.getString(5));
            a.mutable_recorded_by()->set_role(
                static_cast<v1::Role>(rs.getInt(6)));
            *a.mutable_recorded_at() = ToProto(ParseSqlTime(rs.getString(7)));
            return a;
          }));
  if (acts.empty()) return acts;
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, v1::SupervisionAct*> by_id;
  for (v1::SupervisionAct& a : acts) {
    ids.push_back(a.act_id());
    by_id[a.act_id()] = &a;
  }
  ASSIGN_OR_RETURN(auto rs, conn.Query(absl::StrCat(
                                "SELECT act_id, ticket_id, unit_id, step_id "
                                "FROM supervision_act_item WHERE act_id IN (",
                                absl::StrJoin(ids, ","),
                                ") ORDER BY act_id, ticket_id, unit_id")));
  RETURN_IF_ERROR(conn.Guard("read act items", [&] {
    while (rs->next()) {
      v1::SupervisionAct& a = *by_id.at(absl::StrCat(rs->getInt64(1)));
      const std::string ticket = rs->getString(2);
      const std::string unit = rs->getString(3);
      if (std::find(a.ticket_ids().begin(), a.ticket_ids().end(), ticket) ==
          a.ticket_ids().end()) {
        a.add_ticket_ids(ticket);
      }
      if (std::find(a.unit_ids().begin(), a.unit_ids().end(), unit) ==
          a.unit_ids().end()) {
        a.add_unit_ids(unit);
      }
      a.add_step_ids(absl::StrCat(rs->getInt64(4)));
    }
  }));
  return acts;
}

namespace {

// "a, b, c" of enum values, for an IN list (numbers only: nothing quoted).
template <typename Enum>
std::string NumberList(const std::vector<Enum>& values) {
  return absl::StrJoin(values, ",", [](std::string* out, Enum v) {
    absl::StrAppend(out, static_cast<int>(v));
  });
}

}  // namespace

// One statement: the criteria (ladder_rules.h) as SQL, the rule itself is
// the domain's.
absl::StatusOr<std::vector<std::string>>
MysqlDeadlineStore::EscalationCandidates(db::Connection& conn,
                                         const EscalationCriteria& criteria,
                                         const UnitScope& units, int64_t offset,
                                         int limit) {
  std::string sql = "SELECT s.ticket_id FROM ladder_step s WHERE 1=1";
  if (!criteria.open_kinds.empty()) {
    absl::StrAppend(&sql,
                    " AND EXISTS (SELECT 1 FROM clock c WHERE c.ticket_id = "
                    "s.ticket_id AND c.running = 1 AND c.kind IN (",
                    NumberList(criteria.open_kinds), "))");
  }
  std::vector<std::string> params;
  if (units.has_value()) {
    absl::StrAppend(&sql,
                    " AND EXISTS (SELECT 1 FROM ladder_step s2 WHERE "
                    "s2.ticket_id = s.ticket_id",
                    UnitIn("s2.unit_id", units, &params), ")");
  }
  std::vector<std::string> having;
  if (!criteria.counted_steps.empty()) {
    having.push_back(absl::StrCat("SUM(s.step IN (",
                                  NumberList(criteria.counted_steps),
                                  ")) >= ", criteria.min_counted));
  }
  for (v1::LadderStep step : criteria.required_steps) {
    having.push_back(
        absl::StrCat("SUM(s.step = ", static_cast<int>(step), ") > 0"));
  }
  for (v1::LadderStep step : criteria.forbidden_steps) {
    having.push_back(
        absl::StrCat("SUM(s.step = ", static_cast<int>(step), ") = 0"));
  }
  absl::StrAppend(&sql, " GROUP BY s.ticket_id");
  if (!having.empty()) {
    absl::StrAppend(&sql, " HAVING ", absl::StrJoin(having, " AND "));
  }
  absl::StrAppend(&sql,
                  " ORDER BY MIN(s.fired_at), s.ticket_id LIMIT ? OFFSET ?");
  ASSIGN_OR_RETURN(auto* stmt, conn.Prepare(sql));
  int i = 1;
  for (const std::string& p : params) stmt->setString(i++, p);
  stmt->setInt(i++, limit);
  stmt->setInt64(i++, offset);
  return ReadAll<std::string>(
      conn, stmt, "escalation candidates",
      [](sql::ResultSet& rs) { return std::string(rs.getString(1)); });
}

}  // namespace hotline::deadline
