#include "services/assessment/domain/indicators.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/server/proto_enum.h"
#include "common/server/proto_time.h"

namespace hotline::assessment {

const std::array<const char*, kCounterCount>& CounterColumns() {
  static const std::array<const char*, kCounterCount> kNames = {
      "orders",           "resp_due",         "resp_met",
      "fwd_due",          "fwd_met",          "compl_due",
      "compl_met",        "overdue_orders",   "overdue_days",
      "ext_requested",    "ext_approved",     "returns_made",
      "late_returns",     "disputes_raised",  "disputes_upheld",
      "disputes_granted", "reviews",          "reviews_rejected",
      "reminders",        "supervisions",     "inspections",
      "notices",          "evaluations",      "reached",
      "satisfied",        "resolved",         "replies",
      "received",         "closed_at_intake", "co_due",
      "co_met",           "first_reviews",    "first_approved",
      "late_decisions",   "duty_gaps"};
  return kNames;
}

void Counters::Add(const Counters& other) {
  for (int i = 0; i < kCounterCount; ++i) v[i] += other.v[i];
}

bool Counters::IsZero() const {
  for (int64_t x : v) {
    if (x != 0) return false;
  }
  return true;
}

void AddHistogram(Histogram& into, const Histogram& from) {
  for (const auto& [k, n] : from) into[k] += n;
}

double Median(const Histogram& h) {
  int64_t total = 0;
  for (const auto& [k, n] : h) total += n;
  if (total == 0) return 0;
  // 0-based positions of the middle values.
  const int64_t lo = (total - 1) / 2, hi = total / 2;
  double a = 0, b = 0;
  int64_t seen = 0;
  bool have_a = false;
  for (const auto& [k, n] : h) {
    if (!have_a && lo < seen + n) {
      a = static_cast<double>(k);
      have_a = true;
    }
    if (hi < seen + n) {
      b = static_cast<double>(k);
      break;
    }
    seen += n;
  }
  return (a + b) / 2;
}

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
  plan.units.push_back({d.unit_id(), kCenterUnit, false});
  if (!d.area_code().empty()) {
    plan.units.push_back({d.area_code(), kCenterUnit, true});
  }
}

}  // namespace

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
      f.unit_id = kCenterUnit;
      t.request_type = c.request_type();
      t.urgency = c.urgency();
      t.category_code = c.category_code();
      t.area_code = c.location().town_code();
      if (!t.area_code.empty()) {
        plan.units.push_back({t.area_code, kCenterUnit, true});
      }
      break;
    }
    case v1::TicketEvent::kTicketClosedAtIntake:
      f.kind = "ticket_closed_at_intake";
      f.unit_id = kCenterUnit;
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

namespace {

// "HANDLING:MISSED:reported" -> HANDLING.
v1::ClockKind ClockKindOf(absl::string_view detail) {
  const absl::string_view name = detail.substr(0, detail.find(':'));
  v1::ClockKind k = v1::CLOCK_KIND_UNSPECIFIED;
  v1::ClockKind_Parse(absl::StrCat("CLOCK_KIND_", name), &k);
  return k;
}

// The verdict of a clock, counted once: MET at the stop, MISSED at the first
// ClockOverdue (or at a legacy MISSED stop that none preceded).
void CountVerdict(v1::ClockKind kind, bool met, int64_t late_days,
                  Counters& c) {
  auto& v = c.v;
  switch (kind) {
    case v1::CLOCK_KIND_RESPONSE:
      v[kRespDue] = 1;
      v[kRespMet] = met;
      break;
    case v1::CLOCK_KIND_FORWARD:
      v[kFwdDue] = 1;
      v[kFwdMet] = met;
      break;
    case v1::CLOCK_KIND_HANDLING:
    case v1::CLOCK_KIND_LEAD_UNIT:
      // A multi-unit order's completion is the lead unit's (6(2)).
      v[kComplDue] = 1;
      v[kComplMet] = met;
      if (!met) {
        v[kOverdueOrders] = 1;
        v[kOverdueDays] = late_days;
      }
      break;
    case v1::CLOCK_KIND_RETURN:
      v[kLateReturns] = !met;
      break;
    case v1::CLOCK_KIND_CO_OPINION:
      v[kCoDue] = 1;
      v[kCoMet] = met;
      break;
    default:  // REHANDLING: folded into the completion clock by deadline
      break;
  }
}

}  // namespace

Contribution ContributionOf(const FactRecord& f) {
  Contribution c;
  auto& v = c.counters.v;
  const std::string& k = f.kind;
  const std::string& d = f.detail;
  if (k == "ticket_created") {
    v[kReceived] = 1;
    c.topic = true;
  } else if (k == "ticket_closed_at_intake") {
    v[kClosedAtIntake] = 1;
  } else if (k == "dispatched" || k == "redispatched" || k == "forwarded") {
    v[kOrders] = 1;
  } else if (k == "returned") {
    v[kReturns] = 1;
  } else if (k == "dispute_raised") {
    v[kDisputesRaised] = 1;
  } else if (k == "dispute_decided") {
    v[d == "DISPATCH_UPHELD" ? kDisputesUpheld : kDisputesGranted] = 1;
  } else if (k == "replied") {
    if (d == "first") v[kReplies] = 1;
  } else if (k == "reviewed") {
    const bool approved = absl::StartsWith(d, "approved");
    v[kReviews] = 1;
    v[kReviewsRejected] = !approved;
    if (absl::EndsWith(d, ":first")) {
      v[kFirstReviews] = 1;
      v[kFirstApproved] = approved;
    }
  } else if (k == "clock_overdue") {
    const v1::ClockKind kind = ClockKindOf(d);
    if (absl::EndsWith(d, ":first")) {
      CountVerdict(kind, /*met=*/false, f.amount, c.counters);
    } else if (IsCompletionClock(kind)) {
      v[kOverdueDays] = f.amount;  // lateness accrued while unanswered
    }
  } else if (k == "clock_stopped") {
    const v1::ClockKind kind = ClockKindOf(d);
    const std::vector<absl::string_view> p = absl::StrSplit(d, ':');
    const absl::string_view outcome = p.size() > 1 ? p[1] : "";
    const bool reported = p.size() > 2 && p[2] == "reported";
    if (outcome == "MET") {
      CountVerdict(kind, /*met=*/true, 0, c.counters);
    } else if (outcome == "MISSED" && !reported) {  // legacy: no ClockOverdue
      CountVerdict(kind, /*met=*/false, f.amount, c.counters);
    }
    if (IsCompletionClock(kind) && f.handling_days.has_value()) {
      c.handling_days = *f.handling_days;
    }
  } else if (k == "extension_requested") {
    v[kExtRequested] = 1;
  } else if (k == "extension_decided") {
    v[kExtApproved] = absl::StartsWith(d, "approved");
    if (absl::EndsWith(d, ":late") && !f.unit2_id.empty()) {
      c.second.v[kLateDecisions] = 1;
    }
  } else if (k == "ladder_step_fired") {
    if (d == "REMINDER") v[kReminders] = 1;
    if (d == "SUPERVISION") v[kSupervisions] = 1;
    if (d == "SPECIAL_INSPECTION") v[kInspections] = 1;
    if (d == "DISTRICT_NOTICE") v[kNotices] = 1;
  } else if (k == "duty_gap") {
    v[kDutyGaps] = absl::EndsWith(d, ":day");
  } else if (k == "evaluation_recorded") {
    v[kEvaluations] = 1;
    if (d != "unreached") {
      v[kReached] = 1;
      v[kSatisfied] = absl::StartsWith(d, "satisfied");
      v[kResolved] = absl::EndsWith(d, ":resolved");
    }
  }
  return c;
}

namespace {
void SetRatio(v1::Ratio* r, int64_t num, int64_t den) {
  r->set_numerator(num);
  r->set_denominator(den);
  r->set_value(den == 0 ? 0.0 : static_cast<double>(num) / den);
  r->set_not_applicable(den == 0);
}
}  // namespace

v1::Indicators ToIndicators(const Counters& c, const Histogram& h) {
  const auto& v = c.v;
  v1::Indicators i;
  i.set_orders(v[kOrders]);
  SetRatio(i.mutable_on_time_response(), v[kRespMet], v[kRespDue]);
  SetRatio(i.mutable_on_time_forwarding(), v[kFwdMet], v[kFwdDue]);
  SetRatio(i.mutable_on_time_completion(), v[kComplMet], v[kComplDue]);
  i.set_overdue_orders(v[kOverdueOrders]);
  i.set_overdue_working_days(v[kOverdueDays]);
  i.set_extensions_requested(v[kExtRequested]);
  i.set_extensions_approved(v[kExtApproved]);
  i.set_returns(v[kReturns]);
  i.set_late_returns(v[kLateReturns]);
  i.set_disputes_raised(v[kDisputesRaised]);
  i.set_disputes_dispatch_upheld(v[kDisputesUpheld]);
  i.set_disputes_granted(v[kDisputesGranted]);
  SetRatio(i.mutable_rehandling(), v[kReviewsRejected], v[kReviews]);
  i.set_reminders(v[kReminders]);
  i.set_supervisions(v[kSupervisions]);
  i.set_special_inspections(v[kInspections]);
  i.set_district_notices(v[kNotices]);
  SetRatio(i.mutable_reached(), v[kReached], v[kEvaluations]);
  SetRatio(i.mutable_satisfaction(), v[kSatisfied], v[kReached]);
  SetRatio(i.mutable_resolution(), v[kResolved], v[kReached]);
  i.set_median_handling_working_days(Median(h));
  i.set_received(v[kReceived]);
  SetRatio(i.mutable_closed_at_intake(), v[kClosedAtIntake], v[kReceived]);
  SetRatio(i.mutable_first_time_approval(), v[kFirstApproved],
           v[kFirstReviews]);
  i.set_late_extension_decisions(v[kLateDecisions]);
  SetRatio(i.mutable_on_time_co_opinion(), v[kCoMet], v[kCoDue]);
  i.set_duty_gaps(v[kDutyGaps]);
  return i;
}

}  // namespace hotline::assessment
