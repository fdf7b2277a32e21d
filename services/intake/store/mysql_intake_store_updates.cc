// MysqlIntakeStore: the rows IntakeCore writes inside its transactions
// (merges, the effect of other services' events).

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/db/multi_row.h"
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

absl::StatusOr<std::map<std::string, StoredStatus>>
MysqlIntakeStore::LockStatuses(db::Connection& conn,
                               const std::vector<std::string>& ticket_ids) {
  std::map<std::string, StoredStatus> out;
  for (const std::vector<std::string>& ids : db::PaddedIdChunks(ticket_ids)) {
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * stmt,
        conn.Prepare(absl::StrCat(
            "SELECT ticket_id, status, holder_unit_id FROM ticket WHERE "
            "ticket_id IN (",
            db::SqlRows("?", ids.size()), ") ORDER BY ticket_id FOR UPDATE")));
    RETURN_IF_ERROR(conn.Guard("read ticket statuses", [&] {
      for (size_t i = 0; i < ids.size(); ++i) stmt->setString(i + 1, ids[i]);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next()) {
        StoredStatus s;
        s.status = static_cast<v1::TicketStatus>(rs->getInt(2));
        s.holder_unit_id = rs->getString(3);
        out.emplace(rs->getString(1), std::move(s));
      }
      return absl::OkStatus();
    }));
  }
  return out;
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

absl::StatusOr<std::map<std::string, std::string>> MysqlIntakeStore::UnitNames(
    db::Connection& conn, const std::vector<std::string>& unit_ids) {
  std::map<std::string, std::string> out;
  for (const std::vector<std::string>& ids : db::PaddedIdChunks(unit_ids)) {
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * stmt,
        conn.Prepare(absl::StrCat(
            "SELECT unit_id, name FROM directory_unit WHERE unit_id IN (",
            db::SqlRows("?", ids.size()), ")")));
    RETURN_IF_ERROR(conn.Guard("read unit names", [&] {
      for (size_t i = 0; i < ids.size(); ++i) stmt->setString(i + 1, ids[i]);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next()) out.emplace(rs->getString(1), rs->getString(2));
      return absl::OkStatus();
    }));
  }
  return out;
}

absl::Status MysqlIntakeStore::WriteEventEffects(db::Connection& conn,
                                                 const EventEffects& effects) {
  // The orders' rows: one UPDATE whose CASEs give each order its values (an
  // unset value keeps the stored one), in ticket order.
  std::vector<const TicketEffect*> tickets;
  for (const TicketEffect& t : effects.tickets) tickets.push_back(&t);
  std::sort(tickets.begin(), tickets.end(), [](const auto* a, const auto* b) {
    return a->ticket_id < b->ticket_id;
  });
  for (size_t first = 0; first < tickets.size();) {
    const size_t n = db::RowsInNextChunk(tickets.size() - first, 128);
    auto cases = [&](const char* column, const char* value) {
      const std::vector<std::string> whens(n,
                                           absl::StrCat("WHEN ? THEN ", value));
      return absl::StrCat(column, " = CASE ticket_id ",
                          absl::StrJoin(whens, " "), " ELSE ", column, " END");
    };
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * upd,
        conn.Prepare(absl::StrCat(
            "UPDATE ticket SET ", cases("status", "COALESCE(?, status)"), ", ",
            cases("holder_unit_id", "COALESCE(?, holder_unit_id)"), ", ",
            cases("handling_due", "COALESCE(?, handling_due)"), ", ",
            cases("updated_at", "?"), " WHERE ticket_id IN (",
            db::SqlRows("?", n), ")")));
    RETURN_IF_ERROR(conn.Guard("apply events", [&] {
      int i = 0;
      for (size_t r = first; r < first + n; ++r) {
        upd->setString(++i, tickets[r]->ticket_id);
        if (tickets[r]->status) {
          upd->setInt(++i, *tickets[r]->status);
        } else {
          upd->setNull(++i, sql::DataType::INTEGER);
        }
      }
      for (size_t r = first; r < first + n; ++r) {
        upd->setString(++i, tickets[r]->ticket_id);
        if (tickets[r]->holder_unit_id) {
          upd->setString(++i, *tickets[r]->holder_unit_id);
        } else {
          upd->setNull(++i, sql::DataType::VARCHAR);
        }
      }
      for (size_t r = first; r < first + n; ++r) {
        upd->setString(++i, tickets[r]->ticket_id);
        if (tickets[r]->handling_due) {
          upd->setString(++i, SqlTime(*tickets[r]->handling_due));
        } else {
          upd->setNull(++i, sql::DataType::VARCHAR);
        }
      }
      for (size_t r = first; r < first + n; ++r) {
        upd->setString(++i, tickets[r]->ticket_id);
        upd->setString(++i, SqlTime(tickets[r]->updated_at));
      }
      for (size_t r = first; r < first + n; ++r) {
        upd->setString(++i, tickets[r]->ticket_id);
      }
      upd->executeUpdate();
      return absl::OkStatus();
    }));
    first += n;
  }
  // The progress entries in the order they happened (ids ascending so).
  RETURN_IF_ERROR(db::WriteRows(
      conn, effects.progress,
      {"INSERT INTO ticket_progress (ticket_id, at, status, unit_id, note) "
       "VALUES ",
       "(?,?,?,?,?)", "", "write progress"},
      [](sql::PreparedStatement* prog, unsigned i, const auto& p) {
        prog->setString(i++, p.ticket_id);
        prog->setString(i++, SqlTime(p.at));
        prog->setInt(i++, p.status);
        prog->setString(i++, p.unit_id);
        prog->setString(i++, p.note);
        return i;
      }));
  return db::WriteRows(
      conn, effects.holders,
      {"INSERT IGNORE INTO ticket_holder (ticket_id, unit_id) VALUES ", "(?,?)",
       "", "write holders"},
      [](sql::PreparedStatement* held, unsigned i, const auto& h) {
        held->setString(i++, h.first);
        held->setString(i++, h.second);
        return i;
      });
}

}  // namespace hotline::intake
