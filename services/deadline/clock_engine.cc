#include "services/deadline/clock_engine.h"

#include <algorithm>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/db/transaction.h"
#include "common/log/log.h"
#include "common/server/actor.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/deadline/clock_rules.h"

namespace hotline::deadline {
namespace {

constexpr char kCenter[] = "center";

absl::CivilDay LastDay(absl::Time due) {
  return calendar::LocalDay(due - absl::Nanoseconds(1));
}

struct RecipientPlan {
  v1::RecipientKind kind;
  std::vector<v1::NoticeChannel> channels;
};

// Who is told of each rung, and how [7].
std::vector<RecipientPlan> PlanFor(v1::LadderStep step) {
  using C = v1::NoticeChannel;
  const C phone = v1::NOTICE_CHANNEL_PHONE, sms = v1::NOTICE_CHANNEL_SMS,
          letter = v1::NOTICE_CHANNEL_SUPERVISION_LETTER;
  switch (step) {
    case v1::LADDER_STEP_REMINDER:
      return {{v1::RECIPIENT_KIND_LIAISON, {phone, sms}},
              {v1::RECIPIENT_KIND_DUTY_LEADER, {phone, sms}}};
    case v1::LADDER_STEP_SUPERVISION:
      return {{v1::RECIPIENT_KIND_LIAISON, {letter, phone, sms}},
              {v1::RECIPIENT_KIND_DUTY_LEADER, {letter, phone, sms}}};
    case v1::LADDER_STEP_SPECIAL_INSPECTION:
      return {{v1::RECIPIENT_KIND_LIAISON, {letter, phone}},
              {v1::RECIPIENT_KIND_DUTY_LEADER, {letter, phone}},
              {v1::RECIPIENT_KIND_DISTRICT_OFFICE, {letter}}};
    case v1::LADDER_STEP_DISTRICT_NOTICE:
      return {{v1::RECIPIENT_KIND_LIAISON, {letter}},
              {v1::RECIPIENT_KIND_DUTY_LEADER, {letter}},
              {v1::RECIPIENT_KIND_DISTRICT_OFFICE, {letter}},
              {v1::RECIPIENT_KIND_CENTER, {letter}}};
    default:
      return {};
  }
}

// A recipient of a rung's notices. The chased unit's liaison and duty leader
// (unit_id empty: the step's unit) are named from routing's roster when the
// notice is delivered.
NoticeTarget RecipientOf(v1::RecipientKind kind) {
  NoticeTarget t;
  t.kind = kind;
  switch (kind) {
    case v1::RECIPIENT_KIND_DISTRICT_OFFICE:
      t.unit_id = "district.office";
      t.name = "区政府办公室";
      t.resolved = true;
      break;
    case v1::RECIPIENT_KIND_CENTER:
      t.unit_id = kCenter;
      t.name = "区政务服务管理办公室";
      t.resolved = true;
      break;
    default:
      t.name = "unresolved";
      t.resolved = false;
  }
  return t;
}

// The notice text: the order number and dates only, never caller data.
std::string NoticeText(v1::LadderStep step, const DueRung& c) {
  const std::string last = calendar::FormatDate(LastDay(c.due));
  switch (step) {
    case v1::LADDER_STEP_REMINDER:
      return absl::StrFormat(
          "【12345热线催办】工单%s应于%s "
          "24:00前签收，现已超时，请立即签收办理。",
          c.ticket_number, last);
    case v1::LADDER_STEP_SUPERVISION:
      return absl::StrFormat(
          "【12345热线督办】工单%s办理期限已于%s 24:00届满，现予督办，"
          "请立即办理并答复来电人。",
          c.ticket_number, last);
    case v1::LADDER_STEP_SPECIAL_INSPECTION:
      return absl::StrFormat(
          "【专项督查】工单%s（期限%s）经催办、督办仍未办结，"
          "由区政府办公室开展专项督查。",
          c.ticket_number, last);
    case v1::LADDER_STEP_DISTRICT_NOTICE:
      return absl::StrFormat(
          "【全区通报】工单%s（期限%s）经专项督查仍未办结，予以全区通报。",
          c.ticket_number, last);
    default:
      return "";
  }
}

}  // namespace

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
  const v1::LadderStep rung = FirstRung(kind);
  if (rung != v1::LADDER_STEP_UNSPECIFIED) {
    RETURN_IF_ERROR(
        store_->InsertLadderDue(conn, {row.clock_id, rung, row.due}));
  }
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

absl::Status ClockEngine::Stop(db::Connection& conn, const ClockRow& row,
                               bool cancel, absl::Time at) {
  const v1::ClockOutcome outcome =
      cancel ? v1::CLOCK_OUTCOME_CANCELLED : OutcomeAt(row.due, at);
  const int overdue = outcome == v1::CLOCK_OUTCOME_MISSED
                          ? OverdueWorkingDays(*state_->Get(), row.due, at)
                          : 0;
  RETURN_IF_ERROR(store_->StopClock(conn, row, outcome, at, overdue));
  v1::TicketEvent out;
  v1::ClockStopped* s = out.mutable_clock_stopped();
  s->set_clock_id(absl::StrCat(row.clock_id));
  s->set_kind(row.kind);
  s->set_unit_id(row.unit_id);
  s->set_outcome(outcome);
  *s->mutable_due() = ToProto(row.due);
  s->set_overdue_working_days(overdue);
  return Emit(conn, row.ticket_id, row.ticket_number, &out);
}

absl::Status ClockEngine::StopAll(db::Connection& conn,
                                  const std::string& ticket_id, bool cancel,
                                  absl::Time at) {
  ASSIGN_OR_RETURN(std::vector<ClockRow> running,
                   store_->ClocksOfTicket(conn, ticket_id, true, true));
  for (const ClockRow& c : running) RETURN_IF_ERROR(Stop(conn, c, cancel, at));
  return absl::OkStatus();
}

absl::Status ClockEngine::Dispatch(db::Connection& conn,
                                   const v1::TicketEvent& ev,
                                   const v1::Dispatched& d) {
  const absl::Time start = FromProto(ev.occurred_at());
  const int round = std::max(1, d.dispatch_round());
  RETURN_IF_ERROR(
      store_->PutChainLink(conn, ev.ticket_id(), d.unit_id(), kCenter));
  for (const std::string& co : d.co_unit_ids()) {
    RETURN_IF_ERROR(store_->PutChainLink(conn, ev.ticket_id(), co, kCenter));
  }
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
  return Start(conn, ev, kind, d.unit_id(), round, handling, start).status();
}

absl::Status ClockEngine::Apply(db::Connection& conn,
                                const v1::TicketEvent& ev) {
  const std::string& ticket = ev.ticket_id();
  // Clocks stop when the event happened, not when it reached this service
  // (the relay may have been behind, or this service down).
  const absl::Time at =
      ev.has_occurred_at() ? FromProto(ev.occurred_at()) : clock_->Now();
  switch (ev.payload_case()) {
    case v1::TicketEvent::kDispatched:
      return Dispatch(conn, ev, ev.dispatched());
    case v1::TicketEvent::kRedispatched:
      RETURN_IF_ERROR(StopAll(conn, ticket, /*cancel=*/true, at));
      return Dispatch(conn, ev, ev.redispatched().dispatch());
    case v1::TicketEvent::kTicketMerged:
      return StopAll(conn, ticket, /*cancel=*/true, at);
    case v1::TicketEvent::kClosed:
      return StopAll(conn, ticket,
                     ev.closed().reason() == v1::CLOSE_REASON_MERGED, at);
    case v1::TicketEvent::kDisputeDecided:
      if (ev.dispute_decided().outcome() ==
          v1::DISPUTE_OUTCOME_DISPUTE_GRANTED) {
        return StopAll(conn, ticket, /*cancel=*/true, at);
      }
      return absl::OkStatus();
    default:
      break;
  }
  ASSIGN_OR_RETURN(std::optional<TicketInfo> info,
                   store_->GetTicketInfo(conn, ticket));
  if (!info.has_value()) return absl::OkStatus();  // never dispatched here
  ASSIGN_OR_RETURN(std::vector<ClockRow> running,
                   store_->ClocksOfTicket(conn, ticket, true, true));
  switch (ev.payload_case()) {
    case v1::TicketEvent::kAccepted:
    case v1::TicketEvent::kDisputeRaised:
      // Accepting or disputing is the unit's response (rule 7). A return
      // that ends below the center (its holder took the order back) was
      // never one the 2-day limit of 6(1) is about: its clock is cancelled.
      for (const ClockRow& c : running) {
        if (c.kind == v1::CLOCK_KIND_RESPONSE) {
          RETURN_IF_ERROR(Stop(conn, c, false, at));
        } else if (c.kind == v1::CLOCK_KIND_RETURN && ev.has_accepted()) {
          RETURN_IF_ERROR(Stop(conn, c, true, at));
        }
      }
      return absl::OkStatus();
    case v1::TicketEvent::kForwarded: {
      const v1::Forwarded& f = ev.forwarded();
      RETURN_IF_ERROR(
          store_->PutChainLink(conn, ticket, f.to_unit_id(), f.from_unit_id()));
      for (const ClockRow& c : running) {
        if (c.kind == v1::CLOCK_KIND_RESPONSE ||
            (c.kind == v1::CLOCK_KIND_FORWARD &&
             f.from_unit_id() == info->first_unit_id)) {
          RETURN_IF_ERROR(Stop(conn, c, false, at));
        } else if (c.kind == v1::CLOCK_KIND_RETURN) {
          RETURN_IF_ERROR(Stop(conn, c, true, at));
        } else if (IsHandlingKind(c.kind)) {
          RETURN_IF_ERROR(
              store_->SetClockUnit(conn, c.clock_id, f.to_unit_id()));
        }
      }
      return absl::OkStatus();
    }
    case v1::TicketEvent::kReturned: {
      // One cumulative RETURN clock per climb (6(1)): started by the first
      // return of it, stopped when the order reaches the center.
      const v1::Returned& r = ev.returned();
      bool climbing = false;
      for (const ClockRow& c : running) {
        if (c.kind == v1::CLOCK_KIND_RESPONSE) {
          RETURN_IF_ERROR(Stop(conn, c, false, at));
        } else if (c.kind == v1::CLOCK_KIND_RETURN) {
          climbing = true;
          if (r.reached_center()) RETURN_IF_ERROR(Stop(conn, c, false, at));
        } else if (r.reached_center() && (c.kind == v1::CLOCK_KIND_FORWARD ||
                                          IsHandlingKind(c.kind))) {
          RETURN_IF_ERROR(Stop(conn, c, true, at));
        } else if (IsHandlingKind(c.kind)) {
          RETURN_IF_ERROR(
              store_->SetClockUnit(conn, c.clock_id, r.to_unit_id()));
        }
      }
      if (!climbing && !r.reached_center()) {
        RETURN_IF_ERROR(Start(conn, ev, v1::CLOCK_KIND_RETURN, r.from_unit_id(),
                              info->dispatch_round, ReturnPeriod(*policy_), at)
                            .status());
      }
      return absl::OkStatus();
    }
    case v1::TicketEvent::kReplied: {
      // A first-level unit that handles the order itself had it at its
      // handling unit from the dispatch on: there was nothing to forward
      // (6(1)), so its FORWARD clock is cancelled, not scored.
      const bool handled_itself = ev.replied().unit_id() == info->first_unit_id;
      for (const ClockRow& c : running) {
        if (c.kind == v1::CLOCK_KIND_FORWARD) {
          RETURN_IF_ERROR(Stop(conn, c, handled_itself, at));
        } else if (c.kind == v1::CLOCK_KIND_RETURN) {
          RETURN_IF_ERROR(Stop(conn, c, true, at));
        } else if (c.kind == v1::CLOCK_KIND_RESPONSE ||
                   IsHandlingKind(c.kind)) {
          RETURN_IF_ERROR(Stop(conn, c, false, at));
        }
      }
      return absl::OkStatus();
    }
    case v1::TicketEvent::kReviewed: {
      const v1::Reviewed& r = ev.reviewed();
      if (r.approved()) return absl::OkStatus();
      for (const ClockRow& c : running) {
        if (c.kind == v1::CLOCK_KIND_REHANDLING) return absl::OkStatus();
      }
      return Start(conn, ev, v1::CLOCK_KIND_REHANDLING, r.unit_id(),
                   info->dispatch_round,
                   RehandlingPeriod(*policy_, info->request_type,
                                    info->handling_days),
                   FromProto(ev.occurred_at()))
          .status();
    }
    case v1::TicketEvent::kCoUnitsAdded: {
      for (const std::string& co : ev.co_units_added().co_unit_ids()) {
        RETURN_IF_ERROR(store_->PutChainLink(conn, ticket, co, kCenter));
      }
      // The handling clock becomes the lead unit's (6(2)) in place: same
      // id and due, its fired rungs, pending extension and fixed due kept,
      // so a supervision already sent is not sent again.
      for (ClockRow c : running) {
        if (c.kind != v1::CLOCK_KIND_HANDLING) continue;
        c.kind = v1::CLOCK_KIND_LEAD_UNIT;
        c.rule = absl::StrCat("lead_unit.", c.rule);
        c.explanation.set_rule(c.rule);
        RETURN_IF_ERROR(store_->SetClockKind(conn, c));
      }
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();  // not a clock event
  }
}

absl::Status ClockEngine::RescheduleRungs(db::Connection& conn,
                                          const ClockRow& row) {
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  for (v1::LadderStep s :
       {FirstRung(row.kind), v1::LADDER_STEP_SPECIAL_INSPECTION,
        v1::LADDER_STEP_DISTRICT_NOTICE}) {
    if (s == v1::LADDER_STEP_UNSPECIFIED) continue;
    if (s != FirstRung(row.kind) && !IsHandlingKind(row.kind)) continue;
    RETURN_IF_ERROR(store_->RescheduleLadderDue(
        conn, row.clock_id, s, RungDue(*cal, *policy_, s, row.due)));
  }
  return absl::OkStatus();
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
    const absl::Time due = FromProto(e.due());
    if (due == c.due) continue;
    const absl::Time previous = c.due;
    c.due = due;
    c.explanation = e;
    c.calendar_version = next.version();
    c.calendar_incomplete = e.calendar_incomplete();
    RETURN_IF_ERROR(store_->MoveClock(conn, c));
    RETURN_IF_ERROR(RescheduleRungs(conn, c));
    v1::TicketEvent out;
    v1::ClockMoved* m = out.mutable_clock_moved();
    m->set_clock_id(absl::StrCat(c.clock_id));
    m->set_kind(c.kind);
    m->set_unit_id(c.unit_id);
    *m->mutable_previous_due() = ToProto(previous);
    *m->mutable_due() = ToProto(due);
    m->set_cause(v1::CLOCK_MOVE_CAUSE_CALENDAR_CHANGED);
    *m->mutable_explanation() = e;
    RETURN_IF_ERROR(Emit(conn, c.ticket_id, c.ticket_number, &out));
    ++moved;
  }
  return moved;
}

absl::Status ClockEngine::CheckExtensionDate(absl::string_view field,
                                             const calendar::Calendar& cal,
                                             absl::CivilDay last,
                                             absl::CivilDay date) const {
  if (date <= last) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not after the current last day ",
                     calendar::FormatDate(last)));
  }
  ASSIGN_OR_RETURN(calendar::CountResult extra,
                   cal.CountWorkingDays(last, date));
  if (extra.working_days > policy_->extension_max().working_days) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": more than ", policy_->extension_max().working_days,
        " working days after the current last day"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Extension> ClockEngine::RequestExtension(
    db::Connection& conn, const auth::Principal& who,
    const v1::RequestExtensionRequest& req, absl::CivilDay proposed) {
  ASSIGN_OR_RETURN(std::vector<ClockRow> all,
                   store_->ClocksOfTicket(conn, req.ticket_id(), false, true));
  if (all.empty()) {
    return absl::NotFoundError(
        absl::StrCat("ticket_id: no clocks for ", req.ticket_id()));
  }
  const ClockRow* clock = nullptr;
  for (const ClockRow& c : all) {
    if (c.running && IsHandlingKind(c.kind)) clock = &c;
  }
  if (clock == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        all.front().ticket_number, " has no running handling clock"));
  }
  if (who.unit_id != clock->unit_id) {
    return absl::PermissionDeniedError(
        absl::StrCat("the handling clock runs against ", clock->unit_id,
                     ", not ", who.unit_id));
  }
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  const absl::CivilDay last = LastDay(clock->due);
  RETURN_IF_ERROR(
      CheckExtensionDate("proposed_due_date", *cal, last, proposed));
  ASSIGN_OR_RETURN(bool pending,
                   store_->HasPendingExtension(conn, clock->clock_id));
  if (pending) {
    return absl::FailedPreconditionError(
        absl::StrCat(clock->ticket_number,
                     " already has a PENDING extension "
                     "held by ",
                     clock->unit_id));
  }
  const absl::Time now = clock_->Now();
  const int min = policy_->extension_min().working_days;
  ASSIGN_OR_RETURN(calendar::TimelyResult t,
                   cal->IsTimelyExtensionRequest(now, clock->due, min));
  if (!t.timely) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "too late for an extension [%s]: %d working day%s left, %d required "
        "(last day %s)",
        policy_->extension_min().article, t.working_days_left,
        t.working_days_left == 1 ? "" : "s", min, calendar::FormatDate(last)));
  }
  ASSIGN_OR_RETURN(std::string approver,
                   store_->ParentOf(conn, req.ticket_id(), clock->unit_id));
  ExtensionRow row;
  row.clock_id = clock->clock_id;
  v1::Extension& e = row.ext;
  e.set_ticket_id(req.ticket_id());
  e.set_clock_id(absl::StrCat(clock->clock_id));
  e.set_unit_id(clock->unit_id);
  e.set_approver_unit_id(approver);
  e.set_state(v1::EXTENSION_STATE_PENDING);
  e.set_reason(req.reason());
  e.set_progress_note(req.progress_note());
  e.set_proposed_due_date(req.proposed_due_date());
  e.set_working_days_left(static_cast<int32_t>(t.working_days_left));
  *e.mutable_due_before() = ToProto(clock->due);
  *e.mutable_requested_by() = server::ActorOf(who);
  *e.mutable_requested_at() = ToProto(now);
  ASSIGN_OR_RETURN(row.extension_id, store_->InsertExtension(conn, row));
  e.set_extension_id(absl::StrCat(row.extension_id));

  v1::TicketEvent out;
  *out.mutable_actor() = e.requested_by();
  v1::ExtensionRequested* r = out.mutable_extension_requested();
  r->set_extension_id(e.extension_id());
  r->set_clock_id(e.clock_id());
  r->set_unit_id(e.unit_id());
  r->set_approver_unit_id(approver);
  *r->mutable_current_due() = e.due_before();
  r->set_proposed_due_date(e.proposed_due_date());
  r->set_working_days_left(e.working_days_left());
  r->set_reason(e.reason());
  r->set_progress_note(e.progress_note());
  RETURN_IF_ERROR(Emit(conn, clock->ticket_id, clock->ticket_number, &out));
  return e;
}

absl::StatusOr<v1::DecideExtensionResponse> ClockEngine::DecideExtension(
    db::Connection& conn, const auth::Principal& who,
    const v1::DecideExtensionRequest& req,
    std::optional<absl::CivilDay> approved) {
  int64_t id = 0;
  if (!absl::SimpleAtoi(req.extension_id(), &id)) {
    return absl::NotFoundError(
        absl::StrCat("extension_id: no extension ", req.extension_id()));
  }
  ASSIGN_OR_RETURN(std::optional<ExtensionRow> found,
                   store_->GetExtension(conn, id, true));
  if (!found.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("extension_id: no extension ", req.extension_id()));
  }
  ExtensionRow row = *found;
  v1::Extension& e = row.ext;
  if (e.approver_unit_id() == kCenter) {
    if (!who.Is(auth::Role::kCenterStaff)) {
      return absl::PermissionDeniedError(
          "the center decides this extension (CENTER_STAFF required)");
    }
  } else if (!who.Is(auth::Role::kUnitLead) ||
             who.unit_id != e.approver_unit_id()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "a UNIT_LEAD of ", e.approver_unit_id(), " decides this extension"));
  }
  ASSIGN_OR_RETURN(std::optional<ClockRow> clock,
                   store_->GetClock(conn, row.clock_id, true));
  if (!clock.has_value()) return absl::InternalError("extension without clock");
  if (e.state() != v1::EXTENSION_STATE_PENDING) {
    return absl::FailedPreconditionError(absl::StrCat(
        "extension ", e.extension_id(), " is ",
        v1::ExtensionState_Name(e.state()), ", held by ", e.unit_id()));
  }
  if (!clock->running) {
    return absl::FailedPreconditionError(
        absl::StrCat("the clock of ", clock->ticket_number, " has stopped"));
  }
  const absl::Time now = clock_->Now();
  const absl::CivilDay last = LastDay(clock->due);
  e.set_decision_reason(req.reason());
  *e.mutable_decided_by() = server::ActorOf(who);
  *e.mutable_decided_at() = ToProto(now);
  v1::TicketEvent decided;
  *decided.mutable_actor() = e.decided_by();
  v1::ExtensionDecided* d = decided.mutable_extension_decided();
  d->set_extension_id(e.extension_id());
  d->set_clock_id(e.clock_id());
  d->set_unit_id(e.unit_id());
  d->set_approver_unit_id(e.approver_unit_id());
  d->set_approved(req.approve());
  d->set_reason(req.reason());
  v1::TicketEvent moved;
  if (req.approve()) {
    std::shared_ptr<const calendar::Calendar> cal = state_->Get();
    RETURN_IF_ERROR(
        CheckExtensionDate("approved_due_date", *cal, last, *approved));
    Period p{"extension.approved", policy_->extension_min().article, 0,
             *approved};
    ASSIGN_OR_RETURN(v1::Explanation ex,
                     Explain(*cal, *policy_, p, clock->started_at));
    const absl::Time previous = clock->due;
    clock->due = FromProto(ex.due());
    clock->fixed_due = true;
    clock->explanation = ex;
    clock->working_days = ex.working_days();
    clock->calendar_version = cal->version();
    clock->calendar_incomplete = ex.calendar_incomplete();
    RETURN_IF_ERROR(store_->MoveClock(conn, *clock));
    RETURN_IF_ERROR(RescheduleRungs(conn, *clock));
    e.set_state(v1::EXTENSION_STATE_APPROVED);
    e.set_approved_due_date(calendar::FormatDate(*approved));
    *e.mutable_due_after() = ToProto(clock->due);
    d->set_approved_due_date(e.approved_due_date());
    *d->mutable_new_due() = e.due_after();
    *moved.mutable_actor() = e.decided_by();
    v1::ClockMoved* m = moved.mutable_clock_moved();
    m->set_clock_id(e.clock_id());
    m->set_kind(clock->kind);
    m->set_unit_id(clock->unit_id);
    *m->mutable_previous_due() = ToProto(previous);
    *m->mutable_due() = ToProto(clock->due);
    m->set_cause(v1::CLOCK_MOVE_CAUSE_EXTENSION_APPROVED);
    m->set_extension_id(e.extension_id());
    *m->mutable_explanation() = ex;
  } else {
    e.set_state(v1::EXTENSION_STATE_REJECTED);
  }
  RETURN_IF_ERROR(store_->DecideExtension(conn, row));
  RETURN_IF_ERROR(Emit(conn, clock->ticket_id, clock->ticket_number, &decided));
  if (req.approve()) {
    RETURN_IF_ERROR(Emit(conn, clock->ticket_id, clock->ticket_number, &moved));
  }
  v1::DecideExtensionResponse resp;
  *resp.mutable_extension() = e;
  *resp.mutable_clock() = clock->ToProto();
  return resp;
}

absl::StatusOr<int> ClockEngine::FireBatch(
    db::Connection& conn, const std::vector<DueRung>& due, absl::Time now,
    const std::string& replica, const std::function<bool(int)>& after_step) {
  if (due.empty()) return 0;
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  LadderBatch batch;
  batch.fired_by = replica;
  std::vector<const DueRung*> fired;
  for (const DueRung& c : due) {
    const LadderDue& r = c.rung;
    batch.claimed.push_back(r);
    if (!c.running) continue;
    FiredStep& s = batch.steps.emplace_back();
    v1::LadderStepRecord& rec = s.record;
    rec.set_ticket_id(c.ticket_id);
    rec.set_ticket_number(c.ticket_number);
    rec.set_step(r.step);
    rec.set_clock_id(absl::StrCat(r.clock_id));
    rec.set_clock_kind(c.kind);
    rec.set_unit_id(c.unit_id);
    *rec.mutable_due() = ToProto(c.due);
    *rec.mutable_fired_at() = ToProto(now);
    s.text = NoticeText(r.step, c);
    std::vector<NoticeTarget>& notices = batch.notices[r.step];
    if (notices.empty()) {
      for (const RecipientPlan& plan : PlanFor(r.step)) {
        for (v1::NoticeChannel ch : plan.channels) {
          notices.push_back(RecipientOf(plan.kind));
          notices.back().channel = ch;
        }
      }
    }
    const v1::LadderStep next = NextRung(r.step);
    if (next != v1::LADDER_STEP_UNSPECIFIED) {
      batch.next.push_back(
          {r.clock_id, next, RungDue(*cal, *policy_, next, c.due)});
    }
    fired.push_back(&c);
  }
  // Drops the rungs of stopped clocks too.
  RETURN_IF_ERROR(store_->RecordLadderBatch(conn, &batch));
  if (batch.steps.empty()) return 0;

  std::vector<v1::TicketEvent> events(batch.steps.size());
  for (size_t i = 0; i < batch.steps.size(); ++i) {
    const v1::LadderStepRecord& rec = batch.steps[i].record;
    const DueRung& c = *fired[i];
    v1::LadderStepFired* f = events[i].mutable_ladder_step_fired();
    f->set_step_id(rec.step_id());
    f->set_step(rec.step());
    f->set_clock_id(rec.clock_id());
    f->set_clock_kind(c.kind);
    f->set_unit_id(c.unit_id);
    *f->mutable_due() = rec.due();
    for (const RecipientPlan& plan : PlanFor(rec.step())) {
      const NoticeTarget who = RecipientOf(plan.kind);
      v1::NoticeRecipient* r = f->add_recipients();
      r->set_kind(plan.kind);
      r->set_unit_id(who.unit_id.empty() ? c.unit_id : who.unit_id);
      r->set_name(who.name);
      for (v1::NoticeChannel ch : plan.channels) r->add_channels(ch);
    }
    Stamp(c.ticket_id, c.ticket_number, &events[i]);
  }
  // The batch's events in one append (a few round trips, not four each).
  std::vector<v1::TicketEvent*> batch_events;
  for (v1::TicketEvent& e : events) batch_events.push_back(&e);
  RETURN_IF_ERROR(outbox_->AppendAll(conn, batch_events));
  for (size_t i = 0; i < events.size(); ++i) {
    if (after_step && after_step(static_cast<int>(i + 1))) {
      return absl::InternalError("replica died (test hook)");
    }
  }
  return static_cast<int>(events.size());
}

absl::StatusOr<int> Scanner::ScanOnce(absl::Time now) {
  int fired_total = 0;
  while (true) {
    int claimed = 0;
    int fired = 0;
    RETURN_IF_ERROR(
        db::RunInTransaction(*pool_, [&](db::Connection& conn) -> absl::Status {
          claimed = 0;
          fired = 0;
          ASSIGN_OR_RETURN(
              std::vector<DueRung> rungs,
              engine_->store().ClaimDueRungs(conn, now, batch_size_));
          claimed = static_cast<int>(rungs.size());
          ASSIGN_OR_RETURN(
              fired, engine_->FireBatch(conn, rungs, now, replica_, die_hook_));
          return absl::OkStatus();
        }));
    fired_total += fired;
    if (claimed < batch_size_) break;
  }
  return fired_total;
}

absl::StatusOr<int> Scanner::DeliverNotices(absl::Time now,
                                            Directory* directory,
                                            Notifier* notifier) {
  std::vector<NoticeRow> batch;
  RETURN_IF_ERROR(
      db::RunInTransaction(*pool_, [&](db::Connection& conn) -> absl::Status {
        ASSIGN_OR_RETURN(batch, engine_->store().LeasePendingNotices(
                                    conn, now, now + absl::Seconds(60), 100));
        return absl::OkStatus();
      }));
  if (batch.empty()) return 0;
  std::map<std::string, absl::StatusOr<UnitContacts>> cache;
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  // Another attempt after a backoff of 30 s · 2^attempts, or FAILED at the
  // last attempt (or at once when `give_up`).
  auto retry_later = [&](NoticeRow& n, bool give_up) {
    const absl::Duration backoff =
        absl::Seconds(30) * (1 << std::min(n.attempts, 8));
    ++n.attempts;
    n.delivery = give_up || n.attempts >= kMaxNoticeAttempts
                     ? v1::NOTICE_DELIVERY_FAILED
                     : v1::NOTICE_DELIVERY_PENDING;
    n.next_attempt_at = now + backoff;
  };
  for (NoticeRow& n : batch) {
    if (!n.resolved && directory != nullptr) {
      const std::string key =
          absl::StrCat(n.recipient_unit, "@",
                       calendar::FormatDate(calendar::LocalDay(n.created_at)));
      auto it = cache.find(key);
      if (it == cache.end()) {
        it = cache
                 .emplace(key,
                          directory->Lookup(n.recipient_unit,
                                            calendar::LocalDay(n.created_at)))
                 .first;
      }
      if (!it->second.ok()) {
        // Routing down: try again later. A unit routing does not know (gone
        // from the directory) will not resolve: the notice fails at once,
        // as one does after the last attempt.
        log::Warning("notice.unresolved",
                     {{"notice_id", absl::StrCat(n.notice_id)},
                      {"unit_id", n.recipient_unit},
                      {"error", std::string(it->second.status().message())}});
        retry_later(n, absl::IsNotFound(it->second.status()));
        RETURN_IF_ERROR(engine_->store().UpdateNotice(*conn, n));
        continue;
      }
      const UnitContacts& u = *it->second;
      const bool leader = n.recipient_kind == v1::RECIPIENT_KIND_DUTY_LEADER;
      n.name = leader ? u.leader_name : u.liaison_name;
      if (n.name.empty())
        n.name = leader ? "（当日无值班领导）" : "（未登记联络员）";
      if (n.channel != v1::NOTICE_CHANNEL_SUPERVISION_LETTER) {
        n.address = leader ? u.leader_phone : u.liaison_phone;
      }
      n.resolved = true;
    }
    absl::Status sent = notifier->Deliver(n);
    if (sent.ok()) {
      n.delivery = notifier->external() ? v1::NOTICE_DELIVERY_SENT
                                        : v1::NOTICE_DELIVERY_STORED;
      n.delivered_at = now;
    } else {
      retry_later(n, /*give_up=*/false);
      log::Warning("notice.delivery_failed",
                   {{"notice_id", absl::StrCat(n.notice_id)},
                    {"attempts", absl::StrCat(n.attempts)},
                    {"error", std::string(sent.message())}});
    }
    RETURN_IF_ERROR(engine_->store().UpdateNotice(*conn, n));
  }
  return static_cast<int>(batch.size());
}

}  // namespace hotline::deadline
