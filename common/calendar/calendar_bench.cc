// AddWorkingDays throughput: the O(1) prefix index against naive day-by-day
// loops, at N = 3, 10 and 200 over 4096 varied start instants (2021–2026).
// After the Google Benchmark table, prints the fast/naive ratio at each N.
//
//   build-cal/common/calendar/calendar_bench [--benchmark_min_time=0.5]

#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "common/calendar/calendar.h"

namespace hotline::calendar {
namespace {

const Calendar& Cal() {
  static const Calendar* cal =
      new Calendar(Calendar::Create(BuiltinCalendarData().value()).value());
  return *cal;
}

const std::vector<absl::Time>& Starts() {
  static const std::vector<absl::Time>* starts = [] {
    auto* v = new std::vector<absl::Time>();
    std::mt19937_64 rng(42);
    const int64_t lo = absl::ToUnixSeconds(
        absl::FromCivil(absl::CivilDay(2021, 1, 1), ChinaStandardTime()));
    const int64_t hi = absl::ToUnixSeconds(
        absl::FromCivil(absl::CivilDay(2026, 6, 1), ChinaStandardTime()));
    std::uniform_int_distribution<int64_t> dist(lo, hi);
    for (int i = 0; i < 4096; ++i)
      v->push_back(absl::FromUnixSeconds(dist(rng)));
    return v;
  }();
  return *starts;
}

// The textbook implementation: hash sets of the JSON dates, a weekday test,
// one day at a time.
struct NaiveCalendar {
  absl::flat_hash_set<absl::CivilDay> holidays, workdays;
  absl::TimeZone tz = ChinaStandardTime();

  NaiveCalendar() {
    for (const auto& [year, y] : Cal().data().years()) {
      holidays.insert(y.holidays.begin(), y.holidays.end());
      workdays.insert(y.workdays.begin(), y.workdays.end());
    }
  }
  bool Working(absl::CivilDay d) const {
    if (workdays.contains(d)) return true;
    if (holidays.contains(d)) return false;
    const absl::Weekday w = absl::GetWeekday(d);
    return w != absl::Weekday::saturday && w != absl::Weekday::sunday;
  }
  absl::Time Add(absl::Time start, int n) const {
    absl::CivilDay d = absl::ToCivilDay(start, tz);
    for (int counted = 0; counted < n;) {
      ++d;
      if (Working(d)) ++counted;
    }
    return absl::FromCivil(d + 1, tz);
  }
};

const NaiveCalendar& Naive() {
  static const NaiveCalendar* naive = new NaiveCalendar();
  return *naive;
}

void BM_AddFast(benchmark::State& state) {
  const Calendar& cal = Cal();
  const std::vector<absl::Time>& starts = Starts();
  const int n = static_cast<int>(state.range(0));
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<DueResult> r = cal.AddWorkingDays(starts[i++ & 4095], n);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddFast)->Arg(3)->Arg(10)->Arg(200);

// Naive loop over hash sets (the baseline for the ratio).
void BM_AddNaive(benchmark::State& state) {
  const NaiveCalendar& naive = Naive();
  const std::vector<absl::Time>& starts = Starts();
  const int n = static_cast<int>(state.range(0));
  size_t i = 0;
  for (auto _ : state) {
    absl::Time due = naive.Add(starts[i++ & 4095], n);
    benchmark::DoNotOptimize(due);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddNaive)->Arg(3)->Arg(10)->Arg(200);

// Naive loop over the library's own per-day index (Calendar::IsWorkingDay):
// shows what the prefix counts add beyond a fast day lookup.
void BM_AddNaiveIndex(benchmark::State& state) {
  const Calendar& cal = Cal();
  const std::vector<absl::Time>& starts = Starts();
  const int n = static_cast<int>(state.range(0));
  size_t i = 0;
  for (auto _ : state) {
    absl::CivilDay d = LocalDay(starts[i++ & 4095]);
    for (int counted = 0; counted < n;) {
      ++d;
      if (cal.IsWorkingDay(d)) ++counted;
    }
    absl::Time due = StartOfLocalDay(d + 1);
    benchmark::DoNotOptimize(due);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddNaiveIndex)->Arg(3)->Arg(10)->Arg(200);

// The explained variant (allocates the notes and the paragraph).
void BM_AddExplained(benchmark::State& state) {
  const Calendar& cal = Cal();
  const std::vector<absl::Time>& starts = Starts();
  const int n = static_cast<int>(state.range(0));
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<ExplainedDue> r =
        cal.ExplainAddWorkingDays(starts[i++ & 4095], n);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddExplained)->Arg(3)->Arg(10)->Arg(200);

void BM_CountFast(benchmark::State& state) {
  const Calendar& cal = Cal();
  const std::vector<absl::Time>& starts = Starts();
  size_t i = 0;
  for (auto _ : state) {
    const absl::CivilDay from = LocalDay(starts[i & 4095]);
    const absl::CivilDay to = LocalDay(starts[(i * 7 + 1) & 4095]);
    ++i;
    absl::StatusOr<CountResult> r = cal.CountWorkingDays(from, to);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CountFast);

// Records items/s per run name while printing the usual console table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      auto it = run.counters.find("items_per_second");
      if (run.run_type == Run::RT_Iteration && it != run.counters.end()) {
        items_per_second_[run.benchmark_name()] = it->second.value;
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  double Get(const std::string& name) const {
    auto it = items_per_second_.find(name);
    return it == items_per_second_.end() ? 0.0 : it->second;
  }

 private:
  std::map<std::string, double> items_per_second_;
};

}  // namespace
}  // namespace hotline::calendar

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  hotline::calendar::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\nAddWorkingDays throughput (adds/s, one core) and ratios\n");
  std::printf("%6s %14s %14s %14s %12s %12s\n", "N", "fast", "naive(hash)",
              "naive(index)", "fast/naive", "fast/index");
  for (int n : {3, 10, 200}) {
    const std::string suffix = "/" + std::to_string(n);
    const double fast = reporter.Get("BM_AddFast" + suffix);
    const double naive = reporter.Get("BM_AddNaive" + suffix);
    const double index = reporter.Get("BM_AddNaiveIndex" + suffix);
    if (fast == 0.0) continue;  // filtered out
    std::printf("%6d %14.3e %14.3e %14.3e %11.1fx %11.1fx\n", n, fast, naive,
                index, naive > 0 ? fast / naive : 0.0,
                index > 0 ? fast / index : 0.0);
  }
  benchmark::Shutdown();
  return 0;
}
