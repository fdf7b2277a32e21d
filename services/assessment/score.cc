#include "services/assessment/score.h"

#include <cmath>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hotline::assessment {

// Defined in the generated weights_embed.cc (policy/weights.txt).
extern const char kEmbeddedWeights[];

namespace {
const std::set<std::string>& ScoredIndicators() {
  static const auto* const kSet = new std::set<std::string>{
      "on_time_response", "on_time_forwarding", "on_time_completion",
      "satisfaction",     "resolution",         "rehandling",
      "reached"};
  return *kSet;
}
}  // namespace

absl::StatusOr<Weights> ParseWeights(absl::string_view text) {
  Weights w;
  w.version.clear();
  double sum = 0;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    const size_t hash = line.find('#');
    if (hash != absl::string_view::npos) line = line.substr(0, hash);
    std::vector<absl::string_view> f =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (f.empty()) continue;
    const std::string where = absl::StrCat("weights line ", line_no, ": ");
    if (f[0] == "version" && f.size() == 2) {
      w.version = std::string(f[1]);
    } else if (f[0] == "weight" && f.size() == 3) {
      double x = 0;
      if (!ScoredIndicators().count(std::string(f[1]))) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "unknown indicator ", f[1]));
      }
      if (!absl::SimpleAtod(f[2], &x) || x < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "weight must be a number ≥ 0"));
      }
      w.weights.emplace_back(std::string(f[1]), x);
      sum += x;
    } else if (f[0] == "late_return_threshold" && f.size() == 2) {
      if (!absl::SimpleAtoi(f[1], &w.late_return_threshold) ||
          w.late_return_threshold < 1) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "late_return_threshold must be ≥ 1"));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(where, "not understood"));
    }
  }
  if (w.version.empty()) {
    return absl::InvalidArgumentError("weights: version missing");
  }
  if (w.weights.empty() || sum < 0.999 || sum > 1.001) {
    return absl::InvalidArgumentError("weights: must sum to 1");
  }
  return w;
}

const Weights& DefaultWeights() {
  static const Weights* const kW = [] {
    auto w = ParseWeights(kEmbeddedWeights);
    return new Weights(w.ok() ? *w : Weights{"invalid", {}, 2});
  }();
  return *kW;
}

double CompositeScore(const v1::Indicators& ind, const Weights& w,
                      std::vector<v1::ScoreComponent>* components) {
  double score = 0;
  for (const auto& [name, weight] : w.weights) {
    const v1::Ratio* r = nullptr;
    bool invert = false;
    if (name == "on_time_response") r = &ind.on_time_response();
    if (name == "on_time_forwarding") r = &ind.on_time_forwarding();
    if (name == "on_time_completion") r = &ind.on_time_completion();
    if (name == "satisfaction") r = &ind.satisfaction();
    if (name == "resolution") r = &ind.resolution();
    if (name == "reached") r = &ind.reached();
    if (name == "rehandling") {
      r = &ind.rehandling();
      invert = true;
    }
    if (r == nullptr) continue;
    double value =
        r->denominator() == 0 ? 1.0 : (invert ? 1.0 - r->value() : r->value());
    const double contribution = value * weight * 100.0;
    score += contribution;
    if (components != nullptr) {
      v1::ScoreComponent c;
      c.set_indicator(name);
      c.set_value(value);
      c.set_weight(weight);
      c.set_contribution(contribution);
      components->push_back(c);
    }
  }
  return score;
}

std::vector<int> RankOf(const std::vector<RankInput>& sorted) {
  std::vector<int> ranks(sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0 && std::abs(sorted[i].score - sorted[i - 1].score) < 1e-9) {
      ranks[i] = ranks[i - 1];
    } else {
      ranks[i] = static_cast<int>(i) + 1;
    }
  }
  return ranks;
}

}  // namespace hotline::assessment
