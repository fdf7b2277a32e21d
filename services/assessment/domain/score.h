#pragma once

// The composite score (docs/indicators.md §Composite score) and ranks:
// weights from policy/weights.txt, pure functions (no gRPC, no SQL).

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hotline/v1/assessment.pb.h"

namespace hotline::assessment {

struct Weights {
  std::string version;
  std::vector<std::pair<std::string, double>> weights;  // indicator, weight
  // Points taken off the score per ladder step fired against the unit.
  std::vector<std::pair<v1::LadderStep, double>> deductions;
  int late_return_threshold = 2;
};
// Parses services/assessment/policy/weights.txt (format in the file).
// INVALID_ARGUMENT naming the line.
absl::StatusOr<Weights> ParseWeights(absl::string_view text);
// The embedded policy/weights.txt of the build.
const Weights& DefaultWeights();

// The composite score of one set of indicators (docs/indicators.md
// §Composite score).
struct ScoreResult {
  // In [0, 100]: Σ contributions − Σ deduction points, not below 0; 0 when
  // not scored.
  double score = 0;
  // No weighted rate applies (every weighted rate is 0/0) and no lateness
  // (open overdue orders, overdue working days, ladder steps) either:
  // nothing to judge. With lateness but no rate, the score is 0.
  bool not_scored = false;
  std::string not_scored_reason;
  // One per weighted indicator of the file, in its order. An applicable one:
  // value = the rate (1 − rate for rehandling), weight = the file's,
  // contribution = value × weight / Σ applicable weights × 100. One that is
  // not applicable (0/0): value 0, contribution 0, weight still the file's.
  std::vector<v1::ScoreComponent> components;
  // Ladder steps with a deduction in the file and a count > 0.
  std::vector<v1::ScoreDeduction> deductions;
};
ScoreResult ScoreOf(const v1::Indicators& ind, const Weights& w);

// The reason given with not_scored.
inline constexpr char kNotScoredReason[] =
    "nothing to judge in the period: no weighted rate applies (no clock "
    "judged, no reply reviewed, no callback recorded)";

// Rankings: best first; equal scores share a rank ("1224" ranking).
struct RankInput {
  std::string unit_id;
  double score = 0;
};
std::vector<int> RankOf(const std::vector<RankInput>& sorted_best_first);

// A peer of a ranking and its score.
struct PeerScore {
  std::string unit_id;
  double score = 0;
  bool not_scored = false;
};
// Sorts `peers`: the scored ones best first (equal scores by unit id), then
// those with nothing to judge, by unit id. Returns the rank of each, in the
// new order: 1224 ranking among the scored, 0 for the not scored.
std::vector<int> OrderByScore(std::vector<PeerScore>& peers);

}  // namespace hotline::assessment
