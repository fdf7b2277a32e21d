#pragma once

// Indicators (no gRPC, no SQL): how a fact (fact_plan.h) adds to the per
// unit × day × request type rollup counters, and how counters become the
// indicators of docs/indicators.md. Thread-compatible plain values and pure
// functions.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/calendar/calendar.h"
#include "hotline/v1/assessment.pb.h"
#include "services/assessment/domain/fact_plan.h"
#include "services/assessment/domain/periods.h"
#include "services/assessment/domain/score.h"
#include "services/assessment/domain/units.h"

namespace hotline::assessment {

// The additive counters of one rollup row. The names are the column names of
// rollup_unit_day (schema/010_assessment.sql, 011_verdicts.sql).
enum Counter : int {
  kOrders,
  kRespDue,
  kRespMet,
  kFwdDue,
  kFwdMet,
  kComplDue,
  kComplMet,
  kOverdueOrders,
  kOverdueDays,
  kExtRequested,
  kExtApproved,
  kReturns,
  kLateReturns,
  kDisputesRaised,
  kDisputesUpheld,
  kDisputesGranted,
  kReviews,
  kReviewsRejected,
  kReminders,
  kSupervisions,
  kInspections,
  kNotices,
  kEvaluations,
  kReached,
  kSatisfied,
  kResolved,
  kReplies,
  kReceived,
  kClosedAtIntake,
  kCoDue,          // CO_OPINION clocks judged
  kCoMet,          // ... within their limit
  kFirstReviews,   // reviews of a first reply (rehandling_round 0)
  kFirstApproved,  // ... approved
  kLateDecisions,  // extension decisions after the due (the approver's)
  kDutyGaps,       // unit-days with a DutyGap
  kCounterCount
};

// Column name of each counter, indexed by Counter.
const std::array<const char*, kCounterCount>& CounterColumns();

struct Counters {
  std::array<int64_t, kCounterCount> v{};
  void Add(const Counters& other);
  bool IsZero() const;
  bool operator==(const Counters& o) const { return v == o.v; }
};

// Handling time of judged completion clocks (ClockStopped
// elapsed_working_days): working days -> number of clocks.
using Histogram = std::map<int64_t, int64_t>;
void AddHistogram(Histogram& into, const Histogram& from);
// Median of the histogram's values (mean of the two middle ones for an even
// count); 0 when empty.
double Median(const Histogram& h);

// What one fact adds to the rollups of (local_date, unit_id, request_type),
// and of (local_date, unit2_id, request_type). Derived from the fact alone,
// so that RebuildRollups can recompute it; the state PlanFact needed (the
// round of the order's last reply, whether a unit-day already had a duty
// gap) is already in the fact's detail.
struct Contribution {
  Counters counters;
  Counters second;                       // for unit2_id
  std::optional<int64_t> handling_days;  // a judged completion clock's time
  bool topic = false;  // an order received: counts for HotTopics
};
Contribution ContributionOf(const FactRecord& fact);

// Indicators from summed counters and the handling histogram. Every Ratio
// has not_applicable = (denominator == 0). open_overdue_orders is not a
// counter: 0 here, set by the caller from the overdue clocks.
v1::Indicators ToIndicators(const Counters& c, const Histogram& h);

}  // namespace hotline::assessment

namespace hotline::assessment {

// One rollup row as stored.
struct RollupRow {
  absl::CivilDay date;
  std::string unit_id;
  int request_type = 0;
  Counters counters;
};
struct HandlingRow {
  absl::CivilDay date;
  std::string unit_id;
  int request_type = 0;
  int64_t working_days = 0;
  int64_t n = 0;
};

// Counters and histogram summed over a set of rows.
struct Totals {
  Counters counters;
  Histogram handling;
  void Add(const Totals& o) {
    counters.Add(o.counters);
    AddHistogram(handling, o.handling);
  }
};

}  // namespace hotline::assessment
