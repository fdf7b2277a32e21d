#pragma once

// Scorecards, rankings, hot topics and the report's figures, computed from
// the rollups through AssessmentStore (no SQL here). Cost: one rollup read of
// O(units × days in period) rows per period, and the overdue clocks open
// around its end; never a scan of the facts, except the accountability
// evidence (facts of seven kinds in the period, and the life of the orders
// chased or overdue in it) and ExplainFigure (the facts of one figure).
// `now` bounds a period not yet over: open overdue orders are as of
// min(24:00 of its last day, now).

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/assessment/domain/accountability.h"
#include "services/assessment/domain/explain.h"
#include "services/assessment/domain/indicators.h"
#include "services/assessment/domain/report.h"
#include "services/assessment/store/assessment_store.h"

namespace hotline::assessment {

class Analytics {
 public:
  // Not owned; both must outlive this.
  Analytics(AssessmentStore* store, const Weights* weights)
      : store_(store), weights_(weights) {}

  // Each unit's own totals over `range` (all units with any rollup row).
  absl::StatusOr<std::map<std::string, Totals>> TotalsByUnit(
      const DateRange& range, int request_type);

  absl::StatusOr<v1::Scorecard> Scorecard(const UnitTree& tree,
                                          const std::string& unit_id,
                                          const v1::Period& period,
                                          const DateRange& range,
                                          bool include_subtree,
                                          int request_type, absl::Time now);

  // Peers of each kind ranked over their subtrees, best first; each period's
  // totals are read once for all kinds.
  absl::StatusOr<std::map<v1::UnitKind, std::vector<v1::RankingEntry>>>
  Rankings(const UnitTree& tree, const DateRange& range,
           const std::vector<v1::UnitKind>& kinds, int request_type,
           absl::Time now);

  // Peers of `kind` ranked over their subtrees, best first.
  absl::StatusOr<std::vector<v1::RankingEntry>> Ranking(const UnitTree& tree,
                                                        const DateRange& range,
                                                        v1::UnitKind kind,
                                                        int request_type,
                                                        absl::Time now);

  struct TopicQuery {
    DateRange range;
    int category_depth = 0;
    std::string category_code;
    std::string area_code;
    int min_count = 1;
    int limit = 50;
  };
  absl::StatusOr<std::vector<v1::HotTopic>> HotTopics(const TopicQuery& q);

  absl::StatusOr<std::vector<v1::AccountabilityCandidate>> Candidates(
      const UnitTree& tree, const DateRange& range, const std::string& root,
      const std::set<v1::AccountabilityKind>& kinds);

  // Everything the bulletin shows.
  absl::StatusOr<ReportData> BuildReport(const UnitTree& tree,
                                         const DateRange& range,
                                         v1::Granularity granularity,
                                         const std::string& title,
                                         absl::Time now);

  // The facts behind one figure of UnitScorecard (same unit, subtree,
  // period and request type); INVALID_ARGUMENT naming `indicator` for a name
  // that is not a field of Indicators.
  absl::StatusOr<Figure> Explain(const UnitTree& tree,
                                 const std::string& unit_id,
                                 const DateRange& range, bool include_subtree,
                                 const std::string& indicator, int request_type,
                                 absl::Time now);

  const Weights& weights() const { return *weights_; }

 private:
  AssessmentStore* store_;
  const Weights* weights_;
};

// Is `unit` counted in a figure of `root` (root itself, or its subtree;
// the center's subtree is every unit)?
std::function<bool(const std::string&)> ScopeOf(const UnitTree& tree,
                                                const std::string& root,
                                                bool include_subtree);

// Sums the totals of every unit of `tree` in root's subtree (or just root).
Totals SumSubtree(const UnitTree& tree,
                  const std::map<std::string, Totals>& by_unit,
                  const std::string& root, bool include_subtree);

// Sets each topic's category_name (the taxonomy) and area_name (the tree's
// name of the town/street).
void NameTopics(const UnitTree& tree, std::vector<v1::HotTopic>* topics);

// Rolls a category code up to `depth` dot-separated levels (0 = as is).
std::string RollUpCategory(const std::string& code, int depth);

}  // namespace hotline::assessment
