#include "services/assessment/analytics.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status/status.h"

namespace hotline::assessment {

Totals SumSubtree(const UnitTree& tree,
                  const std::map<std::string, Totals>& by_unit,
                  const std::string& root, bool include_subtree) {
  Totals t;
  for (const auto& [unit, totals] : by_unit) {
    if (unit == root || (include_subtree && tree.InSubtree(unit, root))) {
      t.Add(totals);
    }
  }
  return t;
}

std::string RollUpCategory(const std::string& code, int depth) {
  if (depth <= 0) return code;
  std::vector<std::string> parts = absl::StrSplit(code, '.');
  if (static_cast<int>(parts.size()) <= depth) return code;
  parts.resize(depth);
  return absl::StrJoin(parts, ".");
}

absl::StatusOr<std::map<std::string, Totals>> Analytics::TotalsByUnit(
    const DateRange& range, int request_type) {
  std::map<std::string, Totals> out;
  RETURN_IF_ERROR(store_->LoadUnitTotals(range, request_type, &out));
  return out;
}

absl::StatusOr<v1::Scorecard> Analytics::Scorecard(
    const UnitTree& tree, const std::string& unit_id, const v1::Period& period,
    const DateRange& range, bool include_subtree, int request_type) {
  std::vector<std::string> units;
  if (include_subtree) {
    if (unit_id != kCenterUnit) units = tree.Subtree(unit_id);
  } else {
    units.push_back(unit_id);
  }
  std::vector<RollupRow> rows;
  std::vector<HandlingRow> hist;
  RETURN_IF_ERROR(
      store_->LoadRollups(range, units, request_type, &rows, &hist));
  const std::vector<DateRange> buckets = Buckets(range, period.granularity());
  auto bucket_of = [&](absl::CivilDay d) -> size_t {
    auto it = std::upper_bound(
        buckets.begin(), buckets.end(), d,
        [](absl::CivilDay day, const DateRange& b) { return day < b.from; });
    return static_cast<size_t>(it - buckets.begin()) - 1;
  };
  Totals total;
  std::map<int, Totals> by_type;
  std::vector<Totals> per_bucket(buckets.size());
  for (const auto& r : rows) {
    total.counters.Add(r.counters);
    by_type[r.request_type].counters.Add(r.counters);
    per_bucket[bucket_of(r.date)].counters.Add(r.counters);
  }
  for (const auto& h : hist) {
    total.handling[h.working_days] += h.n;
    by_type[h.request_type].handling[h.working_days] += h.n;
    per_bucket[bucket_of(h.date)].handling[h.working_days] += h.n;
  }
  v1::Scorecard sc;
  sc.set_unit_id(unit_id);
  sc.set_unit_name(tree.Name(unit_id));
  sc.set_unit_kind(tree.Kind(unit_id));
  sc.set_include_subtree(include_subtree);
  *sc.mutable_period() = period;
  *sc.mutable_total() = ToIndicators(total.counters, total.handling);
  for (const auto& [type, t] : by_type) {
    if (type == 0) continue;
    auto* b = sc.add_by_request_type();
    b->set_request_type(static_cast<v1::RequestType>(type));
    *b->mutable_indicators() = ToIndicators(t.counters, t.handling);
  }
  if (period.granularity() != v1::GRANULARITY_UNSPECIFIED) {
    for (size_t i = 0; i < buckets.size(); ++i) {
      auto* b = sc.add_buckets();
      b->set_from_date(calendar::FormatDate(buckets[i].from));
      b->set_to_date(calendar::FormatDate(buckets[i].to));
      *b->mutable_indicators() =
          ToIndicators(per_bucket[i].counters, per_bucket[i].handling);
      b->set_composite_score(
          CompositeScore(b->indicators(), *weights_, nullptr));
    }
  }
  std::vector<v1::ScoreComponent> comps;
  sc.set_composite_score(CompositeScore(sc.total(), *weights_, &comps));
  for (auto& c : comps) *sc.add_components() = std::move(c);
  // The previous period of equal length.
  std::vector<RollupRow> prev_rows;
  std::vector<HandlingRow> prev_hist;
  RETURN_IF_ERROR(store_->LoadRollups(PreviousRange(range), units, request_type,
                                      &prev_rows, &prev_hist));
  Totals prev;
  for (const auto& r : prev_rows) prev.counters.Add(r.counters);
  for (const auto& h : prev_hist) prev.handling[h.working_days] += h.n;
  *sc.mutable_previous_total() = ToIndicators(prev.counters, prev.handling);
  sc.set_previous_composite_score(
      CompositeScore(sc.previous_total(), *weights_, nullptr));
  sc.set_weights_version(weights_->version);
  return sc;
}

absl::StatusOr<std::vector<v1::RankingEntry>> Analytics::Ranking(
    const UnitTree& tree, const DateRange& range, v1::UnitKind kind,
    int request_type) {
  ASSIGN_OR_RETURN(auto all, Rankings(tree, range, {kind}, request_type));
  return std::move(all[kind]);
}

namespace {

std::vector<v1::RankingEntry> RankPeers(
    const UnitTree& tree, const Weights& weights,
    const std::map<std::string, Totals>& now,
    const std::map<std::string, Totals>& before, v1::UnitKind kind) {
  const std::vector<std::string> peers = tree.UnitsOfKind(kind);
  struct Scored {
    std::string unit;
    v1::Indicators ind;
    double score = 0;
    double prev_score = 0;
    bool prev_active = false;
  };
  std::vector<Scored> list;
  std::vector<RankInput> prev_list;
  // Each unit's totals go to the peer at or above it: O(units × depth).
  const std::set<std::string> peer_set(peers.begin(), peers.end());
  auto by_peer = [&](const std::map<std::string, Totals>& by_unit) {
    std::map<std::string, Totals> out;
    for (const auto& [unit, totals] : by_unit) {
      std::string u = unit;
      for (int depth = 0; depth < 64 && !u.empty(); ++depth) {
        if (peer_set.count(u)) {
          out[u].Add(totals);
          break;
        }
        u = tree.Parent(u);
      }
    }
    return out;
  };
  std::map<std::string, Totals> now_by_peer = by_peer(now);
  std::map<std::string, Totals> before_by_peer = by_peer(before);
  for (const auto& p : peers) {
    Scored s;
    s.unit = p;
    const Totals& t = now_by_peer[p];
    s.ind = ToIndicators(t.counters, t.handling);
    s.score = CompositeScore(s.ind, weights, nullptr);
    const Totals& pt = before_by_peer[p];
    s.prev_active = !pt.counters.IsZero();
    s.prev_score = CompositeScore(ToIndicators(pt.counters, pt.handling),
                                  weights, nullptr);
    if (s.prev_active) prev_list.push_back({p, s.prev_score});
    list.push_back(std::move(s));
  }
  auto better = [](const auto& a, const auto& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.unit_id < b.unit_id;
  };
  std::sort(prev_list.begin(), prev_list.end(), better);
  const std::vector<int> prev_ranks = RankOf(prev_list);
  std::map<std::string, int> prev_rank_of;
  for (size_t i = 0; i < prev_list.size(); ++i) {
    prev_rank_of[prev_list[i].unit_id] = prev_ranks[i];
  }
  std::sort(list.begin(), list.end(), [](const Scored& a, const Scored& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.unit < b.unit;
  });
  std::vector<RankInput> cur;
  for (const auto& s : list) cur.push_back({s.unit, s.score});
  const std::vector<int> ranks = RankOf(cur);
  std::vector<v1::RankingEntry> out;
  for (size_t i = 0; i < list.size(); ++i) {
    v1::RankingEntry e;
    e.set_rank(ranks[i]);
    e.set_unit_id(list[i].unit);
    e.set_unit_name(tree.Name(list[i].unit));
    e.set_composite_score(list[i].score);
    auto it = prev_rank_of.find(list[i].unit);
    e.set_previous_rank(it == prev_rank_of.end() ? 0 : it->second);
    // A peer without any figures in the previous period has no previous
    // score: 0, and no change.
    if (list[i].prev_active) {
      e.set_previous_composite_score(list[i].prev_score);
      e.set_score_change(list[i].score - list[i].prev_score);
    }
    *e.mutable_indicators() = list[i].ind;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::map<v1::UnitKind, std::vector<v1::RankingEntry>>>
Analytics::Rankings(const UnitTree& tree, const DateRange& range,
                    const std::vector<v1::UnitKind>& kinds, int request_type) {
  ASSIGN_OR_RETURN(auto now, TotalsByUnit(range, request_type));
  ASSIGN_OR_RETURN(auto before,
                   TotalsByUnit(PreviousRange(range), request_type));
  std::map<v1::UnitKind, std::vector<v1::RankingEntry>> out;
  for (v1::UnitKind k : kinds) {
    out[k] = RankPeers(tree, *weights_, now, before, k);
  }
  return out;
}

absl::StatusOr<std::vector<v1::HotTopic>> Analytics::HotTopics(
    const TopicQuery& q) {
  ASSIGN_OR_RETURN(auto now, store_->Topics(q.range));
  ASSIGN_OR_RETURN(auto before, store_->Topics(PreviousRange(q.range)));
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>>
      merged;
  auto keep = [&](const std::string& cat, const std::string& area) {
    if (!q.category_code.empty() && cat != q.category_code &&
        !absl::StartsWith(cat, q.category_code + ".")) {
      return false;
    }
    return q.area_code.empty() || area == q.area_code;
  };
  for (const auto& [k, n] : now) {
    if (!keep(k.first, k.second)) continue;
    merged[{RollUpCategory(k.first, q.category_depth), k.second}].first += n;
  }
  for (const auto& [k, n] : before) {
    if (!keep(k.first, k.second)) continue;
    merged[{RollUpCategory(k.first, q.category_depth), k.second}].second += n;
  }
  std::vector<v1::HotTopic> out;
  for (const auto& [k, n] : merged) {
    if (n.first < q.min_count) continue;
    v1::HotTopic t;
    t.set_category_code(k.first);
    t.set_area_code(k.second);
    t.set_count(n.first);
    t.set_previous_count(n.second);
    t.set_change(n.first - n.second);
    t.set_change_ratio(n.second == 0 ? 0.0
                                     : static_cast<double>(t.change()) /
                                           static_cast<double>(n.second));
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.count() != b.count()) return a.count() > b.count();
    if (a.category_code() != b.category_code()) {
      return a.category_code() < b.category_code();
    }
    return a.area_code() < b.area_code();
  });
  if (static_cast<int>(out.size()) > q.limit) out.resize(q.limit);
  return out;
}

absl::StatusOr<std::vector<v1::AccountabilityCandidate>> Analytics::Candidates(
    const UnitTree& tree, const DateRange& range, const std::string& root,
    const std::set<v1::AccountabilityKind>& kinds) {
  FactFilter f;
  f.range = range;
  f.kinds = {"clock_stopped", "ladder_step_fired", "replied"};
  ASSIGN_OR_RETURN(auto stored, store_->ListFacts(f));
  std::vector<FactRecord> facts;
  facts.reserve(stored.size());
  for (auto& s : stored) facts.push_back(std::move(s.record));
  return FindCandidates(facts, weights_->late_return_threshold, kinds,
                        [&](const std::string& unit) {
                          return root.empty() || root == kCenterUnit ||
                                 tree.InSubtree(unit, root);
                        });
}

absl::StatusOr<ReportData> Analytics::BuildReport(const UnitTree& tree,
                                                  const DateRange& range,
                                                  v1::Granularity granularity,
                                                  const std::string& title) {
  ReportData d;
  d.title = title;
  d.period_label = absl::StrCat(calendar::FormatDate(range.from), " 至 ",
                                calendar::FormatDate(range.to));
  d.weights_version = weights_->version;
  std::vector<RollupRow> rows;
  std::vector<HandlingRow> hist;
  RETURN_IF_ERROR(store_->LoadRollups(range, {}, 0, &rows, &hist));
  Totals district;
  std::map<std::string, Totals> by_unit;
  const std::vector<DateRange> buckets = Buckets(
      range, granularity == v1::GRANULARITY_UNSPECIFIED ? v1::GRANULARITY_MONTH
                                                        : granularity);
  std::vector<Totals> per_bucket(buckets.size());
  auto bucket_of = [&](absl::CivilDay day) -> size_t {
    for (size_t i = 0; i < buckets.size(); ++i) {
      if (day <= buckets[i].to) return i;
    }
    return buckets.size() - 1;
  };
  for (const auto& r : rows) {
    district.counters.Add(r.counters);
    by_unit[r.unit_id].counters.Add(r.counters);
    per_bucket[bucket_of(r.date)].counters.Add(r.counters);
  }
  for (const auto& h : hist) {
    district.handling[h.working_days] += h.n;
    per_bucket[bucket_of(h.date)].handling[h.working_days] += h.n;
  }
  d.district = ToIndicators(district.counters, district.handling);
  for (size_t i = 0; i < buckets.size(); ++i) {
    const v1::Indicators ind =
        ToIndicators(per_bucket[i].counters, per_bucket[i].handling);
    TrendPoint p;
    p.label = buckets[i].from == buckets[i].to
                  ? calendar::FormatDate(buckets[i].from)
                  : calendar::FormatDate(buckets[i].from).substr(0, 7);
    if (granularity == v1::GRANULARITY_WEEK ||
        granularity == v1::GRANULARITY_QUARTER ||
        granularity == v1::GRANULARITY_YEAR) {
      p.label = calendar::FormatDate(buckets[i].from);
    }
    p.orders = ind.orders();
    p.on_time_completion = ind.on_time_completion().value();
    p.satisfaction = ind.satisfaction().value();
    d.trend.push_back(p);
  }
  for (const auto& [unit, t] : by_unit) {
    const int64_t n = t.counters.v[kOverdueOrders];
    if (n > 0) {
      d.overdue.push_back({tree.Name(unit), n, t.counters.v[kOverdueDays]});
    }
  }
  std::sort(d.overdue.begin(), d.overdue.end(),
            [](const auto& a, const auto& b) {
              if (a.overdue_orders != b.overdue_orders) {
                return a.overdue_orders > b.overdue_orders;
              }
              return a.unit_id < b.unit_id;
            });
  ASSIGN_OR_RETURN(d.towns, Ranking(tree, range, v1::UNIT_KIND_TOWN_STREET, 0));
  ASSIGN_OR_RETURN(d.departments,
                   Ranking(tree, range, v1::UNIT_KIND_DEPARTMENT, 0));
  TopicQuery q;
  q.range = range;
  q.limit = 20;
  ASSIGN_OR_RETURN(d.topics, HotTopics(q));
  ASSIGN_OR_RETURN(d.candidates, Candidates(tree, range, kCenterUnit, {}));
  return d;
}

}  // namespace hotline::assessment
