// Issue 12's verdicts over real gRPC and MariaDB, on the fixed history whose
// figures assessment_integration_test.cc computes by hand: a unit with
// nothing to judge, orders never answered (open overdue, accruals dated by
// their day), and ExplainFigure's totals against the scorecard.

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "services/assessment/domain/score.h"
#include "services/assessment/tests/assessment_fixture.h"

namespace hotline::assessment {
namespace {

using ::hotline::testing::kAgentToken;
using ::hotline::testing::kCenterToken;
using ::hotline::testing::kEvaluatorToken;
using ::hotline::testing::ServiceUnderTest;
using testing::AssessmentTest;
using testing::ExpectRatio;
using testing::FixedHistory;
using testing::History;
using testing::Local;
using testing::March;

// A unit without any order (town.baoding, known only as a matter's area)
// has nothing to judge: not scored, not 100, and ranked after every peer.
TEST_F(AssessmentTest, UnitWithoutOrdersIsNotScoredAndRankedLast) {
  PublishHistory();
  AfterMarch();
  const v1::Scorecard idle = Scorecard("town.baoding", true);
  EXPECT_EQ(idle.unit_kind(), v1::UNIT_KIND_TOWN_STREET);
  EXPECT_EQ(idle.total().orders(), 0);
  EXPECT_TRUE(idle.not_scored());
  EXPECT_EQ(idle.not_scored_reason(), kNotScoredReason);
  EXPECT_EQ(idle.composite_score(), 0);
  EXPECT_TRUE(idle.previous_not_scored());
  EXPECT_TRUE(idle.total().on_time_completion().not_applicable());
  for (const auto& c : idle.components()) EXPECT_EQ(c.contribution(), 0);
}

// T3 is never answered: it counts against town.longshui in March, the
// period it fell due (completion 0/1), lists as open overdue with the
// working days late at the period's end, and accrues on in April — each
// accrual on the day it is dated (as_of), whenever it arrived.
TEST_F(AssessmentTest, OpenOverdueOrdersAndAccrualsByTheirDay) {
  PublishHistory();
  // While March is not over (now 03-29 10:00), T3 is open with the 2 days
  // counted so far; T7 with 14.
  ASSERT_TRUE(svc_->clock().AdvanceTo(Local("2024-03-29 10:00")).ok());
  v1::Scorecard district = Scorecard("center", true);
  ASSERT_EQ(district.open_overdue_size(), 2);
  EXPECT_EQ(district.open_overdue(0).ticket_id(), "T7");  // oldest due first
  EXPECT_EQ(district.open_overdue(0).overdue_working_days(), 14);
  EXPECT_EQ(district.open_overdue(1).ticket_id(), "T3");
  EXPECT_EQ(district.open_overdue(1).overdue_working_days(), 2);

  AfterMarch();
  const v1::Scorecard march = Scorecard("town.longshui", true);
  ExpectRatio(march.total().on_time_completion(), 0, 1, "completion");
  EXPECT_EQ(march.total().overdue_working_days(), 2);
  EXPECT_EQ(march.total().open_overdue_orders(), 1);
  ASSERT_EQ(march.open_overdue_size(), 1);
  const v1::OpenOverdueOrder& t3 = march.open_overdue(0);
  EXPECT_EQ(t3.ticket_id(), "T3");
  EXPECT_EQ(t3.ticket_number(), "DZ20240301-T3");
  EXPECT_EQ(t3.clock_id(),
            History::ClockId("T3", v1::CLOCK_KIND_HANDLING, "town.longshui"));
  EXPECT_EQ(t3.kind(), v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(t3.unit_id(), "town.longshui");
  EXPECT_EQ(FromProto(t3.due()), Local("2024-03-28 00:00"));
  EXPECT_EQ(FromProto(t3.overdue_since()), Local("2024-03-28 00:00"));
  // 03-28 and 03-29; the accrual dated 04-01 00:00 is April's.
  EXPECT_EQ(t3.overdue_working_days(), 2);
  // Week buckets: the open overdue orders at each week's end.
  ASSERT_EQ(march.buckets_size(), 5);
  EXPECT_EQ(march.buckets(3).indicators().open_overdue_orders(), 0);  // 03-24
  EXPECT_EQ(march.buckets(4).indicators().open_overdue_orders(), 1);  // 03-31

  v1::Period april;
  april.set_from_date("2024-04-01");
  april.set_to_date("2024-04-30");
  const v1::Scorecard apr =
      Scorecard("town.longshui", true, kCenterToken, nullptr, april);
  EXPECT_EQ(apr.total().overdue_working_days(), 3);
  ExpectRatio(apr.total().on_time_completion(), 0, 0, "completion");
  ASSERT_EQ(apr.open_overdue_size(), 1);
  EXPECT_EQ(apr.open_overdue(0).overdue_working_days(), 5);  // as of now
  EXPECT_EQ(apr.previous_total().open_overdue_orders(), 1);  // end of March

  // The 03-29 accrual is a March fact, though it arrived on 04-01.
  v1::ListFactsRequest lf;
  lf.set_ticket_id("T3");
  *lf.mutable_period() = March();
  lf.add_producers("deadline");
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::ListFactsResponse facts;
  ASSERT_TRUE(stub_->ListFacts(&ctx, lf, &facts).ok());
  int accruals = 0;
  for (const auto& f : facts.facts()) {
    if (f.event().has_clock_overdue() && !f.event().clock_overdue().first()) {
      ++accruals;
      EXPECT_EQ(FromProto(f.event().clock_overdue().as_of()),
                Local("2024-03-29 00:00"));
      EXPECT_EQ(FromProto(f.event().occurred_at()), Local("2024-04-01 08:00"));
    }
  }
  EXPECT_EQ(accruals, 1);
}

// A previous period whose only lateness is an order still open at its end
// (Sunday 03-31: no accrual, no step) was scored then (0), as UnitScorecard
// says (previous_not_scored = false): Ranking's previous rank is counted
// among the peers scored then, not left at 0 (docs/indicators.md "Not
// scored", "Rankings and change").
TEST_F(AssessmentTest, PreviousRankCountsOrdersOpenAtThePreviousEnd) {
  PublishHistory();
  AfterMarch();
  v1::Period monday;
  monday.set_from_date("2024-04-01");
  monday.set_to_date("2024-04-01");
  const v1::Scorecard card =
      Scorecard("town.longshui", true, kCenterToken, nullptr, monday);
  EXPECT_EQ(card.previous_total().open_overdue_orders(), 1);  // T3
  EXPECT_EQ(card.previous_total().overdue_working_days(), 0);
  EXPECT_FALSE(card.previous_not_scored());
  EXPECT_EQ(card.previous_composite_score(), 0);

  v1::RankingRequest req;
  *req.mutable_period() = monday;
  req.set_peer_kind(v1::UNIT_KIND_TOWN_STREET);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::RankingResponse resp;
  ASSERT_TRUE(stub_->Ranking(&ctx, req, &resp).ok());
  const v1::RankingEntry* longshui = nullptr;
  for (const auto& e : resp.entries()) {
    if (e.unit_id() == "town.longshui") longshui = &e;
  }
  ASSERT_NE(longshui, nullptr) << resp.DebugString();
  EXPECT_FALSE(longshui->not_scored());
  EXPECT_EQ(longshui->previous_rank(), 1) << resp.DebugString();
  EXPECT_EQ(longshui->previous_composite_score(), 0);
  EXPECT_EQ(longshui->score_change(), longshui->composite_score());
}

// ExplainFigure lists the facts behind a figure; their total is the
// scorecard's.
TEST_F(AssessmentTest, ExplainFigureTotalsEqualTheScorecard) {
  PublishHistory();
  EvaluateMarch();
  AfterMarch();
  const v1::Scorecard district = Scorecard("center", true);
  const v1::Scorecard longshui = Scorecard("town.longshui", true);

  auto explain = [&](const std::string& unit, bool subtree,
                     const std::string& indicator, int page_size,
                     std::vector<v1::FigureItem>* items,
                     const std::string& token = kCenterToken) {
    v1::ExplainFigureRequest req;
    req.set_unit_id(unit);
    *req.mutable_period() = March();
    req.set_include_subtree(subtree);
    req.set_indicator(indicator);
    req.mutable_page()->set_page_size(page_size);
    v1::ExplainFigureResponse first;
    for (int page = 0; page < 20; ++page) {
      grpc::ClientContext ctx;
      ServiceUnderTest::Authorize(&ctx, token);
      v1::ExplainFigureResponse resp;
      grpc::Status s = stub_->ExplainFigure(&ctx, req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      if (page == 0) first = resp;
      for (const auto& i : resp.items()) items->push_back(i);
      if (resp.page().next_page_token().empty()) break;
      req.mutable_page()->set_page_token(resp.page().next_page_token());
    }
    return first;
  };

  std::vector<v1::FigureItem> items;
  v1::ExplainFigureResponse r =
      explain("center", true, "on_time_completion", 2, &items);
  EXPECT_EQ(r.indicator(), "on_time_completion");
  EXPECT_TRUE(absl::StrContains(r.definition(), "`on_time_completion`"))
      << r.definition();
  EXPECT_EQ(r.value().numerator(),
            district.total().on_time_completion().numerator());
  EXPECT_EQ(r.value().denominator(),
            district.total().on_time_completion().denominator());
  ASSERT_EQ(items.size(), 5u);  // 2 MET stops, 3 first overdue
  int num = 0, den = 0;
  for (const auto& i : items) {
    num += i.in_numerator();
    den += i.in_denominator();
    EXPECT_FALSE(i.clock_id().empty());
    EXPECT_EQ(i.article(), "6(2)");
  }
  EXPECT_EQ(num, 2);
  EXPECT_EQ(den, 5);
  // Oldest first, by the day each counts on: T1's MET stop (03-08 16:00),
  // then T2's first ClockOverdue (03-09 00:00).
  EXPECT_EQ(items[0].ticket_id(), "T1");
  EXPECT_EQ(items[0].outcome(), v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(FromProto(items[0].judged_at()), Local("2024-03-07 10:00"));
  EXPECT_EQ(items[1].ticket_id(), "T2");
  EXPECT_EQ(items[1].outcome(), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_FALSE(items[1].in_numerator());

  items.clear();
  r = explain("center", true, "overdue_working_days", 5, &items);
  EXPECT_EQ(r.value().numerator(), district.total().overdue_working_days());
  EXPECT_EQ(r.value().numerator(), 20);
  EXPECT_EQ(r.value().denominator(), 0);
  int64_t days = 0;
  for (const auto& i : items) days += i.amount();
  EXPECT_EQ(days, 20);
  EXPECT_EQ(items.size(), 21u);  // T2 5, T3 2, T7 14 ClockOverdue events

  items.clear();
  r = explain("center", true, "open_overdue_orders", 50, &items);
  EXPECT_EQ(r.value().numerator(), district.total().open_overdue_orders());
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].ticket_id(), "T7");
  EXPECT_EQ(items[0].overdue_working_days(), 14);
  EXPECT_EQ(items[1].ticket_id(), "T3");
  EXPECT_EQ(items[1].overdue_working_days(), 2);
  EXPECT_EQ(items[1].unit_id(), "town.longshui");

  items.clear();
  r = explain("town.longshui", true, "overdue_working_days", 50, &items);
  EXPECT_EQ(r.value().numerator(), longshui.total().overdue_working_days());

  items.clear();
  r = explain("center", false, "late_extension_decisions", 50, &items);
  EXPECT_EQ(r.value().numerator(), 1);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].unit_id(), "center");
  EXPECT_EQ(items[0].ticket_id(), "T7");

  items.clear();
  r = explain("town.longshui", false, "duty_gaps", 50, &items);
  EXPECT_EQ(r.value().numerator(), longshui.total().duty_gaps());
  EXPECT_EQ(items.size(), 3u);  // three notices found nobody, on two days

  items.clear();
  r = explain("dept.housing", false, "median_handling_working_days", 50,
              &items);
  EXPECT_EQ(r.value().value(), 7);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].amount(), 7);

  // Unknown indicator; a unit outside the caller's subtree.
  v1::ExplainFigureRequest bad;
  bad.set_unit_id("center");
  *bad.mutable_period() = March();
  bad.set_indicator("happiness");
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::ExplainFigureResponse resp;
  grpc::Status s = stub_->ExplainFigure(&ctx, bad, &resp);
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "indicator:"))
      << s.error_message();
  bad.set_unit_id("dept.housing");
  bad.set_indicator("orders");
  grpc::ClientContext ctx2;
  ServiceUnderTest::Authorize(&ctx2, "staff-longgang-01");
  EXPECT_EQ(stub_->ExplainFigure(&ctx2, bad, &resp).error_code(),
            grpc::PERMISSION_DENIED);
}

}  // namespace
}  // namespace hotline::assessment
