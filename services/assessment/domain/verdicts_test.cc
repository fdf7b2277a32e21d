// The domain of issue 12's verdicts: open overdue orders, ExplainFigure's
// figures and the accountability candidates [10], on events as deadline
// emits them (docs/clocks.md).

#include <gtest/gtest.h>

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/assessment/domain/accountability.h"
#include "services/assessment/domain/domain_test_util.h"
#include "services/assessment/domain/explain.h"
#include "services/assessment/domain/overdue.h"

namespace hotline::assessment {
namespace {

using testing::At;
using testing::Deadline;
using testing::Event;
using testing::Overdue;
using testing::Stop;

// Every field of Indicators is made of facts and can be explained, with its
// row of docs/indicators.md as definition.
TEST(ExplainTest, EveryIndicatorHasADefinitionRow) {
  const auto* d = v1::Indicators::descriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const std::string name = d->field(i)->name();
    EXPECT_TRUE(IsExplainable(name)) << name;
    const std::string def = IndicatorDefinition(name);
    EXPECT_TRUE(absl::StartsWith(def, absl::StrCat("`", name, "`")))
        << name << ": " << def;
    if (name != "open_overdue_orders") {
      EXPECT_FALSE(KindsFeeding(name).empty()) << name;
    }
  }
  EXPECT_FALSE(IsExplainable("happiness"));
  EXPECT_EQ(IndicatorDefinition("happiness"), "");
  EXPECT_TRUE(CreditsSecondUnit("late_extension_decisions"));
}

TEST(ExplainTest, FigureOfARateFromFacts) {
  TicketInfo t;
  std::vector<FactWithEvent> facts;
  for (const v1::TicketEvent& e :
       {Stop("deadline-70", "2024-03-07T02:00:00Z", v1::CLOCK_KIND_HANDLING,
             v1::CLOCK_OUTCOME_MET, false, 0),
        Overdue("deadline-71", "2024-03-08T16:00:05Z", v1::CLOCK_KIND_HANDLING,
                "2024-03-08T16:00:00Z", true, 0, 0),
        Overdue("deadline-72", "2024-03-10T16:00:00Z", v1::CLOCK_KIND_HANDLING,
                "2024-03-10T16:00:00Z", false, 1, 1),
        Stop("deadline-73", "2024-03-14T07:00:00Z", v1::CLOCK_KIND_HANDLING,
             v1::CLOCK_OUTCOME_MISSED, true, 1)}) {
    auto plan = PlanFact(e, t);
    ASSERT_TRUE(plan.ok());
    facts.push_back({plan->fact, e});
  }
  auto all = [](const std::string&) { return true; };
  auto fig = ExplainFacts("on_time_completion", facts, all, 0);
  ASSERT_TRUE(fig.ok());
  EXPECT_EQ(fig->value.numerator(), 1);
  EXPECT_EQ(fig->value.denominator(), 2);
  ASSERT_EQ(fig->items.size(), 2u);
  EXPECT_TRUE(fig->items[0].in_numerator());
  EXPECT_FALSE(fig->items[1].in_numerator());
  EXPECT_EQ(fig->items[1].outcome(), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(fig->items[1].article(), "6(2)");
  fig = ExplainFacts("overdue_working_days", facts, all, 0);
  ASSERT_TRUE(fig.ok());
  EXPECT_EQ(fig->value.numerator(), 1);
  ASSERT_EQ(fig->items.size(), 2u);  // the first (0 days) and the accrual
  EXPECT_EQ(fig->items[0].amount(), 0);
  EXPECT_EQ(fig->items[1].amount(), 1);
  fig = ExplainFacts("median_handling_working_days", facts, all, 0);
  ASSERT_TRUE(fig.ok());
  EXPECT_EQ(fig->value.numerator(), 2);
  EXPECT_EQ(fig->value.value(), 7);
  EXPECT_EQ(ExplainFacts("happiness", facts, all, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Another request type, or a unit out of scope: nothing.
  fig = ExplainFacts("on_time_completion", facts, all, 3);
  EXPECT_TRUE(fig->items.empty());
  EXPECT_TRUE(fig->value.not_applicable());
}

TEST(OverdueTest, OpenAsOfAnInstant) {
  OverdueClock c;
  c.clock_id = "clk-9";
  c.ticket_id = "t-9";
  c.kind = v1::CLOCK_KIND_HANDLING;
  c.request_type = v1::REQUEST_TYPE_COMPLAINT;
  c.due = At("2024-03-27T16:00:00Z");  // 03-28 00:00 local
  c.overdue_since = c.due;
  c.accruals = {{"d-1", c.due, "town.a", 1},
                {"d-2", At("2024-03-28T16:00:00Z"), "town.a", 1},
                // forwarded below: the holder is charged from then on
                {"d-3", At("2024-03-31T16:00:00Z"), "town.a.v", 1}};
  const DateRange march{absl::CivilDay(2024, 3, 1),
                        absl::CivilDay(2024, 3, 31)};
  const absl::Time end = PeriodEndInstant(march, At("2024-05-01T00:00:00Z"));
  EXPECT_EQ(end, At("2024-03-31T16:00:00Z"));
  EXPECT_EQ(PeriodEndInstant(march, At("2024-03-29T02:00:00Z")),
            At("2024-03-29T02:00:00Z"));
  auto all = [](const std::string&) { return true; };
  std::vector<v1::OpenOverdueOrder> open = OpenOverdueAt({c}, end, all, 0);
  ASSERT_EQ(open.size(), 1u);
  // The accrual dated 04-01 00:00 is April's: 2 days, charged to town.a.
  EXPECT_EQ(open[0].overdue_working_days(), 2);
  EXPECT_EQ(open[0].unit_id(), "town.a");
  open = OpenOverdueAt({c}, At("2024-04-01T02:00:00Z"), all, 0);
  EXPECT_EQ(open[0].overdue_working_days(), 3);
  EXPECT_EQ(open[0].unit_id(), "town.a.v");
  // Not yet overdue at its due instant; another request type; out of scope.
  EXPECT_TRUE(OpenOverdueAt({c}, c.due, all, 0).empty());
  EXPECT_TRUE(
      OpenOverdueAt({c}, end, all, v1::REQUEST_TYPE_CONSULTATION).empty());
  EXPECT_TRUE(OpenOverdueAt(
                  {c}, end, [](const std::string& u) { return u == "x"; }, 0)
                  .empty());
  // Judged (the approved reply) at 03-29 10:00 local: open before, not at
  // the end of March.
  c.closed_at = At("2024-03-29T02:00:00Z");
  EXPECT_TRUE(OpenOverdueAt({c}, end, all, 0).empty());
  EXPECT_EQ(OpenOverdueAt({c}, At("2024-03-29T01:00:00Z"), all, 0).size(), 1u);
  EXPECT_EQ(OpenOverdueAt({c}, At("2024-03-29T02:00:00Z"), all, 0).size(), 1u);
}

// ------------------------------------------------------- accountability

FactWithEvent WithEvent(const v1::TicketEvent& e, const TicketInfo& t,
                        const PlanContext& ctx = {}) {
  auto plan = PlanFact(e, t, ctx);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return FactWithEvent{plan->fact, e};
}

v1::TicketEvent StepEvent(const std::string& id, const char* at,
                          v1::LadderStep step, const std::string& unit) {
  v1::TicketEvent e = Deadline(id, at);
  e.set_ticket_id("t-9");
  auto* s = e.mutable_ladder_step_fired();
  s->set_step_id(id);
  s->set_step(step);
  s->set_unit_id(unit);
  s->set_clock_kind(step == v1::LADDER_STEP_REMINDER ? v1::CLOCK_KIND_RESPONSE
                                                     : v1::CLOCK_KIND_HANDLING);
  return e;
}

v1::TicketEvent ReplyEvent(const std::string& id, const char* at,
                           const std::string& unit) {
  v1::TicketEvent e = Event(id, at);
  e.set_ticket_id("t-9");
  e.mutable_replied()->set_unit_id(unit);
  e.mutable_replied()->set_text("已处理并答复来电人。");
  return e;
}

AccountabilityQuery March() {
  AccountabilityQuery q;
  q.range = DateRange{absl::CivilDay(2024, 3, 1), absl::CivilDay(2024, 3, 31)};
  q.in_scope = [](const std::string&) { return true; };
  q.in_subtree = [](const std::string& unit, const std::string& root) {
    return unit == root || absl::StartsWith(unit, root + ".");
  };
  return q;
}

TEST(AccountabilityTest, NoFeedbackAfterTwoStepsInDifferentMonths) {
  TicketInfo t;
  t.urgency = v1::URGENCY_NORMAL;
  std::vector<FactWithEvent> facts = {
      WithEvent(StepEvent("d-1", "2024-02-27T16:00:00Z",
                          v1::LADDER_STEP_REMINDER, "town.a"),
                t),
      WithEvent(StepEvent("d-2", "2024-03-11T16:00:00Z",
                          v1::LADDER_STEP_SUPERVISION, "town.a"),
                t),
  };
  auto c = FindCandidates(facts, March());
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind(), v1::ACCOUNTABILITY_KIND_NO_FEEDBACK_AFTER_SUPERVISION);
  EXPECT_EQ(c[0].article(), "10(3)");
  ASSERT_EQ(c[0].evidence_size(), 2);
  EXPECT_EQ(c[0].evidence(0).event_id(), "d-1");  // February's step
  EXPECT_TRUE(absl::StrContains(c[0].evidence(0).description(),
                                "REMINDER fired 2024-02-28 00:00"));
  // A reply within the period, after the second step that fell in it,
  // clears it; so does a reply of the unit's subtree.
  facts.push_back(WithEvent(
      ReplyEvent("r-1", "2024-03-13T01:00:00Z", "town.a.village"), t));
  EXPECT_TRUE(FindCandidates(facts, March()).empty());
  // In April the order came in answered: no candidate either. In February
  // the second step had not fired yet.
  AccountabilityQuery april = March();
  april.range =
      DateRange{absl::CivilDay(2024, 4, 1), absl::CivilDay(2024, 4, 30)};
  EXPECT_TRUE(FindCandidates(facts, april).empty());
  AccountabilityQuery feb = March();
  feb.range =
      DateRange{absl::CivilDay(2024, 2, 1), absl::CivilDay(2024, 2, 29)};
  EXPECT_TRUE(FindCandidates(facts, feb).empty());
  // Unanswered at the start of April (the reply came on 04-03): April is a
  // period it spent without feedback after two supervisions.
  facts.pop_back();
  facts.push_back(
      WithEvent(ReplyEvent("r-2", "2024-04-03T01:00:00Z", "town.a"), t));
  EXPECT_EQ(FindCandidates(facts, april).size(), 1u);
  // A reply by another unit (not of the subtree) does not count.
  facts.pop_back();
  facts.push_back(
      WithEvent(ReplyEvent("r-3", "2024-03-13T01:00:00Z", "town.b"), t));
  EXPECT_EQ(FindCandidates(facts, March()).size(), 1u);
}

TEST(AccountabilityTest, UrgentOrdersLateAndPushedBack) {
  TicketInfo t;
  t.urgency = v1::URGENCY_EXTRA_URGENT;
  v1::TicketEvent first =
      Overdue("d-10", "2024-03-08T16:00:05Z", v1::CLOCK_KIND_HANDLING,
              "2024-03-08T16:00:00Z", true, 0, 0);
  first.set_ticket_id("t-9");
  v1::TicketEvent accrual =
      Overdue("d-11", "2024-03-10T16:00:05Z", v1::CLOCK_KIND_HANDLING,
              "2024-03-10T16:00:00Z", false, 1, 1);
  accrual.set_ticket_id("t-9");
  v1::TicketEvent ret = Event("r-10", "2024-03-05T02:00:00Z");
  ret.set_ticket_id("t-9");
  ret.mutable_returned()->set_from_unit_id("dept.housing");
  ret.mutable_returned()->set_to_unit_id("center");
  ret.mutable_returned()->set_reason("不属于本单位职责");
  std::vector<FactWithEvent> facts = {WithEvent(first, t),
                                      WithEvent(accrual, t), WithEvent(ret, t)};
  auto c = FindCandidates(facts, March());
  ASSERT_EQ(c.size(), 2u);
  std::map<v1::AccountabilityKind, v1::AccountabilityCandidate> by;
  for (const auto& x : c) by[x.kind()] = x;
  const auto& late = by[v1::ACCOUNTABILITY_KIND_URGENT_DELAYED];
  EXPECT_EQ(late.unit_id(), "dept.housing");
  ASSERT_EQ(late.evidence_size(), 1);
  EXPECT_TRUE(absl::StrContains(late.evidence(0).description(),
                                "1 working days overdue by the period's end"))
      << late.evidence(0).description();
  EXPECT_TRUE(absl::StrContains(late.evidence(0).description(), "6(2)"));
  const auto& pushed = by[v1::ACCOUNTABILITY_KIND_URGENT_PUSHED_BACK];
  EXPECT_EQ(pushed.article(), "10(1)");
  EXPECT_TRUE(
      absl::StrContains(pushed.evidence(0).description(), "不属于本单位职责"));
  // Not urgent: neither.
  t.urgency = v1::URGENCY_NORMAL;
  facts = {WithEvent(first, t), WithEvent(ret, t)};
  EXPECT_TRUE(FindCandidates(facts, March()).empty());
}

TEST(AccountabilityTest, DutyGapsOfTheLeaderPerDay) {
  auto gap = [](const std::string& id, const char* date,
                v1::RecipientKind kind) {
    v1::TicketEvent e = Deadline(id, "2024-03-12T16:00:00Z");
    auto* g = e.mutable_duty_gap();
    g->set_unit_id("town.longshui");
    g->set_date(date);
    g->set_recipient_kind(kind);
    g->set_step(v1::LADDER_STEP_SUPERVISION);
    return e;
  };
  std::vector<FactWithEvent> facts = {
      WithEvent(gap("g-1", "2024-03-13", v1::RECIPIENT_KIND_DUTY_LEADER), {}),
      WithEvent(gap("g-2", "2024-03-13", v1::RECIPIENT_KIND_DUTY_LEADER), {}),
      WithEvent(gap("g-3", "2024-03-13", v1::RECIPIENT_KIND_LIAISON), {}),
      WithEvent(gap("g-4", "2024-03-28", v1::RECIPIENT_KIND_DUTY_LEADER), {}),
  };
  auto c = FindCandidates(facts, March());
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind(), v1::ACCOUNTABILITY_KIND_DUTY_GAP);
  EXPECT_EQ(c[0].article(), "10(2)");
  ASSERT_EQ(c[0].evidence_size(), 2);  // one per day
  EXPECT_TRUE(absl::StrContains(c[0].evidence(0).description(),
                                "on 2024-03-13: 2 ladder notice(s)"))
      << c[0].evidence(0).description();
}

}  // namespace
}  // namespace hotline::assessment
