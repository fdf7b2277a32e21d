// MysqlDeadlineStore: the per-order chain and the holdings (ChainStore).
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/calendar/calendar.h"
#include "common/db/multi_row.h"
#include "common/db/sql_text.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/deadline/store/mysql_deadline_rows.h"
#include "services/deadline/store/mysql_deadline_store.h"

namespace hotline::deadline {

using db::ParseSqlTime;
using db::SqlTime;
using mysql::OptTime;
using mysql::ReadAll;
using mysql::SetOptTime;

absl::StatusOr<std::optional<TicketInfo>> MysqlDeadlineStore::GetTicketInfo(
    db::Connection& conn, const std::string& ticket_id) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("SELECT ticket_number, request_type, "
                                "dispatch_round, first_unit_id, handling_rule, "
                                "handling_days, dispatched_at FROM ticket_info "
                                "WHERE ticket_id = ? FOR UPDATE"));
  return conn.Guard("read ticket_info", [&] {
    stmt->setString(1, ticket_id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    std::optional<TicketInfo> out;
    if (rs->next()) {
      TicketInfo t;
      t.ticket_id = ticket_id;
      t.ticket_number = rs->getString(1);
      t.request_type = static_cast<v1::RequestType>(rs->getInt(2));
      t.dispatch_round = rs->getInt(3);
      t.first_unit_id = rs->getString(4);
      t.handling_rule = rs->getString(5);
      t.handling_days = rs->getInt(6);
      t.dispatched_at = OptTime(*rs, 7);
      out = t;
    }
    return out;
  });
}

absl::Status MysqlDeadlineStore::PutTicketInfo(db::Connection& conn,
                                               const TicketInfo& t) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("REPLACE INTO ticket_info (ticket_id, ticket_number, "
                   "request_type, dispatch_round, first_unit_id, "
                   "handling_rule, handling_days, dispatched_at) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, ?)"));
  return conn.Guard("write ticket_info", [&] {
    stmt->setString(1, t.ticket_id);
    stmt->setString(2, t.ticket_number);
    stmt->setInt(3, t.request_type);
    stmt->setInt(4, t.dispatch_round);
    stmt->setString(5, t.first_unit_id);
    stmt->setString(6, t.handling_rule);
    stmt->setInt(7, t.handling_days);
    SetOptTime(stmt, 8, t.dispatched_at);
    stmt->executeUpdate();
  });
}

absl::StatusOr<std::vector<std::string>> MysqlDeadlineStore::KnownTickets(
    db::Connection& conn, const std::vector<std::string>& ticket_ids) {
  std::vector<std::string> out;
  for (const std::vector<std::string>& ids :
       db::PaddedIdChunks(ticket_ids, 64)) {
    const std::string in = db::SqlRows("?", ids.size());
    ASSIGN_OR_RETURN(
        auto* stmt,
        conn.Prepare(absl::StrCat(
            "SELECT ticket_id FROM ticket_info WHERE ticket_id IN (", in,
            ") UNION SELECT DISTINCT ticket_id FROM clock WHERE ticket_id IN (",
            in,
            ") UNION SELECT DISTINCT ticket_id FROM holding WHERE ticket_id "
            "IN (",
            in, ")")));
    RETURN_IF_ERROR(conn.Guard("read known tickets", [&] {
      unsigned k = 1;
      for (int part = 0; part < 3; ++part) {
        for (const std::string& id : ids) stmt->setString(k++, id);
      }
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next()) out.push_back(rs->getString(1));
      return absl::OkStatus();
    }));
  }
  return out;
}

absl::Status MysqlDeadlineStore::PutTicketInfos(
    db::Connection& conn, const std::vector<TicketInfo>& infos) {
  return db::WriteRows(
      conn, infos,
      {"REPLACE INTO ticket_info (ticket_id, ticket_number, request_type, "
       "dispatch_round, first_unit_id, handling_rule, handling_days, "
       "dispatched_at) VALUES ",
       "(?, ?, ?, ?, ?, ?, ?, ?)", "", "write ticket_info"},
      [](sql::PreparedStatement* stmt, unsigned k, const TicketInfo& t) {
        stmt->setString(k++, t.ticket_id);
        stmt->setString(k++, t.ticket_number);
        stmt->setInt(k++, t.request_type);
        stmt->setInt(k++, t.dispatch_round);
        stmt->setString(k++, t.first_unit_id);
        stmt->setString(k++, t.handling_rule);
        stmt->setInt(k++, t.handling_days);
        SetOptTime(stmt, k++, t.dispatched_at);
        return k;
      });
}

absl::Status MysqlDeadlineStore::PutChainLinks(
    db::Connection& conn, const std::vector<ChainLink>& links) {
  return db::WriteRows(
      conn, links,
      {"INSERT INTO ticket_unit (ticket_id, unit_id, parent_unit_id) VALUES ",
       "(?, ?, ?)",
       " ON DUPLICATE KEY UPDATE parent_unit_id = VALUES(parent_unit_id)",
       "write chain"},
      [](sql::PreparedStatement* stmt, unsigned k, const ChainLink& l) {
        stmt->setString(k++, l.ticket_id);
        stmt->setString(k++, l.unit_id);
        stmt->setString(k++, l.parent_unit_id);
        return k;
      });
}

absl::Status MysqlDeadlineStore::InsertHoldings(
    db::Connection& conn, const std::vector<NewHolding>& holdings) {
  return db::WriteRows(
      conn, holdings,
      {"INSERT INTO holding (ticket_id, dispatch_round, seq, unit_id, "
       "arrived_at, arrived_by) VALUES ",
       "(?, ?, ?, ?, ?, ?)", "", "open holdings"},
      [](sql::PreparedStatement* stmt, unsigned k, const NewHolding& h) {
        stmt->setString(k++, h.ticket_id);
        stmt->setInt(k++, h.dispatch_round);
        stmt->setInt(k++, h.seq);
        stmt->setString(k++, h.unit_id);
        stmt->setString(k++, SqlTime(h.arrived_at));
        stmt->setString(k++, h.arrived_by);
        return k;
      });
}

absl::Status MysqlDeadlineStore::MoveHolding(db::Connection& conn,
                                             const std::string& ticket_id,
                                             int round, const std::string& unit,
                                             absl::Time at,
                                             const std::string& arrived_by) {
  RETURN_IF_ERROR(CloseHolding(conn, ticket_id, round, at));
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("INSERT INTO holding (ticket_id, dispatch_round, seq, "
                   "unit_id, arrived_at, arrived_by) SELECT ?, ?, "
                   "COALESCE(MAX(seq), 0) + 1, ?, ?, ? FROM holding WHERE "
                   "ticket_id = ? AND dispatch_round = ?"));
  return conn.Guard("open holding", [&] {
    stmt->setString(1, ticket_id);
    stmt->setInt(2, round);
    stmt->setString(3, unit);
    stmt->setString(4, SqlTime(at));
    stmt->setString(5, arrived_by);
    stmt->setString(6, ticket_id);
    stmt->setInt(7, round);
    stmt->executeUpdate();
  });
}

absl::Status MysqlDeadlineStore::CloseHolding(db::Connection& conn,
                                              const std::string& ticket_id,
                                              int round, absl::Time at) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("UPDATE holding SET left_at = ? WHERE "
                                "ticket_id = ? AND dispatch_round = ? AND "
                                "left_at IS NULL"));
  return conn.Guard("close holding", [&] {
    stmt->setString(1, SqlTime(at));
    stmt->setString(2, ticket_id);
    stmt->setInt(3, round);
    stmt->executeUpdate();
  });
}

absl::StatusOr<std::vector<Holding>> MysqlDeadlineStore::Holdings(
    db::Connection& conn, const std::string& ticket_id, int round) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("SELECT unit_id, arrived_at, left_at, "
                                "arrived_by FROM holding WHERE ticket_id = ? "
                                "AND dispatch_round = ? ORDER BY seq"));
  stmt->setString(1, ticket_id);
  stmt->setInt(2, round);
  return ReadAll<Holding>(conn, stmt, "read holdings", [](sql::ResultSet& rs) {
    Holding h;
    h.unit_id = rs.getString(1);
    h.arrived_at = ParseSqlTime(rs.getString(2));
    h.left_at = OptTime(rs, 3);
    h.arrived_by = rs.getString(4);
    return h;
  });
}

absl::Status MysqlDeadlineStore::PutChainLink(db::Connection& conn,
                                              const std::string& ticket_id,
                                              const std::string& unit,
                                              const std::string& parent) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("INSERT INTO ticket_unit (ticket_id, unit_id, "
                   "parent_unit_id) VALUES (?, ?, ?) ON DUPLICATE KEY "
                   "UPDATE parent_unit_id = VALUES(parent_unit_id)"));
  return conn.Guard("write chain", [&] {
    stmt->setString(1, ticket_id);
    stmt->setString(2, unit);
    stmt->setString(3, parent);
    stmt->executeUpdate();
  });
}

absl::StatusOr<std::optional<std::string>> MysqlDeadlineStore::ParentOf(
    db::Connection& conn, const std::string& ticket_id,
    const std::string& unit) {
  ASSIGN_OR_RETURN(auto* q,
                   conn.Prepare("SELECT parent_unit_id FROM ticket_unit WHERE "
                                "ticket_id = ? AND unit_id = ?"));
  return conn.Guard("read parent", [&] {
    q->setString(1, ticket_id);
    q->setString(2, unit);
    std::unique_ptr<sql::ResultSet> rs(q->executeQuery());
    std::optional<std::string> parent;
    if (rs->next()) parent = std::string(rs->getString(1));
    return parent;
  });
}

absl::StatusOr<std::vector<std::string>> MysqlDeadlineStore::UnitsOfTicket(
    db::Connection& conn, const std::string& ticket_id) {
  ASSIGN_OR_RETURN(auto* q,
                   conn.Prepare("SELECT unit_id FROM ticket_unit WHERE "
                                "ticket_id = ? ORDER BY unit_id"));
  q->setString(1, ticket_id);
  return ReadAll<std::string>(
      conn, q, "read chain units",
      [](sql::ResultSet& rs) { return std::string(rs.getString(1)); });
}

}  // namespace hotline::deadline
