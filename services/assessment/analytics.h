#pragma once

// Scorecards, rankings, hot topics and the report's figures, computed from
// the rollups through AssessmentStore (no SQL here). Cost: one rollup read of
// O(units × days in period) rows per period; never a scan of the facts,
// except the accountability evidence (facts of three kinds in the period).

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/assessment/accountability.h"
#include "services/assessment/assessment_store.h"
#include "services/assessment/indicators.h"
#include "services/assessment/report.h"

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
                                          int request_type);

  // Peers of each kind ranked over their subtrees, best first; each period's
  // totals are read once for all kinds.
  absl::StatusOr<std::map<v1::UnitKind, std::vector<v1::RankingEntry>>>
  Rankings(const UnitTree& tree, const DateRange& range,
           const std::vector<v1::UnitKind>& kinds, int request_type);

  // Peers of `kind` ranked over their subtrees, best first.
  absl::StatusOr<std::vector<v1::RankingEntry>> Ranking(const UnitTree& tree,
                                                        const DateRange& range,
                                                        v1::UnitKind kind,
                                                        int request_type);

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
                                         const std::string& title);

  const Weights& weights() const { return *weights_; }

 private:
  AssessmentStore* store_;
  const Weights* weights_;
};

// Sums the totals of every unit of `tree` in root's subtree (or just root).
Totals SumSubtree(const UnitTree& tree,
                  const std::map<std::string, Totals>& by_unit,
                  const std::string& root, bool include_subtree);

// Rolls a category code up to `depth` dot-separated levels (0 = as is).
std::string RollUpCategory(const std::string& code, int depth);

}  // namespace hotline::assessment
