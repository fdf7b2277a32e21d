#include "services/assessment/domain/accountability.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_enum.h"
#include "common/server/proto_time.h"

namespace hotline::assessment {
namespace {

std::string LocalText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M", t, calendar::ChinaStandardTime());
}

v1::Evidence EvidenceOf(const FactWithEvent& f, const std::string& what) {
  v1::Evidence e;
  e.set_event_id(f.fact.event_id);
  e.set_ticket_id(f.fact.ticket_id);
  *e.mutable_occurred_at() = ToProto(FactInstant(f));
  e.set_description(what);
  return e;
}

void Finish(v1::AccountabilityCandidate& c) {
  std::sort(c.mutable_evidence()->begin(), c.mutable_evidence()->end(),
            [](const v1::Evidence& a, const v1::Evidence& b) {
              const absl::Time ta = FromProto(a.occurred_at());
              const absl::Time tb = FromProto(b.occurred_at());
              if (ta != tb) return ta < tb;
              return a.event_id() < b.event_id();
            });
  std::set<std::string> tickets;
  for (const auto& e : c.evidence()) tickets.insert(e.ticket_id());
  for (const auto& t : tickets) c.add_ticket_ids(t);
  if (c.evidence_size() > 0) {
    *c.mutable_first_at() = c.evidence(0).occurred_at();
    *c.mutable_last_at() = c.evidence(c.evidence_size() - 1).occurred_at();
  }
}

bool Want(const std::set<v1::AccountabilityKind>& kinds,
          v1::AccountabilityKind k) {
  return kinds.empty() || kinds.count(k) > 0;
}

bool Urgent(const FactRecord& f) {
  return f.urgency == v1::URGENCY_URGENT ||
         f.urgency == v1::URGENCY_EXTRA_URGENT;
}

// "[6(2); rule handling.default]" from a clock's article and rule.
std::string Cites(const std::string& article, const std::string& rule) {
  if (article.empty() && rule.empty()) return "";
  if (rule.empty()) return absl::StrCat(" [", article, "]");
  if (article.empty()) return absl::StrCat(" [rule ", rule, "]");
  return absl::StrCat(" [", article, "; rule ", rule, "]");
}

// The facts once each, in time order, with what the rules ask of them.
class Facts {
 public:
  Facts(const std::vector<FactWithEvent>& facts, const DateRange& range)
      : start_(calendar::StartOfLocalDay(range.from)),
        end_(calendar::StartOfLocalDay(range.to + 1)),
        range_(range) {
    std::set<std::string> seen;
    for (const FactWithEvent& f : facts) {
      if (seen.insert(f.fact.event_id).second) list_.push_back(&f);
    }
    std::sort(list_.begin(), list_.end(), [](const auto* a, const auto* b) {
      const absl::Time ta = FactInstant(*a), tb = FactInstant(*b);
      if (ta != tb) return ta < tb;
      return a->fact.event_id < b->fact.event_id;
    });
    for (const FactWithEvent* f : list_) {
      if (f->event.has_clock_overdue() && FactInstant(*f) < end_) {
        overdue_days_[f->event.clock_overdue().clock_id()] +=
            f->event.clock_overdue().added_working_days();
      }
    }
  }

  const std::vector<const FactWithEvent*>& all() const { return list_; }
  bool InPeriod(const FactWithEvent& f) const {
    return f.fact.local_date >= range_.from && f.fact.local_date <= range_.to;
  }
  absl::Time start() const { return start_; }
  absl::Time end() const { return end_; }
  // Σ added working days of the clock's ClockOverdue before the period's end.
  int64_t OverdueDays(const std::string& clock_id) const {
    auto it = overdue_days_.find(clock_id);
    return it == overdue_days_.end() ? 0 : it->second;
  }

 private:
  absl::Time start_, end_;
  DateRange range_;
  std::vector<const FactWithEvent*> list_;
  std::map<std::string, int64_t> overdue_days_;
};

// "HANDLING clock clk-1 (due 2024-03-12 00:00; 14 working days overdue by
// the period's end)": the clock a ladder step chased.
std::string StepClock(const Facts& facts, const v1::LadderStepFired& l) {
  std::string out =
      absl::StrCat(server::ShortEnumName(l.clock_kind()), " clock ",
                   l.clock_id(), " (due ", LocalText(FromProto(l.due())));
  if (IsCompletionClock(l.clock_kind())) {
    absl::StrAppend(&out, "; ", facts.OverdueDays(l.clock_id()),
                    " working days overdue by the period's end");
  }
  return out + ")";
}

using Key = std::pair<std::string, std::string>;  // ticket, unit
using Grouped = std::map<Key, std::vector<v1::Evidence>>;

void UrgentDelayed(const Facts& facts, const AccountabilityQuery& q,
                   Grouped& out) {
  for (const FactWithEvent* f : facts.all()) {
    const FactRecord& r = f->fact;
    if (!facts.InPeriod(*f) || !Urgent(r) || r.unit_id.empty() ||
        !q.in_scope(r.unit_id)) {
      continue;
    }
    const v1::TicketEvent& e = f->event;
    const Key key{r.ticket_id, r.unit_id};
    if (e.has_clock_overdue() && e.clock_overdue().first() &&
        IsCompletionClock(e.clock_overdue().kind())) {
      const auto& o = e.clock_overdue();
      out[key].push_back(EvidenceOf(
          *f, absl::StrCat(
                  "10(1) urgent order late: ", server::ShortEnumName(o.kind()),
                  " clock ", o.clock_id(), " overdue since ",
                  LocalText(FactInstant(*f)), " (due ",
                  LocalText(FromProto(o.due())), "), ",
                  facts.OverdueDays(o.clock_id()),
                  " working days overdue by the period's end",
                  Cites(o.article(), o.rule()))));
    } else if (e.has_clock_stopped() &&
               e.clock_stopped().outcome() == v1::CLOCK_OUTCOME_MISSED &&
               !e.clock_stopped().overdue_reported() &&
               (IsCompletionClock(e.clock_stopped().kind()) ||
                e.clock_stopped().kind() == v1::CLOCK_KIND_REHANDLING)) {
      const auto& s = e.clock_stopped();
      out[key].push_back(EvidenceOf(
          *f, absl::StrCat(
                  "10(1) urgent order late: ", server::ShortEnumName(s.kind()),
                  " clock ", s.clock_id(), " stopped MISSED ",
                  LocalText(r.occurred_at), ", ", s.overdue_working_days(),
                  " working days late", Cites(s.article(), s.rule()))));
    } else if (e.has_ladder_step_fired() &&
               e.ladder_step_fired().step() == v1::LADDER_STEP_SUPERVISION) {
      const auto& l = e.ladder_step_fired();
      out[key].push_back(
          EvidenceOf(*f, absl::StrCat("10(1) urgent order: SUPERVISION fired ",
                                      LocalText(r.occurred_at), " for the ",
                                      StepClock(facts, l), " [7]")));
    }
  }
}

void UrgentPushedBack(const Facts& facts, const AccountabilityQuery& q,
                      Grouped& out) {
  for (const FactWithEvent* f : facts.all()) {
    const FactRecord& r = f->fact;
    if (!facts.InPeriod(*f) || !Urgent(r) || r.unit_id.empty() ||
        !q.in_scope(r.unit_id)) {
      continue;
    }
    const Key key{r.ticket_id, r.unit_id};
    if (f->event.has_returned()) {
      const auto& x = f->event.returned();
      out[key].push_back(EvidenceOf(
          *f, absl::StrCat("10(1) urgent order returned by ", x.from_unit_id(),
                           " to ", x.to_unit_id(), " ",
                           LocalText(r.occurred_at), ": ", x.reason())));
    } else if (f->event.has_dispute_raised()) {
      const auto& x = f->event.dispute_raised();
      out[key].push_back(EvidenceOf(
          *f, absl::StrCat("10(1) urgent order disputed by ", x.unit_id(), " ",
                           LocalText(r.occurred_at), ": ", x.reason())));
    }
  }
}

void NoFeedback(const Facts& facts, const AccountabilityQuery& q,
                Grouped& out) {
  std::map<Key, std::vector<const FactWithEvent*>> steps;
  std::map<std::string, std::vector<const FactWithEvent*>> replies;
  for (const FactWithEvent* f : facts.all()) {
    if (FactInstant(*f) >= facts.end()) continue;
    if (f->event.has_ladder_step_fired() && !f->fact.unit_id.empty()) {
      steps[{f->fact.ticket_id, f->fact.unit_id}].push_back(f);
    } else if (f->event.has_replied()) {
      replies[f->fact.ticket_id].push_back(f);
    }
  }
  for (const auto& [key, list] : steps) {
    if (list.size() < 2 || !q.in_scope(key.second)) continue;
    const absl::Time second = FactInstant(*list[1]);
    // Still without feedback when the period began; for a second step
    // within the period, still without feedback when it ended.
    const absl::Time cutoff =
        second < facts.start() ? facts.start() : facts.end();
    bool fed_back = false;
    for (const FactWithEvent* r : replies[key.first]) {
      const absl::Time at = FactInstant(*r);
      if (at > second && at < cutoff &&
          q.in_subtree(r->fact.unit_id, key.second)) {
        fed_back = true;
      }
    }
    if (fed_back) continue;
    for (const FactWithEvent* f : list) {
      const auto& l = f->event.ladder_step_fired();
      out[key].push_back(EvidenceOf(
          *f, absl::StrCat(server::ShortEnumName(l.step()), " fired ",
                           LocalText(f->fact.occurred_at), " for the ",
                           StepClock(facts, l), "; no reply by ", key.second,
                           " or its subtree since the second step [10(3)]")));
    }
  }
}

}  // namespace

const std::vector<std::string>& AccountabilityKinds() {
  static const auto* const kKinds = new std::vector<std::string>{
      "clock_overdue", "clock_stopped",  "ladder_step_fired", "replied",
      "returned",      "dispute_raised", "duty_gap"};
  return *kKinds;
}

const std::vector<std::string>& LifeKinds() {
  static const auto* const kKinds = new std::vector<std::string>{
      "ladder_step_fired", "replied", "clock_overdue"};
  return *kKinds;
}

std::set<std::string> OrdersNeedingLife(
    const std::vector<FactWithEvent>& period_facts) {
  std::set<std::string> out;
  for (const FactWithEvent& f : period_facts) {
    if (f.fact.kind == "ladder_step_fired" || f.fact.kind == "clock_overdue") {
      out.insert(f.fact.ticket_id);
    }
  }
  return out;
}

std::vector<v1::AccountabilityCandidate> FindCandidates(
    const std::vector<FactWithEvent>& input, const AccountabilityQuery& q) {
  const Facts facts(input, q.range);
  std::vector<v1::AccountabilityCandidate> out;
  auto emit = [&](const Grouped& grouped, v1::AccountabilityKind kind,
                  const char* article, const char* prefix) {
    for (const auto& [key, evidence] : grouped) {
      v1::AccountabilityCandidate c;
      c.set_candidate_id(absl::StrCat(prefix, ":", key.first, ":", key.second));
      c.set_kind(kind);
      c.set_article(article);
      c.set_unit_id(key.second);
      for (const auto& e : evidence) *c.add_evidence() = e;
      Finish(c);
      out.push_back(std::move(c));
    }
  };
  if (Want(q.kinds, v1::ACCOUNTABILITY_KIND_URGENT_DELAYED)) {
    Grouped g;
    UrgentDelayed(facts, q, g);
    emit(g, v1::ACCOUNTABILITY_KIND_URGENT_DELAYED, "10(1)", "urgent");
  }
  if (Want(q.kinds, v1::ACCOUNTABILITY_KIND_URGENT_PUSHED_BACK)) {
    Grouped g;
    UrgentPushedBack(facts, q, g);
    emit(g, v1::ACCOUNTABILITY_KIND_URGENT_PUSHED_BACK, "10(1)", "pushedback");
  }
  if (Want(q.kinds, v1::ACCOUNTABILITY_KIND_NO_FEEDBACK_AFTER_SUPERVISION)) {
    Grouped g;
    NoFeedback(facts, q, g);
    emit(g, v1::ACCOUNTABILITY_KIND_NO_FEEDBACK_AFTER_SUPERVISION, "10(3)",
         "nofeedback");
  }
  // Per unit: late returns and duty gaps of the period.
  std::map<std::string, std::vector<const FactWithEvent*>> late_returns;
  std::map<std::string,
           std::map<std::string, std::vector<const FactWithEvent*>>>
      gaps;  // unit -> day -> DutyGap facts
  for (const FactWithEvent* f : facts.all()) {
    const FactRecord& r = f->fact;
    if (!facts.InPeriod(*f) || r.unit_id.empty() || !q.in_scope(r.unit_id)) {
      continue;
    }
    const v1::TicketEvent& e = f->event;
    if ((e.has_clock_overdue() && e.clock_overdue().first() &&
         e.clock_overdue().kind() == v1::CLOCK_KIND_RETURN) ||
        (e.has_clock_stopped() &&
         e.clock_stopped().kind() == v1::CLOCK_KIND_RETURN &&
         e.clock_stopped().outcome() == v1::CLOCK_OUTCOME_MISSED &&
         !e.clock_stopped().overdue_reported())) {
      late_returns[r.unit_id].push_back(f);
    } else if (e.has_duty_gap() && e.duty_gap().recipient_kind() ==
                                       v1::RECIPIENT_KIND_DUTY_LEADER) {
      gaps[r.unit_id][calendar::FormatDate(r.local_date)].push_back(f);
    }
  }
  if (Want(q.kinds, v1::ACCOUNTABILITY_KIND_REPEATED_LATE_RETURNS)) {
    for (const auto& [unit, list] : late_returns) {
      if (static_cast<int>(list.size()) < q.late_return_threshold) continue;
      v1::AccountabilityCandidate c;
      c.set_kind(v1::ACCOUNTABILITY_KIND_REPEATED_LATE_RETURNS);
      c.set_article("10(7)");
      c.set_unit_id(unit);
      for (const FactWithEvent* f : list) {
        const v1::TicketEvent& e = f->event;
        const bool overdue = e.has_clock_overdue();
        const std::string clock = overdue ? e.clock_overdue().clock_id()
                                          : e.clock_stopped().clock_id();
        const auto due =
            overdue ? e.clock_overdue().due() : e.clock_stopped().due();
        const int late = overdue ? e.clock_overdue().overdue_working_days()
                                 : e.clock_stopped().overdue_working_days();
        const std::string cites =
            overdue
                ? Cites(e.clock_overdue().article(), e.clock_overdue().rule())
                : Cites(e.clock_stopped().article(), e.clock_stopped().rule());
        *c.add_evidence() = EvidenceOf(
            *f, absl::StrCat("10(7) return clock ", clock,
                             " missed: not back at the center by ",
                             LocalText(FromProto(due)),
                             " (2 working days from the dispatch, 6(1)), ",
                             late, " working days late", cites));
      }
      c.set_candidate_id(
          absl::StrCat("latereturns:", unit, ":", list.front()->fact.event_id));
      Finish(c);
      out.push_back(std::move(c));
    }
  }
  if (Want(q.kinds, v1::ACCOUNTABILITY_KIND_DUTY_GAP)) {
    for (const auto& [unit, days] : gaps) {
      v1::AccountabilityCandidate c;
      c.set_kind(v1::ACCOUNTABILITY_KIND_DUTY_GAP);
      c.set_article("10(2)");
      c.set_unit_id(unit);
      for (const auto& [day, list] : days) {
        std::set<std::string> steps;
        for (const FactWithEvent* f : list) {
          steps.insert(server::ShortEnumName(f->event.duty_gap().step()));
        }
        *c.add_evidence() = EvidenceOf(
            *list.front(),
            absl::StrCat("10(2) no leader on duty at ", unit, " on ", day, ": ",
                         list.size(), " ladder notice(s) (",
                         absl::StrJoin(steps, ", "), ") found nobody [8]"));
      }
      c.set_candidate_id(absl::StrCat(
          "dutygap:", unit, ":", days.begin()->second.front()->fact.event_id));
      Finish(c);
      out.push_back(std::move(c));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const absl::Time ta = FromProto(a.last_at()), tb = FromProto(b.last_at());
    if (ta != tb) return ta > tb;
    return a.candidate_id() < b.candidate_id();
  });
  return out;
}

}  // namespace hotline::assessment
