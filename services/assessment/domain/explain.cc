#include "services/assessment/domain/explain.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_enum.h"
#include "common/server/proto_time.h"

namespace hotline::assessment {

// Defined in the generated indicators_doc_embed.cc (docs/indicators.md).
extern const char kEmbeddedIndicatorsDoc[];

namespace {

// How a figure is made of counters: a rate (num / den) or a count or sum
// (amount); kinds are the facts that can feed it.
struct Spec {
  int num = -1;
  int den = -1;
  int amount = -1;
  std::vector<std::string> kinds;
  bool second_unit = false;  // credited to unit2_id
};

const std::vector<std::string> kClockFacts = {"clock_stopped", "clock_overdue"};

const std::map<std::string, Spec>& Specs() {
  static const auto* const kSpecs = new std::map<std::string, Spec>{
      {"orders",
       {-1, -1, kOrders, {"dispatched", "redispatched", "forwarded"}}},
      {"on_time_response", {kRespMet, kRespDue, -1, kClockFacts}},
      {"on_time_forwarding", {kFwdMet, kFwdDue, -1, kClockFacts}},
      {"on_time_completion", {kComplMet, kComplDue, -1, kClockFacts}},
      {"overdue_orders", {-1, -1, kOverdueOrders, kClockFacts}},
      {"overdue_working_days", {-1, -1, kOverdueDays, kClockFacts}},
      {"extensions_requested",
       {-1, -1, kExtRequested, {"extension_requested"}}},
      {"extensions_approved", {-1, -1, kExtApproved, {"extension_decided"}}},
      {"returns", {-1, -1, kReturns, {"returned"}}},
      {"late_returns", {-1, -1, kLateReturns, kClockFacts}},
      {"disputes_raised", {-1, -1, kDisputesRaised, {"dispute_raised"}}},
      {"disputes_dispatch_upheld",
       {-1, -1, kDisputesUpheld, {"dispute_decided"}}},
      {"disputes_granted", {-1, -1, kDisputesGranted, {"dispute_decided"}}},
      {"rehandling", {kReviewsRejected, kReviews, -1, {"reviewed"}}},
      {"reminders", {-1, -1, kReminders, {"ladder_step_fired"}}},
      {"supervisions", {-1, -1, kSupervisions, {"ladder_step_fired"}}},
      {"special_inspections", {-1, -1, kInspections, {"ladder_step_fired"}}},
      {"district_notices", {-1, -1, kNotices, {"ladder_step_fired"}}},
      {"reached", {kReached, kEvaluations, -1, {"evaluation_recorded"}}},
      {"satisfaction", {kSatisfied, kReached, -1, {"evaluation_recorded"}}},
      {"resolution", {kResolved, kReached, -1, {"evaluation_recorded"}}},
      {"median_handling_working_days", {-1, -1, -1, {"clock_stopped"}}},
      {"received", {-1, -1, kReceived, {"ticket_created"}}},
      {"closed_at_intake",
       {kClosedAtIntake,
        kReceived,
        -1,
        {"ticket_created", "ticket_closed_at_intake"}}},
      {"first_time_approval",
       {kFirstApproved, kFirstReviews, -1, {"reviewed"}}},
      {"open_overdue_orders", {-1, -1, -1, {}}},
      {"late_extension_decisions",
       {-1, -1, kLateDecisions, {"extension_decided"}, true}},
      {"on_time_co_opinion", {kCoMet, kCoDue, -1, kClockFacts}},
      {"duty_gaps", {-1, -1, kDutyGaps, {"duty_gap"}}},
  };
  return *kSpecs;
}

std::string LocalText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M", t, calendar::ChinaStandardTime());
}

// The clock fields of a ClockStopped or ClockOverdue, and a line in words.
void DescribeClock(const FactWithEvent& f, v1::FigureItem& item) {
  const v1::TicketEvent& e = f.event;
  if (e.has_clock_stopped()) {
    const auto& s = e.clock_stopped();
    item.set_clock_id(s.clock_id());
    item.set_clock_kind(s.kind());
    item.set_outcome(s.outcome());
    *item.mutable_due() = s.due();
    if (s.has_judged_at()) *item.mutable_judged_at() = s.judged_at();
    item.set_overdue_working_days(s.overdue_working_days());
    item.set_rule(s.rule());
    item.set_article(s.article());
    std::string line = absl::StrCat(
        server::ShortEnumName(s.kind()), " clock ", s.clock_id(), " of ",
        s.unit_id(), " stopped ", server::ShortEnumName(s.outcome()));
    if (s.has_judged_at()) {
      absl::StrAppend(&line, ", judged at ",
                      LocalText(FromProto(s.judged_at())));
    }
    absl::StrAppend(&line, ", due ", LocalText(FromProto(s.due())));
    if (s.outcome() == v1::CLOCK_OUTCOME_MISSED) {
      absl::StrAppend(&line, ", ", s.overdue_working_days(),
                      " working days late",
                      s.overdue_reported()
                          ? " (its first ClockOverdue counted it)"
                          : " (counted at the stop: no ClockOverdue before)");
    }
    if (f.fact.handling_days.has_value()) {
      absl::StrAppend(&line, "; handled in ", *f.fact.handling_days,
                      " working days");
    }
    if (!s.article().empty()) absl::StrAppend(&line, " [", s.article(), "]");
    item.set_description(line);
  } else if (e.has_clock_overdue()) {
    const auto& o = e.clock_overdue();
    item.set_clock_id(o.clock_id());
    item.set_clock_kind(o.kind());
    item.set_outcome(v1::CLOCK_OUTCOME_MISSED);
    *item.mutable_due() = o.due();
    item.set_overdue_working_days(o.overdue_working_days());
    item.set_rule(o.rule());
    item.set_article(o.article());
    std::string line =
        o.first()
            ? absl::StrCat(server::ShortEnumName(o.kind()), " clock ",
                           o.clock_id(), " of ", o.unit_id(), " overdue since ",
                           LocalText(FactInstant(f)), " (due ",
                           LocalText(FromProto(o.due())), ", ", o.cause(),
                           "): MISSED, counted once here")
            : absl::StrCat(server::ShortEnumName(o.kind()), " clock ",
                           o.clock_id(), " of ", o.unit_id(),
                           " still unanswered on ", LocalText(FactInstant(f)),
                           ": +", o.added_working_days(), " working day(s)");
    absl::StrAppend(&line, ", ", o.overdue_working_days(),
                    " working days late so far");
    if (!o.article().empty()) absl::StrAppend(&line, " [", o.article(), "]");
    item.set_description(line);
  }
}

std::string DescribeOther(const FactWithEvent& f, const std::string& unit) {
  const FactRecord& r = f.fact;
  std::string line = absl::StrCat(r.kind, " ", LocalText(r.occurred_at));
  if (!r.detail.empty()) absl::StrAppend(&line, " (", r.detail, ")");
  absl::StrAppend(&line, ", credited to ", unit);
  if (r.kind == "duty_gap") {
    const auto& g = f.event.duty_gap();
    absl::StrAppend(
        &line, ": no ", server::ShortEnumName(g.recipient_kind()), " for the ",
        server::ShortEnumName(g.step()), " notice on ", g.date(),
        absl::EndsWith(r.detail, ":day") ? ""
                                         : " (the day was already counted)");
  } else if (r.kind == "extension_decided") {
    const auto& x = f.event.extension_decided();
    absl::StrAppend(
        &line, ": extension ", x.extension_id(), " of ", x.unit_id(),
        x.decided_after_due() ? " decided after the due "
                              : " decided before the due ",
        x.has_due_when_decided() ? LocalText(FromProto(x.due_when_decided()))
                                 : std::string());
  }
  return line;
}

v1::FigureItem ItemOf(const FactWithEvent& f, const std::string& unit) {
  v1::FigureItem item;
  item.set_ticket_id(f.fact.ticket_id);
  item.set_ticket_number(f.event.ticket_number());
  item.set_unit_id(unit);
  item.set_event_id(f.fact.event_id);
  *item.mutable_occurred_at() = ToProto(FactInstant(f));
  if (f.event.has_clock_stopped() || f.event.has_clock_overdue()) {
    DescribeClock(f, item);
  } else {
    item.set_description(DescribeOther(f, unit));
  }
  return item;
}

void SetRatio(v1::Ratio* r, int64_t num, int64_t den) {
  r->set_numerator(num);
  r->set_denominator(den);
  r->set_value(den == 0 ? 0.0 : static_cast<double>(num) / den);
  r->set_not_applicable(den == 0);
}

void SortItems(std::vector<v1::FigureItem>& items) {
  std::stable_sort(items.begin(), items.end(),
                   [](const v1::FigureItem& a, const v1::FigureItem& b) {
                     const absl::Time ta = FromProto(a.occurred_at());
                     const absl::Time tb = FromProto(b.occurred_at());
                     if (ta != tb) return ta < tb;
                     return a.event_id() < b.event_id();
                   });
}

}  // namespace

bool IsExplainable(const std::string& name) { return Specs().count(name) > 0; }

std::vector<std::string> KindsFeeding(const std::string& name) {
  auto it = Specs().find(name);
  return it == Specs().end() ? std::vector<std::string>() : it->second.kinds;
}

bool CreditsSecondUnit(const std::string& name) {
  auto it = Specs().find(name);
  return it != Specs().end() && it->second.second_unit;
}

std::string IndicatorDefinition(const std::string& name) {
  const std::string cell = absl::StrCat("| `", name, "`");
  for (absl::string_view line : absl::StrSplit(kEmbeddedIndicatorsDoc, '\n')) {
    if (!absl::StartsWith(line, cell)) continue;
    line = absl::StripAsciiWhitespace(line);
    absl::ConsumePrefix(&line, "|");
    absl::ConsumeSuffix(&line, "|");
    return std::string(absl::StripAsciiWhitespace(line));
  }
  return "";
}

absl::StatusOr<Figure> ExplainFacts(
    const std::string& name, const std::vector<FactWithEvent>& facts,
    const std::function<bool(const std::string&)>& in_scope, int request_type) {
  auto it = Specs().find(name);
  if (it == Specs().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("indicator: ", name, " is not a field of Indicators"));
  }
  const Spec& spec = it->second;
  Figure out;
  int64_t num = 0, den = 0, sum = 0;
  Histogram handling;
  for (const FactWithEvent& f : facts) {
    if (request_type != 0 && f.fact.request_type != request_type) continue;
    if (std::find(spec.kinds.begin(), spec.kinds.end(), f.fact.kind) ==
        spec.kinds.end()) {
      continue;
    }
    const Contribution c = ContributionOf(f.fact);
    const std::string& unit =
        spec.second_unit ? f.fact.unit2_id : f.fact.unit_id;
    if (unit.empty() || !in_scope(unit)) continue;
    const Counters& counters = spec.second_unit ? c.second : c.counters;
    v1::FigureItem item;
    if (name == "median_handling_working_days") {
      if (!c.handling_days.has_value()) continue;
      item = ItemOf(f, unit);
      item.set_in_numerator(true);
      item.set_amount(*c.handling_days);
      handling[*c.handling_days] += 1;
      ++num;
    } else if (spec.den >= 0) {
      if (counters.v[spec.den] == 0) continue;
      item = ItemOf(f, unit);
      item.set_in_denominator(true);
      item.set_in_numerator(counters.v[spec.num] != 0);
      item.set_amount(1);
      den += counters.v[spec.den];
      num += counters.v[spec.num];
    } else {
      const int64_t amount = counters.v[spec.amount];
      // Facts that add 0 but belong to the story: a completion clock's
      // ClockOverdue on a non-working day, a second gap of the same day.
      const bool belongs =
          (name == "overdue_working_days" &&
           (counters.v[kOverdueOrders] != 0 ||
            (f.event.has_clock_overdue() &&
             IsCompletionClock(f.event.clock_overdue().kind())))) ||
          (name == "duty_gaps" && f.fact.kind == "duty_gap");
      if (amount == 0 && !belongs) continue;
      item = ItemOf(f, unit);
      item.set_in_numerator(amount != 0);
      item.set_amount(amount);
      sum += amount;
    }
    out.items.push_back(std::move(item));
  }
  SortItems(out.items);
  if (name == "median_handling_working_days") {
    SetRatio(&out.value, num, 0);
    out.value.set_value(Median(handling));
  } else if (spec.den >= 0) {
    SetRatio(&out.value, num, den);
  } else {
    SetRatio(&out.value, sum, 0);
  }
  return out;
}

Figure ExplainOpenOverdue(
    const std::vector<OverdueClock>& clocks, absl::Time at,
    const std::function<bool(const std::string&)>& in_scope, int request_type) {
  Figure out;
  for (const OverdueClock& c : clocks) {
    if (!OpenAt(c, at)) continue;
    if (request_type != 0 && c.request_type != request_type) continue;
    const v1::OpenOverdueOrder o = OpenOrderAt(c, at);
    if (!in_scope(o.unit_id())) continue;
    v1::FigureItem item;
    item.set_ticket_id(c.ticket_id);
    item.set_ticket_number(c.ticket_number);
    item.set_unit_id(o.unit_id());
    item.set_event_id(c.first_event_id);
    *item.mutable_occurred_at() = ToProto(c.overdue_since);
    item.set_in_numerator(true);
    item.set_amount(1);
    item.set_clock_id(c.clock_id);
    item.set_clock_kind(c.kind);
    item.set_outcome(v1::CLOCK_OUTCOME_MISSED);
    *item.mutable_due() = ToProto(c.due);
    item.set_overdue_working_days(o.overdue_working_days());
    item.set_rule(c.rule);
    item.set_article(c.article);
    item.set_description(absl::StrCat(
        server::ShortEnumName(c.kind), " clock ", c.clock_id, " of ",
        o.unit_id(), " overdue since ", LocalText(c.overdue_since), " (due ",
        LocalText(c.due), ") and still unanswered at ", LocalText(at), ": ",
        o.overdue_working_days(), " working days late",
        c.article.empty() ? "" : absl::StrCat(" [", c.article, "]")));
    out.items.push_back(std::move(item));
  }
  SortItems(out.items);
  SetRatio(&out.value, static_cast<int64_t>(out.items.size()), 0);
  return out;
}

}  // namespace hotline::assessment
