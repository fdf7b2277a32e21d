#include "services/assessment/domain/indicators.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/server/proto_time.h"
#include "services/assessment/domain/domain_test_util.h"

namespace hotline::assessment {
namespace {

using testing::At;
using testing::Deadline;
using testing::Event;
using testing::Overdue;
using testing::Stop;

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
  EXPECT_EQ(plan->units[0].parent_id, kCenterUnitId);
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
  t.Add("town.longgang", kCenterUnitId, true);
  t.Add("village.a", "town.longgang", false);
  t.Add("dept.housing", kCenterUnitId, false);
  t.Add("dept.housing.sec1", "dept.housing", false);
  EXPECT_EQ(t.Kind("town.longgang"), v1::UNIT_KIND_TOWN_STREET);
  EXPECT_EQ(t.Kind("village.a"), v1::UNIT_KIND_VILLAGE_COMMUNITY);
  EXPECT_EQ(t.Kind("dept.housing"), v1::UNIT_KIND_DEPARTMENT);
  EXPECT_EQ(t.Kind("dept.housing.sec1"), v1::UNIT_KIND_SECTION);
  EXPECT_EQ(t.Subtree("town.longgang"),
            (std::vector<std::string>{"town.longgang", "village.a"}));
  EXPECT_TRUE(t.InSubtree("village.a", kCenterUnitId));
  EXPECT_FALSE(t.InSubtree("village.a", "dept.housing"));
}

TEST(UnitTreeTest, DirectoryCopyGivesNamesKindsAndParents) {
  auto unit = [](const std::string& id, const std::string& name,
                 const std::string& short_name, v1::UnitKind kind,
                 const std::string& parent) {
    directory::UnitEntry e;
    e.unit_id = id;
    e.name = name;
    e.short_name = short_name;
    e.kind = kind;
    e.parent_unit_id = parent;
    return e;
  };
  const directory::Directory d({
      unit("center", "重庆市大足区政务服务管理办公室", "区政务服务管理办",
           v1::UNIT_KIND_CENTER, ""),
      unit("town.longgang", "龙岗街道办事处", "龙岗街道",
           v1::UNIT_KIND_TOWN_STREET, "center"),
      unit("dept.water", "区水利局, 防汛", "", v1::UNIT_KIND_DEPARTMENT,
           "center"),
      unit("comm.a", "示例社区", "", v1::UNIT_KIND_VILLAGE_COMMUNITY,
           "town.longgang"),
  });
  UnitTree t;
  t.Add("dept.water", kCenterUnitId, true);   // named as an area by mistake
  t.Add("comm.a", "town.wrong", false);       // the directory's parent wins
  t.Add("sec.unknown", "dept.water", false);  // the directory lacks it
  t.LayOver(d);
  EXPECT_EQ(t.Name("town.longgang"), "龙岗街道");
  EXPECT_EQ(t.Name("center"), "区政务服务管理办");
  EXPECT_EQ(t.Name("dept.water"), "区水利局, 防汛");  // no short name
  EXPECT_EQ(t.Name("dept.unknown"), "dept.unknown");
  EXPECT_EQ(t.Kind("dept.water"), v1::UNIT_KIND_DEPARTMENT);
  EXPECT_TRUE(t.InSubtree("comm.a", "town.longgang"));
  EXPECT_FALSE(t.InSubtree("comm.a", "town.wrong"));
  // Events fill in what the directory does not know.
  EXPECT_TRUE(t.InSubtree("sec.unknown", "dept.water"));
  EXPECT_EQ(t.Kind("sec.unknown"), v1::UNIT_KIND_SECTION);
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

}  // namespace
}  // namespace hotline::assessment

namespace hotline::assessment {
namespace {

// A unit whose only business in a period is an order that fell due earlier
// and is still unanswered is scored 0, never "nothing to judge".
TEST(ScoreTest, OnlyOpenLatenessScoresZeroNotNotScored) {
  v1::Indicators ind;
  ind.set_open_overdue_orders(1);
  ind.set_overdue_working_days(21);
  ScoreResult r = ScoreOf(ind, DefaultWeights());
  EXPECT_FALSE(r.not_scored);
  EXPECT_EQ(r.score, 0);
  v1::Indicators idle;
  EXPECT_TRUE(ScoreOf(idle, DefaultWeights()).not_scored);
}

}  // namespace
}  // namespace hotline::assessment
