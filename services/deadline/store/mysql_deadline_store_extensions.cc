// MysqlDeadlineStore: extensions (ExtensionStore).
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

using db::SqlTime;
using mysql::InList;
using mysql::kExtColumns;
using mysql::ReadAll;
using mysql::ReadExtension;
using mysql::UnitIn;

absl::StatusOr<int64_t> MysqlDeadlineStore::InsertExtension(
    db::Connection& conn, const ExtensionRow& row) {
  const v1::Extension& e = row.ext;
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("INSERT INTO extension (ticket_id, clock_id, unit_id, "
                   "approver_unit_id, state, reason, progress_note, "
                   "proposed_due_date, working_days_left, due_before, "
                   "requested_by, requested_role, requested_at) VALUES (?, ?, "
                   "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  RETURN_IF_ERROR(conn.Guard("insert extension", [&] {
    stmt->setString(1, e.ticket_id());
    stmt->setInt64(2, row.clock_id);
    stmt->setString(3, e.unit_id());
    stmt->setString(4, e.approver_unit_id());
    stmt->setInt(5, e.state());
    stmt->setString(6, e.reason());
    stmt->setString(7, e.progress_note());
    stmt->setString(8, e.proposed_due_date());
    stmt->setInt(9, e.working_days_left());
    stmt->setString(10, SqlTime(FromProto(e.due_before())));
    stmt->setString(11, e.requested_by().principal_id());
    stmt->setInt(12, e.requested_by().role());
    stmt->setString(13, SqlTime(FromProto(e.requested_at())));
    stmt->executeUpdate();
  }));
  ASSIGN_OR_RETURN(auto rs, conn.Query("SELECT LAST_INSERT_ID()"));
  return conn.Guard("last id", [&] {
    rs->next();
    return static_cast<int64_t>(rs->getInt64(1));
  });
}

absl::StatusOr<std::optional<ExtensionRow>> MysqlDeadlineStore::GetExtension(
    db::Connection& conn, int64_t id, bool for_update) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare(absl::StrCat("SELECT ", kExtColumns,
                                             " FROM extension WHERE "
                                             "extension_id = ?",
                                             for_update ? " FOR UPDATE" : "")));
  return conn.Guard("read extension", [&] {
    stmt->setInt64(1, id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    std::optional<ExtensionRow> out;
    if (rs->next()) out = ReadExtension(*rs);
    return out;
  });
}

absl::Status MysqlDeadlineStore::ChangeExtensionStates(
    db::Connection& conn, int64_t clock_id,
    const ExtensionStateChange& change) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("UPDATE extension SET state = ? WHERE "
                                "clock_id = ? AND state = ?"));
  return conn.Guard("change extension states", [&] {
    stmt->setInt(1, change.to);
    stmt->setInt64(2, clock_id);
    stmt->setInt(3, change.from);
    stmt->executeUpdate();
  });
}

absl::StatusOr<bool> MysqlDeadlineStore::HasPendingExtension(
    db::Connection& conn, int64_t clock_id) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("SELECT 1 FROM extension WHERE clock_id = ? "
                                "AND state = ? LIMIT 1"));
  return conn.Guard("pending extension", [&] {
    stmt->setInt64(1, clock_id);
    stmt->setInt(2, v1::EXTENSION_STATE_PENDING);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    return static_cast<bool>(rs->next());
  });
}

absl::Status MysqlDeadlineStore::DecideExtension(db::Connection& conn,
                                                 const ExtensionRow& row) {
  const v1::Extension& e = row.ext;
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("UPDATE extension SET state = ?, approved_due_date = ?, "
                   "due_after = ?, decision_reason = ?, decided_by = ?, "
                   "decided_role = ?, decided_at = ?, decided_after_due = ? "
                   "WHERE extension_id = ?"));
  return conn.Guard("decide extension", [&] {
    stmt->setInt(1, e.state());
    stmt->setString(2, e.approved_due_date());
    if (e.has_due_after()) {
      stmt->setString(3, SqlTime(FromProto(e.due_after())));
    } else {
      stmt->setNull(3, 0);
    }
    stmt->setString(4, e.decision_reason());
    stmt->setString(5, e.decided_by().principal_id());
    stmt->setInt(6, e.decided_by().role());
    stmt->setString(7, SqlTime(FromProto(e.decided_at())));
    stmt->setInt(8, e.decided_after_due() ? 1 : 0);
    stmt->setInt64(9, row.extension_id);
    stmt->executeUpdate();
  });
}

absl::Status MysqlDeadlineStore::RecordCallerInformed(db::Connection& conn,
                                                      const ExtensionRow& row) {
  const v1::Extension& e = row.ext;
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("UPDATE extension SET caller_informed_contact = ?, "
                   "caller_informed_at = ?, caller_informed_note = ?, "
                   "caller_informed_by = ?, caller_informed_role = ? WHERE "
                   "extension_id = ?"));
  return conn.Guard("record caller informed", [&] {
    stmt->setInt(1, e.caller_informed_contact());
    stmt->setString(2, SqlTime(FromProto(e.caller_informed_at())));
    stmt->setString(3, e.caller_informed_note());
    stmt->setString(4, e.caller_informed_by().principal_id());
    stmt->setInt(5, e.caller_informed_by().role());
    stmt->setInt64(6, row.extension_id);
    stmt->executeUpdate();
  });
}

absl::StatusOr<std::vector<v1::Extension>> MysqlDeadlineStore::ListExtensions(
    db::Connection& conn, const ExtensionFilter& f) {
  std::string sql =
      absl::StrCat("SELECT ", kExtColumns, " FROM extension x WHERE 1=1");
  std::vector<std::string> params;
  if (!f.ticket_id.empty()) {
    sql += " AND x.ticket_id = ?";
    params.push_back(f.ticket_id);
  }
  if (!f.states.empty()) {
    absl::StrAppend(&sql, " AND x.state IN ", InList(f.states));
  }
  if (f.caller_not_informed) {
    absl::StrAppend(
        &sql, " AND x.state = ", static_cast<int>(v1::EXTENSION_STATE_APPROVED),
        " AND x.caller_informed_at IS NULL");
  }
  sql += UnitIn("x.unit_id", f.units, &params);
  sql += " ORDER BY x.extension_id DESC LIMIT ? OFFSET ?";
  ASSIGN_OR_RETURN(auto* stmt, conn.Prepare(sql));
  int i = 1;
  for (const std::string& p : params) stmt->setString(i++, p);
  stmt->setInt(i++, f.limit);
  stmt->setInt64(i++, f.offset);
  return ReadAll<v1::Extension>(
      conn, stmt, "list extensions",
      [](sql::ResultSet& rs) { return ReadExtension(rs).ext; });
}

absl::StatusOr<std::vector<v1::Extension>>
MysqlDeadlineStore::ExtensionsOfTicket(db::Connection& conn,
                                       const std::string& ticket_id) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare(absl::StrCat("SELECT ", kExtColumns,
                                             " FROM extension WHERE ticket_id "
                                             "= ? ORDER BY extension_id")));
  stmt->setString(1, ticket_id);
  return ReadAll<v1::Extension>(
      conn, stmt, "read extensions",
      [](sql::ResultSet& rs) { return ReadExtension(rs).ext; });
}

}  // namespace hotline::deadline
