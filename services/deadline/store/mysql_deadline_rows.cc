#include "services/deadline/store/mysql_deadline_rows.h"

#include <algorithm>
#include <sstream>

#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_time.h"

namespace hotline::deadline::mysql {

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
ClockRow ReadClock(sql::ResultSet& rs, int skip) {
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

std::string UnitIn(const std::string& column, const UnitScope& units,
                   std::vector<std::string>* params) {
  if (!units.has_value()) return "";
  if (units->empty()) return " AND 1 = 0";  // no unit: no row
  size_t slots = 1;  // 1, 8, 64, 512 or 4096 (kMaxQueryUnits)
  while (slots < units->size()) slots *= 8;
  std::string sql = absl::StrCat(" AND ", column, " IN (");
  for (size_t i = 0; i < slots; ++i) {
    absl::StrAppend(&sql, i == 0 ? "?" : ", ?");
    params->push_back((*units)[std::min(i, units->size() - 1)]);
  }
  return absl::StrCat(sql, ")");
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
  absl::StrAppend(
      &where, UnitIn(absl::StrCat(a, notices ? ".recipient_unit" : ".unit_id"),
                     f.units, params));
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
}  // namespace hotline::deadline::mysql
