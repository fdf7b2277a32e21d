#pragma once

// ExplainFigure's domain: which facts make one figure of Indicators, each as
// a FigureItem, and the figure they add up to — computed with the same
// ContributionOf as the rollups, so the total equals what UnitScorecard
// reports. Definitions are the rows of docs/indicators.md (embedded at build
// time). No gRPC, no SQL.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hotline/v1/assessment.pb.h"
#include "services/assessment/domain/indicators.h"
#include "services/assessment/domain/overdue.h"

namespace hotline::assessment {

// Is `name` a field of Indicators that ExplainFigure explains (all of them:
// every figure is made of facts)?
bool IsExplainable(const std::string& name);

// The row of docs/indicators.md's table for `name` ("" when none).
std::string IndicatorDefinition(const std::string& name);

// The fact kinds that can feed `name` (for the store's query); empty for
// open_overdue_orders (made from the overdue clocks).
std::vector<std::string> KindsFeeding(const std::string& name);

// True when the figure is credited to the fact's second unit (unit2_id):
// late_extension_decisions, credited to the approver.
bool CreditsSecondUnit(const std::string& name);

struct Figure {
  v1::Ratio value;
  std::vector<v1::FigureItem> items;  // oldest first (day it counts on)
};

// The facts behind `name` among `facts` (the period's facts of
// KindsFeeding(name), with their events), credited to units for which
// in_scope holds, of `request_type` (0 = all). For a rate: numerator and
// denominator; for a count or sum: numerator holds it, denominator 0; for
// median_handling_working_days: numerator = the clocks judged, value = the
// median. INVALID_ARGUMENT naming `indicator` for an unknown name.
absl::StatusOr<Figure> ExplainFacts(
    const std::string& name, const std::vector<FactWithEvent>& facts,
    const std::function<bool(const std::string&)>& in_scope, int request_type);

// open_overdue_orders as of `at`: one item per open overdue order (amount
// 1), dated by its first ClockOverdue, with its overdue working days then.
Figure ExplainOpenOverdue(
    const std::vector<OverdueClock>& clocks, absl::Time at,
    const std::function<bool(const std::string&)>& in_scope, int request_type);

}  // namespace hotline::assessment
