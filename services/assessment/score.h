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
  int late_return_threshold = 2;
};
// Parses services/assessment/policy/weights.txt (format in the file).
// INVALID_ARGUMENT naming the line.
absl::StatusOr<Weights> ParseWeights(absl::string_view text);
// The embedded policy/weights.txt of the build.
const Weights& DefaultWeights();

// Composite score in [0, 100] with its components (contribution = value ×
// weight × 100; a rate whose denominator is 0 scores 1, nothing to fault).
double CompositeScore(const v1::Indicators& ind, const Weights& w,
                      std::vector<v1::ScoreComponent>* components);

// Rankings: best first; equal scores share a rank ("1224" ranking).
struct RankInput {
  std::string unit_id;
  double score = 0;
};
std::vector<int> RankOf(const std::vector<RankInput>& sorted_best_first);

}  // namespace hotline::assessment
