#include "services/assessment/indicators.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/server/proto_time.h"
#include "services/assessment/accountability.h"
#include "services/assessment/explain.h"
#include "services/assessment/overdue.h"

namespace hotline::assessment {
namespace {

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
  v1::TicketEvent e = Event("routing-1", "2024-02-08T02:00:00Z");
  auto* d = e.mutable_dispatched();
  d->set_unit_id("town.longgang");
  d->set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  d->set_urgency(v1::URGENCY_URGENT);
  d->set_category_code("urban.road.damage");
  d->set_area_code("town.longgang");
  auto plan = PlanFact(e, TicketInfo{});
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
  // 2024-02-08T17:00Z is 2024-02-09 01:00 in Beijing.
  v1::TicketEvent e = Event("routing-2", "2024-02-08T17:00:00Z");
  e.mutable_accepted()->set_unit_id("dept.housing");
  auto plan = PlanFact(e, TicketInfo{});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(calendar::FormatDate(plan->fact.local_date), "2024-02-09");
}

// Assessment counts no working days itself any more (its compiled-in
// calendar disagreed with deadline's once a year was loaded at run time):
// the handling time of the median is deadline's elapsed_working_days of the
// judged completion clock, counted with deadline's calendar. Here the same
// Spring Festival case as before: dispatched Thu 2024-02-08, the reply
// judged Mon 02-19 — deadline counts 02-09, 02-18 (adjusted Sunday), 02-19.
TEST(PlanFactTest, HandlingDaysComeFromTheJudgedClockNotAReply) {
  TicketInfo before;
  before.known = true;
  before.request_type = v1::REQUEST_TYPE_CONSULTATION;
  before.dispatched_at = At("2024-02-08T08:00:00Z");
  v1::TicketEvent reply = Event("routing-3", "2024-02-19T03:00:00Z");
  reply.mutable_replied()->set_unit_id("dept.housing");
  auto plan = PlanFact(reply, before);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->fact.detail, "first");
  EXPECT_EQ(plan->ticket.review_status, "REPLIED");
  EXPECT_EQ(plan->ticket.last_reply_round, 0);
  const Contribution r = ContributionOf(plan->fact);
  EXPECT_FALSE(r.handling_days.has_value());
  EXPECT_EQ(r.counters.v[kReplies], 1);

  v1::TicketEvent stop = Event("deadline-3", "2024-02-19T07:00:00Z");
  stop.set_producer("deadline");
  auto* s = stop.mutable_clock_stopped();
  s->set_clock_id("clk-1");
  s->set_kind(v1::CLOCK_KIND_HANDLING);
  s->set_unit_id("dept.housing");
  s->set_outcome(v1::CLOCK_OUTCOME_MET);
  *s->mutable_judged_at() = ToProto(At("2024-02-19T03:00:00Z"));
  s->set_elapsed_working_days(3);
  plan = PlanFact(stop, plan->ticket);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(plan->fact.handling_days.has_value());
  const Contribution c = ContributionOf(plan->fact);
  ASSERT_TRUE(c.handling_days.has_value());
  EXPECT_EQ(*c.handling_days, 3);
  EXPECT_EQ(c.counters.v[kComplDue], 1);
  EXPECT_EQ(c.counters.v[kComplMet], 1);
  // A legacy stop (no judged_at) is left out of the median.
  s->clear_judged_at();
  plan = PlanFact(stop, plan->ticket);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(ContributionOf(plan->fact).handling_days.has_value());
}

// A MISSED stop without overdue_reported is a legacy event (before deadline
// emitted ClockOverdue): counted at the stop, as it always was.
TEST(ContributionTest, LegacyMissedStopCountsOverdue) {
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

TEST(ContributionTest, LegacyLeadUnitClockCountsAsCompletion) {
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
  EXPECT_EQ(w.version, "weights-2024.2");
  double sum = 0;
  for (const auto& [n, x] : w.weights) sum += x;
  EXPECT_NEAR(sum, 1.0, 1e-9);
  EXPECT_EQ(w.late_return_threshold, 2);
  ASSERT_EQ(w.deductions.size(), 4u);
  EXPECT_EQ(w.deductions[0].first, v1::LADDER_STEP_REMINDER);
  EXPECT_EQ(w.deductions[0].second, 0.5);
  EXPECT_EQ(w.deductions[3].first, v1::LADDER_STEP_DISTRICT_NOTICE);
  EXPECT_EQ(w.deductions[3].second, 5);
}

TEST(WeightsTest, RejectsUnknownIndicatorAndBadSum) {
  EXPECT_FALSE(ParseWeights("version x\nweight bogus 1\n").ok());
  EXPECT_FALSE(ParseWeights("version x\nweight satisfaction 0.5\n").ok());
  EXPECT_TRUE(ParseWeights("version x\nweight satisfaction 1\n").ok());
  // Deductions name a rung of the ladder; the error names the line.
  auto bad = ParseWeights(
      "version x\nweight satisfaction 1\ndeduction reminder 0.5\n"
      "deduction scolding 2\n");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "weights line 4: unknown ladder step scolding (reminder, "
            "supervision, special_inspection, district_notice)");
  EXPECT_FALSE(ParseWeights("version x\nweight satisfaction 1\n"
                            "deduction supervision -1\n")
                   .ok());
  EXPECT_FALSE(ParseWeights("version x\nweight satisfaction 1\n"
                            "deduction supervision 1\ndeduction supervision "
                            "2\n")
                   .ok());
}

TEST(ScoreTest, NotApplicableRatesAreLeftOutAndWeightsRenormalised) {
  Counters c;
  c.v[kComplDue] = 4;
  c.v[kComplMet] = 3;
  c.v[kReached] = 2;
  c.v[kEvaluations] = 2;
  c.v[kSatisfied] = 1;
  c.v[kResolved] = 2;
  c.v[kReviews] = 2;
  c.v[kReviewsRejected] = 1;
  const v1::Indicators ind = ToIndicators(c, {});
  EXPECT_TRUE(ind.on_time_response().not_applicable());
  EXPECT_FALSE(ind.on_time_completion().not_applicable());
  const ScoreResult r = ScoreOf(ind, DefaultWeights());
  EXPECT_FALSE(r.not_scored);
  double sum = 0;
  for (const auto& x : r.components) sum += x.contribution();
  EXPECT_NEAR(r.score, sum, 1e-9);
  // Response (.15) and forwarding (.10) are 0/0: left out. The rest weigh
  // .30 + .25 + .10 + .10 = .75: completion .75*.30 + satisfaction .5*.25 +
  // resolution 1*.10 + rehandling (1-.5)*.10 = .225+.125+.10+.05 = .50,
  // renormalised .50 / .75 = 66.67 (it was 75 when 0/0 counted as 100%).
  EXPECT_NEAR(r.score, 50.0 / 0.75, 1e-9);
  ASSERT_EQ(r.components.size(), 6u);
  EXPECT_EQ(r.components[0].indicator(), "on_time_response");
  EXPECT_EQ(r.components[0].value(), 0);
  EXPECT_EQ(r.components[0].contribution(), 0);
  EXPECT_EQ(r.components[0].weight(), 0.15);  // the file's weight
  EXPECT_NEAR(r.components[2].contribution(), 0.75 * 0.30 / 0.75 * 100, 1e-9);
  EXPECT_TRUE(r.deductions.empty());
}

TEST(ScoreTest, LadderStepsAreDeductedNotBelowZero) {
  Counters c;
  c.v[kComplDue] = 2;
  c.v[kComplMet] = 1;
  c.v[kReminders] = 2;
  c.v[kSupervisions] = 1;
  v1::Indicators ind = ToIndicators(c, {});
  ScoreResult r = ScoreOf(ind, DefaultWeights());
  // Only completion applies: 50; − 2 × 0.5 − 1 × 1 = 48.
  EXPECT_NEAR(r.score, 48.0, 1e-9);
  ASSERT_EQ(r.deductions.size(), 2u);
  EXPECT_EQ(r.deductions[0].step(), v1::LADDER_STEP_REMINDER);
  EXPECT_EQ(r.deductions[0].count(), 2);
  EXPECT_EQ(r.deductions[0].points_each(), 0.5);
  EXPECT_EQ(r.deductions[0].points(), 1.0);
  EXPECT_EQ(r.deductions[1].step(), v1::LADDER_STEP_SUPERVISION);
  EXPECT_EQ(r.deductions[1].points(), 1.0);
  // A district notice on a unit with every completion late: 0 − 5 → 0.
  c.v[kComplMet] = 0;
  c.v[kNotices] = 1;
  r = ScoreOf(ToIndicators(c, {}), DefaultWeights());
  EXPECT_EQ(r.score, 0);
  EXPECT_FALSE(r.not_scored);
}

TEST(ScoreTest, NothingToJudgeIsNotScored) {
  Counters c;
  c.v[kOrders] = 3;  // orders received, nothing judged yet
  c.v[kExtRequested] = 1;
  const ScoreResult r = ScoreOf(ToIndicators(c, {}), DefaultWeights());
  EXPECT_TRUE(r.not_scored);
  EXPECT_EQ(r.score, 0);
  EXPECT_EQ(r.not_scored_reason, kNotScoredReason);
  for (const auto& x : r.components) EXPECT_EQ(x.contribution(), 0);
  // Only a weight-0 rate applies (reached): still nothing weighed.
  c.v[kEvaluations] = 1;
  EXPECT_TRUE(ScoreOf(ToIndicators(c, {}), DefaultWeights()).not_scored);
}

TEST(RankTest, NotScoredPeersComeLastUnranked) {
  std::vector<PeerScore> peers = {{"town.c", 0, true},
                                  {"town.b", 40, false},
                                  {"town.a", 0, true},
                                  {"town.d", 90, false},
                                  {"town.e", 40, false}};
  const std::vector<int> ranks = OrderByScore(peers);
  std::vector<std::string> order;
  for (const auto& p : peers) order.push_back(p.unit_id);
  EXPECT_EQ(order, (std::vector<std::string>{"town.d", "town.b", "town.e",
                                             "town.a", "town.c"}));
  EXPECT_EQ(ranks, (std::vector<int>{1, 2, 2, 0, 0}));
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

// ------------------------------------------------ deadline's new events

v1::TicketEvent Deadline(const std::string& id, const char* at) {
  v1::TicketEvent e = Event(id, at);
  e.set_producer("deadline");
  return e;
}

v1::TicketEvent Overdue(const std::string& id, const char* emitted,
                        v1::ClockKind kind, const char* as_of, bool first,
                        int added, int so_far) {
  v1::TicketEvent e = Deadline(id, emitted);
  auto* o = e.mutable_clock_overdue();
  o->set_clock_id("clk-9");
  o->set_kind(kind);
  o->set_unit_id("dept.housing");
  *o->mutable_due() = ToProto(At("2024-03-08T16:00:00Z"));  // 03-09 00:00
  *o->mutable_as_of() = ToProto(At(as_of));
  o->set_first(first);
  o->set_added_working_days(added);
  o->set_overdue_working_days(so_far);
  o->set_cause(first ? "due_passed" : "");
  o->set_rule("handling.consultation");
  o->set_article("6(2)");
  return e;
}

v1::TicketEvent Stop(const std::string& id, const char* at, v1::ClockKind kind,
                     v1::ClockOutcome outcome, bool reported, int late) {
  v1::TicketEvent e = Deadline(id, at);
  auto* s = e.mutable_clock_stopped();
  s->set_clock_id("clk-9");
  s->set_kind(kind);
  s->set_unit_id("dept.housing");
  s->set_outcome(outcome);
  s->set_overdue_working_days(late);
  s->set_overdue_reported(reported);
  if (outcome != v1::CLOCK_OUTCOME_CANCELLED) {
    *s->mutable_judged_at() = ToProto(At(at));
    s->set_elapsed_working_days(7);
  }
  return e;
}

Contribution Of(const v1::TicketEvent& e, const TicketInfo& before = {}) {
  auto plan = PlanFact(e, before);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return ContributionOf(plan->fact);
}

TEST(ContributionTest, MetIsCountedAtTheStop) {
  const Counters c =
      Of(Stop("deadline-1", "2024-03-07T02:00:00Z", v1::CLOCK_KIND_RESPONSE,
              v1::CLOCK_OUTCOME_MET, false, 0))
          .counters;
  EXPECT_EQ(c.v[kRespDue], 1);
  EXPECT_EQ(c.v[kRespMet], 1);
}

TEST(ContributionTest, MissedIsCountedOnceAtTheFirstOverdue) {
  // The first ClockOverdue of a completion clock is the verdict: due, not
  // met, one overdue order, the days it adds (0: 03-09 is a Saturday).
  v1::TicketEvent first =
      Overdue("deadline-2", "2024-03-08T16:00:05Z", v1::CLOCK_KIND_HANDLING,
              "2024-03-08T16:00:00Z", true, 0, 0);
  auto plan = PlanFact(first, TicketInfo{});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->fact.detail, "HANDLING:first");
  EXPECT_EQ(calendar::FormatDate(plan->fact.local_date), "2024-03-09");
  Counters c = ContributionOf(plan->fact).counters;
  EXPECT_EQ(c.v[kComplDue], 1);
  EXPECT_EQ(c.v[kComplMet], 0);
  EXPECT_EQ(c.v[kOverdueOrders], 1);
  EXPECT_EQ(c.v[kOverdueDays], 0);
  // The MISSED stop that follows adds nothing more to rates or counts (the
  // judged clock still feeds the median).
  const Contribution stop =
      Of(Stop("deadline-3", "2024-03-14T07:00:00Z", v1::CLOCK_KIND_HANDLING,
              v1::CLOCK_OUTCOME_MISSED, true, 4));
  EXPECT_TRUE(stop.counters.IsZero());
  ASSERT_TRUE(stop.handling_days.has_value());
  EXPECT_EQ(*stop.handling_days, 7);
  // Other kinds: the first overdue of each is its verdict.
  c = Of(Overdue("deadline-4", "2024-03-07T00:00:00Z", v1::CLOCK_KIND_RESPONSE,
                 "2024-03-06T16:00:00Z", true, 1, 1))
          .counters;
  EXPECT_EQ(c.v[kRespDue], 1);
  EXPECT_EQ(c.v[kRespMet], 0);
  EXPECT_EQ(c.v[kOverdueDays], 0);  // only completion clocks accrue days
  c = Of(Overdue("deadline-5", "2024-03-21T02:00:00Z", v1::CLOCK_KIND_RETURN,
                 "2024-03-20T16:00:00Z", true, 1, 1))
          .counters;
  EXPECT_EQ(c.v[kLateReturns], 1);
  c = Of(Overdue("deadline-6", "2024-03-21T02:00:00Z", v1::CLOCK_KIND_FORWARD,
                 "2024-03-20T16:00:00Z", true, 1, 1))
          .counters;
  EXPECT_EQ(c.v[kFwdDue], 1);
  EXPECT_EQ(c.v[kFwdMet], 0);
  // REHANDLING is folded into the completion clock by deadline: not a rate.
  EXPECT_TRUE(
      Of(Overdue("deadline-7", "2024-03-21T02:00:00Z",
                 v1::CLOCK_KIND_REHANDLING, "2024-03-20T16:00:00Z", true, 1, 1))
          .counters.IsZero());
  EXPECT_TRUE(
      Of(Stop("deadline-8", "2024-03-21T02:00:00Z", v1::CLOCK_KIND_REHANDLING,
              v1::CLOCK_OUTCOME_MET, false, 0))
          .counters.IsZero());
}

TEST(ContributionTest, AccrualIsCreditedOnItsAsOfDay) {
  // The accrual for Mon 03-11, emitted late (the scanner was down) on 03-12:
  // it counts on 03-11, one working day, and is no verdict.
  auto plan = PlanFact(
      Overdue("deadline-9", "2024-03-12T01:00:00Z", v1::CLOCK_KIND_LEAD_UNIT,
              "2024-03-10T16:00:00Z", false, 1, 1),
      TicketInfo{});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(calendar::FormatDate(plan->fact.local_date), "2024-03-11");
  EXPECT_EQ(calendar::FormatDate(calendar::LocalDay(plan->fact.occurred_at)),
            "2024-03-12");
  const Counters c = ContributionOf(plan->fact).counters;
  EXPECT_EQ(c.v[kOverdueDays], 1);
  EXPECT_EQ(c.v[kComplDue], 0);
  EXPECT_EQ(c.v[kOverdueOrders], 0);
  // Accruals of other kinds add nothing.
  EXPECT_TRUE(
      Of(Overdue("deadline-10", "2024-03-12T01:00:00Z", v1::CLOCK_KIND_RESPONSE,
                 "2024-03-10T16:00:00Z", false, 1, 2))
          .counters.IsZero());
}

TEST(ContributionTest, LegacyMissedStopIsCountedAtTheStop) {
  const Counters c =
      Of(Stop("deadline-11", "2024-03-14T07:00:00Z", v1::CLOCK_KIND_HANDLING,
              v1::CLOCK_OUTCOME_MISSED, /*reported=*/false, 3))
          .counters;
  EXPECT_EQ(c.v[kComplDue], 1);
  EXPECT_EQ(c.v[kOverdueOrders], 1);
  EXPECT_EQ(c.v[kOverdueDays], 3);
  EXPECT_TRUE(
      Of(Stop("deadline-12", "2024-03-14T07:00:00Z", v1::CLOCK_KIND_HANDLING,
              v1::CLOCK_OUTCOME_CANCELLED, false, 0))
          .counters.IsZero());
}

TEST(ContributionTest, FirstTimeApprovalTracksTheLastReplysRound) {
  TicketInfo t;
  v1::TicketEvent reply = Event("routing-20", "2024-03-13T02:00:00Z");
  reply.mutable_replied()->set_unit_id("dept.housing");
  auto plan = PlanFact(reply, t);
  ASSERT_TRUE(plan.ok());
  t = plan->ticket;
  v1::TicketEvent review = Event("routing-21", "2024-03-13T07:00:00Z");
  review.mutable_reviewed()->set_unit_id("dept.housing");
  review.mutable_reviewed()->set_approved(false);
  plan = PlanFact(review, t);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->fact.detail, "rejected:first");
  Counters c = ContributionOf(plan->fact).counters;
  EXPECT_EQ(c.v[kFirstReviews], 1);
  EXPECT_EQ(c.v[kFirstApproved], 0);
  EXPECT_EQ(c.v[kReviews], 1);
  EXPECT_EQ(c.v[kReviewsRejected], 1);
  t = plan->ticket;
  // The re-handled reply (round 1) approved: a review, not a first one.
  reply.mutable_replied()->set_rehandling_round(1);
  plan = PlanFact(reply, t);
  t = plan->ticket;
  EXPECT_EQ(t.last_reply_round, 1);
  review.mutable_reviewed()->set_approved(true);
  plan = PlanFact(review, t);
  EXPECT_EQ(plan->fact.detail, "approved");
  c = ContributionOf(plan->fact).counters;
  EXPECT_EQ(c.v[kReviews], 1);
  EXPECT_EQ(c.v[kFirstReviews], 0);
  // A first reply approved at once.
  reply.mutable_replied()->set_rehandling_round(0);
  plan = PlanFact(reply, TicketInfo{});
  plan = PlanFact(review, plan->ticket);
  c = ContributionOf(plan->fact).counters;
  EXPECT_EQ(c.v[kFirstReviews], 1);
  EXPECT_EQ(c.v[kFirstApproved], 1);
  // A review whose reply assessment never saw is not a first one.
  plan = PlanFact(review, TicketInfo{});
  EXPECT_EQ(ContributionOf(plan->fact).counters.v[kFirstReviews], 0);
}

TEST(ContributionTest, LateDecisionIsTheApprovers) {
  v1::TicketEvent e = Deadline("deadline-30", "2024-03-12T02:00:00Z");
  auto* x = e.mutable_extension_decided();
  x->set_extension_id("ext-1");
  x->set_unit_id("dept.transport");
  x->set_approver_unit_id("center");
  x->set_approved(false);
  x->set_reason("理由不充分");
  x->set_decided_after_due(true);
  auto plan = PlanFact(e, TicketInfo{});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->fact.unit_id, "dept.transport");
  EXPECT_EQ(plan->fact.unit2_id, "center");
  Contribution c = ContributionOf(plan->fact);
  EXPECT_TRUE(c.counters.IsZero());  // rejected: nothing for the asker
  EXPECT_EQ(c.second.v[kLateDecisions], 1);
  x->set_approved(true);
  x->set_decided_after_due(false);
  c = ContributionOf(PlanFact(e, TicketInfo{})->fact);
  EXPECT_EQ(c.counters.v[kExtApproved], 1);
  EXPECT_TRUE(c.second.IsZero());
}

TEST(ContributionTest, CoOpinionClock) {
  Counters c =
      Of(Stop("deadline-40", "2024-03-12T02:00:00Z", v1::CLOCK_KIND_CO_OPINION,
              v1::CLOCK_OUTCOME_MET, false, 0))
          .counters;
  EXPECT_EQ(c.v[kCoDue], 1);
  EXPECT_EQ(c.v[kCoMet], 1);
  c = Of(Overdue("deadline-41", "2024-03-12T16:00:00Z",
                 v1::CLOCK_KIND_CO_OPINION, "2024-03-12T16:00:00Z", true, 0, 0))
          .counters;
  EXPECT_EQ(c.v[kCoDue], 1);
  EXPECT_EQ(c.v[kCoMet], 0);
  EXPECT_EQ(c.v[kOverdueOrders], 0);
  const v1::Indicators ind = ToIndicators(c, {});
  EXPECT_EQ(ind.on_time_co_opinion().denominator(), 1);
  EXPECT_FALSE(ind.on_time_co_opinion().not_applicable());
}

TEST(ContributionTest, DutyGapCountsOncePerUnitDay) {
  v1::TicketEvent e = Deadline("deadline-50", "2024-03-12T16:00:00Z");
  auto* g = e.mutable_duty_gap();
  g->set_unit_id("town.longshui");
  g->set_date("2024-03-13");
  g->set_recipient_kind(v1::RECIPIENT_KIND_DUTY_LEADER);
  g->set_step(v1::LADDER_STEP_REMINDER);
  auto day = DutyGapDayOf(e);
  ASSERT_TRUE(day.has_value());
  EXPECT_EQ(day->first, "town.longshui");
  EXPECT_EQ(calendar::FormatDate(day->second), "2024-03-13");
  PlanContext first;
  first.first_duty_gap_of_day = true;
  auto plan = PlanFact(e, TicketInfo{}, first);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->fact.detail, "DUTY_LEADER:REMINDER:day");
  EXPECT_EQ(calendar::FormatDate(plan->fact.local_date), "2024-03-13");
  EXPECT_EQ(ContributionOf(plan->fact).counters.v[kDutyGaps], 1);
  // A second gap of the same unit and day (another notice) counts nothing.
  plan = PlanFact(e, TicketInfo{}, PlanContext{});
  EXPECT_TRUE(ContributionOf(plan->fact).counters.IsZero());
}

TEST(ContributionTest, CoUnitAcknowledgementAndReleaseAreFactsOnly) {
  v1::TicketEvent e = Event("routing-60", "2024-03-12T02:00:00Z");
  e.mutable_accepted()->set_unit_id("dept.water");
  e.mutable_accepted()->set_as_co_unit(true);
  auto plan = PlanFact(e, TicketInfo{});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->fact.detail, "co_unit");
  EXPECT_TRUE(ContributionOf(plan->fact).counters.IsZero());
  v1::TicketEvent r = Event("routing-61", "2024-03-13T02:00:00Z");
  r.mutable_co_unit_released()->set_co_unit_id("dept.water");
  r.mutable_co_unit_released()->set_lead_unit_id("town.longshui");
  r.mutable_co_unit_released()->set_reason("协办事项已由牵头单位办结");
  plan = PlanFact(r, TicketInfo{});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->fact.kind, "co_unit_released");
  EXPECT_EQ(plan->fact.unit_id, "dept.water");
  EXPECT_TRUE(ContributionOf(plan->fact).counters.IsZero());
}

TEST(IndicatorsTest, EveryRatioSaysWhetherItApplies) {
  Counters c;
  c.v[kRespDue] = 2;
  c.v[kRespMet] = 1;
  const v1::Indicators ind = ToIndicators(c, {});
  EXPECT_FALSE(ind.on_time_response().not_applicable());
  EXPECT_EQ(ind.on_time_response().value(), 0.5);
  for (const v1::Ratio* r :
       {&ind.on_time_forwarding(), &ind.on_time_completion(), &ind.rehandling(),
        &ind.reached(), &ind.satisfaction(), &ind.resolution(),
        &ind.closed_at_intake(), &ind.first_time_approval(),
        &ind.on_time_co_opinion()}) {
    EXPECT_TRUE(r->not_applicable());
    EXPECT_EQ(r->value(), 0);
  }
}

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
