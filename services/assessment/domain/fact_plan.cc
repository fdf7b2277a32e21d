#include "services/assessment/domain/fact_plan.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/server/proto_enum.h"
#include "common/server/proto_time.h"

namespace hotline::assessment {

namespace {

void ApplyDispatch(const v1::Dispatched& d, absl::Time at, FactPlan& plan) {
  TicketInfo& t = plan.ticket;
  plan.fact.unit_id = d.unit_id();
  if (d.request_type() != 0) t.request_type = d.request_type();
  if (d.urgency() != 0) t.urgency = d.urgency();
  if (!d.category_code().empty()) t.category_code = d.category_code();
  if (!d.area_code().empty()) t.area_code = d.area_code();
  t.dispatched_at = at;
  t.review_status = "NONE";
  t.replied_unit_id.clear();
  t.approved_unit_id.clear();
  t.last_reply_round = -1;
  plan.units.push_back({d.unit_id(), kCenterUnitId, false});
  if (!d.area_code().empty()) {
    plan.units.push_back({d.area_code(), kCenterUnitId, true});
  }
}

}  // namespace

bool SameTicket(const TicketInfo& a, const TicketInfo& b) {
  return a.known == b.known && a.ticket_number == b.ticket_number &&
         a.request_type == b.request_type && a.urgency == b.urgency &&
         a.category_code == b.category_code && a.area_code == b.area_code &&
         a.dispatched_at == b.dispatched_at &&
         a.replied_unit_id == b.replied_unit_id &&
         a.review_status == b.review_status &&
         a.approved_unit_id == b.approved_unit_id &&
         a.last_reply_round == b.last_reply_round;
}

absl::Time FactInstant(const FactWithEvent& f) {
  if (f.event.has_clock_overdue() && f.event.clock_overdue().has_as_of()) {
    return FromProto(f.event.clock_overdue().as_of());
  }
  if (calendar::LocalDay(f.fact.occurred_at) != f.fact.local_date) {
    return calendar::StartOfLocalDay(f.fact.local_date);
  }
  return f.fact.occurred_at;
}

bool IsCompletionClock(v1::ClockKind kind) {
  return kind == v1::CLOCK_KIND_HANDLING || kind == v1::CLOCK_KIND_LEAD_UNIT;
}

std::optional<std::pair<std::string, absl::CivilDay>> DutyGapDayOf(
    const v1::TicketEvent& e) {
  if (!e.has_duty_gap()) return std::nullopt;
  absl::StatusOr<absl::CivilDay> day = calendar::ParseDate(e.duty_gap().date());
  return std::make_pair(
      e.duty_gap().unit_id(),
      day.ok() ? *day : calendar::LocalDay(FromProto(e.occurred_at())));
}

absl::StatusOr<FactPlan> PlanFact(const v1::TicketEvent& e,
                                  const TicketInfo& before,
                                  const PlanContext& context) {
  FactPlan plan;
  plan.ticket = before;
  plan.ticket.known = true;
  if (plan.ticket.ticket_number.empty()) {
    plan.ticket.ticket_number = e.ticket_number();
  }
  FactRecord& f = plan.fact;
  f.event_id = e.event_id();
  f.producer = e.producer();
  f.ticket_id = e.ticket_id();
  f.seq = e.seq();
  f.occurred_at = FromProto(e.occurred_at());
  f.local_date = calendar::LocalDay(f.occurred_at);
  TicketInfo& t = plan.ticket;

  switch (e.payload_case()) {
    case v1::TicketEvent::kTicketCreated: {
      const auto& c = e.ticket_created();
      f.kind = "ticket_created";
      f.unit_id = kCenterUnitId;
      t.request_type = c.request_type();
      t.urgency = c.urgency();
      t.category_code = c.category_code();
      t.area_code = c.location().town_code();
      if (!t.area_code.empty()) {
        plan.units.push_back({t.area_code, kCenterUnitId, true});
      }
      break;
    }
    case v1::TicketEvent::kTicketClosedAtIntake:
      f.kind = "ticket_closed_at_intake";
      f.unit_id = kCenterUnitId;
      break;
    case v1::TicketEvent::kTicketMerged:
      f.kind = "ticket_merged";
      break;
    case v1::TicketEvent::kTicketUnmerged:
      f.kind = "ticket_unmerged";
      break;
    case v1::TicketEvent::kDispatched:
      f.kind = "dispatched";
      ApplyDispatch(e.dispatched(), f.occurred_at, plan);
      break;
    case v1::TicketEvent::kRedispatched:
      f.kind = "redispatched";
      ApplyDispatch(e.redispatched().dispatch(), f.occurred_at, plan);
      f.detail =
          absl::StrCat("round:", e.redispatched().dispatch().dispatch_round());
      break;
    case v1::TicketEvent::kAccepted:
      f.kind = "accepted";
      f.unit_id = e.accepted().unit_id();
      if (e.accepted().as_co_unit()) f.detail = "co_unit";
      break;
    case v1::TicketEvent::kCoUnitReleased:
      f.kind = "co_unit_released";
      f.unit_id = e.co_unit_released().co_unit_id();
      break;
    case v1::TicketEvent::kForwarded:
      f.kind = "forwarded";
      f.unit_id = e.forwarded().to_unit_id();
      plan.units.push_back(
          {e.forwarded().to_unit_id(), e.forwarded().from_unit_id(), false});
      break;
    case v1::TicketEvent::kReturned: {
      const auto& r = e.returned();
      f.kind = "returned";
      f.unit_id = r.from_unit_id();
      f.detail = r.reached_center() ? "reached_center" : "";
      if (!r.to_unit_id().empty()) {
        plan.units.push_back({r.from_unit_id(), r.to_unit_id(), false});
      }
      break;
    }
    case v1::TicketEvent::kDisputeRaised:
      f.kind = "dispute_raised";
      f.unit_id = e.dispute_raised().unit_id();
      break;
    case v1::TicketEvent::kDisputeDecided:
      f.kind = "dispute_decided";
      f.unit_id = e.dispute_decided().unit_id();
      f.detail =
          e.dispute_decided().outcome() == v1::DISPUTE_OUTCOME_DISPATCH_UPHELD
              ? "DISPATCH_UPHELD"
              : "DISPUTE_GRANTED";
      break;
    case v1::TicketEvent::kCoUnitsAdded:
      f.kind = "co_units_added";
      f.unit_id = e.co_units_added().lead_unit_id();
      break;
    case v1::TicketEvent::kCoOpinionSubmitted:
      f.kind = "co_opinion_submitted";
      f.unit_id = e.co_opinion_submitted().co_unit_id();
      break;
    case v1::TicketEvent::kReplied: {
      const auto& r = e.replied();
      f.kind = "replied";
      f.unit_id = r.unit_id();
      t.replied_unit_id = r.unit_id();
      t.review_status = "REPLIED";
      t.last_reply_round = r.rehandling_round();
      f.detail = r.rehandling_round() == 0
                     ? "first"
                     : absl::StrCat("round:", r.rehandling_round());
      break;
    }
    case v1::TicketEvent::kReviewed: {
      const auto& r = e.reviewed();
      f.kind = "reviewed";
      f.unit_id = r.unit_id();
      // A review of the order's first reply feeds first_time_approval.
      f.detail = absl::StrCat(r.approved() ? "approved" : "rejected",
                              t.last_reply_round == 0 ? ":first" : "");
      t.review_status = r.approved() ? "APPROVED" : "REJECTED";
      t.approved_unit_id = r.approved() ? r.unit_id() : "";
      break;
    }
    case v1::TicketEvent::kClosed:
      f.kind = "closed";
      f.unit_id = e.closed().handling_unit_id();
      break;
    case v1::TicketEvent::kClockStarted:
      f.kind = "clock_started";
      f.unit_id = e.clock_started().unit_id();
      f.detail = server::ShortEnumName(e.clock_started().kind());
      break;
    case v1::TicketEvent::kClockStopped: {
      const auto& s = e.clock_stopped();
      f.kind = "clock_stopped";
      f.unit_id = s.unit_id();
      // A MISSED stop that a ClockOverdue already counted is marked
      // "reported"; one without (before deadline emitted ClockOverdue) is
      // counted at the stop, as it always was.
      f.detail = absl::StrCat(server::ShortEnumName(s.kind()), ":",
                              server::ShortEnumName(s.outcome()),
                              s.overdue_reported() ? ":reported" : "");
      f.amount = s.overdue_working_days();
      if (s.has_judged_at() && (s.outcome() == v1::CLOCK_OUTCOME_MET ||
                                s.outcome() == v1::CLOCK_OUTCOME_MISSED)) {
        f.handling_days = s.elapsed_working_days();
      }
      break;
    }
    case v1::TicketEvent::kClockOverdue: {
      const auto& o = e.clock_overdue();
      f.kind = "clock_overdue";
      f.unit_id = o.unit_id();
      f.detail = absl::StrCat(server::ShortEnumName(o.kind()), ":",
                              o.first() ? "first" : "accrual");
      f.amount = o.added_working_days();
      // Dated by the instant the lateness began (or the working day
      // counted), not by when the event was emitted.
      if (o.has_as_of())
        f.local_date = calendar::LocalDay(FromProto(o.as_of()));
      break;
    }
    case v1::TicketEvent::kDutyGap: {
      const auto& g = e.duty_gap();
      f.kind = "duty_gap";
      f.unit_id = g.unit_id();
      f.detail = absl::StrCat(server::ShortEnumName(g.recipient_kind()), ":",
                              server::ShortEnumName(g.step()),
                              context.first_duty_gap_of_day ? ":day" : "");
      f.local_date = DutyGapDayOf(e)->second;
      break;
    }
    case v1::TicketEvent::kClockMoved:
      f.kind = "clock_moved";
      f.unit_id = e.clock_moved().unit_id();
      f.detail = server::ShortEnumName(e.clock_moved().kind());
      break;
    case v1::TicketEvent::kExtensionRequested:
      f.kind = "extension_requested";
      f.unit_id = e.extension_requested().unit_id();
      break;
    case v1::TicketEvent::kExtensionDecided:
      f.kind = "extension_decided";
      f.unit_id = e.extension_decided().unit_id();
      f.unit2_id = e.extension_decided().approver_unit_id();
      f.detail = absl::StrCat(
          e.extension_decided().approved() ? "approved" : "rejected",
          e.extension_decided().decided_after_due() ? ":late" : "");
      break;
    case v1::TicketEvent::kLadderStepFired:
      f.kind = "ladder_step_fired";
      f.unit_id = e.ladder_step_fired().unit_id();
      f.detail = server::ShortEnumName(e.ladder_step_fired().step());
      break;
    case v1::TicketEvent::kEvaluationRecorded: {
      const auto& r = e.evaluation_recorded();
      f.kind = "evaluation_recorded";
      f.unit_id = r.unit_id();
      const bool satisfied =
          r.reached() &&
          (r.satisfaction() == v1::SATISFACTION_SATISFIED ||
           r.satisfaction() == v1::SATISFACTION_BASICALLY_SATISFIED);
      f.detail =
          !r.reached() ? "unreached"
          : satisfied
              ? (r.resolved() ? "satisfied:resolved" : "satisfied")
              : (r.resolved() ? "dissatisfied:resolved" : "dissatisfied");
      break;
    }
    default:
      return absl::InvalidArgumentError("event: payload missing or unknown");
  }
  f.request_type = t.request_type;
  f.urgency = t.urgency;
  f.category_code = t.category_code;
  f.area_code = t.area_code;
  return plan;
}

UnitLink MergeUnitLink(const UnitLink& stored, const UnitLink& link) {
  UnitLink out = stored;
  if (!link.parent_id.empty()) out.parent_id = link.parent_id;
  out.is_area = stored.is_area || link.is_area;
  return out;
}

}  // namespace hotline::assessment
