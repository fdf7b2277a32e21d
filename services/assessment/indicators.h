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
#include "services/assessment/periods.h"
#include "services/assessment/score.h"
#include "services/assessment/units.h"

namespace hotline::assessment {

// The additive counters of one rollup row. The names are the column names of
// rollup_unit_day (schema/010_assessment.sql).
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

// Handling time of first replies: working days -> number of replies.
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
  absl::Time occurred_at;
  absl::CivilDay local_date;
  int request_type = 0;
  int urgency = 0;
  std::string category_code;
  std::string area_code;
  std::string detail;  // e.g. "HANDLING:MISSED", "SUPERVISION", "rejected"
  int64_t amount = 0;  // e.g. working days late, handling working days
};

// What one fact adds to the rollups of (local_date, unit_id, request_type).
struct Contribution {
  Counters counters;
  std::optional<int64_t> handling_days;  // a first reply's handling time
  bool topic = false;  // an order received: counts for HotTopics
};
Contribution ContributionOf(const FactRecord& fact);

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

// Turns one event into its fact, given what is known of the order. The
// calendar counts handling working days (first replies). Errors:
// INVALID_ARGUMENT for an event without payload.
absl::StatusOr<FactPlan> PlanFact(const v1::TicketEvent& event,
                                  const TicketInfo& before,
                                  const calendar::Calendar& cal);

// Indicators from summed counters and the handling histogram.
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
