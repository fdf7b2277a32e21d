#include "services/assessment/domain/score.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hotline::assessment {

// Defined in the generated weights_embed.cc (policy/weights.txt).
extern const char kEmbeddedWeights[];

namespace {
const std::set<std::string>& ScoredIndicators() {
  static const auto* const kSet = new std::set<std::string>{
      "on_time_response", "on_time_forwarding",  "on_time_completion",
      "satisfaction",     "resolution",          "rehandling",
      "reached",          "first_time_approval", "on_time_co_opinion"};
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
    } else if (f[0] == "deduction" && f.size() == 3) {
      v1::LadderStep step = v1::LADDER_STEP_UNSPECIFIED;
      if (!v1::LadderStep_Parse(
              absl::AsciiStrToUpper(absl::StrCat("LADDER_STEP_", f[1])),
              &step) ||
          step == v1::LADDER_STEP_UNSPECIFIED) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, "unknown ladder step ", f[1],
            " (reminder, supervision, special_inspection, district_notice)"));
      }
      for (const auto& [s, points] : w.deductions) {
        if (s == step) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, "deduction ", f[1], " given twice"));
        }
      }
      double x = 0;
      if (!absl::SimpleAtod(f[2], &x) || x < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, "deduction must be a number ≥ 0"));
      }
      w.deductions.emplace_back(step, x);
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
    return new Weights(w.ok() ? *w : Weights{"invalid", {}, {}, 2});
  }();
  return *kW;
}

namespace {

// The rate a weighted indicator scores, and whether lower is better.
const v1::Ratio* ScoredRatio(const v1::Indicators& ind, const std::string& name,
                             bool* invert) {
  *invert = false;
  if (name == "on_time_response") return &ind.on_time_response();
  if (name == "on_time_forwarding") return &ind.on_time_forwarding();
  if (name == "on_time_completion") return &ind.on_time_completion();
  if (name == "satisfaction") return &ind.satisfaction();
  if (name == "resolution") return &ind.resolution();
  if (name == "reached") return &ind.reached();
  if (name == "first_time_approval") return &ind.first_time_approval();
  if (name == "on_time_co_opinion") return &ind.on_time_co_opinion();
  if (name == "rehandling") {
    *invert = true;
    return &ind.rehandling();
  }
  return nullptr;
}

int64_t StepsFired(const v1::Indicators& ind, v1::LadderStep step) {
  switch (step) {
    case v1::LADDER_STEP_REMINDER:
      return ind.reminders();
    case v1::LADDER_STEP_SUPERVISION:
      return ind.supervisions();
    case v1::LADDER_STEP_SPECIAL_INSPECTION:
      return ind.special_inspections();
    case v1::LADDER_STEP_DISTRICT_NOTICE:
      return ind.district_notices();
    default:
      return 0;
  }
}

}  // namespace

ScoreResult ScoreOf(const v1::Indicators& ind, const Weights& w) {
  ScoreResult out;
  double applicable_weight = 0;
  for (const auto& [name, weight] : w.weights) {
    bool invert = false;
    const v1::Ratio* r = ScoredRatio(ind, name, &invert);
    if (r != nullptr && r->denominator() > 0) applicable_weight += weight;
  }
  double sum = 0;
  for (const auto& [name, weight] : w.weights) {
    bool invert = false;
    const v1::Ratio* r = ScoredRatio(ind, name, &invert);
    if (r == nullptr) continue;
    v1::ScoreComponent c;
    c.set_indicator(name);
    c.set_weight(weight);
    if (r->denominator() > 0 && applicable_weight > 0) {
      const double value = invert ? 1.0 - r->value() : r->value();
      c.set_value(value);
      c.set_contribution(value * weight / applicable_weight * 100.0);
      sum += c.contribution();
    }
    out.components.push_back(std::move(c));
  }
  double points = 0;
  for (const auto& [step, each] : w.deductions) {
    const int64_t n = StepsFired(ind, step);
    if (n == 0) continue;
    v1::ScoreDeduction d;
    d.set_step(step);
    d.set_count(n);
    d.set_points_each(each);
    d.set_points(static_cast<double>(n) * each);
    points += d.points();
    out.deductions.push_back(std::move(d));
  }
  if (applicable_weight <= 0) {
    // Nothing judged in the period. A unit that still sits on overdue orders
    // (or was chased) has lateness to answer for: it scores 0, it is never
    // "nothing to judge" (rule 11).
    const bool late = ind.open_overdue_orders() > 0 ||
                      ind.overdue_working_days() > 0 || points > 0;
    out.not_scored = !late;
    if (!late) out.not_scored_reason = kNotScoredReason;
    out.score = 0;
    return out;
  }
  out.score = std::max(0.0, sum - points);
  return out;
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

std::vector<int> OrderByScore(std::vector<PeerScore>& peers) {
  std::sort(peers.begin(), peers.end(),
            [](const PeerScore& a, const PeerScore& b) {
              if (a.not_scored != b.not_scored) return !a.not_scored;
              if (!a.not_scored && a.score != b.score) {
                return a.score > b.score;
              }
              return a.unit_id < b.unit_id;
            });
  std::vector<RankInput> scored;
  for (const PeerScore& p : peers) {
    if (!p.not_scored) scored.push_back({p.unit_id, p.score});
  }
  std::vector<int> ranks = RankOf(scored);
  ranks.resize(peers.size(), 0);
  return ranks;
}

}  // namespace hotline::assessment
