#pragma once

// Row mapping shared by the files of MysqlDeadlineStore (one file per
// concern): the column lists of the tables read in several places, the readers
// of one result row into a row struct, and the statement helpers. SQL text and
// row mapping only. Stateless; thread-safe as the connection they are given.

#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db/connection.h"
#include "common/db/sql_text.h"
#include "common/status/status.h"
#include "services/deadline/store/deadline_rows.h"

namespace hotline::deadline::mysql {

using db::ParseSqlTime;
using db::SqlQuote;
using db::SqlTime;

inline constexpr char kClockColumns[] =
    "c.clock_id, c.ticket_id, c.ticket_number, c.kind, c.unit_id, "
    "c.dispatch_round, c.running, c.outcome, c.started_at, c.working_days, "
    "c.rule, c.due, c.original_due, c.stopped_at, c.overdue_working_days, "
    "c.ladder_step, c.fixed_due, c.calendar_version, c.policy_version, "
    "c.calendar_incomplete, c.explanation, c.pending_since, c.pending_kind, "
    "c.judged_at, c.stop_cause, c.overdue_since, c.overdue_counted_through, "
    "c.elapsed_working_days";

inline constexpr char kStepColumns[] =
    "s.step_id, s.clock_id, s.step, s.ticket_id, s.ticket_number, "
    "s.clock_kind, s.unit_id, s.due, s.fired_at, s.act_id, a.text";

inline constexpr char kStepFrom[] =
    " FROM ladder_step s LEFT JOIN supervision_act a ON a.act_id = s.act_id";

inline constexpr char kNoticeColumns[] =
    "n.notice_id, n.step_id, n.ticket_id, n.ticket_number, n.step, "
    "n.recipient_kind, n.recipient_unit, n.name, n.resolved, n.channel, "
    "n.address, n.text, n.created_at, n.delivery, n.attempts, "
    "n.next_attempt_at, n.delivered_at";

inline constexpr char kExtColumns[] =
    "extension_id, ticket_id, clock_id, unit_id, approver_unit_id, state, "
    "reason, progress_note, proposed_due_date, working_days_left, "
    "due_before, requested_by, requested_role, requested_at, "
    "approved_due_date, due_after, decision_reason, decided_by, "
    "decided_role, decided_at, decided_after_due, caller_informed_contact, "
    "caller_informed_at, caller_informed_note, caller_informed_by, "
    "caller_informed_role";

// The whole BLOB of column `col` ("" when NULL).
std::string ReadBlob(sql::ResultSet& rs, int col);
// The time of column `col`, nullopt when NULL.
std::optional<absl::Time> OptTime(sql::ResultSet& rs, int col);
// Reads kClockColumns starting after `skip` leading columns.
ClockRow ReadClock(sql::ResultSet& rs, int skip = 0);
// Binds `t` to parameter `col`, NULL when unset.
void SetOptTime(sql::PreparedStatement* stmt, int col,
                const std::optional<absl::Time>& t);
// " AND <column> IN (?, …)" with the units of `units` added to `params`
// (at most directory::kMaxQueryUnits of them, unit_scope.h), the last one
// repeated up to the next power of eight: each list statement has at most
// five more shapes to prepare per session (1, 8, 64, 512, 4096 ids; the
// statement cache of db::Connection is not bounded), whatever the subtrees
// asked for. "" when `units` is nullopt (every unit).
std::string UnitIn(const std::string& column, const UnitScope& units,
                   std::vector<std::string>* params);
// "(1,2,3)".
std::string InList(const std::vector<int>& v);
// One row of kStepColumns (recipients and notices are added by ListSteps).
v1::LadderStepRecord ReadStep(sql::ResultSet& rs);
// One row of kNoticeColumns.
NoticeRow ReadNotice(sql::ResultSet& rs);
// The WHERE clauses of a step/notice filter over alias `a`; appends the
// bound parameters to `params`.
std::string StepWhere(const StepFilter& f, const char* a, bool notices,
                      std::vector<std::string>* params);
// One row of kExtColumns.
ExtensionRow ReadExtension(sql::ResultSet& rs);

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

}  // namespace hotline::deadline::mysql
