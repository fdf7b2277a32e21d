#pragma once

// Accountability candidates [10] from facts (domain; no gRPC, no SQL),
// judged over an order's whole life, not one period (DESIGN.md §2 rule 9):
//   URGENT_DELAYED [10(1)]: an URGENT/EXTRA_URGENT order whose completion
//     clock (HANDLING, LEAD_UNIT) became overdue (its first ClockOverdue), or
//     stopped MISSED without one (legacy, also REHANDLING), or whose
//     SUPERVISION fired, in the period — one candidate per (order, unit).
//   URGENT_PUSHED_BACK [10(1)]: an URGENT/EXTRA_URGENT order returned
//     (Returned, from_unit_id) or disputed (DisputeRaised) in the period —
//     one candidate per (order, unit).
//   NO_FEEDBACK_AFTER_SUPERVISION [10(3)]: an (order, unit) with ≥ 2 ladder
//     steps fired at any time, the second before the period's end, and no
//     Replied by the unit or a unit of its subtree after the second step and
//     before the period's start — or, when the second step falls within the
//     period, before the period's end.
//   REPEATED_LATE_RETURNS [10(7)]: a unit with ≥ threshold RETURN clocks
//     missed in the period (first ClockOverdue, or a legacy MISSED stop).
//   DUTY_GAP [10(2)]: a unit whose ladder notices found no leader on duty
//     (DutyGap, DUTY_LEADER) on days of the period — one candidate per unit,
//     one piece of evidence per day.

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "hotline/v1/assessment.pb.h"
#include "services/assessment/domain/indicators.h"

namespace hotline::assessment {

// The fact kinds the period's candidates are found in.
const std::vector<std::string>& AccountabilityKinds();
// The fact kinds of an order's life that 10(3) and the overdue days need.
const std::vector<std::string>& LifeKinds();

// The orders whose life must be read (their LifeKinds facts up to the
// period's end): those with a ladder step or a ClockOverdue in the period.
std::set<std::string> OrdersNeedingLife(
    const std::vector<FactWithEvent>& period_facts);

struct AccountabilityQuery {
  DateRange range;  // the period
  int late_return_threshold = 2;
  std::set<v1::AccountabilityKind> kinds;  // empty = all
  // Units whose candidates are wanted.
  std::function<bool(const std::string&)> in_scope;
  // Is `unit` `root` or below it?
  std::function<bool(const std::string& unit, const std::string& root)>
      in_subtree;
};

// `facts`: the period's facts of AccountabilityKinds(), plus the LifeKinds()
// facts up to the period's end of the orders of OrdersNeedingLife(), in any
// order (an event listed twice counts once). Newest first (last_at
// descending, then candidate_id).
std::vector<v1::AccountabilityCandidate> FindCandidates(
    const std::vector<FactWithEvent>& facts, const AccountabilityQuery& q);

}  // namespace hotline::assessment
