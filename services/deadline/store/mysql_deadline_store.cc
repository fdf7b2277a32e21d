#include "services/deadline/store/mysql_deadline_store.h"

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

namespace hotline::deadline {
namespace {

using db::ParseSqlTime;
using db::SqlQuote;
using db::SqlTime;

constexpr char kClockColumns[] =
    "c.clock_id, c.ticket_id, c.ticket_number, c.kind, c.unit_id, "
    "c.dispatch_round, c.running, c.outcome, c.started_at, c.working_days, "
    "c.rule, c.due, c.original_due, c.stopped_at, c.overdue_working_days, "
    "c.ladder_step, c.fixed_due, c.calendar_version, c.policy_version, "
    "c.calendar_incomplete, c.explanation, c.pending_since, c.pending_kind, "
    "c.judged_at, c.stop_cause, c.overdue_since, c.overdue_counted_through, "
    "c.elapsed_working_days";

std::string ReadBlob(sql::ResultSet& rs, int col) {
  std::unique_ptr<std::istream> blob(rs.getBlob(col));
  if (!blob) return "";
  std::stringstream ss;
  ss << blob->rdbuf();
  return ss.str();
}

std::optional<absl::Time> OptTime(sql::ResultSet& rs, int col) {
  if (rs.isNull(col)) return std::nullopt;
  return ParseSqlTime(rs.getString(col));
}

// Reads kClockColumns starting after `skip` leading columns.
ClockRow ReadClock(sql::ResultSet& rs, int skip = 0) {
  int i = skip;
  ClockRow r;
  r.clock_id = rs.getInt64(++i);
  r.ticket_id = rs.getString(++i);
  r.ticket_number = rs.getString(++i);
  r.kind = static_cast<v1::ClockKind>(rs.getInt(++i));
  r.unit_id = rs.getString(++i);
  r.dispatch_round = rs.getInt(++i);
  r.running = rs.getInt(++i) != 0;
  r.outcome = static_cast<v1::ClockOutcome>(rs.getInt(++i));
  r.started_at = ParseSqlTime(rs.getString(++i));
  r.working_days = rs.getInt(++i);
  r.rule = rs.getString(++i);
  r.due = ParseSqlTime(rs.getString(++i));
  r.original_due = ParseSqlTime(rs.getString(++i));
  r.stopped_at = OptTime(rs, ++i);
  r.overdue_working_days = rs.getInt(++i);
  r.ladder_step = static_cast<v1::LadderStep>(rs.getInt(++i));
  r.fixed_due = rs.getInt(++i) != 0;
  r.calendar_version = rs.getString(++i);
  r.policy_version = rs.getString(++i);
  r.calendar_incomplete = rs.getInt(++i) != 0;
  r.explanation.ParseFromString(ReadBlob(rs, ++i));
  r.pending_since = OptTime(rs, ++i);
  r.pending = static_cast<Pending>(rs.getInt(++i));
  r.judged_at = OptTime(rs, ++i);
  r.stop_cause = rs.getString(++i);
  r.overdue_since = OptTime(rs, ++i);
  if (!rs.isNull(++i)) {
    absl::StatusOr<absl::CivilDay> d =
        calendar::ParseDate(std::string(rs.getString(i)).substr(0, 10));
    if (d.ok()) r.overdue_counted_through = *d;
  }
  r.elapsed_working_days = rs.getInt(++i);
  return r;
}

void SetOptTime(sql::PreparedStatement* stmt, int col,
                const std::optional<absl::Time>& t) {
  if (t.has_value()) {
    stmt->setString(col, SqlTime(*t));
  } else {
    stmt->setNull(col, 0);
  }
}

template <typename T, typename F>
absl::StatusOr<std::vector<T>> ReadAll(db::Connection& conn,
                                       sql::PreparedStatement* stmt,
                                       absl::string_view what, F read) {
  return conn.Guard(what, [&] {
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    std::vector<T> out;
    while (rs->next()) out.push_back(read(*rs));
    return out;
  });
}

// One page of `select` (whose WHERE takes `params`) by f.limit/f.offset.
template <typename T, typename F>
absl::StatusOr<std::vector<T>> ReadPage(db::Connection& conn,
                                        const std::string& select,
                                        const std::vector<std::string>& params,
                                        const StepFilter& f,
                                        absl::string_view what, F read) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * stmt,
                   conn.Prepare(absl::StrCat(select, " LIMIT ? OFFSET ?")));
  int i = 1;
  for (const std::string& p : params) stmt->setString(i++, p);
  stmt->setInt(i++, f.limit);
  stmt->setInt64(i++, f.offset);
  return ReadAll<T>(conn, stmt, what, read);
}

std::string LikeSubtree(const std::string& root) {
  std::string escaped;
  for (char c : root) {
    if (c == '_' || c == '%' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return absl::StrCat("%/", escaped, "/%");
}

std::string InList(const std::vector<int>& v) {
  return absl::StrCat("(", absl::StrJoin(v, ","), ")");
}

v1::LadderStepRecord ReadStep(sql::ResultSet& rs) {
  v1::LadderStepRecord s;
  s.set_step_id(absl::StrCat(rs.getInt64(1)));
  s.set_clock_id(absl::StrCat(rs.getInt64(2)));
  s.set_step(static_cast<v1::LadderStep>(rs.getInt(3)));
  s.set_ticket_id(rs.getString(4));
  s.set_ticket_number(rs.getString(5));
  s.set_clock_kind(static_cast<v1::ClockKind>(rs.getInt(6)));
  s.set_unit_id(rs.getString(7));
  *s.mutable_due() = ToProto(ParseSqlTime(rs.getString(8)));
  *s.mutable_fired_at() = ToProto(ParseSqlTime(rs.getString(9)));
  if (!rs.isNull(10)) {
    s.set_act_id(absl::StrCat(rs.getInt64(10)));
    s.set_act_text(rs.getString(11));
  }
  return s;
}

constexpr char kStepColumns[] =
    "s.step_id, s.clock_id, s.step, s.ticket_id, s.ticket_number, "
    "s.clock_kind, s.unit_id, s.due, s.fired_at, s.act_id, a.text";
constexpr char kStepFrom[] =
    " FROM ladder_step s LEFT JOIN supervision_act a ON a.act_id = s.act_id";

constexpr char kNoticeColumns[] =
    "n.notice_id, n.step_id, n.ticket_id, n.ticket_number, n.step, "
    "n.recipient_kind, n.recipient_unit, n.name, n.resolved, n.channel, "
    "n.address, n.text, n.created_at, n.delivery, n.attempts, "
    "n.next_attempt_at, n.delivered_at";

NoticeRow ReadNotice(sql::ResultSet& rs) {
  NoticeRow n;
  n.notice_id = rs.getInt64(1);
  n.step_id = rs.getInt64(2);
  n.ticket_id = rs.getString(3);
  n.ticket_number = rs.getString(4);
  n.step = static_cast<v1::LadderStep>(rs.getInt(5));
  n.recipient_kind = static_cast<v1::RecipientKind>(rs.getInt(6));
  n.recipient_unit = rs.getString(7);
  n.name = rs.getString(8);
  n.resolved = rs.getInt(9) != 0;
  n.channel = static_cast<v1::NoticeChannel>(rs.getInt(10));
  n.address = rs.getString(11);
  n.text = rs.getString(12);
  n.created_at = ParseSqlTime(rs.getString(13));
  n.delivery = static_cast<v1::NoticeDelivery>(rs.getInt(14));
  n.attempts = rs.getInt(15);
  n.next_attempt_at = ParseSqlTime(rs.getString(16));
  n.delivered_at = OptTime(rs, 17);
  return n;
}

// Appends the WHERE clauses of a step/notice filter over alias `a`.
std::string StepWhere(const StepFilter& f, const char* a, bool notices,
                      std::vector<std::string>* params) {
  std::string where = " WHERE 1=1";
  if (!f.ticket_id.empty()) {
    absl::StrAppend(&where, " AND ", a, ".ticket_id = ?");
    params->push_back(f.ticket_id);
  }
  if (!f.unit_root.empty() && f.unit_root != "center") {
    absl::StrAppend(&where,
                    " AND EXISTS (SELECT 1 FROM ticket_unit tu WHERE "
                    "tu.ticket_id = ",
                    a, ".ticket_id AND tu.unit_id = ", a,
                    notices ? ".recipient_unit" : ".unit_id",
                    " AND tu.path LIKE ?)");
    params->push_back(LikeSubtree(f.unit_root));
  }
  if (!f.steps.empty()) {
    absl::StrAppend(&where, " AND ", a, ".step IN ", InList(f.steps));
  }
  if (notices && !f.deliveries.empty()) {
    absl::StrAppend(&where, " AND ", a, ".delivery IN ", InList(f.deliveries));
  }
  const char* time_col = notices ? ".created_at" : ".fired_at";
  if (f.from.has_value()) {
    absl::StrAppend(&where, " AND ", a, time_col, " >= ?");
    params->push_back(SqlTime(*f.from));
  }
  if (f.to.has_value()) {
    absl::StrAppend(&where, " AND ", a, time_col, " < ?");
    params->push_back(SqlTime(*f.to));
  }
  return where;
}

constexpr char kExtColumns[] =
    "extension_id, ticket_id, clock_id, unit_id, approver_unit_id, state, "
    "reason, progress_note, proposed_due_date, working_days_left, "
    "due_before, requested_by, requested_role, requested_at, "
    "approved_due_date, due_after, decision_reason, decided_by, "
    "decided_role, decided_at, decided_after_due, caller_informed_contact, "
    "caller_informed_at, caller_informed_note, caller_informed_by, "
    "caller_informed_role";

ExtensionRow ReadExtension(sql::ResultSet& rs) {
  ExtensionRow r;
  r.extension_id = rs.getInt64(1);
  r.clock_id = rs.getInt64(3);
  v1::Extension& e = r.ext;
  e.set_extension_id(absl::StrCat(r.extension_id));
  e.set_ticket_id(rs.getString(2));
  e.set_clock_id(absl::StrCat(r.clock_id));
  e.set_unit_id(rs.getString(4));
  e.set_approver_unit_id(rs.getString(5));
  e.set_state(static_cast<v1::ExtensionState>(rs.getInt(6)));
  e.set_reason(rs.getString(7));
  e.set_progress_note(rs.getString(8));
  e.set_proposed_due_date(rs.getString(9));
  e.set_working_days_left(rs.getInt(10));
  *e.mutable_due_before() = ToProto(ParseSqlTime(rs.getString(11)));
  e.mutable_requested_by()->set_principal_id(rs.getString(12));
  e.mutable_requested_by()->set_role(static_cast<v1::Role>(rs.getInt(13)));
  *e.mutable_requested_at() = ToProto(ParseSqlTime(rs.getString(14)));
  e.set_approved_due_date(rs.getString(15));
  if (!rs.isNull(16))
    *e.mutable_due_after() = ToProto(ParseSqlTime(rs.getString(16)));
  e.set_decision_reason(rs.getString(17));
  if (!rs.getString(18).asStdString().empty()) {
    e.mutable_decided_by()->set_principal_id(rs.getString(18));
    e.mutable_decided_by()->set_role(static_cast<v1::Role>(rs.getInt(19)));
  }
  if (!rs.isNull(20))
    *e.mutable_decided_at() = ToProto(ParseSqlTime(rs.getString(20)));
  e.set_decided_after_due(rs.getInt(21) != 0);
  if (!rs.isNull(23)) {
    e.set_caller_informed_contact(static_cast<v1::ReplyContact>(rs.getInt(22)));
    *e.mutable_caller_informed_at() = ToProto(ParseSqlTime(rs.getString(23)));
    e.set_caller_informed_note(rs.getString(24));
    e.mutable_caller_informed_by()->set_principal_id(rs.getString(25));
    e.mutable_caller_informed_by()->set_role(
        static_cast<v1::Role>(rs.getInt(26)));
  }
  return r;
}

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
  std::string parent_path = "/center/";
  if (parent != "center") {
    ASSIGN_OR_RETURN(auto* q, conn.Prepare("SELECT path FROM ticket_unit WHERE "
                                           "ticket_id = ? AND unit_id = ?"));
    ASSIGN_OR_RETURN(std::string p, conn.Guard("read chain", [&] {
      q->setString(1, ticket_id);
      q->setString(2, parent);
      std::unique_ptr<sql::ResultSet> rs(q->executeQuery());
      return rs->next() ? std::string(rs->getString(1))
                        : absl::StrCat("/center/", parent, "/");
    }));
    parent_path = p;
  }
  const std::string path = absl::StrCat(parent_path, unit, "/");
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("INSERT INTO ticket_unit (ticket_id, unit_id, "
                   "parent_unit_id, path) VALUES (?, ?, ?, ?) ON DUPLICATE KEY "
                   "UPDATE parent_unit_id = VALUES(parent_unit_id), path = "
                   "VALUES(path)"));
  return conn.Guard("write chain", [&] {
    stmt->setString(1, ticket_id);
    stmt->setString(2, unit);
    stmt->setString(3, parent);
    stmt->setString(4, path.substr(0, 700));
    stmt->executeUpdate();
  });
}

absl::StatusOr<std::string> MysqlDeadlineStore::ParentOf(
    db::Connection& conn, const std::string& ticket_id,
    const std::string& unit) {
  ASSIGN_OR_RETURN(auto* q,
                   conn.Prepare("SELECT parent_unit_id FROM ticket_unit WHERE "
                                "ticket_id = ? AND unit_id = ?"));
  return conn.Guard("read parent", [&] {
    q->setString(1, ticket_id);
    q->setString(2, unit);
    std::unique_ptr<sql::ResultSet> rs(q->executeQuery());
    return rs->next() ? std::string(rs->getString(1)) : std::string("center");
  });
}

absl::StatusOr<bool> MysqlDeadlineStore::SubtreeTouched(
    db::Connection& conn, const std::string& ticket_id,
    const std::string& root) {
  ASSIGN_OR_RETURN(auto* q, conn.Prepare("SELECT 1 FROM ticket_unit WHERE "
                                         "ticket_id = ? AND path LIKE ? "
                                         "LIMIT 1"));
  return conn.Guard("read subtree", [&] {
    q->setString(1, ticket_id);
    q->setString(2, LikeSubtree(root));
    std::unique_ptr<sql::ResultSet> rs(q->executeQuery());
    return static_cast<bool>(rs->next());
  });
}

absl::StatusOr<bool> MysqlDeadlineStore::UnitBelow(db::Connection& conn,
                                                   const std::string& unit,
                                                   const std::string& root) {
  ASSIGN_OR_RETURN(auto* q,
                   conn.Prepare("SELECT 1 FROM ticket_unit WHERE "
                                "unit_id = ? AND path LIKE ? LIMIT 1"));
  return conn.Guard("check subtree", [&] {
    q->setString(1, unit);
    q->setString(2, LikeSubtree(root));
    std::unique_ptr<sql::ResultSet> rs(q->executeQuery());
    return static_cast<bool>(rs->next());
  });
}

absl::Status MysqlDeadlineStore::InsertClock(db::Connection& conn,
                                             ClockRow* r) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("INSERT INTO clock (ticket_id, ticket_number, kind, "
                   "unit_id, dispatch_round, running, started_at, "
                   "working_days, rule, due, original_due, fixed_due, "
                   "calendar_version, policy_version, calendar_incomplete, "
                   "explanation) VALUES "
                   "(?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  RETURN_IF_ERROR(conn.Guard("insert clock", [&] {
    stmt->setString(1, r->ticket_id);
    stmt->setString(2, r->ticket_number);
    stmt->setInt(3, r->kind);
    stmt->setString(4, r->unit_id);
    stmt->setInt(5, r->dispatch_round);
    stmt->setString(6, SqlTime(r->started_at));
    stmt->setInt(7, r->working_days);
    stmt->setString(8, r->rule);
    stmt->setString(9, SqlTime(r->due));
    stmt->setString(10, SqlTime(r->original_due));
    stmt->setInt(11, r->fixed_due ? 1 : 0);
    stmt->setString(12, r->calendar_version);
    stmt->setString(13, r->policy_version);
    stmt->setInt(14, r->calendar_incomplete ? 1 : 0);
    std::istringstream in(r->explanation.SerializeAsString());
    stmt->setBlob(15, &in);
    stmt->executeUpdate();
  }));
  ASSIGN_OR_RETURN(auto rs, conn.Query("SELECT LAST_INSERT_ID()"));
  ASSIGN_OR_RETURN(r->clock_id, conn.Guard("last id", [&] {
    rs->next();
    return static_cast<int64_t>(rs->getInt64(1));
  }));
  r->running = true;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ClockRow>> MysqlDeadlineStore::ClocksOfTicket(
    db::Connection& conn, const std::string& ticket_id, bool running_only,
    bool for_update) {
  ASSIGN_OR_RETURN(auto* stmt, conn.Prepare(absl::StrCat(
                                   "SELECT ", kClockColumns,
                                   " FROM clock c WHERE c.ticket_id = ?",
                                   running_only ? " AND c.running = 1" : "",
                                   " ORDER BY c.dispatch_round, c.started_at, "
                                   "c.clock_id",
                                   for_update ? " FOR UPDATE" : "")));
  stmt->setString(1, ticket_id);
  return ReadAll<ClockRow>(conn, stmt, "read clocks",
                           [](sql::ResultSet& rs) { return ReadClock(rs); });
}

absl::StatusOr<std::optional<ClockRow>> MysqlDeadlineStore::GetClock(
    db::Connection& conn, int64_t clock_id, bool for_update) {
  ASSIGN_OR_RETURN(auto* stmt, conn.Prepare(absl::StrCat(
                                   "SELECT ", kClockColumns,
                                   " FROM clock c WHERE c.clock_id = ?",
                                   for_update ? " FOR UPDATE" : "")));
  return conn.Guard("read clock", [&] {
    stmt->setInt64(1, clock_id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    std::optional<ClockRow> out;
    if (rs->next()) out = ReadClock(*rs);
    return out;
  });
}

absl::Status MysqlDeadlineStore::StopClock(db::Connection& conn,
                                           const ClockRow& row) {
  ASSIGN_OR_RETURN(
      auto* stop,
      conn.Prepare("UPDATE clock SET running = 0, outcome = ?, stopped_at = ?, "
                   "judged_at = ?, stop_cause = ?, overdue_working_days = ?, "
                   "elapsed_working_days = ?, pending_since = NULL, "
                   "pending_kind = 0 WHERE clock_id = ?"));
  ASSIGN_OR_RETURN(auto* drop,
                   conn.Prepare("DELETE FROM ladder_due WHERE clock_id = ?"));
  ASSIGN_OR_RETURN(auto* lapse,
                   conn.Prepare("UPDATE extension SET state = ? WHERE "
                                "clock_id = ? AND state = ?"));
  return conn.Guard("stop clock", [&] {
    stop->setInt(1, row.outcome);
    SetOptTime(stop, 2, row.stopped_at);
    SetOptTime(stop, 3, row.judged_at);
    stop->setString(4, row.stop_cause);
    stop->setInt(5, row.overdue_working_days);
    stop->setInt(6, row.elapsed_working_days);
    stop->setInt64(7, row.clock_id);
    stop->executeUpdate();
    drop->setInt64(1, row.clock_id);
    drop->executeUpdate();
    lapse->setInt(1, v1::EXTENSION_STATE_LAPSED);
    lapse->setInt64(2, row.clock_id);
    lapse->setInt(3, v1::EXTENSION_STATE_PENDING);
    lapse->executeUpdate();
  });
}

absl::Status MysqlDeadlineStore::SetPending(db::Connection& conn,
                                            int64_t clock_id,
                                            std::optional<absl::Time> since,
                                            Pending kind) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("UPDATE clock SET pending_since = ?, "
                                "pending_kind = ? WHERE clock_id = ?"));
  RETURN_IF_ERROR(conn.Guard("set pending", [&] {
    SetOptTime(stmt, 1, since);
    stmt->setInt(2, since.has_value() ? static_cast<int>(kind) : 0);
    stmt->setInt64(3, clock_id);
    stmt->executeUpdate();
  }));
  if (!since.has_value()) return absl::OkStatus();
  return DropRungs(conn, clock_id);
}

absl::Status MysqlDeadlineStore::RecordOverdue(
    db::Connection& conn, const std::vector<OverdueUpdate>& updates) {
  if (updates.empty()) return absl::OkStatus();
  std::string rows;
  for (size_t i = 0; i < updates.size(); ++i) {
    const OverdueUpdate& u = updates[i];
    const bool first = i == 0;
    absl::StrAppend(
        &rows, first ? "SELECT " : " UNION ALL SELECT ", u.clock_id,
        first ? " AS id, " : ", ",
        u.state.since.has_value()
            ? absl::StrCat("'", SqlTime(*u.state.since), "'")
            : std::string("NULL"),
        first ? " AS since, " : ", ",
        u.state.counted_through.has_value()
            ? absl::StrCat("'", calendar::FormatDate(*u.state.counted_through),
                           "'")
            : std::string("NULL"),
        first ? " AS through, " : ", ", u.state.accrued,
        first ? " AS accrued" : "");
  }
  return conn.Execute(absl::StrCat(
      "UPDATE clock c JOIN (", rows,
      ") u ON u.id = c.clock_id SET c.overdue_since = u.since, "
      "c.overdue_counted_through = u.through, c.overdue_working_days = "
      "u.accrued"));
}

absl::Status MysqlDeadlineStore::SetClockUnit(db::Connection& conn,
                                              int64_t clock_id,
                                              const std::string& unit_id) {
  ASSIGN_OR_RETURN(auto* stmt, conn.Prepare("UPDATE clock SET unit_id = ? "
                                            "WHERE clock_id = ?"));
  return conn.Guard("move clock unit", [&] {
    stmt->setString(1, unit_id);
    stmt->setInt64(2, clock_id);
    stmt->executeUpdate();
  });
}

absl::Status MysqlDeadlineStore::SetClockKind(db::Connection& conn,
                                              const ClockRow& r) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("UPDATE clock SET kind = ?, rule = ?, "
                                "explanation = ? WHERE clock_id = ?"));
  return conn.Guard("change clock kind", [&] {
    stmt->setInt(1, r.kind);
    stmt->setString(2, r.rule);
    std::istringstream in(r.explanation.SerializeAsString());
    stmt->setBlob(3, &in);
    stmt->setInt64(4, r.clock_id);
    stmt->executeUpdate();
  });
}

absl::Status MysqlDeadlineStore::MoveClock(db::Connection& conn,
                                           const ClockRow& r) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("UPDATE clock SET due = ?, fixed_due = ?, "
                   "calendar_version = ?, calendar_incomplete = ?, "
                   "working_days = ?, explanation = ? WHERE clock_id = ?"));
  return conn.Guard("move clock", [&] {
    stmt->setString(1, SqlTime(r.due));
    stmt->setInt(2, r.fixed_due ? 1 : 0);
    stmt->setString(3, r.calendar_version);
    stmt->setInt(4, r.calendar_incomplete ? 1 : 0);
    stmt->setInt(5, r.working_days);
    std::istringstream in(r.explanation.SerializeAsString());
    stmt->setBlob(6, &in);
    stmt->setInt64(7, r.clock_id);
    stmt->executeUpdate();
  });
}

absl::StatusOr<std::vector<ClockRow>> MysqlDeadlineStore::RunningClocksInYear(
    db::Connection& conn, int year) {
  const absl::Time begin =
      calendar::StartOfLocalDay(absl::CivilDay(year, 1, 1));
  const absl::Time end =
      calendar::StartOfLocalDay(absl::CivilDay(year + 1, 1, 1));
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare(absl::StrCat(
          "SELECT ", kClockColumns,
          " FROM clock c WHERE c.running = 1 AND c.fixed_due = 0 AND "
          "((c.started_at >= ? AND c.started_at < ?) OR (c.due > ? AND c.due "
          "<= ?)) ORDER BY c.clock_id FOR UPDATE")));
  stmt->setString(1, SqlTime(begin));
  stmt->setString(2, SqlTime(end));
  stmt->setString(3, SqlTime(begin));
  stmt->setString(4, SqlTime(end));
  return ReadAll<ClockRow>(conn, stmt, "clocks in year",
                           [](sql::ResultSet& rs) { return ReadClock(rs); });
}

absl::Status MysqlDeadlineStore::ScheduleRung(db::Connection& conn,
                                              const LadderDue& d) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("INSERT INTO ladder_due (clock_id, step, "
                                "due_at) VALUES (?, ?, ?) ON DUPLICATE KEY "
                                "UPDATE due_at = VALUES(due_at)"));
  return conn.Guard("schedule rung", [&] {
    stmt->setInt64(1, d.clock_id);
    stmt->setInt(2, d.step);
    stmt->setString(3, SqlTime(d.due_at));
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
  if (!f.unit_root.empty() && f.unit_root != "center") {
    sql +=
        " AND EXISTS (SELECT 1 FROM ticket_unit tu WHERE tu.ticket_id = "
        "x.ticket_id AND tu.unit_id = x.unit_id AND tu.path LIKE ?)";
    params.push_back(LikeSubtree(f.unit_root));
  }
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

absl::StatusOr<std::vector<ClockRow>> MysqlDeadlineStore::ListDueClocks(
    db::Connection& conn, const DueFilter& f) {
  std::string sql = absl::StrCat("SELECT ", kClockColumns,
                                 " FROM clock c WHERE c.running = 1 AND "
                                 "c.due < ?");
  std::vector<std::string> params = {SqlTime(f.due_before)};
  if (f.not_before.has_value()) {
    sql += " AND c.due >= ?";
    params.push_back(SqlTime(*f.not_before));
  }
  if (!f.kinds.empty())
    absl::StrAppend(&sql, " AND c.kind IN ", InList(f.kinds));
  if (!f.unit_root.empty() && f.unit_root != "center") {
    sql +=
        " AND EXISTS (SELECT 1 FROM ticket_unit tu WHERE tu.ticket_id = "
        "c.ticket_id AND tu.unit_id = c.unit_id AND tu.path LIKE ?)";
    params.push_back(LikeSubtree(f.unit_root));
  }
  sql += " ORDER BY c.due, c.clock_id LIMIT ? OFFSET ?";
  ASSIGN_OR_RETURN(auto* stmt, conn.Prepare(sql));
  int i = 1;
  for (const std::string& p : params) stmt->setString(i++, p);
  stmt->setInt(i++, f.limit);
  stmt->setInt64(i++, f.offset);
  return ReadAll<ClockRow>(conn, stmt, "list due",
                           [](sql::ResultSet& rs) { return ReadClock(rs); });
}

absl::StatusOr<int64_t> MysqlDeadlineStore::CountRunningClocksInYear(
    db::Connection& conn, int year) {
  const absl::Time begin =
      calendar::StartOfLocalDay(absl::CivilDay(year, 1, 1));
  const absl::Time end =
      calendar::StartOfLocalDay(absl::CivilDay(year + 1, 1, 1));
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("SELECT COUNT(*) FROM clock WHERE running = 1 AND "
                   "((started_at >= ? AND started_at < ?) OR "
                   "(due > ? AND due <= ?))"));
  return conn.Guard("count clocks in year", [&] {
    stmt->setString(1, SqlTime(begin));
    stmt->setString(2, SqlTime(end));
    stmt->setString(3, SqlTime(begin));
    stmt->setString(4, SqlTime(end));
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    rs->next();
    return static_cast<int64_t>(rs->getInt64(1));
  });
}

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

absl::StatusOr<std::optional<std::string>> MysqlDeadlineStore::LookupRequest(
    db::Connection& conn, const std::string& request_id, const std::string& rpc,
    uint64_t fingerprint) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("SELECT rpc, fingerprint, response FROM "
                                "request_log WHERE request_id = ? FOR UPDATE"));
  return conn.Guard(
      "lookup request_id", [&]() -> absl::StatusOr<std::optional<std::string>> {
        stmt->setString(1, request_id);
        std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
        if (!rs->next()) return std::optional<std::string>();
        if (rs->getString(1) != rpc || rs->getUInt64(2) != fingerprint) {
          return absl::AlreadyExistsError(
              "request_id: already used for a different request");
        }
        std::unique_ptr<std::istream> blob(rs->getBlob(3));
        std::stringstream ss;
        ss << blob->rdbuf();
        return std::optional<std::string>(ss.str());
      });
}

absl::Status MysqlDeadlineStore::RecordRequest(
    db::Connection& conn, const std::string& request_id, const std::string& rpc,
    uint64_t fingerprint, const std::string& response, absl::Time now) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("INSERT INTO request_log (request_id, rpc, "
                                "fingerprint, response, created_at) VALUES "
                                "(?, ?, ?, ?, ?)"));
  return conn.Guard("record request_id", [&] {
    stmt->setString(1, request_id);
    stmt->setString(2, rpc);
    stmt->setUInt64(3, fingerprint);
    std::istringstream in(response);
    stmt->setBlob(4, &in);
    stmt->setString(5, SqlTime(now));
    stmt->executeUpdate();
  });
}

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
  if (!f.unit_root.empty() && f.unit_root != "center") {
    sql +=
        " AND EXISTS (SELECT 1 FROM supervision_act_item i JOIN ticket_unit "
        "tu ON tu.ticket_id = i.ticket_id AND tu.unit_id = i.unit_id WHERE "
        "i.act_id = a.act_id AND tu.path LIKE ?)";
    params.push_back(LikeSubtree(f.unit_root));
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

absl::StatusOr<std::vector<std::string>>
MysqlDeadlineStore::EscalationCandidates(db::Connection& conn,
                                         bool need_inspection,
                                         int min_automatic,
                                         const std::string& unit_root,
                                         int64_t offset, int limit) {
  std::string sql = absl::StrCat(
      "SELECT s.ticket_id FROM ladder_step s WHERE EXISTS (SELECT 1 FROM "
      "clock c WHERE c.ticket_id = s.ticket_id AND c.running = 1 AND c.kind "
      "IN (",
      static_cast<int>(v1::CLOCK_KIND_HANDLING), ",",
      static_cast<int>(v1::CLOCK_KIND_REHANDLING), ",",
      static_cast<int>(v1::CLOCK_KIND_LEAD_UNIT), "))");
  std::vector<std::string> params;
  if (!unit_root.empty() && unit_root != "center") {
    sql +=
        " AND EXISTS (SELECT 1 FROM ladder_step s2 JOIN ticket_unit tu ON "
        "tu.ticket_id = s2.ticket_id AND tu.unit_id = s2.unit_id WHERE "
        "s2.ticket_id = s.ticket_id AND tu.path LIKE ?)";
    params.push_back(LikeSubtree(unit_root));
  }
  absl::StrAppend(
      &sql, " GROUP BY s.ticket_id HAVING SUM(s.step IN (",
      static_cast<int>(v1::LADDER_STEP_REMINDER), ",",
      static_cast<int>(v1::LADDER_STEP_SUPERVISION), ")) >= ", min_automatic,
      " AND SUM(s.step = ",
      static_cast<int>(v1::LADDER_STEP_SPECIAL_INSPECTION),
      need_inspection ? ") > 0" : ") = 0",
      " AND SUM(s.step = ", static_cast<int>(v1::LADDER_STEP_DISTRICT_NOTICE),
      ") = 0 ORDER BY MIN(s.fired_at), s.ticket_id LIMIT ? OFFSET ?");
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
