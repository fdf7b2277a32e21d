// MysqlIntakeStore: reading orders (by id or number, lists and search) and
// the reveal audit.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/db/transaction.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/intake/store/mysql_intake_rows.h"
#include "services/intake/store/mysql_intake_store.h"

namespace hotline::intake {
namespace {

std::string LikeEscape(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"%", "\\%"}, {"_", "\\_"}});
}

}  // namespace

absl::StatusOr<std::optional<TicketRecord>> MysqlIntakeStore::ReadTicket(
    db::Connection& conn, const std::string& where_column,
    const std::string& key, bool for_update) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * stmt,
                   conn.Prepare(absl::StrCat(
                       "SELECT ", kTicketCols, " FROM ticket t WHERE t.",
                       where_column, " = ?", for_update ? " FOR UPDATE" : "")));
  ASSIGN_OR_RETURN(
      std::unique_ptr<sql::ResultSet> rs, conn.Guard("read ticket", [&] {
        stmt->setString(1, key);
        return std::unique_ptr<sql::ResultSet>(stmt->executeQuery());
      }));
  std::optional<TicketRecord> out;
  absl::Status st = absl::OkStatus();
  RETURN_IF_ERROR(conn.Guard("read ticket", [&] {
    if (rs->next()) {
      auto r = RecordFromRow(*rs);
      if (r.ok()) {
        out = std::move(*r);
      } else {
        st = r.status();
      }
    }
  }));
  RETURN_IF_ERROR(st);
  return out;
}

absl::StatusOr<TicketRecord> MysqlIntakeStore::GetTicket(
    const std::string& ticket_id, const std::string& ticket_number,
    std::vector<std::string>* held_units) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(
      std::optional<TicketRecord> rec,
      ticket_id.empty()
          ? ReadTicket(*conn, "ticket_number", ticket_number, false)
          : ReadTicket(*conn, "ticket_id", ticket_id, false));
  if (!rec.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("ticket ", ticket_id.empty() ? ticket_number : ticket_id,
                     " not found"));
  }
  const std::string id = rec->ticket.ticket_id();
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * prog,
      conn->Prepare("SELECT at, status, unit_id, note FROM "
                    "ticket_progress WHERE ticket_id = ? ORDER BY id"));
  ASSIGN_OR_RETURN(sql::PreparedStatement * reps,
                   conn->Prepare("SELECT ticket_id FROM ticket WHERE "
                                 "merged_into = ? ORDER BY id"));
  ASSIGN_OR_RETURN(sql::PreparedStatement * held,
                   conn->Prepare("SELECT unit_id FROM ticket_holder WHERE "
                                 "ticket_id = ?"));
  RETURN_IF_ERROR(conn->Guard("read ticket details", [&] {
    // The first step of every timeline: received (and, at intake, closed).
    v1::ProgressEntry* first = rec->ticket.add_progress();
    *first->mutable_at() = rec->ticket.created_at();
    first->set_status(v1::TICKET_STATUS_RECEIVED);
    first->set_note("工单已受理");
    if (!rec->ticket.intake_answer().empty()) {
      v1::ProgressEntry* closed = rec->ticket.add_progress();
      *closed->mutable_at() = rec->ticket.created_at();
      closed->set_status(v1::TICKET_STATUS_CLOSED_AT_INTAKE);
      closed->set_note(absl::StrCat("受理时已依据知识库答复：",
                                    rec->ticket.intake_answer()));
    }
    prog->setString(1, id);
    std::unique_ptr<sql::ResultSet> rs(prog->executeQuery());
    while (rs->next()) {
      v1::ProgressEntry* e = rec->ticket.add_progress();
      *e->mutable_at() = ToProto(ParseSqlTime(rs->getString(1)));
      e->set_status(static_cast<v1::TicketStatus>(rs->getInt(2)));
      e->set_unit_id(rs->getString(3));
      e->set_note(rs->getString(4));
    }
    reps->setString(1, id);
    std::unique_ptr<sql::ResultSet> rr(reps->executeQuery());
    while (rr->next()) rec->ticket.add_repeat_ticket_ids(rr->getString(1));
    held->setString(1, id);
    std::unique_ptr<sql::ResultSet> hr(held->executeQuery());
    while (hr->next()) {
      if (held_units != nullptr) held_units->push_back(hr->getString(1));
    }
  }));
  return std::move(*rec);
}

absl::StatusOr<std::vector<TicketRecord>> MysqlIntakeStore::ListTickets(
    const TicketFilter& f, const ReaderScope& scope) {
  std::vector<std::string> where;
  std::string from = "ticket t";
  std::string order = "t.received_at DESC, t.id DESC";
  std::string select = kTicketCols;
  std::string group;
  if (!f.terms.empty()) {
    from = "ticket_term tt JOIN ticket t ON t.id = tt.row_id";
    where.push_back(
        absl::StrCat("tt.term IN (", SqlTermList(f.terms, 100), ")"));
    group = " GROUP BY t.id";
    order = "COUNT(*) DESC, t.received_at DESC, t.id DESC";
  }
  if (!f.statuses.empty()) {
    std::vector<std::string> s;
    for (auto st : f.statuses) s.push_back(absl::StrCat(static_cast<int>(st)));
    where.push_back(absl::StrCat("t.status IN (", absl::StrJoin(s, ","), ")"));
  }
  // Held by one of `units` (explicit ids: the caller resolved the subtree).
  auto held_by = [](const std::vector<std::string>& units) -> std::string {
    if (units.empty()) return "FALSE";
    std::vector<std::string> in;
    in.reserve(units.size());
    for (const auto& u : units) in.push_back(Quote(u));
    return absl::StrCat(
        "EXISTS (SELECT 1 FROM ticket_holder h WHERE h.ticket_id = t.ticket_id "
        "AND h.unit_id IN (",
        absl::StrJoin(in, ","), "))");
  };
  if (!f.holder_units.empty()) where.push_back(held_by(f.holder_units));
  if (scope.restricted) where.push_back(held_by(scope.units));
  if (f.request_type != v1::REQUEST_TYPE_UNSPECIFIED) {
    where.push_back(absl::StrCat("t.request_type = ", f.request_type));
  }
  if (f.channel != v1::CHANNEL_UNSPECIFIED) {
    where.push_back(absl::StrCat("t.channel = ", f.channel));
  }
  if (!f.category_code.empty()) {
    where.push_back(absl::StrCat("(t.category_code = ", Quote(f.category_code),
                                 " OR t.category_code LIKE ",
                                 Quote(LikeEscape(f.category_code) + ".%"),
                                 ")"));
  }
  if (!f.town_code.empty()) {
    where.push_back(absl::StrCat("t.town_code = ", Quote(f.town_code)));
  }
  if (f.from.has_value()) {
    where.push_back(absl::StrCat("t.received_at >= ", Quote(SqlTime(*f.from))));
  }
  if (f.to.has_value()) {
    where.push_back(absl::StrCat("t.received_at < ", Quote(SqlTime(*f.to))));
  }
  if (!f.number_prefix.empty()) {
    where.push_back(absl::StrCat("t.ticket_number LIKE ",
                                 Quote(LikeEscape(f.number_prefix) + "%")));
  }
  if (!f.caller_hashes.empty()) {
    std::vector<std::string> hashes;
    for (const auto& h : f.caller_hashes) hashes.push_back(Quote(h));
    where.push_back(
        absl::StrCat("t.caller_hash IN (", absl::StrJoin(hashes, ","), ")"));
  }
  std::string sql = absl::StrCat("SELECT ", select, " FROM ", from);
  if (!where.empty())
    absl::StrAppend(&sql, " WHERE ", absl::StrJoin(where, " AND "));
  absl::StrAppend(&sql, group, " ORDER BY ", order, " LIMIT ", f.limit + 1,
                  " OFFSET ", f.offset);
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto rs, conn->Query(sql));
  std::vector<TicketRecord> out;
  absl::Status st = absl::OkStatus();
  RETURN_IF_ERROR(conn->Guard("list tickets", [&] {
    while (rs->next()) {
      auto r = RecordFromRow(*rs);
      if (!r.ok()) {
        st = r.status();
        return;
      }
      out.push_back(std::move(*r));
    }
  }));
  RETURN_IF_ERROR(st);
  return out;
}

absl::StatusOr<std::pair<std::string, std::string>>
MysqlIntakeStore::RecordReveal(const RevealRecord& r) {
  const std::string audit_id = absl::StrCat("rv-", r.request_id);
  absl::StatusOr<std::pair<std::string, std::string>> out =
      db::RunInTransaction(
          *pool_,
          [&](db::Connection& conn)
              -> absl::StatusOr<std::pair<std::string, std::string>> {
            ASSIGN_OR_RETURN(
                sql::PreparedStatement * ins,
                conn.Prepare(
                    "INSERT INTO reveal_audit (audit_id, request_id, "
                    "request_hash, ticket_id, ticket_number, principal_id, "
                    "role, unit_id, purpose, reason, revealed_at) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?)"));
            RETURN_IF_ERROR(conn.Guard("insert reveal audit", [&] {
              ins->setString(1, audit_id);
              ins->setString(2, r.request_id);
              ins->setString(3, r.request_hash);
              ins->setString(4, r.ticket_id);
              ins->setString(5, r.ticket_number);
              ins->setString(6, r.who.id);
              ins->setInt(7, static_cast<int>(r.who.role));
              ins->setString(8, r.who.unit_id);
              ins->setInt(9, r.purpose);
              ins->setString(10, r.reason);
              ins->setString(11, SqlTime(r.at));
              ins->executeUpdate();
            }));
            return std::make_pair(audit_id, r.request_hash);
          });
  if (out.ok() || out.status().code() != absl::StatusCode::kAlreadyExists) {
    return out;
  }
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(sql::PreparedStatement * sel,
                   conn->Prepare("SELECT audit_id, request_hash FROM "
                                 "reveal_audit WHERE request_id = ?"));
  return conn->Guard(
      "read reveal audit",
      [&]() -> absl::StatusOr<std::pair<std::string, std::string>> {
        sel->setString(1, r.request_id);
        std::unique_ptr<sql::ResultSet> rs(sel->executeQuery());
        if (!rs->next()) return out.status();
        return std::make_pair(std::string(rs->getString(1)),
                              std::string(rs->getString(2)));
      });
}

absl::StatusOr<std::vector<v1::RevealAuditEntry>>
MysqlIntakeStore::ListRevealAudit(const AuditFilter& f) {
  std::vector<std::string> where;
  if (!f.ticket_id.empty())
    where.push_back(absl::StrCat("ticket_id = ", Quote(f.ticket_id)));
  if (!f.principal_id.empty()) {
    where.push_back(absl::StrCat("principal_id = ", Quote(f.principal_id)));
  }
  if (!f.unit_id.empty())
    where.push_back(absl::StrCat("unit_id = ", Quote(f.unit_id)));
  if (f.from)
    where.push_back(absl::StrCat("revealed_at >= ", Quote(SqlTime(*f.from))));
  if (f.to)
    where.push_back(absl::StrCat("revealed_at < ", Quote(SqlTime(*f.to))));
  std::string sql =
      "SELECT audit_id, ticket_id, ticket_number, principal_id, role, unit_id, "
      "purpose, reason, revealed_at FROM reveal_audit";
  if (!where.empty())
    absl::StrAppend(&sql, " WHERE ", absl::StrJoin(where, " AND "));
  absl::StrAppend(&sql, " ORDER BY revealed_at DESC, id DESC LIMIT ",
                  f.limit + 1, " OFFSET ", f.offset);
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto rs, conn->Query(sql));
  std::vector<v1::RevealAuditEntry> out;
  RETURN_IF_ERROR(conn->Guard("list reveal audit", [&] {
    while (rs->next()) {
      v1::RevealAuditEntry e;
      e.set_audit_id(rs->getString(1));
      e.set_ticket_id(rs->getString(2));
      e.set_ticket_number(rs->getString(3));
      e.mutable_actor()->set_principal_id(rs->getString(4));
      e.mutable_actor()->set_role(static_cast<v1::Role>(rs->getInt(5) + 1));
      e.mutable_actor()->set_unit_id(rs->getString(6));
      e.set_purpose(static_cast<v1::RevealPurpose>(rs->getInt(7)));
      e.set_reason(rs->getString(8));
      *e.mutable_revealed_at() = ToProto(ParseSqlTime(rs->getString(9)));
      out.push_back(std::move(e));
    }
  }));
  return out;
}

}  // namespace hotline::intake
