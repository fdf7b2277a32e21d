#include "services/assessment/core/analytics.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/assessment/domain/category_names.h"
#include "services/assessment/domain/report.h"

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

void NameTopics(const UnitTree& tree, std::vector<v1::HotTopic>* topics) {
  for (auto& t : *topics) {
    t.set_category_name(CategoryName(t.category_code()));
    if (!t.area_code().empty()) t.set_area_name(tree.Name(t.area_code()));
  }
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

std::function<bool(const std::string&)> ScopeOf(const UnitTree& tree,
                                                const std::string& root,
                                                bool include_subtree) {
  return [&tree, root, include_subtree](const std::string& unit) {
    if (unit == root) return true;
    if (!include_subtree) return false;
    return root == kCenterUnitId || tree.InSubtree(unit, root);
  };
}

namespace {

void ApplyScore(const v1::Indicators& ind, const Weights& w,
                v1::Scorecard& sc) {
  ScoreResult r = ScoreOf(ind, w);
  sc.set_composite_score(r.score);
  sc.set_not_scored(r.not_scored);
  sc.set_not_scored_reason(r.not_scored_reason);
  for (auto& c : r.components) *sc.add_components() = std::move(c);
  for (auto& d : r.deductions) *sc.add_deductions() = std::move(d);
}

}  // namespace

absl::StatusOr<v1::Scorecard> Analytics::Scorecard(
    const UnitTree& tree, const std::string& unit_id, const v1::Period& period,
    const DateRange& range, bool include_subtree, int request_type,
    absl::Time now) {
  std::vector<std::string> units;
  if (include_subtree) {
    if (unit_id != kCenterUnitId) units = tree.Subtree(unit_id);
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
  // Open overdue orders as of the end of the period, of each bucket and of
  // the previous period: the clocks that may be open at any of them.
  const auto in_scope = ScopeOf(tree, unit_id, include_subtree);
  const DateRange prev_range = PreviousRange(range);
  const absl::Time end = PeriodEndInstant(range, now);
  const absl::Time prev_end = PeriodEndInstant(prev_range, now);
  ASSIGN_OR_RETURN(std::vector<OverdueClock> clocks,
                   store_->LoadOverdueClocks(prev_end, end));
  auto open_at = [&](absl::Time at, int type) {
    return OpenOverdueAt(clocks, at, in_scope, type);
  };

  v1::Scorecard sc;
  sc.set_unit_id(unit_id);
  sc.set_unit_name(tree.Name(unit_id));
  sc.set_unit_kind(tree.Kind(unit_id));
  sc.set_include_subtree(include_subtree);
  *sc.mutable_period() = period;
  *sc.mutable_total() = ToIndicators(total.counters, total.handling);
  for (auto& o : open_at(end, request_type)) {
    *sc.add_open_overdue() = std::move(o);
  }
  sc.mutable_total()->set_open_overdue_orders(sc.open_overdue_size());
  for (const auto& [type, t] : by_type) {
    if (type == 0) continue;
    auto* b = sc.add_by_request_type();
    b->set_request_type(static_cast<v1::RequestType>(type));
    *b->mutable_indicators() = ToIndicators(t.counters, t.handling);
    b->mutable_indicators()->set_open_overdue_orders(
        static_cast<int64_t>(open_at(end, type).size()));
  }
  if (period.granularity() != v1::GRANULARITY_UNSPECIFIED) {
    for (size_t i = 0; i < buckets.size(); ++i) {
      auto* b = sc.add_buckets();
      b->set_from_date(calendar::FormatDate(buckets[i].from));
      b->set_to_date(calendar::FormatDate(buckets[i].to));
      *b->mutable_indicators() =
          ToIndicators(per_bucket[i].counters, per_bucket[i].handling);
      b->mutable_indicators()->set_open_overdue_orders(static_cast<int64_t>(
          open_at(PeriodEndInstant(buckets[i], now), request_type).size()));
      b->set_composite_score(ScoreOf(b->indicators(), *weights_).score);
    }
  }
  ApplyScore(sc.total(), *weights_, sc);
  // The previous period of equal length.
  std::vector<RollupRow> prev_rows;
  std::vector<HandlingRow> prev_hist;
  RETURN_IF_ERROR(store_->LoadRollups(prev_range, units, request_type,
                                      &prev_rows, &prev_hist));
  Totals prev;
  for (const auto& r : prev_rows) prev.counters.Add(r.counters);
  for (const auto& h : prev_hist) prev.handling[h.working_days] += h.n;
  *sc.mutable_previous_total() = ToIndicators(prev.counters, prev.handling);
  sc.mutable_previous_total()->set_open_overdue_orders(
      static_cast<int64_t>(open_at(prev_end, request_type).size()));
  const ScoreResult prev_score = ScoreOf(sc.previous_total(), *weights_);
  sc.set_previous_composite_score(prev_score.score);
  sc.set_previous_not_scored(prev_score.not_scored);
  sc.set_weights_version(weights_->version);
  return sc;
}

absl::StatusOr<std::vector<v1::RankingEntry>> Analytics::Ranking(
    const UnitTree& tree, const DateRange& range, v1::UnitKind kind,
    int request_type, absl::Time now) {
  ASSIGN_OR_RETURN(auto all, Rankings(tree, range, {kind}, request_type, now));
  return std::move(all[kind]);
}

namespace {

std::vector<v1::RankingEntry> RankPeers(
    const UnitTree& tree, const Weights& weights,
    const std::map<std::string, Totals>& now,
    const std::map<std::string, Totals>& before,
    const std::map<std::string, int64_t>& open_overdue,
    const std::map<std::string, int64_t>& open_overdue_before,
    v1::UnitKind kind) {
  const std::vector<std::string> peers = tree.UnitsOfKind(kind);
  struct Scored {
    std::string unit;
    v1::Indicators ind;
    ScoreResult score;
    ScoreResult prev;
  };
  std::vector<Scored> list;
  std::vector<PeerScore> prev_list;
  // Each unit's totals go to the peer at or above it: O(units × depth).
  const std::set<std::string> peer_set(peers.begin(), peers.end());
  auto peer_of = [&](const std::string& unit) -> std::string {
    std::string u = unit;
    for (int depth = 0; depth < 64 && !u.empty(); ++depth) {
      if (peer_set.count(u)) return u;
      u = tree.Parent(u);
    }
    return "";
  };
  auto by_peer = [&](const std::map<std::string, Totals>& by_unit) {
    std::map<std::string, Totals> out;
    for (const auto& [unit, totals] : by_unit) {
      const std::string p = peer_of(unit);
      if (!p.empty()) out[p].Add(totals);
    }
    return out;
  };
  std::map<std::string, Totals> now_by_peer = by_peer(now);
  std::map<std::string, Totals> before_by_peer = by_peer(before);
  auto open_by_peer_of = [&](const std::map<std::string, int64_t>& by_unit) {
    std::map<std::string, int64_t> out;
    for (const auto& [unit, n] : by_unit) {
      const std::string p = peer_of(unit);
      if (!p.empty()) out[p] += n;
    }
    return out;
  };
  std::map<std::string, int64_t> open_by_peer = open_by_peer_of(open_overdue);
  std::map<std::string, int64_t> open_before_by_peer =
      open_by_peer_of(open_overdue_before);
  for (const auto& p : peers) {
    Scored s;
    s.unit = p;
    const Totals& t = now_by_peer[p];
    s.ind = ToIndicators(t.counters, t.handling);
    s.ind.set_open_overdue_orders(open_by_peer[p]);
    s.score = ScoreOf(s.ind, weights);
    const Totals& pt = before_by_peer[p];
    // The previous period is judged as its own scorecard is: an order
    // still open past its due at that period's end is lateness there too.
    v1::Indicators prev = ToIndicators(pt.counters, pt.handling);
    prev.set_open_overdue_orders(open_before_by_peer[p]);
    s.prev = ScoreOf(prev, weights);
    // Previous ranks are among the peers scored in the previous period.
    if (!s.prev.not_scored) prev_list.push_back({p, s.prev.score, false});
    list.push_back(std::move(s));
  }
  const std::vector<int> prev_ranks = OrderByScore(prev_list);
  std::map<std::string, int> prev_rank_of;
  for (size_t i = 0; i < prev_list.size(); ++i) {
    prev_rank_of[prev_list[i].unit_id] = prev_ranks[i];
  }
  // Scored peers best first; peers with nothing to judge after them, by id.
  std::vector<PeerScore> order;
  std::map<std::string, const Scored*> by_unit;
  for (const auto& s : list) {
    order.push_back({s.unit, s.score.score, s.score.not_scored});
    by_unit[s.unit] = &s;
  }
  const std::vector<int> ranks = OrderByScore(order);
  std::vector<v1::RankingEntry> out;
  for (size_t i = 0; i < order.size(); ++i) {
    const Scored& s = *by_unit[order[i].unit_id];
    v1::RankingEntry e;
    e.set_not_scored(s.score.not_scored);
    e.set_rank(ranks[i]);
    e.set_unit_id(s.unit);
    e.set_unit_name(tree.Name(s.unit));
    e.set_composite_score(s.score.score);
    auto it = prev_rank_of.find(s.unit);
    e.set_previous_rank(it == prev_rank_of.end() ? 0 : it->second);
    // A peer not scored in the previous period has no previous score: 0,
    // and no change; nor has a peer not scored now.
    if (!s.prev.not_scored) {
      e.set_previous_composite_score(s.prev.score);
      if (!s.score.not_scored) e.set_score_change(s.score.score - s.prev.score);
    }
    *e.mutable_indicators() = s.ind;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::map<v1::UnitKind, std::vector<v1::RankingEntry>>>
Analytics::Rankings(const UnitTree& tree, const DateRange& range,
                    const std::vector<v1::UnitKind>& kinds, int request_type,
                    absl::Time now) {
  ASSIGN_OR_RETURN(auto totals, TotalsByUnit(range, request_type));
  ASSIGN_OR_RETURN(auto before,
                   TotalsByUnit(PreviousRange(range), request_type));
  // Open overdue orders by unit charged, at the end of the period and of
  // the previous one (as UnitScorecard counts them for each).
  const absl::Time end = PeriodEndInstant(range, now);
  const absl::Time prev_end = PeriodEndInstant(PreviousRange(range), now);
  ASSIGN_OR_RETURN(std::vector<OverdueClock> clocks,
                   store_->LoadOverdueClocks(prev_end, end));
  auto open_at = [&](absl::Time at) {
    std::map<std::string, int64_t> open;
    for (const auto& o : OpenOverdueAt(
             clocks, at, [](const std::string&) { return true; },
             request_type)) {
      ++open[o.unit_id()];
    }
    return open;
  };
  const std::map<std::string, int64_t> open = open_at(end);
  const std::map<std::string, int64_t> open_before = open_at(prev_end);
  std::map<v1::UnitKind, std::vector<v1::RankingEntry>> out;
  for (v1::UnitKind k : kinds) {
    out[k] = RankPeers(tree, *weights_, totals, before, open, open_before, k);
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

namespace {

absl::Status AppendFacts(AssessmentStore& store, const FactFilter& filter,
                         std::vector<FactWithEvent>& out) {
  ASSIGN_OR_RETURN(auto stored, store.ListFacts(filter));
  for (auto& s : stored) {
    FactWithEvent f;
    f.fact = std::move(s.record);
    f.event.ParseFromString(s.event_bytes);
    out.push_back(std::move(f));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<v1::AccountabilityCandidate>> Analytics::Candidates(
    const UnitTree& tree, const DateRange& range, const std::string& root,
    const std::set<v1::AccountabilityKind>& kinds) {
  std::vector<FactWithEvent> facts;
  FactFilter f;
  f.range = range;
  f.kinds = AccountabilityKinds();
  RETURN_IF_ERROR(AppendFacts(*store_, f, facts));
  // The life of the orders chased or overdue in the period, up to its end,
  // read per order (500 orders per statement).
  const std::set<std::string> orders = OrdersNeedingLife(facts);
  const std::vector<std::string> ids(orders.begin(), orders.end());
  for (size_t start = 0; start < ids.size(); start += 500) {
    FactFilter life;
    life.ticket_ids.assign(ids.begin() + start,
                           ids.begin() + std::min(ids.size(), start + 500));
    life.range = DateRange{absl::CivilDay(2000, 1, 1), range.to};
    life.kinds = LifeKinds();
    RETURN_IF_ERROR(AppendFacts(*store_, life, facts));
  }
  AccountabilityQuery q;
  q.range = range;
  q.late_return_threshold = weights_->late_return_threshold;
  q.kinds = kinds;
  q.in_scope = [&](const std::string& unit) {
    return root.empty() || root == kCenterUnitId || tree.InSubtree(unit, root);
  };
  q.in_subtree = [&](const std::string& unit, const std::string& r) {
    return tree.InSubtree(unit, r);
  };
  return FindCandidates(facts, q);
}

absl::StatusOr<Figure> Analytics::Explain(const UnitTree& tree,
                                          const std::string& unit_id,
                                          const DateRange& range,
                                          bool include_subtree,
                                          const std::string& indicator,
                                          int request_type, absl::Time now) {
  if (!IsExplainable(indicator)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "indicator: ", indicator, " is not a field of Indicators"));
  }
  const auto in_scope = ScopeOf(tree, unit_id, include_subtree);
  if (indicator == "open_overdue_orders") {
    const absl::Time end = PeriodEndInstant(range, now);
    ASSIGN_OR_RETURN(std::vector<OverdueClock> clocks,
                     store_->LoadOverdueClocks(end, end));
    return ExplainOpenOverdue(clocks, end, in_scope, request_type);
  }
  FactFilter f;
  f.range = range;
  f.kinds = KindsFeeding(indicator);
  f.by_second_unit = CreditsSecondUnit(indicator);
  if (!include_subtree) {
    f.unit_ids = {unit_id};
  } else if (unit_id != kCenterUnitId) {
    f.unit_ids = tree.Subtree(unit_id);
  }
  std::vector<FactWithEvent> facts;
  RETURN_IF_ERROR(AppendFacts(*store_, f, facts));
  return ExplainFacts(indicator, facts, in_scope, request_type);
}

absl::StatusOr<ReportData> Analytics::BuildReport(const UnitTree& tree,
                                                  const DateRange& range,
                                                  v1::Granularity granularity,
                                                  const std::string& title,
                                                  absl::Time now) {
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
  for (const auto& r : rows) {
    district.counters.Add(r.counters);
    by_unit[r.unit_id].counters.Add(r.counters);
  }
  for (const auto& h : hist) district.handling[h.working_days] += h.n;
  // The trend: the 12 buckets (months unless asked otherwise) ending with
  // the report's own.
  const v1::Granularity g = granularity == v1::GRANULARITY_UNSPECIFIED
                                ? v1::GRANULARITY_MONTH
                                : granularity;
  const DateRange trend_range = TrendRange(range, g, 12);
  const std::vector<DateRange> buckets = Buckets(trend_range, g);
  std::vector<Totals> per_bucket(buckets.size());
  auto bucket_of = [&](absl::CivilDay day) -> size_t {
    for (size_t i = 0; i < buckets.size(); ++i) {
      if (day <= buckets[i].to) return i;
    }
    return buckets.size() - 1;
  };
  {
    std::vector<RollupRow> trend_rows;
    std::vector<HandlingRow> trend_hist;
    RETURN_IF_ERROR(
        store_->LoadRollups(trend_range, {}, 0, &trend_rows, &trend_hist));
    for (const auto& r : trend_rows) {
      per_bucket[bucket_of(r.date)].counters.Add(r.counters);
    }
    for (const auto& h : trend_hist) {
      per_bucket[bucket_of(h.date)].handling[h.working_days] += h.n;
    }
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
    p.on_time_completion_na = ind.on_time_completion().not_applicable();
    p.satisfaction = ind.satisfaction().value();
    p.satisfaction_na = ind.satisfaction().not_applicable();
    d.trend.push_back(p);
  }
  // Orders still unanswered past their completion due at the period's end.
  const absl::Time end = PeriodEndInstant(range, now);
  d.open_overdue_as_of =
      absl::FormatTime("%Y-%m-%d %H:%M", end, calendar::ChinaStandardTime());
  ASSIGN_OR_RETURN(std::vector<OverdueClock> clocks,
                   store_->LoadOverdueClocks(end, end));
  std::vector<std::string> open_units;
  for (const auto& o : OpenOverdueAt(
           clocks, end, [](const std::string&) { return true; }, 0)) {
    OpenOverdueRow row;
    open_units.push_back(o.unit_id());
    row.ticket_number = o.ticket_number();
    row.unit = tree.Name(o.unit_id());
    row.kind = o.kind() == v1::CLOCK_KIND_LEAD_UNIT ? "牵头办理" : "办理";
    row.due = absl::FormatTime("%Y-%m-%d %H:%M", FromProto(o.due()),
                               calendar::ChinaStandardTime());
    row.overdue_working_days = o.overdue_working_days();
    d.open_overdue.push_back(std::move(row));
  }
  d.district.set_open_overdue_orders(
      static_cast<int64_t>(d.open_overdue.size()));
  // Overdue by unit: the orders first overdue in the period and those still
  // open past due at its end, most first.
  std::map<std::string, OverdueRow> overdue_by_unit;
  for (const auto& [unit, t] : by_unit) {
    const int64_t n = t.counters.v[kOverdueOrders];
    if (n > 0 || t.counters.v[kOverdueDays] > 0) {
      OverdueRow& row = overdue_by_unit[unit];
      row.overdue_orders = n;
      row.overdue_working_days = t.counters.v[kOverdueDays];
    }
  }
  for (const auto& unit : open_units)
    ++overdue_by_unit[unit].open_overdue_orders;
  for (auto& [unit, row] : overdue_by_unit) {
    row.unit_id = tree.Name(unit);
    d.overdue.push_back(row);
  }
  std::sort(d.overdue.begin(), d.overdue.end(),
            [](const auto& a, const auto& b) {
              const int64_t x = a.overdue_orders + a.open_overdue_orders;
              const int64_t y = b.overdue_orders + b.open_overdue_orders;
              if (x != y) return x > y;
              if (a.overdue_working_days != b.overdue_working_days) {
                return a.overdue_working_days > b.overdue_working_days;
              }
              return a.unit_id < b.unit_id;
            });
  ASSIGN_OR_RETURN(
      auto ranked,
      Rankings(tree, range,
               {v1::UNIT_KIND_TOWN_STREET, v1::UNIT_KIND_DEPARTMENT}, 0, now));
  d.towns = std::move(ranked[v1::UNIT_KIND_TOWN_STREET]);
  d.departments = std::move(ranked[v1::UNIT_KIND_DEPARTMENT]);
  TopicQuery q;
  q.range = range;
  q.limit = 20;
  ASSIGN_OR_RETURN(d.topics, HotTopics(q));
  NameTopics(tree, &d.topics);
  ASSIGN_OR_RETURN(d.candidates, Candidates(tree, range, kCenterUnitId, {}));
  for (const auto& c : d.candidates) {
    d.unit_names[c.unit_id()] = tree.Name(c.unit_id());
    // Units the evidence names (returned by X to Y, a clock's unit).
    for (const auto& e : c.evidence()) {
      for (const std::string& word : IdWords(e.description())) {
        if (tree.Has(word)) d.unit_names[word] = tree.Name(word);
      }
    }
  }
  return d;
}

}  // namespace hotline::assessment
