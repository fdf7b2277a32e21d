// ClockEngine: the transitions every path shares (start, stop, suspend,
// resume, overdue reports, moves), the calendar's recompute and the queries
// of lateness and holdings. The events are in deadline_core_events.cc
// (docs/clocks.md is the table they implement); the verdicts themselves are
// the pure functions of domain/clock_rules.h.

#include "services/deadline/core/deadline_core.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/deadline/core/deadline_core_internal.h"
#include "services/deadline/domain/clock_rules.h"
#include "services/deadline/domain/extension_rules.h"

namespace hotline::deadline {

v1::TicketEvent OverdueEvent(const ClockRow& row, const OverdueReport& r,
                             const std::string& cause) {
  v1::TicketEvent out;
  v1::ClockOverdue* o = out.mutable_clock_overdue();
  o->set_clock_id(absl::StrCat(row.clock_id));
  o->set_kind(row.kind);
  o->set_unit_id(row.unit_id);
  *o->mutable_due() = ToProto(row.due);
  o->set_overdue_working_days(r.cumulative);
  *o->mutable_as_of() = ToProto(r.as_of);
  o->set_first(r.first);
  if (r.first) o->set_cause(cause);
  o->set_rule(row.rule);
  o->set_article(row.explanation.article());
  o->set_dispatch_round(row.dispatch_round);
  o->set_added_working_days(r.added);
  return out;
}

void ClockEngine::Stamp(const std::string& ticket_id,
                        const std::string& ticket_number,
                        v1::TicketEvent* ev) const {
  ev->set_ticket_id(ticket_id);
  ev->set_ticket_number(ticket_number);
  *ev->mutable_occurred_at() = ToProto(clock_->Now());
  if (!ev->has_actor()) {
    ev->mutable_actor()->set_principal_id("system");
    ev->mutable_actor()->set_role(v1::SERVICE);
  }
}

absl::Status ClockEngine::Emit(Tx& tx, const std::string& ticket_id,
                               const std::string& ticket_number,
                               v1::TicketEvent* ev) {
  Stamp(ticket_id, ticket_number, ev);
  if (tx.held != nullptr) {
    tx.held->push_back(*ev);
    return absl::OkStatus();
  }
  return outbox_->Append(tx.conn, ev);
}

absl::Status ClockEngine::ApplyHolding(db::Connection& conn,
                                       const v1::TicketEvent& ev,
                                       std::vector<v1::TicketEvent>* held) {
  Tx tx{conn, held};
  return ApplyEvent(tx, ev);
}

absl::Status ClockEngine::AppendHeld(db::Connection& conn,
                                     std::vector<v1::TicketEvent>* held) {
  if (held->empty()) return absl::OkStatus();
  // One append for all of them (Append is one round trip cheaper for one).
  absl::Status status;
  if (held->size() == 1) {
    status = outbox_->Append(conn, &held->front());
  } else {
    std::vector<v1::TicketEvent*> events;
    events.reserve(held->size());
    for (v1::TicketEvent& e : *held) events.push_back(&e);
    status = outbox_->AppendAll(conn, events);
  }
  held->clear();
  return status;
}

absl::Status ClockEngine::Apply(db::Connection& conn,
                                const v1::TicketEvent& ev) {
  std::vector<v1::TicketEvent> held;
  RETURN_IF_ERROR(ApplyHolding(conn, ev, &held));
  return AppendHeld(conn, &held);
}

// ------------------------------------------------------------ transitions

absl::StatusOr<ClockRow> ClockEngine::Start(Tx& tx, const v1::TicketEvent& ev,
                                            v1::ClockKind kind,
                                            const std::string& unit, int round,
                                            const Period& period,
                                            absl::Time start) {
  ASSIGN_OR_RETURN(std::vector<ClockRow> rows,
                   StartAll(tx, ev, round, {{kind, unit, period, start}}));
  return std::move(rows.front());
}

absl::StatusOr<std::vector<ClockRow>> ClockEngine::StartAll(
    Tx& tx, const v1::TicketEvent& ev, int round,
    const std::vector<StartSpec>& specs) {
  db::Connection& conn = tx.conn;
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  std::vector<ClockRow> rows;
  rows.reserve(specs.size());
  for (const StartSpec& spec : specs) {
    ASSIGN_OR_RETURN(v1::Explanation e,
                     Explain(*cal, *policy_, spec.period, spec.start));
    ClockRow& row = rows.emplace_back();
    row.ticket_id = ev.ticket_id();
    row.ticket_number = ev.ticket_number();
    row.kind = spec.kind;
    row.unit_id = spec.unit;
    row.dispatch_round = round;
    row.started_at = spec.start;
    row.working_days = e.working_days();
    row.rule = spec.period.rule;
    row.due = FromProto(e.due());
    row.original_due = row.due;
    row.fixed_due = spec.period.last_day.has_value();
    row.calendar_version = cal->version();
    row.policy_version = policy_->version();
    row.calendar_incomplete = e.calendar_incomplete();
    row.explanation = std::move(e);
  }
  // Kept for the batch to write (FlushDeferred): the ClockStarted events are
  // held now, their clock ids patched in once the clocks are written.
  // Otherwise one insert for the clocks, one for their rungs.
  Deferred* kept = tx.deferred;
  if (kept == nullptr) {
    RETURN_IF_ERROR(store_->InsertClocks(conn, &rows));
    std::vector<LadderDue> rungs;
    for (size_t i = 0; i < rows.size(); ++i) {
      AddRungs(rows[i], specs[i].start, &rungs);
    }
    RETURN_IF_ERROR(store_->ScheduleRungs(conn, rungs));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    ClockRow& row = rows[i];
    if (row.calendar_incomplete) state_->NoteIncomplete("clock");
    v1::TicketEvent out;
    v1::ClockStarted* s = out.mutable_clock_started();
    if (kept == nullptr) s->set_clock_id(absl::StrCat(row.clock_id));
    s->set_kind(row.kind);
    s->set_unit_id(row.unit_id);
    s->set_dispatch_round(round);
    *s->mutable_due() = ToProto(row.due);
    *s->mutable_explanation() = row.explanation;
    RETURN_IF_ERROR(Emit(tx, row.ticket_id, row.ticket_number, &out));
    if (kept != nullptr) {
      row.running = true;
      kept->started.emplace_back(tx.held->size() - 1, kept->clocks.size());
      kept->clocks.push_back(row);
      kept->rungs_from.push_back(specs[i].start);
    }
  }
  return rows;
}

void ClockEngine::AddRungs(const ClockRow& row, absl::Time from,
                           std::vector<LadderDue>* rungs) {
  const absl::Time at = std::max(row.due, from);
  const v1::LadderStep step = FirstRung(row.kind);
  if (step != v1::LADDER_STEP_UNSPECIFIED && row.ladder_step < step) {
    rungs->push_back({row.clock_id, step, at});
  }
  if (CanBeOverdue(row.kind)) {
    rungs->push_back({row.clock_id, kOverdueWatch, at});
  }
}

absl::Status ClockEngine::ScheduleRungs(db::Connection& conn,
                                        const ClockRow& row, absl::Time from) {
  std::vector<LadderDue> rungs;
  AddRungs(row, from, &rungs);
  return store_->ScheduleRungs(conn, rungs);
}

absl::Status ClockEngine::ReportOverdue(Tx& tx, ClockRow& row,
                                        absl::Time overdue_from,
                                        absl::Time until,
                                        const std::string& cause) {
  db::Connection& conn = tx.conn;
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  OverdueState state = row.Overdue();
  const std::vector<OverdueReport> reports =
      OverdueReports(*cal, row.kind, row.due, overdue_from, until, &state);
  if (reports.empty()) return absl::OkStatus();
  for (const OverdueReport& r : reports) {
    v1::TicketEvent ev = OverdueEvent(row, r, cause);
    RETURN_IF_ERROR(Emit(tx, row.ticket_id, row.ticket_number, &ev));
  }
  row.overdue_since = state.since;
  row.overdue_counted_through = state.counted_through;
  row.overdue_working_days = state.accrued;
  return store_->RecordOverdue(conn, {{row.clock_id, state}});
}

absl::Status ClockEngine::Stop(Tx& tx, ClockRow row, const Verdict& v,
                               absl::Time at) {
  db::Connection& conn = tx.conn;
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  const absl::Time judged = v.judged_at.value_or(at);
  if (v.outcome == v1::CLOCK_OUTCOME_MISSED) {
    // Lateness still owed: a scanner behind the event, a clock judged only
    // now (FORWARD, RETURN), a completion missed through its re-handling.
    const bool watched = CanBeOverdue(row.kind) && !row.pending_since;
    std::string cause = "stopped_past_due";
    if (v.cause == "rehandling_missed") cause = v.cause;
    if (!CanBeOverdue(row.kind)) cause = "judged_past_due";
    absl::Time from = watched ? row.due : judged;
    if (watched) {
      ASSIGN_OR_RETURN(std::optional<absl::Time> watch,
                       store_->RungDueAt(conn, row.clock_id, kOverdueWatch));
      if (watch.has_value()) from = std::max(from, *watch);
    }
    RETURN_IF_ERROR(ReportOverdue(tx, row, from, judged, cause));
    if (!row.overdue_since.has_value()) {
      // Missed before its own due (its re-handling was): reported now, with
      // no working days.
      OverdueReport first{at, true, 0, 0};
      v1::TicketEvent ev = OverdueEvent(row, first, cause);
      RETURN_IF_ERROR(Emit(tx, row.ticket_id, row.ticket_number, &ev));
      row.overdue_since = at;
      RETURN_IF_ERROR(
          store_->RecordOverdue(conn, {{row.clock_id, row.Overdue()}}));
    }
  }
  row.running = false;
  row.outcome = v.outcome;
  row.stopped_at = at;
  row.judged_at = v.judged_at;
  row.stop_cause = v.cause;
  if (!IsCompletionKind(row.kind)) {
    row.overdue_working_days = v.outcome == v1::CLOCK_OUTCOME_MISSED
                                   ? OverdueWorkingDays(*cal, row.due, judged)
                                   : 0;
  } else if (v.outcome != v1::CLOCK_OUTCOME_MISSED) {
    row.overdue_working_days = 0;
  }
  row.elapsed_working_days =
      v.judged_at.has_value()
          ? ElapsedWorkingDays(*cal, row.started_at, *v.judged_at)
          : 0;
  RETURN_IF_ERROR(store_->StopClock(conn, row));
  RETURN_IF_ERROR(
      store_->ChangeExtensionStates(conn, row.clock_id, OnClockStopped()));
  v1::TicketEvent out;
  v1::ClockStopped* s = out.mutable_clock_stopped();
  s->set_clock_id(absl::StrCat(row.clock_id));
  s->set_kind(row.kind);
  s->set_unit_id(row.unit_id);
  s->set_outcome(row.outcome);
  *s->mutable_due() = ToProto(row.due);
  s->set_overdue_working_days(row.overdue_working_days);
  s->set_rule(row.rule);
  s->set_article(row.explanation.article());
  s->set_cause(row.stop_cause);
  if (row.judged_at.has_value()) *s->mutable_judged_at() = ToProto(judged);
  *s->mutable_started_at() = ToProto(row.started_at);
  s->set_elapsed_working_days(row.elapsed_working_days);
  s->set_dispatch_round(row.dispatch_round);
  s->set_overdue_reported(row.overdue_since.has_value());
  if (row.kind == v1::CLOCK_KIND_RETURN) {
    ASSIGN_OR_RETURN(std::vector<v1::HoldingSpan> spans,
                     HoldingSpans(conn, row, at));
    for (v1::HoldingSpan& h : spans) *s->add_holdings() = std::move(h);
  }
  return Emit(tx, row.ticket_id, row.ticket_number, &out);
}

absl::Status ClockEngine::Suspend(Tx& tx, ClockRow& row, absl::Time since,
                                  Pending kind) {
  db::Connection& conn = tx.conn;
  // Lateness up to the act counts (a scanner behind a late reply).
  ASSIGN_OR_RETURN(std::optional<absl::Time> watch,
                   store_->RungDueAt(conn, row.clock_id, kOverdueWatch));
  RETURN_IF_ERROR(ReportOverdue(tx, row, watch.value_or(row.due), since,
                                "stopped_past_due"));
  row.pending_since = since;
  row.pending = kind;
  RETURN_IF_ERROR(store_->SetPending(conn, row.clock_id, since, kind));
  // Not chased while the center decides: its rungs go.
  return store_->DropRungs(conn, row.clock_id);
}

absl::Status ClockEngine::Resume(Tx& tx, ClockRow& row, absl::Time at,
                                 const std::string& cause) {
  db::Connection& conn = tx.conn;
  row.pending_since.reset();
  row.pending = Pending::kNone;
  RETURN_IF_ERROR(
      store_->SetPending(conn, row.clock_id, std::nullopt, Pending::kNone));
  if (at >= row.due) RETURN_IF_ERROR(ReportOverdue(tx, row, at, at, cause));
  return ScheduleRungs(conn, row, at);
}

absl::Status ClockEngine::MoveDue(Tx& tx, ClockRow& row,
                                  const v1::Explanation& ex, bool fixed,
                                  v1::ClockMoveCause cause,
                                  const v1::Actor* actor,
                                  const std::string& extension_id) {
  db::Connection& conn = tx.conn;
  const absl::Time previous = row.due;
  row.due = FromProto(ex.due());
  row.fixed_due = row.fixed_due || fixed;
  row.explanation = ex;
  row.working_days = ex.working_days();
  row.calendar_version = ex.calendar_version();
  row.calendar_incomplete = ex.calendar_incomplete();
  RETURN_IF_ERROR(store_->MoveClock(conn, row));
  if (!row.pending_since.has_value()) {
    RETURN_IF_ERROR(ScheduleRungs(conn, row, clock_->Now()));
  }
  if (row.calendar_incomplete) state_->NoteIncomplete("clock");
  v1::TicketEvent moved;
  if (actor != nullptr) *moved.mutable_actor() = *actor;
  v1::ClockMoved* m = moved.mutable_clock_moved();
  m->set_clock_id(absl::StrCat(row.clock_id));
  m->set_kind(row.kind);
  m->set_unit_id(row.unit_id);
  *m->mutable_previous_due() = ToProto(previous);
  *m->mutable_due() = ToProto(row.due);
  m->set_cause(cause);
  m->set_extension_id(extension_id);
  *m->mutable_explanation() = ex;
  return Emit(tx, row.ticket_id, row.ticket_number, &moved);
}

int ClockEngine::OverdueSoFar(const ClockRow& row, absl::Time now) const {
  if (!row.running) return row.overdue_working_days;
  if (row.pending_since.has_value() || now < row.due) {
    return row.overdue_working_days;
  }
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  if (!IsCompletionKind(row.kind))
    return OverdueWorkingDays(*cal, row.due, now);
  OverdueState state = row.Overdue();
  OverdueReports(*cal, row.kind, row.due, row.due, now, &state);
  return state.accrued;
}

absl::StatusOr<std::vector<v1::HoldingSpan>> ClockEngine::HoldingSpans(
    db::Connection& conn, const ClockRow& row, absl::Time now) {
  ASSIGN_OR_RETURN(std::vector<Holding> hs,
                   store_->Holdings(conn, row.ticket_id, row.dispatch_round));
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  const absl::Time end = row.judged_at.value_or(now);
  std::vector<v1::HoldingSpan> out;
  for (const Holding& h : hs) {
    if (h.arrived_at > end) break;
    v1::HoldingSpan& s = out.emplace_back();
    s.set_unit_id(h.unit_id);
    *s.mutable_from() = ToProto(h.arrived_at);
    const absl::Time to =
        h.left_at.has_value() ? std::min(*h.left_at, end) : end;
    if (h.left_at.has_value()) *s.mutable_to() = ToProto(to);
    s.set_working_days(ElapsedWorkingDays(*cal, h.arrived_at, to));
    s.set_arrived_by(h.arrived_by);
  }
  return out;
}

absl::StatusOr<int> ClockEngine::Recompute(db::Connection& conn,
                                           const calendar::Calendar& next,
                                           int year) {
  Tx tx{conn};  // its events appended as emitted
  ASSIGN_OR_RETURN(std::vector<ClockRow> clocks,
                   store_->RunningClocksInYear(conn, year));
  int moved = 0;
  for (ClockRow c : clocks) {
    // Only working-day counts move: clocks with a fixed due are not read.
    Period p{c.rule, c.explanation.article(), c.working_days, std::nullopt};
    ASSIGN_OR_RETURN(v1::Explanation e,
                     Explain(next, *policy_, p, c.started_at));
    if (FromProto(e.due()) == c.due) continue;
    RETURN_IF_ERROR(MoveDue(
        tx, c, e, false, v1::CLOCK_MOVE_CAUSE_CALENDAR_CHANGED, nullptr, ""));
    ++moved;
  }
  return moved;
}

}  // namespace hotline::deadline
