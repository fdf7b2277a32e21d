#pragma once

// Open overdue orders (docs/indicators.md §Open overdue orders): completion
// clocks (HANDLING, LEAD_UNIT) past their due and not yet judged as of an
// instant, with the working days they are late by then — from the small
// overdue_clock / overdue_accrual tables the store keeps from deadline's
// ClockOverdue and ClockStopped events (PlanOverdue says what each event
// changes there). Pure functions, no gRPC, no SQL.

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "hotline/v1/assessment.pb.h"
#include "hotline/v1/events.pb.h"
#include "services/assessment/domain/fact_plan.h"
#include "services/assessment/domain/periods.h"

namespace hotline::assessment {

// One ClockOverdue of a completion clock.
struct OverdueAccrual {
  std::string event_id;
  absl::Time as_of;
  std::string unit_id;  // the unit charged by this event
  int64_t added_days = 0;
};

// A completion clock that became overdue, with every ClockOverdue of it.
struct OverdueClock {
  std::string clock_id;
  std::string ticket_id;
  std::string ticket_number;
  v1::ClockKind kind = v1::CLOCK_KIND_UNSPECIFIED;
  int request_type = 0;
  absl::Time due;
  absl::Time overdue_since;  // as_of of its first ClockOverdue
  std::string first_event_id;
  std::string rule;
  std::string article;
  // When a ClockStopped judged it (judged_at, else the stop); unset while
  // unanswered.
  std::optional<absl::Time> closed_at;
  std::vector<OverdueAccrual> accruals;  // as_of ascending
};

// What one event changes in the overdue clocks (PlanOverdue).
//
// A ClockOverdue of a completion clock opens the clock (or, when it is open
// already, keeps its row as it is: the first ClockOverdue's due, since,
// first_event_id, rule and article stay) and adds one accrual.
struct OverdueOpen {
  // The clock's row as this event would first store it (accruals empty,
  // closed_at unset); text cut to the stored widths (ticket_number 32,
  // rule 64, article 32 bytes).
  OverdueClock clock;
  OverdueAccrual accrual;  // this event's: as_of, unit charged, added days
};
// A ClockStopped of a completion clock closes it at `at` (its judged_at,
// else the stop's occurred_at) — only when it is open: a clock closed
// already keeps its first closing instant, one never overdue has no row.
struct OverdueClose {
  std::string clock_id;
  absl::Time at;
};
// Nothing (any other event), open + accrue, or close.
using OverdueChange = std::variant<std::monostate, OverdueOpen, OverdueClose>;

// The change event `e` makes to the overdue clocks; `plan` is its fact plan
// (PlanFact), for the order's ticket number and request type. ClockOverdue
// counts as of its as_of (occurred_at when absent); only HANDLING and
// LEAD_UNIT clocks (IsCompletionClock) are tracked.
OverdueChange PlanOverdue(const v1::TicketEvent& e, const FactPlan& plan);

// The instant a period's figures are "as of": 24:00 local of its last day,
// or `now` when that is earlier (a period not yet over).
absl::Time PeriodEndInstant(const DateRange& range, absl::Time now);

// Is the clock open overdue at `at`: its first ClockOverdue dated strictly
// before `at`, and not judged before `at`?
bool OpenAt(const OverdueClock& c, absl::Time at);

// The clock as an open overdue order as of `at` (OpenAt must hold): the unit
// charged is that of its latest ClockOverdue dated before `at`, and its
// overdue working days the sum of their added days. ClockOverdue events
// dated exactly at `at` (00:00 of the next day) belong to the next period.
v1::OpenOverdueOrder OpenOrderAt(const OverdueClock& c, absl::Time at);

// The open overdue orders at `at` charged to a unit for which in_scope holds,
// of `request_type` (0 = all); oldest due first, then clock id.
std::vector<v1::OpenOverdueOrder> OpenOverdueAt(
    const std::vector<OverdueClock>& clocks, absl::Time at,
    const std::function<bool(const std::string&)>& in_scope, int request_type);

}  // namespace hotline::assessment
