#pragma once

// Domain of the assessment service (no gRPC, no SQL): how one event becomes
// one immutable fact, how a fact adds to the per unit × day × request type
// rollup counters, and how counters become the indicators of
// docs/indicators.md. Thread-compatible plain values and pure functions.

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

// One fact as stored: the event's identity and the numbers the indicators
// need. `kind` is the payload's field name ("dispatched", "clock_stopped"...).
struct FactRecord {
  std::string event_id;
  std::string producer;
  std::string ticket_id;
  int64_t seq = 0;
  std::string kind;
  std::string unit_id;  // credited unit; "" when none
  // A second unit credited by the same fact ("" when none): the approver of
  // an ExtensionDecided (late_extension_decisions).
  std::string unit2_id;
  absl::Time occurred_at;
  // The day it counts on: the local date of occurred_at, except ClockOverdue
  // (of its as_of) and DutyGap (its date).
  absl::CivilDay local_date;
  int request_type = 0;
  int urgency = 0;
  std::string category_code;
  std::string area_code;
  // What the indicators need of the event, e.g. "HANDLING:MISSED:reported",
  // "HANDLING:first", "SUPERVISION", "rejected:first", "approved:late";
  // docs/indicators.md.
  std::string detail;
  // Working days: late (ClockStopped.overdue_working_days), or added by a
  // ClockOverdue (added_working_days).
  int64_t amount = 0;
  // Handling working days of a judged clock (ClockStopped
  // elapsed_working_days, when judged_at is set).
  std::optional<int64_t> handling_days;
};

// A stored fact with the event it was made from (accountability evidence and
// ExplainFigure items read the clock's fields from it).
struct FactWithEvent {
  FactRecord fact;
  v1::TicketEvent event;
};

// The instant a fact counts on: a ClockOverdue's as_of, the start of a
// DutyGap's day when it differs from the day it was emitted, else when it
// happened.
absl::Time FactInstant(const FactWithEvent& f);

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

// HANDLING or LEAD_UNIT: the clocks whose verdict is the order's completion
// (a missed REHANDLING is folded into it by deadline).
bool IsCompletionClock(v1::ClockKind kind);

// What assessment remembers of an order between its events.
struct TicketInfo {
  bool known = false;
  std::string ticket_number;
  int request_type = 0;
  int urgency = 0;
  std::string category_code;
  std::string area_code;
  std::optional<absl::Time> dispatched_at;  // current dispatch round
  std::string replied_unit_id;              // unit of the last reply
  std::string review_status = "NONE";       // NONE, REPLIED, APPROVED, REJECTED
  std::string approved_unit_id;             // unit whose reply was approved
  // rehandling_round of the last reply of the current dispatch round; -1
  // before any.
  int last_reply_round = -1;
};

// A parent link (or area flag) learned from an event.
struct UnitLink {
  std::string unit_id;
  std::string parent_id;  // "" when unknown
  bool is_area = false;
};

struct FactPlan {
  FactRecord fact;
  TicketInfo ticket;  // the order's state after the event
  std::vector<UnitLink> units;
};

// State beyond the order that a fact may depend on, looked up by the store.
struct PlanContext {
  // A DutyGap: no earlier DutyGap of the same unit and day was recorded.
  bool first_duty_gap_of_day = false;
};

// The (unit, day) a DutyGap event counts on; nullopt for other events.
std::optional<std::pair<std::string, absl::CivilDay>> DutyGapDayOf(
    const v1::TicketEvent& event);

// Turns one event into its fact, given what is known of the order. Counts no
// working days itself: those come from deadline's events (its calendar).
// Errors: INVALID_ARGUMENT for an event without payload.
absl::StatusOr<FactPlan> PlanFact(const v1::TicketEvent& event,
                                  const TicketInfo& before,
                                  const PlanContext& context = {});

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
