// MysqlIntakeStore: the rows IntakeCore writes inside its transactions
// (merges, the effect of other services' events).

#include "absl/strings/str_cat.h"
#include "common/db/sql_text.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/intake/store/mysql_intake_rows.h"
#include "services/intake/store/mysql_intake_store.h"

namespace hotline::intake {

absl::StatusOr<std::optional<TicketRecord>> MysqlIntakeStore::LockTicket(
    db::Connection& conn, const std::string& ticket_id) {
  return ReadTicket(conn, "ticket_id", ticket_id, true);
}

absl::StatusOr<std::optional<StoredStatus>> MysqlIntakeStore::LockStatus(
    db::Connection& conn, const std::string& ticket_id) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * stmt,
                   conn.Prepare("SELECT status, holder_unit_id FROM ticket "
                                "WHERE ticket_id = ? FOR UPDATE"));
  return conn.Guard("read ticket status", [&]() -> std::optional<StoredStatus> {
    stmt->setString(1, ticket_id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    if (!rs->next()) return std::nullopt;
    StoredStatus s;
    s.status = static_cast<v1::TicketStatus>(rs->getInt(1));
    s.holder_unit_id = rs->getString(2);
    return s;
  });
}

absl::StatusOr<bool> MysqlIntakeStore::TicketExists(
    db::Connection& conn, const std::string& ticket_id) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * stmt,
                   conn.Prepare("SELECT 1 FROM ticket WHERE ticket_id = ?"));
  return conn.Guard("find ticket", [&] {
    stmt->setString(1, ticket_id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    return static_cast<bool>(rs->next());
  });
}

absl::StatusOr<bool> MysqlIntakeStore::MoveHandlingDue(
    db::Connection& conn, const std::string& ticket_id,
    std::optional<absl::Time> handling_due, absl::Time at) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * upd,
      conn.Prepare("UPDATE ticket SET handling_due = COALESCE(?, "
                   "handling_due), updated_at = ? WHERE ticket_id = ?"));
  return conn.Guard("move handling due", [&] {
    if (handling_due) {
      upd->setString(1, SqlTime(*handling_due));
    } else {
      upd->setNull(1, sql::DataType::VARCHAR);
    }
    upd->setString(2, SqlTime(at));
    upd->setString(3, ticket_id);
    return upd->executeUpdate() > 0;
  });
}

absl::StatusOr<int64_t> MysqlIntakeStore::CountMergedInto(
    db::Connection& conn, const std::string& ticket_id) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * has,
      conn.Prepare("SELECT COUNT(*) FROM ticket WHERE merged_into = ?"));
  return conn.Guard("count repeats", [&] {
    has->setString(1, ticket_id);
    std::unique_ptr<sql::ResultSet> rs(has->executeQuery());
    rs->next();
    return static_cast<int64_t>(rs->getInt64(1));
  });
}

absl::Status MysqlIntakeStore::WriteMerge(
    db::Connection& conn, const std::string& ticket_id, v1::TicketStatus status,
    const std::string& merged_into, const std::string& note, absl::Time now) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * upd,
      conn.Prepare("UPDATE ticket SET status = ?, merged_into = ?, "
                   "holder_unit_id = '', updated_at = ? WHERE ticket_id = ?"));
  ASSIGN_OR_RETURN(sql::PreparedStatement * prog,
                   conn.Prepare("INSERT INTO ticket_progress (ticket_id, at, "
                                "status, unit_id, note) VALUES (?,?,?,'',?)"));
  return conn.Guard("merge ticket", [&] {
    upd->setInt(1, status);
    if (!merged_into.empty()) {
      upd->setString(2, merged_into);
    } else {
      upd->setNull(2, sql::DataType::VARCHAR);
    }
    upd->setString(3, SqlTime(now));
    upd->setString(4, ticket_id);
    upd->executeUpdate();
    prog->setString(1, ticket_id);
    prog->setString(2, SqlTime(now));
    prog->setInt(3, status);
    prog->setString(4, note);
    prog->executeUpdate();
  });
}

absl::StatusOr<std::string> MysqlIntakeStore::UnitName(
    db::Connection& conn, const std::string& unit_id) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * name_query,
      conn.Prepare("SELECT name FROM directory_unit WHERE unit_id = ?"));
  return conn.Guard("read unit name", [&]() -> std::string {
    name_query->setString(1, unit_id);
    std::unique_ptr<sql::ResultSet> rs(name_query->executeQuery());
    return rs->next() ? std::string(rs->getString(1)) : std::string();
  });
}

absl::Status MysqlIntakeStore::WriteProgress(db::Connection& conn,
                                             const std::string& ticket_id,
                                             const ProgressRow& row) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * upd,
      conn.Prepare("UPDATE ticket SET status = ?, holder_unit_id = ?, "
                   "handling_due = COALESCE(?, handling_due), updated_at = ? "
                   "WHERE ticket_id = ?"));
  ASSIGN_OR_RETURN(sql::PreparedStatement * prog,
                   conn.Prepare("INSERT INTO ticket_progress (ticket_id, at, "
                                "status, unit_id, note) VALUES (?,?,?,?,?)"));
  // The units that now hold it, in one statement.
  sql::PreparedStatement* held = nullptr;
  if (!row.held_units.empty()) {
    ASSIGN_OR_RETURN(
        held, conn.Prepare(absl::StrCat(
                  "INSERT IGNORE INTO ticket_holder (ticket_id, unit_id) "
                  "VALUES ",
                  db::SqlRows("(?,?)", row.held_units.size()))));
  }
  return conn.Guard("apply event", [&] {
    upd->setInt(1, row.status);
    upd->setString(2, row.holder_unit_id);
    if (row.handling_due) {
      upd->setString(3, SqlTime(*row.handling_due));
    } else {
      upd->setNull(3, sql::DataType::VARCHAR);
    }
    upd->setString(4, SqlTime(row.at));
    upd->setString(5, ticket_id);
    upd->executeUpdate();
    if (!row.note.empty()) {
      prog->setString(1, ticket_id);
      prog->setString(2, SqlTime(row.at));
      prog->setInt(3, row.status);
      prog->setString(4, row.note_unit_id);
      prog->setString(5, row.note);
      prog->executeUpdate();
    }
    if (held != nullptr) {
      int i = 0;
      for (const std::string& unit : row.held_units) {
        held->setString(++i, ticket_id);
        held->setString(++i, unit);
      }
      held->executeUpdate();
    }
  });
}

}  // namespace hotline::intake
