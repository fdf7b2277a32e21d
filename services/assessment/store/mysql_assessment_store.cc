// MysqlAssessmentStore: the writes of one event or evaluation
// (AssessmentEventStore), on the core's transaction.

#include "services/assessment/store/mysql_assessment_store.h"

#include <cppconn/resultset.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/db/multi_row.h"
#include "common/db/sql_text.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/assessment/store/mysql_overdue_tables.h"
#include "services/assessment/store/mysql_rows.h"

namespace hotline::assessment {

using mysql_rows::kFactColumnCount;
using mysql_rows::kFactColumns;
using mysql_rows::Placeholders;
using mysql_rows::RollupUpsertRowsSql;

MysqlAssessmentStore::MysqlAssessmentStore(db::ConnectionPool* pool)
    : pool_(pool) {}

namespace {

constexpr char kTicketColumns[] =
    "ticket_id, ticket_number, request_type, urgency, category_code, "
    "area_code, dispatched_at, replied_unit_id, review_status, "
    "approved_unit_id, last_reply_round";
constexpr int kTicketColumnCount = 11;

// The kTicketColumns of the current row of `rs` (known = true).
TicketInfo ReadTicket(sql::ResultSet& rs) {
  TicketInfo t;
  t.known = true;
  t.ticket_number = rs.getString(2);
  t.request_type = rs.getInt(3);
  t.urgency = rs.getInt(4);
  t.category_code = rs.getString(5);
  t.area_code = rs.getString(6);
  if (!rs.isNull(7)) t.dispatched_at = ParseSqlTime(rs.getString(7));
  t.replied_unit_id = rs.getString(8);
  t.review_status = rs.getString(9);
  t.approved_unit_id = rs.getString(10);
  t.last_reply_round = rs.getInt(11);
  return t;
}

// Binds one row of kTicketColumns from position `k`; returns the next.
unsigned BindTicket(sql::PreparedStatement* stmt, unsigned k,
                    const std::string& ticket_id, const TicketInfo& t) {
  stmt->setString(k++, ticket_id);
  stmt->setString(k++, t.ticket_number.substr(0, 32));
  stmt->setInt(k++, t.request_type);
  stmt->setInt(k++, t.urgency);
  stmt->setString(k++, t.category_code);
  stmt->setString(k++, t.area_code);
  if (t.dispatched_at.has_value()) {
    stmt->setString(k++, SqlTime(*t.dispatched_at));
  } else {
    stmt->setNull(k++, 0);
  }
  stmt->setString(k++, t.replied_unit_id);
  stmt->setString(k++, t.review_status);
  stmt->setString(k++, t.approved_unit_id);
  stmt->setInt(k++, t.last_reply_round);
  return k;
}

}  // namespace

absl::StatusOr<TicketInfo> MysqlAssessmentStore::LoadTicket(
    db::Connection& conn, const std::string& ticket_id) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare(absl::StrCat("SELECT ", kTicketColumns,
                                             " FROM ticket_state WHERE "
                                             "ticket_id = ? FOR UPDATE")));
  return conn.Guard("load ticket_state", [&] {
    stmt->setString(1, ticket_id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    return rs->next() ? ReadTicket(*rs) : TicketInfo();
  });
}

absl::StatusOr<std::map<std::string, TicketInfo>>
MysqlAssessmentStore::LoadTickets(db::Connection& conn,
                                  const std::vector<std::string>& ticket_ids) {
  std::map<std::string, TicketInfo> out;
  // IN lists of few shapes (padded to a power of two), rows locked in key
  // order.
  for (const std::vector<std::string>& ids : db::PaddedIdChunks(ticket_ids)) {
    ASSIGN_OR_RETURN(
        auto* stmt,
        conn.Prepare(absl::StrCat(
            "SELECT ", kTicketColumns,
            " FROM ticket_state FORCE INDEX (PRIMARY) WHERE ticket_id IN (",
            Placeholders(ids.size()), ") ORDER BY ticket_id FOR UPDATE")));
    RETURN_IF_ERROR(conn.Guard("load ticket_states", [&] {
      for (size_t i = 0; i < ids.size(); ++i) stmt->setString(i + 1, ids[i]);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next()) out[rs->getString(1)] = ReadTicket(*rs);
    }));
  }
  return out;
}

absl::Status MysqlAssessmentStore::SaveTickets(
    db::Connection& conn,
    const std::vector<std::pair<std::string, const TicketInfo*>>& tickets) {
  const std::string tuple =
      absl::StrCat("(", Placeholders(kTicketColumnCount), ")");
  const std::string head =
      absl::StrCat("INSERT INTO ticket_state (", kTicketColumns, ") VALUES ");
  return db::WriteRows(
      conn, tickets,
      {head, tuple,
       " ON DUPLICATE KEY UPDATE ticket_number = VALUES(ticket_number), "
       "request_type = VALUES(request_type), urgency = VALUES(urgency), "
       "category_code = VALUES(category_code), area_code = "
       "VALUES(area_code), dispatched_at = VALUES(dispatched_at), "
       "replied_unit_id = VALUES(replied_unit_id), review_status = "
       "VALUES(review_status), approved_unit_id = "
       "VALUES(approved_unit_id), last_reply_round = "
       "VALUES(last_reply_round)",
       "save ticket_states"},
      [](sql::PreparedStatement* stmt, unsigned k, const auto& t) {
        return BindTicket(stmt, k, t.first, *t.second);
      });
}

namespace {

// Binds `f` in kFactColumns order from position `k`; returns the next
// position.
unsigned BindFact(sql::PreparedStatement* stmt, const FactRecord& f,
                  unsigned k) {
  stmt->setString(k++, f.event_id);
  stmt->setString(k++, f.producer);
  stmt->setString(k++, f.ticket_id);
  stmt->setInt64(k++, f.seq);
  stmt->setString(k++, f.kind);
  stmt->setString(k++, f.unit_id);
  stmt->setString(k++, SqlTime(f.occurred_at));
  stmt->setString(k++, calendar::FormatDate(f.local_date));
  stmt->setInt(k++, f.request_type);
  stmt->setInt(k++, f.urgency);
  stmt->setString(k++, f.category_code);
  stmt->setString(k++, f.area_code);
  stmt->setString(k++, f.detail);
  stmt->setInt64(k++, f.amount);
  stmt->setString(k++, f.unit2_id);
  if (f.handling_days.has_value()) {
    stmt->setInt64(k++, *f.handling_days);
  } else {
    stmt->setNull(k++, 0);
  }
  return k;
}

}  // namespace

absl::Status MysqlAssessmentStore::InsertFacts(
    db::Connection& conn,
    const std::vector<std::pair<FactRecord, std::string>>& facts) {
  const std::string head =
      absl::StrCat("INSERT INTO fact (", kFactColumns, ", event) VALUES ");
  const std::string tuple =
      absl::StrCat("(", Placeholders(kFactColumnCount + 1), ")");
  return db::WriteRows(
      conn, facts, {head, tuple, "", "insert facts"},
      [](sql::PreparedStatement* stmt, unsigned k, const auto& f) {
        k = BindFact(stmt, f.first, k);
        stmt->setString(k++, f.second);
        return k;
      });
}

absl::Status MysqlAssessmentStore::AddRollupSums(db::Connection& conn,
                                                 const RollupSet& sums) {
  for (int m = 0; m < 2; ++m) {
    RETURN_IF_ERROR(db::WriteRowsWith(
        conn, sums.rows[m], "upsert rollup rows", 256,
        [m](size_t n) { return RollupUpsertRowsSql(m, n); },
        [](sql::PreparedStatement* stmt, unsigned k, const auto& row) {
          stmt->setString(k++, std::get<0>(row.first));
          stmt->setString(k++, std::get<1>(row.first));
          stmt->setInt(k++, std::get<2>(row.first));
          for (int i = 0; i < kCounterCount; ++i) {
            stmt->setInt64(k++, row.second.v[i]);
          }
          return k;
        }));
  }
  for (int m = 0; m < 2; ++m) {
    RETURN_IF_ERROR(db::WriteRowsWith(
        conn, sums.hist[m], "upsert rollup rows", 256,
        [m](size_t n) {
          return absl::StrCat(
              m == 0 ? "INSERT INTO rollup_handling (local_date, "
                     : "INSERT INTO rollup_handling_month (month_start, ",
              "unit_id, request_type, working_days, n) VALUES ",
              db::SqlRows("(?,?,?,?,?)", n),
              " ON DUPLICATE KEY UPDATE n = n + VALUES(n)");
        },
        [](sql::PreparedStatement* stmt, unsigned k, const auto& row) {
          stmt->setString(k++, std::get<0>(row.first));
          stmt->setString(k++, std::get<1>(row.first));
          stmt->setInt(k++, std::get<2>(row.first));
          stmt->setInt64(k++, std::get<3>(row.first));
          stmt->setInt64(k++, row.second);
          return k;
        }));
  }
  return db::WriteRowsWith(
      conn, sums.topic, "upsert rollup rows", 256,
      [](size_t n) {
        return absl::StrCat(
            "INSERT INTO rollup_topic (local_date, category_code, area_code, "
            "n) VALUES ",
            db::SqlRows("(?,?,?,?)", n),
            " ON DUPLICATE KEY UPDATE n = n + VALUES(n)");
      },
      [](sql::PreparedStatement* stmt, unsigned k, const auto& row) {
        stmt->setString(k++, std::get<0>(row.first));
        stmt->setString(k++, std::get<1>(row.first));
        stmt->setString(k++, std::get<2>(row.first));
        stmt->setInt64(k++, row.second);
        return k;
      });
}

absl::Status MysqlAssessmentStore::SaveUnitLinks(
    db::Connection& conn, const std::vector<UnitLink>& units) {
  if (units.empty()) return absl::OkStatus();
  // Few statements for the links (one for an event's few; rows apply in
  // order, as separate upserts would), chunks of RowsInNextChunk so that a
  // session prepares few distinct statements whatever a batch folds.
  return db::WriteRows(
      conn, units,
      {"INSERT INTO unit_node (unit_id, parent_id, is_area) VALUES ", "(?,?,?)",
       " ON DUPLICATE KEY UPDATE parent_id = IF(VALUES(parent_id) <> '', "
       "VALUES(parent_id), parent_id), is_area = GREATEST(is_area, "
       "VALUES(is_area))",
       "upsert unit_node"},
      [](sql::PreparedStatement* stmt, unsigned k, const UnitLink& u) {
        stmt->setString(k++, u.unit_id);
        stmt->setString(k++, u.parent_id);
        stmt->setInt(k++, u.is_area ? 1 : 0);
        return k;
      });
}

namespace {

// The ticket_ids of order_lock among `ids` (with '' when `guard`), in
// chunks in key order (bytewise: the column is binary), each IN list padded
// to a power of two so that few shapes are prepared; `for_update`: X-locked,
// by the primary key's range scans in key order (READ COMMITTED: record
// locks only, no gap locks).
absl::StatusOr<std::set<std::string>> OrderLockRows(
    db::Connection& conn, const std::vector<std::string>& ids, bool guard,
    bool for_update) {
  std::vector<std::string> keys;
  if (guard) keys.push_back("");
  keys.insert(keys.end(), ids.begin(), ids.end());
  std::set<std::string> out;
  for (const std::vector<std::string>& chunk : db::PaddedIdChunks(keys)) {
    ASSIGN_OR_RETURN(
        auto* stmt,
        conn.Prepare(absl::StrCat(
            "SELECT ticket_id FROM order_lock FORCE INDEX (PRIMARY) WHERE "
            "ticket_id IN (",
            Placeholders(chunk.size()), ") ORDER BY ticket_id",
            for_update ? " FOR UPDATE" : "")));
    RETURN_IF_ERROR(conn.Guard("lock orders", [&] {
      for (size_t i = 0; i < chunk.size(); ++i) {
        stmt->setString(i + 1, chunk[i]);
      }
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next()) out.insert(rs->getString(1));
    }));
  }
  out.erase("");
  return out;
}

}  // namespace

absl::Status MysqlAssessmentStore::LockTickets(
    db::Connection& conn, const std::vector<std::string>& ticket_ids) {
  // Every lock in key order, the guard row '' first: transactions that only
  // lock stored orders run side by side; those that insert new orders hold
  // the guard while they do, so no two insert at once — concurrent inserts
  // of one key take gap locks (duplicate-key checks, even in READ
  // COMMITTED) and deadlock each other.
  ASSIGN_OR_RETURN(std::set<std::string> seen,
                   OrderLockRows(conn, ticket_ids, /*guard=*/false,
                                 /*for_update=*/false));
  const bool all_stored = seen.size() == ticket_ids.size();
  ASSIGN_OR_RETURN(std::set<std::string> locked,
                   OrderLockRows(conn, ticket_ids, /*guard=*/!all_stored,
                                 /*for_update=*/true));
  if (all_stored) return absl::OkStatus();
  // Under the guard: orders stored since the first read are locked above;
  // the rest nobody else inserts now.
  std::vector<std::string> fresh;
  for (const std::string& id : ticket_ids) {
    if (locked.count(id) == 0) fresh.push_back(id);
  }
  return db::WriteRows(
      conn, fresh,
      {"INSERT INTO order_lock (ticket_id) VALUES ", "(?)", "",
       "lock new orders"},
      [](sql::PreparedStatement* stmt, unsigned k, const std::string& id) {
        stmt->setString(k++, id);
        return k;
      });
}

absl::StatusOr<bool> MysqlAssessmentStore::RecordDutyGapDay(
    db::Connection& conn, const std::string& unit_id, absl::CivilDay day,
    const std::string& event_id) {
  return mysql_overdue::RecordDutyGapDay(conn, unit_id, day, event_id);
}

namespace {

v1::Evaluation ReadEvaluation(sql::ResultSet& rs) {
  v1::Evaluation e;
  e.set_evaluation_id(rs.getString(1));
  e.set_ticket_id(rs.getString(2));
  e.set_unit_id(rs.getString(3));
  e.set_reached(rs.getInt(4) != 0);
  e.set_satisfaction(static_cast<v1::Satisfaction>(rs.getInt(5)));
  e.set_resolved(rs.getInt(6) != 0);
  e.set_comment(rs.getString(7));
  *e.mutable_evaluated_at() = ToProto(ParseSqlTime(rs.getString(8)));
  e.mutable_evaluator()->set_principal_id(rs.getString(9));
  e.mutable_evaluator()->set_role(static_cast<v1::Role>(rs.getInt(10)));
  e.mutable_evaluator()->set_unit_id(rs.getString(11));
  return e;
}

constexpr char kEvaluationColumns[] =
    "evaluation_id, ticket_id, unit_id, reached, satisfaction, resolved, "
    "comment, evaluated_at, evaluator_id, evaluator_role, evaluator_unit, "
    "request_hash";

}  // namespace

absl::StatusOr<std::optional<std::pair<v1::Evaluation, std::string>>>
MysqlAssessmentStore::FindEvaluationByRequest(db::Connection& conn,
                                              const std::string& request_id) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare(absl::StrCat("SELECT ", kEvaluationColumns,
                                             " FROM evaluation WHERE "
                                             "request_id = ?")));
  return conn.Guard(
      "find evaluation by request",
      [&]() -> std::optional<std::pair<v1::Evaluation, std::string>> {
        stmt->setString(1, request_id);
        std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
        if (!rs->next()) return std::nullopt;
        return std::make_pair(ReadEvaluation(*rs),
                              std::string(rs->getString(12)));
      });
}

absl::StatusOr<std::string> MysqlAssessmentStore::FindEvaluationIdByTicket(
    db::Connection& conn, const std::string& ticket_id) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("SELECT evaluation_id FROM evaluation WHERE ticket_id = ?"));
  return conn.Guard("find evaluation by ticket", [&] {
    stmt->setString(1, ticket_id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    return rs->next() ? std::string(rs->getString(1)) : std::string();
  });
}

absl::Status MysqlAssessmentStore::InsertEvaluation(
    db::Connection& conn, const v1::Evaluation& ev,
    const std::string& request_id, const std::string& request_hash) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare(
          "INSERT INTO evaluation (evaluation_id, ticket_id, request_id, "
          "request_hash, unit_id, reached, satisfaction, resolved, "
          "comment, evaluated_at, evaluator_id, evaluator_role, "
          "evaluator_unit) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  return conn.Guard("insert evaluation", [&] {
    stmt->setString(1, ev.evaluation_id());
    stmt->setString(2, ev.ticket_id());
    stmt->setString(3, request_id);
    stmt->setString(4, request_hash);
    stmt->setString(5, ev.unit_id());
    stmt->setInt(6, ev.reached());
    stmt->setInt(7, ev.satisfaction());
    stmt->setInt(8, ev.resolved());
    stmt->setString(9, ev.comment());
    stmt->setString(10, SqlTime(FromProto(ev.evaluated_at())));
    stmt->setString(11, ev.evaluator().principal_id());
    stmt->setInt(12, ev.evaluator().role());
    stmt->setString(13, ev.evaluator().unit_id());
    stmt->executeUpdate();
  });
}

}  // namespace hotline::assessment
