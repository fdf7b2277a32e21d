#include "services/assessment/domain/rebuild_diff.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"

namespace hotline::assessment {

int64_t RollupSet::RowCount() const {
  int64_t n = 0;
  for (int m = 0; m < 2; ++m) {
    n += static_cast<int64_t>(rows[m].size() + hist[m].size());
  }
  return n + static_cast<int64_t>(topic.size());
}

void AddFactToRollups(const FactRecord& f, RollupSet* set) {
  const std::string date = calendar::FormatDate(f.local_date);
  const std::string month =
      calendar::FormatDate(absl::CivilDay(absl::CivilMonth(f.local_date)));
  const Contribution c = ContributionOf(f);
  for (const auto& [unit, counters] : {std::make_pair(f.unit_id, &c.counters),
                                       std::make_pair(f.unit2_id, &c.second)}) {
    if (counters->IsZero()) continue;
    set->rows[0][{date, unit, f.request_type}].Add(*counters);
    set->rows[1][{month, unit, f.request_type}].Add(*counters);
  }
  if (c.handling_days.has_value()) {
    ++set->hist[0][{date, f.unit_id, f.request_type, *c.handling_days}];
    ++set->hist[1][{month, f.unit_id, f.request_type, *c.handling_days}];
  }
  if (c.topic) ++set->topic[{date, f.category_code, f.area_code}];
}

void CompareRollups(const RollupSet& stored, const RollupSet& recomputed,
                    RebuildOutcome* out) {
  out->rollup_rows = stored.RowCount();
  auto mismatch = [&](const std::string& unit, const std::string& date,
                      const std::string& indicator, int64_t inc, int64_t rec) {
    ++out->mismatches;
    if (out->examples.size() < 100) {
      v1::RollupMismatch mm;
      mm.set_unit_id(unit);
      mm.set_date(date);
      mm.set_indicator(indicator);
      mm.set_incremental(static_cast<double>(inc));
      mm.set_recomputed(static_cast<double>(rec));
      out->examples.push_back(std::move(mm));
    }
  };
  for (int m = 0; m < 2; ++m) {
    const std::string scope = m == 0 ? "" : "month:";
    std::map<RollupSet::RowKey, std::pair<Counters, Counters>> all;
    for (const auto& [k, c] : stored.rows[m]) all[k].first = c;
    for (const auto& [k, c] : recomputed.rows[m]) all[k].second = c;
    for (const auto& [k, p] : all) {
      for (int i = 0; i < kCounterCount; ++i) {
        if (p.first.v[i] != p.second.v[i]) {
          mismatch(std::get<1>(k), std::get<0>(k),
                   absl::StrCat(scope, CounterColumns()[i], "[type ",
                                std::get<2>(k), "]"),
                   p.first.v[i], p.second.v[i]);
        }
      }
    }
    std::map<RollupSet::HistKey, std::pair<int64_t, int64_t>> h;
    for (const auto& [k, n] : stored.hist[m]) h[k].first = n;
    for (const auto& [k, n] : recomputed.hist[m]) h[k].second = n;
    for (const auto& [k, p] : h) {
      if (p.first != p.second) {
        mismatch(std::get<1>(k), std::get<0>(k),
                 absl::StrCat(scope, "handling_days=", std::get<3>(k)), p.first,
                 p.second);
      }
    }
  }
  std::map<RollupSet::TopicKey, std::pair<int64_t, int64_t>> t;
  for (const auto& [k, n] : stored.topic) t[k].first = n;
  for (const auto& [k, n] : recomputed.topic) t[k].second = n;
  for (const auto& [k, p] : t) {
    if (p.first != p.second) {
      mismatch(std::get<2>(k), std::get<0>(k),
               absl::StrCat("topic:", std::get<1>(k)), p.first, p.second);
    }
  }
}

}  // namespace hotline::assessment
