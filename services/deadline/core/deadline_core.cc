// ClockEngine: routing's and intake's events applied to the clocks, and the
// transitions every path shares (start, stop, suspend, resume, overdue
// reports, moves). docs/clocks.md is the table this file implements; the
// verdicts themselves are the pure functions of clock_rules.h.

#include "services/deadline/core/deadline_core.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/deadline/domain/clock_rules.h"

namespace hotline::deadline {
namespace {

constexpr char kCenter[] = "center";

absl::CivilDay LastDay(absl::Time due) {
  return calendar::LocalDay(due - absl::Nanoseconds(1));
}

}  // namespace

// The order's state while one event is applied.
struct ClockEngine::Event {
  const v1::TicketEvent& ev;
  absl::Time at;                  // when the event happened
  TicketInfo info;                // the order as deadline knows it
  std::vector<ClockRow> running;  // its running clocks, locked

  // The running clocks of `kind` (any unit when `unit` is empty).
  std::vector<ClockRow*> Running(v1::ClockKind kind,
                                 const std::string& unit = "") {
    std::vector<ClockRow*> out;
    for (ClockRow& c : running) {
      if (c.running && c.kind == kind && (unit.empty() || c.unit_id == unit)) {
        out.push_back(&c);
      }
    }
    return out;
  }
};

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

absl::Status ClockEngine::Emit(db::Connection& conn,
                               const std::string& ticket_id,
                               const std::string& ticket_number,
                               v1::TicketEvent* ev) {
  Stamp(ticket_id, ticket_number, ev);
  return outbox_->Append(conn, ev);
}

// ------------------------------------------------------------ transitions

absl::StatusOr<ClockRow> ClockEngine::Start(db::Connection& conn,
                                            const v1::TicketEvent& ev,
                                            v1::ClockKind kind,
                                            const std::string& unit, int round,
                                            const Period& period,
                                            absl::Time start) {
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  ASSIGN_OR_RETURN(v1::Explanation e, Explain(*cal, *policy_, period, start));
  ClockRow row;
  row.ticket_id = ev.ticket_id();
  row.ticket_number = ev.ticket_number();
  row.kind = kind;
  row.unit_id = unit;
  row.dispatch_round = round;
  row.started_at = start;
  row.working_days = e.working_days();
  row.rule = period.rule;
  row.due = FromProto(e.due());
  row.original_due = row.due;
  row.fixed_due = period.last_day.has_value();
  row.calendar_version = cal->version();
  row.policy_version = policy_->version();
  row.calendar_incomplete = e.calendar_incomplete();
  row.explanation = e;
  RETURN_IF_ERROR(store_->InsertClock(conn, &row));
  RETURN_IF_ERROR(ScheduleRungs(conn, row, start));
  if (row.calendar_incomplete) state_->NoteIncomplete("clock");
  v1::TicketEvent out;
  v1::ClockStarted* s = out.mutable_clock_started();
  s->set_clock_id(absl::StrCat(row.clock_id));
  s->set_kind(kind);
  s->set_unit_id(unit);
  s->set_dispatch_round(round);
  *s->mutable_due() = ToProto(row.due);
  *s->mutable_explanation() = e;
  RETURN_IF_ERROR(Emit(conn, row.ticket_id, row.ticket_number, &out));
  return row;
}

absl::Status ClockEngine::ScheduleRungs(db::Connection& conn,
                                        const ClockRow& row, absl::Time from) {
  const absl::Time at = std::max(row.due, from);
  const v1::LadderStep step = FirstRung(row.kind);
  if (step != v1::LADDER_STEP_UNSPECIFIED && row.ladder_step < step) {
    RETURN_IF_ERROR(store_->ScheduleRung(conn, {row.clock_id, step, at}));
  }
  if (CanBeOverdue(row.kind)) {
    RETURN_IF_ERROR(
        store_->ScheduleRung(conn, {row.clock_id, kOverdueWatch, at}));
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::ReportOverdue(db::Connection& conn, ClockRow& row,
                                        absl::Time overdue_from,
                                        absl::Time until,
                                        const std::string& cause) {
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  OverdueState state = row.Overdue();
  const std::vector<OverdueReport> reports =
      OverdueReports(*cal, row.kind, row.due, overdue_from, until, &state);
  if (reports.empty()) return absl::OkStatus();
  for (const OverdueReport& r : reports) {
    v1::TicketEvent ev = OverdueEvent(row, r, cause);
    RETURN_IF_ERROR(Emit(conn, row.ticket_id, row.ticket_number, &ev));
  }
  row.overdue_since = state.since;
  row.overdue_counted_through = state.counted_through;
  row.overdue_working_days = state.accrued;
  return store_->RecordOverdue(conn, {{row.clock_id, state}});
}

absl::Status ClockEngine::Stop(db::Connection& conn, ClockRow row,
                               const Verdict& v, absl::Time at) {
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
    RETURN_IF_ERROR(ReportOverdue(conn, row, from, judged, cause));
    if (!row.overdue_since.has_value()) {
      // Missed before its own due (its re-handling was): reported now, with
      // no working days.
      OverdueReport first{at, true, 0, 0};
      v1::TicketEvent ev = OverdueEvent(row, first, cause);
      RETURN_IF_ERROR(Emit(conn, row.ticket_id, row.ticket_number, &ev));
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
  return Emit(conn, row.ticket_id, row.ticket_number, &out);
}

absl::Status ClockEngine::Suspend(db::Connection& conn, ClockRow& row,
                                  absl::Time since, Pending kind) {
  // Lateness up to the act counts (a scanner behind a late reply).
  ASSIGN_OR_RETURN(std::optional<absl::Time> watch,
                   store_->RungDueAt(conn, row.clock_id, kOverdueWatch));
  RETURN_IF_ERROR(ReportOverdue(conn, row, watch.value_or(row.due), since,
                                "stopped_past_due"));
  row.pending_since = since;
  row.pending = kind;
  return store_->SetPending(conn, row.clock_id, since, kind);
}

absl::Status ClockEngine::Resume(db::Connection& conn, ClockRow& row,
                                 absl::Time at, const std::string& cause) {
  row.pending_since.reset();
  row.pending = Pending::kNone;
  RETURN_IF_ERROR(
      store_->SetPending(conn, row.clock_id, std::nullopt, Pending::kNone));
  if (at >= row.due) RETURN_IF_ERROR(ReportOverdue(conn, row, at, at, cause));
  return ScheduleRungs(conn, row, at);
}

absl::Status ClockEngine::MoveDue(db::Connection& conn, ClockRow& row,
                                  const v1::Explanation& ex, bool fixed,
                                  v1::ClockMoveCause cause,
                                  const v1::Actor* actor,
                                  const std::string& extension_id) {
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
  return Emit(conn, row.ticket_id, row.ticket_number, &moved);
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

// ------------------------------------------------------------ events

absl::Status ClockEngine::StartCoUnits(db::Connection& conn,
                                       const v1::TicketEvent& ev, int round,
                                       const std::vector<std::string>& co_units,
                                       absl::Time at) {
  // The co-opinion is never due after the lead unit's answer.
  std::optional<absl::CivilDay> lead_last;
  ASSIGN_OR_RETURN(std::vector<ClockRow> running,
                   store_->ClocksOfTicket(conn, ev.ticket_id(), true, false));
  for (const ClockRow& c : running) {
    if (IsCompletionKind(c.kind)) lead_last = LastDay(c.due);
  }
  for (const std::string& co : co_units) {
    RETURN_IF_ERROR(store_->PutChainLink(conn, ev.ticket_id(), co, kCenter));
    RETURN_IF_ERROR(Start(conn, ev, v1::CLOCK_KIND_RESPONSE, co, round,
                          ResponsePeriod(*policy_), at)
                        .status());
    RETURN_IF_ERROR(Start(conn, ev, v1::CLOCK_KIND_CO_OPINION, co, round,
                          CoOpinionPeriod(*policy_, lead_last), at)
                        .status());
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::Dispatch(db::Connection& conn,
                                   const v1::TicketEvent& ev,
                                   const v1::Dispatched& d) {
  const absl::Time start = FromProto(ev.occurred_at());
  const int round = std::max(1, d.dispatch_round());
  RETURN_IF_ERROR(
      store_->PutChainLink(conn, ev.ticket_id(), d.unit_id(), kCenter));
  RETURN_IF_ERROR(store_->MoveHolding(conn, ev.ticket_id(), round, d.unit_id(),
                                      start, "dispatched"));
  Period handling = HandlingPeriod(*policy_, d.request_type(),
                                   d.has_limit() ? &d.limit() : nullptr);
  if (d.co_unit_ids_size() > 0) {
    ASSIGN_OR_RETURN(handling,
                     LeadUnitPeriod(*state_->Get(), *policy_, d.request_type(),
                                    handling, start));
  }
  TicketInfo info;
  info.ticket_id = ev.ticket_id();
  info.ticket_number = ev.ticket_number();
  info.request_type = d.request_type();
  info.dispatch_round = round;
  info.first_unit_id = d.unit_id();
  info.handling_rule = handling.rule;
  info.handling_days =
      handling.last_day.has_value() ? 0 : handling.working_days;
  info.dispatched_at = start;
  RETURN_IF_ERROR(store_->PutTicketInfo(conn, info));

  RETURN_IF_ERROR(Start(conn, ev, v1::CLOCK_KIND_RESPONSE, d.unit_id(), round,
                        ResponsePeriod(*policy_), start)
                      .status());
  RETURN_IF_ERROR(Start(conn, ev, v1::CLOCK_KIND_FORWARD, d.unit_id(), round,
                        ForwardPeriod(*policy_), start)
                      .status());
  v1::ClockKind kind = v1::CLOCK_KIND_HANDLING;
  if (d.co_unit_ids_size() > 0) {
    kind = v1::CLOCK_KIND_LEAD_UNIT;
    handling.rule = absl::StrCat("lead_unit.", handling.rule);
  }
  RETURN_IF_ERROR(
      Start(conn, ev, kind, d.unit_id(), round, handling, start).status());
  return StartCoUnits(
      conn, ev, round,
      std::vector<std::string>(d.co_unit_ids().begin(), d.co_unit_ids().end()),
      start);
}

absl::Status ClockEngine::Responded(db::Connection& conn, Event& e,
                                    const std::string& unit) {
  for (ClockRow* c : e.Running(v1::CLOCK_KIND_RESPONSE, unit)) {
    RETURN_IF_ERROR(
        Stop(conn, *c, JudgedBy(c->Facts(), e.at, "responded"), e.at));
    c->running = false;
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::ClimbEnded(db::Connection& conn, Event& e) {
  for (ClockRow* c : e.Running(v1::CLOCK_KIND_RETURN)) {
    Verdict v;
    v.outcome = v1::CLOCK_OUTCOME_CANCELLED;
    v.cause = "climb_ended_below_center";
    RETURN_IF_ERROR(Stop(conn, *c, v, e.at));
    c->running = false;
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::EndRound(db::Connection& conn, Event& e,
                                   const std::string& cause) {
  std::vector<Holding> holdings;
  for (ClockRow& c : e.running) {
    if (!c.running) continue;
    Verdict v = Superseded(c.Facts(), e.at, cause);
    if (c.kind == v1::CLOCK_KIND_FORWARD) {
      // The holder below the first level, reached by forward, counts as the
      // unit that handles the order; otherwise there was nothing to reach.
      ASSIGN_OR_RETURN(holdings,
                       store_->Holdings(conn, c.ticket_id, c.dispatch_round));
      std::optional<absl::Time> arrival;
      if (!holdings.empty() && !holdings.back().left_at.has_value()) {
        const std::string& holder = holdings.back().unit_id;
        for (const Holding& h : holdings) {
          if (h.unit_id == holder && h.arrived_by == "forwarded") {
            arrival = h.arrived_at;
            break;
          }
        }
      }
      if (arrival.has_value()) {
        v = JudgedBy(c.Facts(), *arrival, "handling_unit_reached");
      } else {
        v = Verdict{v1::CLOCK_OUTCOME_CANCELLED, std::nullopt, cause};
      }
    } else if (c.kind == v1::CLOCK_KIND_RETURN) {
      // Not a return that reached the center: not the limit of 6(1).
      v = Verdict{v1::CLOCK_OUTCOME_CANCELLED, std::nullopt, cause};
    }
    RETURN_IF_ERROR(Stop(conn, c, v, e.at));
    c.running = false;
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::OnForwarded(db::Connection& conn, Event& e) {
  const v1::Forwarded& f = e.ev.forwarded();
  const std::string& ticket = e.ev.ticket_id();
  RETURN_IF_ERROR(Responded(conn, e, f.from_unit_id()));
  RETURN_IF_ERROR(ClimbEnded(conn, e));
  RETURN_IF_ERROR(
      store_->PutChainLink(conn, ticket, f.to_unit_id(), f.from_unit_id()));
  RETURN_IF_ERROR(store_->MoveHolding(conn, ticket, e.info.dispatch_round,
                                      f.to_unit_id(), e.at, "forwarded"));
  for (ClockRow& c : e.running) {
    if (c.running && IsHandlingKind(c.kind)) {
      RETURN_IF_ERROR(store_->SetClockUnit(conn, c.clock_id, f.to_unit_id()));
    }
  }
  return Start(conn, e.ev, v1::CLOCK_KIND_RESPONSE, f.to_unit_id(),
               e.info.dispatch_round, ResponsePeriod(*policy_), e.at)
      .status();
}

absl::Status ClockEngine::OnReturned(db::Connection& conn, Event& e) {
  const v1::Returned& r = e.ev.returned();
  const std::string& ticket = e.ev.ticket_id();
  const int round = e.info.dispatch_round;
  RETURN_IF_ERROR(Responded(conn, e, r.from_unit_id()));
  std::vector<ClockRow*> climb = e.Running(v1::CLOCK_KIND_RETURN);
  ClockRow started;
  if (climb.empty()) {
    // One RETURN clock per climb, its period running from the dispatch: the
    // 2 working days of 6(1) are counted over every level (a first-level
    // unit's direct return included).
    const absl::Time from = e.info.dispatched_at.value_or(e.at);
    ASSIGN_OR_RETURN(
        started, Start(conn, e.ev, v1::CLOCK_KIND_RETURN, e.info.first_unit_id,
                       round, ReturnPeriod(*policy_), from));
    e.running.push_back(started);
    climb = e.Running(v1::CLOCK_KIND_RETURN);
  }
  if (!r.reached_center()) {
    RETURN_IF_ERROR(store_->MoveHolding(conn, ticket, round, r.to_unit_id(),
                                        e.at, "returned"));
    for (ClockRow& c : e.running) {
      if (c.running && IsHandlingKind(c.kind)) {
        RETURN_IF_ERROR(store_->SetClockUnit(conn, c.clock_id, r.to_unit_id()));
      }
    }
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(store_->CloseHolding(conn, ticket, round, e.at));
  for (ClockRow* c : climb) {
    RETURN_IF_ERROR(
        Stop(conn, *c, JudgedBy(c->Facts(), e.at, "reached_center"), e.at));
    c->running = false;
  }
  return EndRound(conn, e, "reached_center");
}

absl::Status ClockEngine::OnReplied(db::Connection& conn, Event& e) {
  const v1::Replied& r = e.ev.replied();
  RETURN_IF_ERROR(Responded(conn, e, r.unit_id()));
  RETURN_IF_ERROR(ClimbEnded(conn, e));
  for (ClockRow* c : e.Running(v1::CLOCK_KIND_FORWARD)) {
    Verdict v{v1::CLOCK_OUTCOME_CANCELLED, std::nullopt,
              "handled_at_first_level"};
    if (r.unit_id() != e.info.first_unit_id) {
      // Judged at the handling unit's first arrival by forward this round.
      ASSIGN_OR_RETURN(std::vector<Holding> hs,
                       store_->Holdings(conn, c->ticket_id, c->dispatch_round));
      absl::Time arrival = e.at;
      for (const Holding& h : hs) {
        if (h.unit_id == r.unit_id() && h.arrived_by == "forwarded") {
          arrival = h.arrived_at;
          break;
        }
      }
      v = JudgedBy(c->Facts(), arrival, "handling_unit_reached");
    }
    RETURN_IF_ERROR(Stop(conn, *c, v, e.at));
    c->running = false;
  }
  for (ClockRow& c : e.running) {
    if (c.running && IsHandlingKind(c.kind) && !c.pending_since.has_value()) {
      RETURN_IF_ERROR(Suspend(conn, c, e.at, Pending::kReply));
    }
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::OnReviewed(db::Connection& conn, Event& e) {
  const v1::Reviewed& r = e.ev.reviewed();
  if (!r.approved()) {
    bool rehandling = false;
    for (ClockRow& c : e.running) {
      if (!c.running || !IsHandlingKind(c.kind)) continue;
      rehandling = rehandling || c.kind == v1::CLOCK_KIND_REHANDLING;
      if (c.pending == Pending::kReply) {
        RETURN_IF_ERROR(Resume(conn, c, e.at, "review_rejected"));
      }
    }
    if (!rehandling) {
      // The first rejection of the round: re-handling is chased after the
      // policy's days; no fresh limit for completion (docs/clocks.md).
      RETURN_IF_ERROR(Start(conn, e.ev, v1::CLOCK_KIND_REHANDLING, r.unit_id(),
                            e.info.dispatch_round,
                            RehandlingPeriod(*policy_, e.info.request_type,
                                             e.info.handling_days),
                            e.at)
                          .status());
    }
    // Co-units give their input again, except those the center released.
    ASSIGN_OR_RETURN(
        std::vector<ClockRow> all,
        store_->ClocksOfTicket(conn, e.ev.ticket_id(), false, false));
    std::vector<std::string> co_units;
    for (const ClockRow& c : all) {
      if (c.kind != v1::CLOCK_KIND_CO_OPINION ||
          c.dispatch_round != e.info.dispatch_round) {
        continue;
      }
      auto it = std::find(co_units.begin(), co_units.end(), c.unit_id);
      const bool released = c.stop_cause == "co_unit_released";
      if (released && it != co_units.end()) co_units.erase(it);
      if (!released && it == co_units.end()) co_units.push_back(c.unit_id);
    }
    std::optional<absl::CivilDay> last;
    ASSIGN_OR_RETURN(
        std::vector<ClockRow> now_running,
        store_->ClocksOfTicket(conn, e.ev.ticket_id(), true, false));
    for (const ClockRow& c : now_running) {
      if (c.kind == v1::CLOCK_KIND_REHANDLING) last = LastDay(c.due);
    }
    for (const std::string& co : co_units) {
      RETURN_IF_ERROR(Start(conn, e.ev, v1::CLOCK_KIND_CO_OPINION, co,
                            e.info.dispatch_round,
                            CoOpinionPeriod(*policy_, last), e.at)
                          .status());
    }
    return absl::OkStatus();
  }
  // Approved: the re-handling clock is judged first; missing it makes the
  // completion missed (docs/clocks.md).
  bool rehandling_missed = false;
  for (ClockRow* c : e.Running(v1::CLOCK_KIND_REHANDLING)) {
    if (!c->pending_since.has_value()) continue;
    const Verdict v =
        JudgedBy(c->Facts(), *c->pending_since, "reviewed.approved");
    rehandling_missed = v.outcome == v1::CLOCK_OUTCOME_MISSED;
    RETURN_IF_ERROR(Stop(conn, *c, v, e.at));
    c->running = false;
  }
  for (ClockRow& c : e.running) {
    if (!c.running || !IsCompletionKind(c.kind) || !c.pending_since) continue;
    Verdict v = JudgedBy(c.Facts(), *c.pending_since, "reviewed.approved");
    if (rehandling_missed && v.outcome == v1::CLOCK_OUTCOME_MET) {
      v.outcome = v1::CLOCK_OUTCOME_MISSED;
      v.cause = "rehandling_missed";
    }
    RETURN_IF_ERROR(Stop(conn, c, v, e.at));
    c.running = false;
  }
  return EndRound(conn, e, "reviewed.approved");
}

absl::Status ClockEngine::OnCoUnitsAdded(db::Connection& conn, Event& e) {
  const v1::CoUnitsAdded& a = e.ev.co_units_added();
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  for (ClockRow& c : e.running) {
    if (!c.running || c.kind != v1::CLOCK_KIND_HANDLING) continue;
    // The handling clock becomes the lead unit's (6(2)) in place: same id,
    // its fired steps, pending extension and lateness kept.
    const std::string own_rule = c.rule;
    const bool extended = c.explanation.rule() == "extension.approved";
    c.kind = v1::CLOCK_KIND_LEAD_UNIT;
    c.rule = absl::StrCat("lead_unit.", c.rule);
    if (!extended) c.explanation.set_rule(c.rule);
    RETURN_IF_ERROR(store_->SetClockKind(conn, c));
    // The lead unit's cap applies to an own limit however late the co-units
    // came (an approved extension stands).
    if (own_rule != "handling.own_limit" || extended) continue;
    Period own{own_rule, c.explanation.article(), c.working_days, std::nullopt};
    if (c.fixed_due) own.last_day = LastDay(c.original_due);
    ASSIGN_OR_RETURN(
        Period capped,
        LeadUnitPeriod(*cal, *policy_, e.info.request_type, own, c.started_at));
    if (capped.rule == own.rule) continue;
    capped.rule = c.rule;
    ASSIGN_OR_RETURN(v1::Explanation ex,
                     Explain(*cal, *policy_, capped, c.started_at));
    if (FromProto(ex.due()) >= c.due) continue;
    RETURN_IF_ERROR(MoveDue(conn, c, ex, false,
                            v1::CLOCK_MOVE_CAUSE_LEAD_UNIT_CAP, nullptr, ""));
    // A cap that leaves the clock past its due makes it overdue now.
    if (e.at >= c.due && !c.pending_since.has_value()) {
      RETURN_IF_ERROR(ReportOverdue(conn, c, e.at, e.at, "lead_unit_cap"));
    }
  }
  return StartCoUnits(
      conn, e.ev, e.info.dispatch_round,
      std::vector<std::string>(a.co_unit_ids().begin(), a.co_unit_ids().end()),
      e.at);
}

absl::Status ClockEngine::OnDisputeDecided(db::Connection& conn, Event& e) {
  if (e.ev.dispute_decided().outcome() == v1::DISPUTE_OUTCOME_DISPUTE_GRANTED) {
    // Judged at the dispute: inside the limit when raised before the due.
    return EndRound(conn, e, "dispute_granted");
  }
  for (ClockRow& c : e.running) {
    if (c.running && c.pending == Pending::kDispute) {
      RETURN_IF_ERROR(Resume(conn, c, e.at, "dispute_upheld"));
    }
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::Apply(db::Connection& conn,
                                const v1::TicketEvent& ev) {
  switch (ev.payload_case()) {
    case v1::TicketEvent::kDispatched:
      return Dispatch(conn, ev, ev.dispatched());
    case v1::TicketEvent::kRedispatched:
    case v1::TicketEvent::kTicketMerged:
    case v1::TicketEvent::kClosed:
    case v1::TicketEvent::kAccepted:
    case v1::TicketEvent::kForwarded:
    case v1::TicketEvent::kReturned:
    case v1::TicketEvent::kDisputeRaised:
    case v1::TicketEvent::kDisputeDecided:
    case v1::TicketEvent::kCoUnitsAdded:
    case v1::TicketEvent::kCoOpinionSubmitted:
    case v1::TicketEvent::kCoUnitReleased:
    case v1::TicketEvent::kReplied:
    case v1::TicketEvent::kReviewed:
      break;
    default:
      return absl::OkStatus();  // not a clock event
  }
  ASSIGN_OR_RETURN(std::optional<TicketInfo> info,
                   store_->GetTicketInfo(conn, ev.ticket_id()));
  if (!info.has_value()) return absl::OkStatus();  // never dispatched here
  // Clocks stop when the event happened, not when it reached this service
  // (the relay may have been behind, or this service down).
  Event e{ev,
          ev.has_occurred_at() ? FromProto(ev.occurred_at()) : clock_->Now(),
          *info,
          {}};
  ASSIGN_OR_RETURN(e.running,
                   store_->ClocksOfTicket(conn, ev.ticket_id(), true, true));
  switch (ev.payload_case()) {
    case v1::TicketEvent::kRedispatched:
      RETURN_IF_ERROR(EndRound(conn, e, "redispatched"));
      RETURN_IF_ERROR(store_->CloseHolding(conn, ev.ticket_id(),
                                           info->dispatch_round, e.at));
      return Dispatch(conn, ev, ev.redispatched().dispatch());
    case v1::TicketEvent::kTicketMerged:
      return EndRound(conn, e, "merged");
    case v1::TicketEvent::kClosed:
      return EndRound(conn, e,
                      ev.closed().reason() == v1::CLOSE_REASON_MERGED
                          ? "merged"
                          : "closed");
    case v1::TicketEvent::kAccepted:
      RETURN_IF_ERROR(Responded(conn, e, ev.accepted().unit_id()));
      // A holder on the way up that takes the order back ends the climb.
      if (!ev.accepted().as_co_unit()) return ClimbEnded(conn, e);
      return absl::OkStatus();
    case v1::TicketEvent::kForwarded:
      return OnForwarded(conn, e);
    case v1::TicketEvent::kReturned:
      return OnReturned(conn, e);
    case v1::TicketEvent::kDisputeRaised:
      RETURN_IF_ERROR(Responded(conn, e, ev.dispute_raised().unit_id()));
      for (ClockRow& c : e.running) {
        if (c.running && IsCompletionKind(c.kind) && !c.pending_since) {
          RETURN_IF_ERROR(Suspend(conn, c, e.at, Pending::kDispute));
        }
      }
      return absl::OkStatus();
    case v1::TicketEvent::kDisputeDecided:
      return OnDisputeDecided(conn, e);
    case v1::TicketEvent::kCoUnitsAdded:
      return OnCoUnitsAdded(conn, e);
    case v1::TicketEvent::kCoOpinionSubmitted: {
      const std::string& co = ev.co_opinion_submitted().co_unit_id();
      RETURN_IF_ERROR(Responded(conn, e, co));
      for (ClockRow* c : e.Running(v1::CLOCK_KIND_CO_OPINION, co)) {
        RETURN_IF_ERROR(
            Stop(conn, *c, JudgedBy(c->Facts(), e.at, "co_opinion"), e.at));
        c->running = false;
      }
      return absl::OkStatus();
    }
    case v1::TicketEvent::kCoUnitReleased: {
      const std::string& co = ev.co_unit_released().co_unit_id();
      for (ClockRow& c : e.running) {
        if (c.running && c.unit_id == co &&
            (c.kind == v1::CLOCK_KIND_RESPONSE ||
             c.kind == v1::CLOCK_KIND_CO_OPINION)) {
          RETURN_IF_ERROR(Stop(
              conn, c, Superseded(c.Facts(), e.at, "co_unit_released"), e.at));
          c.running = false;
        }
      }
      return absl::OkStatus();
    }
    case v1::TicketEvent::kReplied:
      return OnReplied(conn, e);
    case v1::TicketEvent::kReviewed:
      return OnReviewed(conn, e);
    default:
      return absl::OkStatus();
  }
}

absl::StatusOr<int> ClockEngine::Recompute(db::Connection& conn,
                                           const calendar::Calendar& next,
                                           int year) {
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
        conn, c, e, false, v1::CLOCK_MOVE_CAUSE_CALENDAR_CHANGED, nullptr, ""));
    ++moved;
  }
  return moved;
}

}  // namespace hotline::deadline
