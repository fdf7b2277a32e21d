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
