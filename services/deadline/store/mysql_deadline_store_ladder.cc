// MysqlDeadlineStore: rungs, fired steps and notices (LadderStore).
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
using mysql::kClockColumns;
using mysql::kNoticeColumns;
using mysql::kStepColumns;
using mysql::kStepFrom;
using mysql::ReadAll;
using mysql::ReadClock;
using mysql::ReadNotice;
using mysql::ReadPage;
using mysql::ReadStep;
using mysql::StepWhere;

namespace {

// "(clock_id,step),…" of rungs or step records.
std::string RungKeys(const std::vector<LadderDue>& rungs) {
  std::string keys;
  for (size_t i = 0; i < rungs.size(); ++i) {
    absl::StrAppend(&keys, i ? "," : "", "(", rungs[i].clock_id, ",",
                    static_cast<int>(rungs[i].step), ")");
  }
  return keys;
}
std::string StepKeys(const std::vector<FiredStep>& steps) {
  std::string keys;
  for (size_t i = 0; i < steps.size(); ++i) {
    absl::StrAppend(&keys, i ? "," : "", "(", steps[i].record.clock_id(), ",",
                    static_cast<int>(steps[i].record.step()), ")");
  }
  return keys;
}

// Inserts the records (one statement) and sets each one's step_id, read back
// by the unique (clock_id, step) (a second one).
absl::Status InsertLadderSteps(db::Connection& conn,
                               std::vector<FiredStep>* steps,
                               const std::string& fired_by) {
  std::string sql =
      "INSERT INTO ladder_step (clock_id, step, ticket_id, ticket_number, "
      "clock_kind, unit_id, due, fired_at, fired_by, act_id) VALUES ";
  for (size_t i = 0; i < steps->size(); ++i) {
    const v1::LadderStepRecord& r = (*steps)[i].record;
    absl::StrAppend(
        &sql, i ? "," : "", "(", r.clock_id(), ",", static_cast<int>(r.step()),
        ",", SqlQuote(r.ticket_id()), ",", SqlQuote(r.ticket_number()), ",",
        static_cast<int>(r.clock_kind()), ",", SqlQuote(r.unit_id()), ",'",
        SqlTime(FromProto(r.due())), "','", SqlTime(FromProto(r.fired_at())),
        "',", SqlQuote(fired_by), ",",
        r.act_id().empty() ? std::string("NULL") : SqlQuote(r.act_id()), ")");
  }
  RETURN_IF_ERROR(conn.Execute(sql));
  ASSIGN_OR_RETURN(auto rs, conn.Query(absl::StrCat(
                                "SELECT step_id, clock_id, step FROM "
                                "ladder_step WHERE (clock_id, step) IN (",
                                StepKeys(*steps), ")")));
  std::map<std::pair<std::string, int>, int64_t> ids;
  RETURN_IF_ERROR(conn.Guard("read step ids", [&] {
    while (rs->next()) {
      ids[{absl::StrCat(rs->getInt64(2)), rs->getInt(3)}] = rs->getInt64(1);
    }
  }));
  for (FiredStep& s : *steps) {
    v1::LadderStepRecord& r = s.record;
    auto it = ids.find({r.clock_id(), static_cast<int>(r.step())});
    if (it == ids.end()) return absl::InternalError("ladder step not stored");
    r.set_step_id(absl::StrCat(it->second));
  }
  return absl::OkStatus();
}

// The notices of the batch's steps in one INSERT … SELECT: each stored step
// joined with its text and with its kind's targets, rather than one VALUES
// row per notice (≈ 6 per step; the server's parsing of those rows was half
// the cost of a scanner tick).
absl::Status InsertNotices(db::Connection& conn, const LadderBatch& batch) {
  std::string texts;  // step_id → text
  std::string ids;
  for (size_t i = 0; i < batch.steps.size(); ++i) {
    const FiredStep& s = batch.steps[i];
    absl::StrAppend(&texts, i ? " UNION ALL SELECT " : "SELECT ",
                    s.record.step_id(), i ? "," : " AS step_id,",
                    SqlQuote(s.text), i ? "" : " AS text");
    absl::StrAppend(&ids, i ? "," : "", s.record.step_id());
  }
  std::string targets;  // step kind, order → recipient and channel
  int n = 0;
  for (const auto& [step, list] : batch.notices) {
    for (const NoticeTarget& t : list) {
      const bool first = n == 0;
      absl::StrAppend(&targets, first ? "SELECT " : " UNION ALL SELECT ",
                      static_cast<int>(step), first ? " AS step," : ",", n,
                      first ? " AS ord," : ",", static_cast<int>(t.kind),
                      first ? " AS kind," : ",", SqlQuote(t.unit_id),
                      first ? " AS unit," : ",", SqlQuote(t.name),
                      first ? " AS name," : ",", t.resolved ? 1 : 0,
                      first ? " AS resolved," : ",",
                      static_cast<int>(t.channel), first ? " AS channel" : "");
      ++n;
    }
  }
  if (n == 0) return absl::OkStatus();
  return conn.Execute(absl::StrCat(
      "INSERT INTO notice (step_id, ticket_id, ticket_number, step, "
      "recipient_kind, recipient_unit, name, resolved, channel, address, "
      "text, created_at, delivery, attempts, next_attempt_at) "
      "SELECT s.step_id, s.ticket_id, s.ticket_number, s.step, p.kind, "
      "IF(p.unit = '', s.unit_id, p.unit), p.name, p.resolved, p.channel, '', "
      "t.text, s.fired_at, ",
      static_cast<int>(v1::NOTICE_DELIVERY_PENDING),
      ", 0, s.fired_at FROM ladder_step s JOIN (", texts,
      ") t ON t.step_id = s.step_id JOIN (", targets,
      ") p ON p.step = s.step WHERE s.step_id IN (", ids,
      ") ORDER BY s.step_id, p.ord"));
}

}  // namespace

absl::Status MysqlDeadlineStore::ScheduleRungs(
    db::Connection& conn, const std::vector<LadderDue>& dues) {
  if (dues.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(
      auto* stmt, conn.Prepare(absl::StrCat(
                      "INSERT INTO ladder_due (clock_id, step, due_at) VALUES ",
                      db::SqlRows("(?, ?, ?)", dues.size()),
                      " ON DUPLICATE KEY UPDATE due_at = VALUES(due_at)")));
  return conn.Guard("schedule rungs", [&] {
    unsigned k = 1;
    for (const LadderDue& d : dues) {
      stmt->setInt64(k++, d.clock_id);
      stmt->setInt(k++, d.step);
      stmt->setString(k++, SqlTime(d.due_at));
    }
    stmt->executeUpdate();
  });
}

absl::StatusOr<std::optional<absl::Time>> MysqlDeadlineStore::RungDueAt(
    db::Connection& conn, int64_t clock_id, v1::LadderStep step) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("SELECT due_at FROM ladder_due WHERE "
                                "clock_id = ? AND step = ?"));
  return conn.Guard("read rung", [&] {
    stmt->setInt64(1, clock_id);
    stmt->setInt(2, step);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    std::optional<absl::Time> out;
    if (rs->next()) out = ParseSqlTime(rs->getString(1));
    return out;
  });
}

absl::Status MysqlDeadlineStore::DropRungs(db::Connection& conn,
                                           int64_t clock_id) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("DELETE FROM ladder_due WHERE clock_id = ?"));
  return conn.Guard("drop rungs", [&] {
    stmt->setInt64(1, clock_id);
    stmt->executeUpdate();
  });
}

absl::StatusOr<std::vector<DueRung>> MysqlDeadlineStore::ClaimDueRungs(
    db::Connection& conn, absl::Time now, int limit) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare(absl::StrCat(
          "SELECT d.clock_id, d.step, d.due_at, ", kClockColumns,
          " FROM ladder_due d JOIN clock c ON c.clock_id = d.clock_id WHERE "
          "d.due_at <= ? ORDER BY d.due_at, d.step LIMIT ? FOR UPDATE SKIP "
          "LOCKED")));
  stmt->setString(1, SqlTime(now));
  stmt->setInt(2, limit);
  return ReadAll<DueRung>(
      conn, stmt, "claim due rungs", [](sql::ResultSet& rs) {
        DueRung d;
        d.rung.clock_id = rs.getInt64(1);
        d.rung.step = static_cast<v1::LadderStep>(rs.getInt(2));
        d.rung.due_at = ParseSqlTime(rs.getString(3));
        d.clock = ReadClock(rs, 3);
        return d;
      });
}

absl::Status MysqlDeadlineStore::RecordLadderBatch(db::Connection& conn,
                                                   LadderBatch* batch) {
  if (!batch->claimed.empty()) {
    RETURN_IF_ERROR(
        conn.Execute(absl::StrCat("DELETE FROM ladder_due WHERE (clock_id, "
                                  "step) IN (",
                                  RungKeys(batch->claimed), ")")));
  }
  if (!batch->steps.empty()) {
    RETURN_IF_ERROR(InsertLadderSteps(conn, &batch->steps, batch->fired_by));
    RETURN_IF_ERROR(InsertNotices(conn, *batch));
  }
  std::map<v1::LadderStep, std::vector<std::string>> by_step;
  for (const FiredStep& s : batch->steps) {
    by_step[s.record.step()].push_back(s.record.clock_id());
  }
  for (const auto& [step, clock_ids] : by_step) {
    RETURN_IF_ERROR(conn.Execute(
        absl::StrCat("UPDATE clock SET ladder_step = GREATEST(ladder_step, ",
                     static_cast<int>(step), ") WHERE clock_id IN (",
                     absl::StrJoin(clock_ids, ","), ")")));
  }
  RETURN_IF_ERROR(RecordOverdue(conn, batch->overdue));
  if (batch->next.empty()) return absl::OkStatus();
  std::string sql = "INSERT INTO ladder_due (clock_id, step, due_at) VALUES ";
  for (size_t i = 0; i < batch->next.size(); ++i) {
    const LadderDue& d = batch->next[i];
    absl::StrAppend(&sql, i ? "," : "", "(", d.clock_id, ",",
                    static_cast<int>(d.step), ",'", SqlTime(d.due_at), "')");
  }
  return conn.Execute(
      absl::StrCat(sql, " ON DUPLICATE KEY UPDATE due_at = VALUES(due_at)"));
}

absl::StatusOr<std::vector<NoticeRow>> MysqlDeadlineStore::LeasePendingNotices(
    db::Connection& conn, absl::Time now, absl::Time lease_until, int limit) {
  ASSIGN_OR_RETURN(auto* stmt, conn.Prepare(absl::StrCat(
                                   "SELECT ", kNoticeColumns,
                                   " FROM notice n WHERE n.delivery = ? AND "
                                   "n.next_attempt_at <= ? ORDER BY "
                                   "n.next_attempt_at LIMIT ? FOR UPDATE SKIP "
                                   "LOCKED")));
  stmt->setInt(1, v1::NOTICE_DELIVERY_PENDING);
  stmt->setString(2, SqlTime(now));
  stmt->setInt(3, limit);
  ASSIGN_OR_RETURN(std::vector<NoticeRow> rows,
                   ReadAll<NoticeRow>(conn, stmt, "lease notices", ReadNotice));
  if (rows.empty()) return rows;
  std::vector<int64_t> ids;
  for (const NoticeRow& r : rows) ids.push_back(r.notice_id);
  RETURN_IF_ERROR(conn.Execute(absl::StrCat(
      "UPDATE notice SET next_attempt_at = '", SqlTime(lease_until),
      "' WHERE notice_id IN (", absl::StrJoin(ids, ","), ")")));
  return rows;
}

absl::Status MysqlDeadlineStore::UpdateNotice(db::Connection& conn,
                                              const NoticeRow& n) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("UPDATE notice SET name = ?, resolved = ?, address = ?, "
                   "delivery = ?, attempts = ?, next_attempt_at = ?, "
                   "delivered_at = ? WHERE notice_id = ?"));
  return conn.Guard("update notice", [&] {
    stmt->setString(1, n.name);
    stmt->setInt(2, n.resolved ? 1 : 0);
    stmt->setString(3, n.address);
    stmt->setInt(4, n.delivery);
    stmt->setInt(5, n.attempts);
    stmt->setString(6, SqlTime(n.next_attempt_at));
    if (n.delivered_at.has_value()) {
      stmt->setString(7, SqlTime(*n.delivered_at));
    } else {
      stmt->setNull(7, 0);
    }
    stmt->setInt64(8, n.notice_id);
    stmt->executeUpdate();
  });
}

absl::StatusOr<std::vector<v1::LadderStepRecord>>
MysqlDeadlineStore::StepsOfTicket(db::Connection& conn,
                                  const std::string& ticket_id) {
  StepFilter f;
  f.ticket_id = ticket_id;
  f.limit = 10000;
  ASSIGN_OR_RETURN(std::vector<v1::LadderStepRecord> steps, ListSteps(conn, f));
  std::reverse(steps.begin(), steps.end());  // oldest first
  return steps;
}

absl::StatusOr<std::vector<v1::LadderStepRecord>> MysqlDeadlineStore::ListSteps(
    db::Connection& conn, const StepFilter& f) {
  std::vector<std::string> params;
  const std::string where = StepWhere(f, "s", false, &params);
  ASSIGN_OR_RETURN(
      std::vector<v1::LadderStepRecord> steps,
      ReadPage<v1::LadderStepRecord>(
          conn,
          absl::StrCat("SELECT ", kStepColumns, kStepFrom, where,
                       " ORDER BY s.fired_at DESC, s.step_id DESC"),
          params, f, "list steps", ReadStep));
  if (steps.empty()) return steps;
  // Recipients and notice ids of the page's steps, in one query.
  std::vector<std::string> ids;
  absl::flat_hash_map<int64_t, v1::LadderStepRecord*> by_id;
  for (v1::LadderStepRecord& s : steps) {
    const int64_t id = std::stoll(s.step_id());
    ids.push_back(absl::StrCat(id));
    by_id[id] = &s;
  }
  ASSIGN_OR_RETURN(
      auto rs,
      conn.Query(absl::StrCat(
          "SELECT ", kNoticeColumns, " FROM notice n WHERE n.step_id IN (",
          absl::StrJoin(ids, ","), ") ORDER BY n.notice_id")));
  std::vector<NoticeRow> notices;
  RETURN_IF_ERROR(conn.Guard("step notices", [&] {
    while (rs->next()) notices.push_back(ReadNotice(*rs));
  }));
  for (const NoticeRow& n : notices) {
    v1::LadderStepRecord& s = *by_id.at(n.step_id);
    s.add_notice_ids(absl::StrCat(n.notice_id));
    v1::NoticeRecipient* r = nullptr;
    for (auto& existing : *s.mutable_recipients()) {
      if (existing.kind() == n.recipient_kind &&
          existing.unit_id() == n.recipient_unit) {
        r = &existing;
      }
    }
    if (r == nullptr) {
      r = s.add_recipients();
      r->set_kind(n.recipient_kind);
      r->set_unit_id(n.recipient_unit);
      r->set_name(n.name);
    }
    r->add_channels(n.channel);
  }
  return steps;
}

absl::StatusOr<std::vector<NoticeRow>> MysqlDeadlineStore::ListNotices(
    db::Connection& conn, const StepFilter& f) {
  std::vector<std::string> params;
  const std::string where = StepWhere(f, "n", true, &params);
  return ReadPage<NoticeRow>(
      conn,
      absl::StrCat("SELECT ", kNoticeColumns, " FROM notice n", where,
                   " ORDER BY n.created_at DESC, n.notice_id DESC"),
      params, f, "list notices", ReadNotice);
}

}  // namespace hotline::deadline
