#include "services/assessment/indicators.h"

#include <gtest/gtest.h>

#include "common/server/proto_time.h"
#include "services/assessment/accountability.h"

namespace hotline::assessment {
namespace {

calendar::Calendar Cal() {
  auto data = calendar::BuiltinCalendarData();
  EXPECT_TRUE(data.ok());
  auto cal = calendar::Calendar::Create(*data);
  EXPECT_TRUE(cal.ok());
  return *cal;
}

absl::Time At(const char* rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << err;
  return t;
}

v1::TicketEvent Event(const std::string& id, const char* at) {
  v1::TicketEvent e;
  e.set_event_id(id);
  e.set_ticket_id("t-1");
  e.set_seq(1);
  e.set_producer("routing");
  e.set_ticket_number("DZ20240208-000001");
  *e.mutable_occurred_at() = ToProto(At(at));
  return e;
}

TEST(MedianTest, OddEvenAndEmpty) {
  EXPECT_EQ(Median({}), 0);
  EXPECT_EQ(Median({{3, 1}}), 3);
  EXPECT_EQ(Median({{1, 1}, {4, 1}}), 2.5);
  EXPECT_EQ(Median({{1, 2}, {2, 1}, {9, 2}}), 2);  // 1 1 2 9 9
}

TEST(PlanFactTest, DispatchSetsUnitTypeAndParent) {
  const calendar::Calendar cal = Cal();
  v1::TicketEvent e = Event("routing-1", "2024-02-08T02:00:00Z");
  auto* d = e.mutable_dispatched();
  d->set_unit_id("town.longgang");
  d->set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  d->set_urgency(v1::URGENCY_URGENT);
  d->set_category_code("urban.road.damage");
  d->set_area_code("town.longgang");
  auto plan = PlanFact(e, TicketInfo{}, cal);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->fact.kind, "dispatched");
  EXPECT_EQ(plan->fact.unit_id, "town.longgang");
  EXPECT_EQ(plan->fact.request_type, v1::REQUEST_TYPE_COMPLAINT);
  EXPECT_EQ(calendar::FormatDate(plan->fact.local_date), "2024-02-08");
  ASSERT_EQ(plan->units.size(), 2u);
  EXPECT_EQ(plan->units[0].parent_id, kCenterUnit);
  EXPECT_TRUE(plan->units[1].is_area);
  EXPECT_EQ(ContributionOf(plan->fact).counters.v[kOrders], 1);
}

TEST(PlanFactTest, LocalDateIsChinaStandardTime) {
  const calendar::Calendar cal = Cal();
  // 2024-02-08T17:00Z is 2024-02-09 01:00 in Beijing.
  v1::TicketEvent e = Event("routing-2", "2024-02-08T17:00:00Z");
  e.mutable_accepted()->set_unit_id("dept.housing");
  auto plan = PlanFact(e, TicketInfo{}, cal);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(calendar::FormatDate(plan->fact.local_date), "2024-02-09");
}

TEST(PlanFactTest, FirstReplyCountsWorkingDaysOverSpringFestival) {
  const calendar::Calendar cal = Cal();
  TicketInfo before;
  before.known = true;
  before.request_type = v1::REQUEST_TYPE_CONSULTATION;
  // Dispatched Thu 2024-02-08 (local); replied Mon 2024-02-19: working days
  // in (02-08, 02-19] are 02-09 (Fri), 02-18 (adjusted Sun), 02-19 = 3.
  before.dispatched_at = At("2024-02-08T08:00:00Z");
  v1::TicketEvent e = Event("routing-3", "2024-02-19T03:00:00Z");
  e.mutable_replied()->set_unit_id("dept.housing");
  auto plan = PlanFact(e, before, cal);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->fact.amount, 3);
  const Contribution c = ContributionOf(plan->fact);
  ASSERT_TRUE(c.handling_days.has_value());
  EXPECT_EQ(*c.handling_days, 3);
  EXPECT_EQ(plan->ticket.review_status, "REPLIED");
}

TEST(ContributionTest, ClockStoppedHandlingMissedCountsOverdue) {
  FactRecord f;
  f.kind = "clock_stopped";
  f.detail = "HANDLING:MISSED";
  f.amount = 4;
  const Counters c = ContributionOf(f).counters;
  EXPECT_EQ(c.v[kComplDue], 1);
  EXPECT_EQ(c.v[kComplMet], 0);
  EXPECT_EQ(c.v[kOverdueOrders], 1);
  EXPECT_EQ(c.v[kOverdueDays], 4);
  f.detail = "HANDLING:CANCELLED";
  EXPECT_TRUE(ContributionOf(f).counters.IsZero());
}

TEST(ContributionTest, LeadUnitClockCountsAsCompletion) {
  FactRecord f;
  f.kind = "clock_stopped";
  f.detail = "LEAD_UNIT:MET";
  Counters c = ContributionOf(f).counters;
  EXPECT_EQ(c.v[kComplDue], 1);
  EXPECT_EQ(c.v[kComplMet], 1);
  f.detail = "LEAD_UNIT:MISSED";
  f.amount = 2;
  c = ContributionOf(f).counters;
  EXPECT_EQ(c.v[kComplMet], 0);
  EXPECT_EQ(c.v[kOverdueOrders], 1);
  EXPECT_EQ(c.v[kOverdueDays], 2);
}

TEST(ContributionTest, UnreachedEvaluationIsNotSatisfied) {
  FactRecord f;
  f.kind = "evaluation_recorded";
  f.detail = "unreached";
  const Counters c = ContributionOf(f).counters;
  EXPECT_EQ(c.v[kEvaluations], 1);
  EXPECT_EQ(c.v[kReached], 0);
  EXPECT_EQ(c.v[kSatisfied], 0);
}

TEST(WeightsTest, EmbeddedFileParsesAndSumsToOne) {
  const Weights& w = DefaultWeights();
  EXPECT_EQ(w.version, "weights-2024.1");
  double sum = 0;
  for (const auto& [n, x] : w.weights) sum += x;
  EXPECT_NEAR(sum, 1.0, 1e-9);
  EXPECT_EQ(w.late_return_threshold, 2);
}

TEST(WeightsTest, RejectsUnknownIndicatorAndBadSum) {
  EXPECT_FALSE(ParseWeights("version x\nweight bogus 1\n").ok());
  EXPECT_FALSE(ParseWeights("version x\nweight satisfaction 0.5\n").ok());
  EXPECT_TRUE(ParseWeights("version x\nweight satisfaction 1\n").ok());
}

TEST(ScoreTest, ComponentsSumToScore) {
  Counters c;
  c.v[kComplDue] = 4;
  c.v[kComplMet] = 3;
  c.v[kReached] = 2;
  c.v[kSatisfied] = 1;
  c.v[kResolved] = 2;
  c.v[kReviews] = 2;
  c.v[kReviewsRejected] = 1;
  const v1::Indicators ind = ToIndicators(c, {});
  std::vector<v1::ScoreComponent> comps;
  const double s = CompositeScore(ind, DefaultWeights(), &comps);
  double sum = 0;
  for (const auto& x : comps) sum += x.contribution();
  EXPECT_NEAR(s, sum, 1e-9);
  // response 1 (no data) .15 + fwd 1 .10 + completion .75*.30 + sat .5*.25 +
  // resolution 1*.10 + rehandling (1-.5)*.10 = 0.15+0.10+0.225+0.125+0.10+0.05
  EXPECT_NEAR(s, 75.0, 1e-9);
}

TEST(UnitTreeTest, KindsAndSubtrees) {
  UnitTree t;
  t.Add("town.longgang", kCenterUnit, true);
  t.Add("village.a", "town.longgang", false);
  t.Add("dept.housing", kCenterUnit, false);
  t.Add("dept.housing.sec1", "dept.housing", false);
  EXPECT_EQ(t.Kind("town.longgang"), v1::UNIT_KIND_TOWN_STREET);
  EXPECT_EQ(t.Kind("village.a"), v1::UNIT_KIND_VILLAGE_COMMUNITY);
  EXPECT_EQ(t.Kind("dept.housing"), v1::UNIT_KIND_DEPARTMENT);
  EXPECT_EQ(t.Kind("dept.housing.sec1"), v1::UNIT_KIND_SECTION);
  EXPECT_EQ(t.Subtree("town.longgang"),
            (std::vector<std::string>{"town.longgang", "village.a"}));
  EXPECT_TRUE(t.InSubtree("village.a", kCenterUnit));
  EXPECT_FALSE(t.InSubtree("village.a", "dept.housing"));
}

TEST(UnitTreeTest, DirectoryCopyGivesNamesKindsAndParents) {
  auto entries = ParseDirectoryCsv(
      "# 示例目录\n"
      "unit_id,name,short_name,kind,parent_unit_id,active\n"
      "center,重庆市大足区政务服务管理办公室,区政务服务管理办,CENTER,,1\n"
      "town.longgang,龙岗街道办事处,龙岗街道,TOWN_STREET,center,1\n"
      "dept.water,\"区水利局, 防汛\",,DEPARTMENT,center,1\n"
      "comm.a,示例社区,,VILLAGE_COMMUNITY,town.longgang,1\n");
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[2].name, "区水利局, 防汛");
  UnitTree t;
  t.Add("dept.water", kCenterUnit, true);  // named as an area by mistake
  for (const auto& e : *entries) {
    t.SetDirectoryEntry(e.unit_id, e.name, e.kind, e.parent_id);
  }
  EXPECT_EQ(t.Name("town.longgang"), "龙岗街道");
  EXPECT_EQ(t.Name("center"), "区政务服务管理办");
  EXPECT_EQ(t.Name("dept.unknown"), "dept.unknown");
  EXPECT_EQ(t.Kind("dept.water"), v1::UNIT_KIND_DEPARTMENT);
  EXPECT_TRUE(t.InSubtree("comm.a", "town.longgang"));
  EXPECT_FALSE(ParseDirectoryCsv("unit_id,name\n").ok());
  EXPECT_FALSE(ParseDirectoryCsv("unit_id,name,kind\nx,y,PLANET\n").ok());
}

TEST(PeriodTest, BucketsAndPrevious) {
  v1::Period p;
  p.set_from_date("2024-01-15");
  p.set_to_date("2024-03-10");
  auto r = ParsePeriod("period", p);
  ASSERT_TRUE(r.ok());
  auto b = Buckets(*r, v1::GRANULARITY_MONTH);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(calendar::FormatDate(b[0].to), "2024-01-31");
  EXPECT_EQ(calendar::FormatDate(b[2].from), "2024-03-01");
  EXPECT_EQ(calendar::FormatDate(b[2].to), "2024-03-10");
  auto w = Buckets(*r, v1::GRANULARITY_WEEK);
  EXPECT_EQ(calendar::FormatDate(w[0].to), "2024-01-21");  // a Sunday
  const DateRange prev = PreviousRange(*r);
  EXPECT_EQ(prev.days(), r->days());
  EXPECT_EQ(calendar::FormatDate(prev.to), "2024-01-14");
  p.set_to_date("2024-01-01");
  EXPECT_EQ(ParsePeriod("period", p).status().message(),
            "period.to_date: before from_date");
}

TEST(PeriodTest, SplitMonths) {
  auto fmt = [](const DateRange& r) {
    return calendar::FormatDate(r.from) + ".." + calendar::FormatDate(r.to);
  };
  const DateRange march{absl::CivilDay(2024, 3, 1),
                        absl::CivilDay(2024, 3, 31)};
  MonthSplit m = SplitMonths(march);
  ASSERT_TRUE(m.months.has_value());
  EXPECT_EQ(fmt(*m.months), "2024-03-01..2024-03-01");
  EXPECT_TRUE(m.days.empty());
  m = SplitMonths({absl::CivilDay(2024, 1, 15), absl::CivilDay(2024, 4, 10)});
  ASSERT_TRUE(m.months.has_value());
  EXPECT_EQ(fmt(*m.months), "2024-02-01..2024-03-01");
  ASSERT_EQ(m.days.size(), 2u);
  EXPECT_EQ(fmt(m.days[0]), "2024-01-15..2024-01-31");
  EXPECT_EQ(fmt(m.days[1]), "2024-04-01..2024-04-10");
  m = SplitMonths({absl::CivilDay(2024, 3, 2), absl::CivilDay(2024, 3, 31)});
  EXPECT_FALSE(m.months.has_value());
  ASSERT_EQ(m.days.size(), 1u);
  EXPECT_EQ(fmt(WidenToMonths(m.days[0])), "2024-03-01..2024-03-31");
}

TEST(RankTest, TiesShareARank) {
  EXPECT_EQ(RankOf({{"a", 90}, {"b", 80}, {"c", 80}, {"d", 70}}),
            (std::vector<int>{1, 2, 2, 4}));
}

FactRecord Fact(const std::string& id, const std::string& kind,
                const std::string& unit, const std::string& detail,
                const char* at, int urgency = v1::URGENCY_NORMAL) {
  FactRecord f;
  f.event_id = id;
  f.ticket_id = "t-9";
  f.kind = kind;
  f.unit_id = unit;
  f.detail = detail;
  f.occurred_at = At(at);
  f.local_date = calendar::LocalDay(f.occurred_at);
  f.urgency = urgency;
  return f;
}

TEST(AccountabilityTest, NoFeedbackAfterTwoSteps) {
  std::vector<FactRecord> facts = {
      Fact("d-1", "ladder_step_fired", "town.a", "REMINDER",
           "2024-03-01T01:00:00Z"),
      Fact("d-2", "ladder_step_fired", "town.a", "SUPERVISION",
           "2024-03-12T01:00:00Z"),
  };
  auto all = [](const std::string&) { return true; };
  auto c = FindCandidates(facts, 2, {}, all);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].kind(), v1::ACCOUNTABILITY_KIND_NO_FEEDBACK_AFTER_SUPERVISION);
  EXPECT_EQ(c[0].evidence_size(), 2);
  EXPECT_EQ(c[0].evidence(1).event_id(), "d-2");
  // A reply after the second step clears it.
  facts.push_back(
      Fact("r-1", "replied", "town.a", "first", "2024-03-13T01:00:00Z"));
  EXPECT_TRUE(FindCandidates(facts, 2, {}, all).empty());
}

}  // namespace
}  // namespace hotline::assessment
