#pragma once

// Accountability candidates [10] from facts (domain; no gRPC, no SQL).
//   URGENT_DELAYED: an URGENT/EXTRA_URGENT order whose handling-type clock
//     (HANDLING, REHANDLING, LEAD_UNIT) stopped MISSED, or whose SUPERVISION
//     fired, in the period — one candidate per (order, unit).
//   NO_FEEDBACK_AFTER_SUPERVISION: an (order, unit) with ≥ 2 ladder steps
//     fired in the period and no reply of that unit after the second step
//     (up to the period's end).
//   REPEATED_LATE_RETURNS: a unit with ≥ threshold RETURN clocks stopped
//     MISSED in the period.

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "hotline/v1/assessment.pb.h"
#include "services/assessment/indicators.h"

namespace hotline::assessment {

// `facts`: the period's facts of kinds clock_stopped, ladder_step_fired and
// replied, in (occurred_at, event_id) order. `in_scope(unit)` filters units.
// Newest first (last_at descending, then candidate_id).
std::vector<v1::AccountabilityCandidate> FindCandidates(
    const std::vector<FactRecord>& facts, int late_return_threshold,
    const std::set<v1::AccountabilityKind>& kinds,
    const std::function<bool(const std::string&)>& in_scope);

}  // namespace hotline::assessment
