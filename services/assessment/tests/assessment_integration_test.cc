// Assessment over real gRPC and MariaDB, on a small fixed history whose
// indicators are computed by hand below (February–April 2024, CST).
// Deadline's events follow docs/clocks.md: a MISSED verdict is counted once,
// at the clock's first ClockOverdue (dated by its as_of); a MET one at its
// ClockStopped; completion clocks accrue one working day per ClockOverdue
// while unanswered; MISSED stops say overdue_reported and add nothing more.
// Working days are deadline's (March 2024 has no holiday: Mon–Fri).
//
// Units: town.longgang (镇街, area) with village.gaoping below it (learned
// from a Forwarded event), town.longshui (镇街), town.baoding (镇街, named
// only as a matter's area: no order ever), dept.housing (区住建委),
// dept.transport (区交通局).
//
//  T0 (Feb) complaint → town.longgang 02-20, handling MET 02-22 (judged
//     02-22, 2 working days).
//  T7 complaint, URGENT, transport.bus @ town.baoding: dispatched
//     dept.transport Mon 02-26; response overdue Wed 02-28 00:00 (first
//     ClockOverdue, February) and REMINDER; dispute raised 03-04 (its
//     response: MISSED stop, overdue_reported — counted in February, not
//     again), upheld 03-05; extension asked 03-06 (approver center); handling
//     due Tue 03-12 00:00 (10 wd): first ClockOverdue (+1, a working day
//     begun) and SUPERVISION 03-12; the center rejects the extension 03-12
//     10:00, after the due (decided_after_due: late_extension_decisions of
//     the center); accruals 03-13 … 03-29 (13 working days): 14 working days
//     late at the end of March, never answered.
//  T1 complaint, URGENT, urban.road.damage @ town.longgang: dispatched
//     town.longgang Mon 03-04 10:00, forwarded → village.gaoping 15:00
//     (response MET 03-04); village replied Thu 03-07 (forward MET, stopped
//     03-07 at the reply, judged at the arrival); approved 03-08 (handling
//     MET, stopped 03-08, judged at the reply, 3 working days); evaluated
//     satisfied and resolved.
//  T2 consultation, policy.social.pension (no area): dispatched
//     dept.housing Tue 03-05 10:00; response overdue Thu 03-07 00:00 and
//     REMINDER; response MISSED stop 03-07 09:00 (reported); handling due
//     Sat 03-09 00:00 (3 wd): first ClockOverdue (+0, not a working day) and
//     SUPERVISION; accruals 03-11, 03-12, 03-13; replied 03-13 (round 0),
//     rejected 03-13 (runs again); accrual 03-14; replied again 03-14 (round
//     1), approved: handling MISSED stop 03-14 (reported), judged at the
//     approved reply, 4 working days late, 7 working days' handling (before
//     this change: "missed by 3" and 6, counted at the first reply);
//     evaluated: caller not reached.
//  T3 help-seeking, EXTRA_URGENT, urban.water @ town.longshui: dispatched
//     Mon 03-11; extension asked 03-12, approved 03-13 before the due (due
//     03-28 00:00); response overdue Wed 03-13 00:00 and REMINDER, whose
//     notices found no liaison and no leader on duty (two DutyGap, one day);
//     handling overdue Thu 03-28 (+1) with SUPERVISION and a DutyGap
//     (leader); accrual for Fri 03-29 emitted only on Mon 04-01 (counts on
//     03-29); accruals 04-01, 04-02, 04-03; never replied.
//  T4 complaint, urban.road.damage @ town.longgang: dispatched dept.housing
//     Mon 03-18; returned to the center 03-21 10:00: return clock overdue
//     (first ClockOverdue, as_of its due 03-21 00:00) then MISSED stop;
//     redispatched town.longgang 03-21 11:00; dispute raised 14:00 (response
//     MET), upheld 03-22; replied Wed 03-27, approved 03-27 (handling MET,
//     4 working days); evaluated dissatisfied, not resolved.
//  T5 complaint, urban.road.damage @ town.longshui: dispatched dept.housing
//     Mon 03-25, returned 03-28 (return clock overdue as of 03-28 00:00).
//  T6 consultation, policy.social.pension: created 03-06, closed at intake.
//
// Score (weights-2024.2): response .15, forwarding .10, completion .30,
// satisfaction .25, resolution .10, rehandling .10 (as 1 − rate); a rate 0/0
// is left out and the others renormalised; minus 0.5 per REMINDER and 1 per
// SUPERVISION fired against the unit in the period; not below 0.
//
// Hand-computed March figures (period over: now is 2024-04-05):
//  town.longgang alone: orders 2, response 2/2, forwarding 1/1, completion
//    1/1, disputes 1 (upheld 1), reviews 1 (0 rejected), first-time approval
//    1/1, reached 1/1, satisfied 0/1, resolved 0/1, median 4; every rate
//    applies: 15+10+30+0+0+10 = 65.
//  town.longgang subtree (+village.gaoping): orders 3, response 2/2,
//    forwarding 1/1, completion 2/2, reviews 2, first-time approval 2/2,
//    reached 2/2, satisfied 1/2, resolved 1/2, median (3+4)/2 = 3.5;
//    score = 15+10+30+12.5+5+10 = 82.5; previous (Feb: completion 1/1,
//    median 2, every other rate 0/0 and left out) 100 → change −17.5.
//  dept.housing: orders 3, response 0/1, completion 0/1, overdue 1 order /
//    4 working days, returns 2, late returns 2, reminders 1, supervisions 1,
//    rehandling 1/2, first-time approval 0/1, reached 0/1 (satisfaction and
//    resolution 0/0: not applicable), median 7; applicable weights .15 + .30
//    + .10 = .55: (0 + 0 + .5 × .10) / .55 = 9.0909…, − 0.5 − 1 = 7.5909…
//    (it was 50 when 0/0 counted as 100%). Not scored in February.
//  town.longshui: orders 1, response 0/1, completion 0/1 (T3 fell due in
//    March), overdue 1 order / 2 working days (03-28, and 03-29 emitted in
//    April), extensions 1/1, reminders 1, supervisions 1, duty gaps 2 (days
//    03-13, 03-28), open overdue 1 (T3, 2 working days, since 03-28 00:00);
//    score 0 − 1.5 → 0 (it was 100: every rate 0/0). April: overdue working
//    days 3 (04-01, 04-02, 04-03), completion 0/0 (counted in March), open
//    overdue T3 with 5 working days as of now.
//  dept.transport: orders 0, response 0/0 (counted in February), completion
//    0/1, overdue 1 / 14 working days, disputes 1 (upheld 1), extensions
//    requested 1 (approved 0), supervisions 1, open overdue 1 (T7, 14);
//    score 0 − 1 → 0. February: orders 1, response 0/1, reminders 1 →
//    0 − 0.5 → 0, scored (rank 1 of February's departments).
//  town.baoding: nothing at all — not scored (not 100), rank 0, listed last.
//  center alone: received 6, closed at intake 1/6, late extension decisions
//    1 (T7's rejection after the due).
//  District (center subtree): orders 7, response 2/4, forwarding 1/1,
//    completion 2/5, overdue 3 orders / 20 working days (4 + 2 + 14), open
//    overdue 2 (T7 14, T3 2), rehandling 1/4, first-time approval 2/3,
//    reminders 2, supervisions 3, reached 2/3, satisfaction 1/2, resolution
//    1/2, median of {3, 7, 4} = 4, duty gaps 2, late extension decisions 1;
//    score 7.5+10+12+12.5+5+7.5 = 54.5 − 1 − 3 = 50.5.
//  Rankings: towns longgang 82.5 (1; previous 1), longshui 0 (2; previous
//    0: not scored in February), baoding not scored (0, last); departments
//    housing 7.59 (1; previous 0), transport 0 (2; previous 1, change 0).
//  Accountability (March, 7): 10(1) urgent delayed T3/town.longshui (first
//    overdue 03-28, 2 working days by the end; SUPERVISION) and
//    T7/dept.transport (first overdue 03-12, 14; SUPERVISION); 10(1) pushed
//    back T7/dept.transport (dispute 03-04); 10(3) no feedback
//    T3/town.longshui (REMINDER 03-13, SUPERVISION 03-28) and
//    T7/dept.transport (REMINDER 02-28 in February, SUPERVISION 03-12 in
//    March); 10(7) dept.housing late returns (2); 10(2) duty gap
//    town.longshui (03-13, 03-28). T2's two steps were answered on 03-13.

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "services/assessment/tests/assessment_fixture.h"
#include "services/assessment/tests/sample_directory.h"

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

TEST_F(AssessmentTest, ScorecardsMatchHandComputedFigures) {
  PublishHistory();
  EvaluateMarch();
  AfterMarch();

  const v1::Scorecard own = Scorecard("town.longgang", false);
  EXPECT_EQ(own.unit_kind(), v1::UNIT_KIND_TOWN_STREET);
  EXPECT_EQ(own.total().orders(), 2);
  ExpectRatio(own.total().on_time_response(), 2, 2, "response");
  ExpectRatio(own.total().on_time_forwarding(), 1, 1, "forwarding");
  ExpectRatio(own.total().on_time_completion(), 1, 1, "completion");
  EXPECT_EQ(own.total().disputes_raised(), 1);
  EXPECT_EQ(own.total().disputes_dispatch_upheld(), 1);
  ExpectRatio(own.total().rehandling(), 0, 1, "rehandling");
  ExpectRatio(own.total().first_time_approval(), 1, 1, "first-time");
  ExpectRatio(own.total().satisfaction(), 0, 1, "satisfaction");
  EXPECT_EQ(own.total().median_handling_working_days(), 4);
  EXPECT_NEAR(own.composite_score(), 65.0, 1e-9);
  EXPECT_FALSE(own.not_scored());

  const v1::Scorecard sub = Scorecard("town.longgang", true);
  EXPECT_EQ(sub.total().orders(), 3);
  ExpectRatio(sub.total().on_time_response(), 2, 2, "response");
  ExpectRatio(sub.total().on_time_forwarding(), 1, 1, "forwarding");
  ExpectRatio(sub.total().on_time_completion(), 2, 2, "completion");
  ExpectRatio(sub.total().reached(), 2, 2, "reached");
  ExpectRatio(sub.total().satisfaction(), 1, 2, "satisfaction");
  ExpectRatio(sub.total().resolution(), 1, 2, "resolution");
  ExpectRatio(sub.total().first_time_approval(), 2, 2, "first-time");
  EXPECT_DOUBLE_EQ(sub.total().median_handling_working_days(), 3.5);
  EXPECT_EQ(sub.total().open_overdue_orders(), 0);
  EXPECT_NEAR(sub.composite_score(), 82.5, 1e-9);
  double sum = 0;
  for (const auto& c : sub.components()) sum += c.contribution();
  EXPECT_NEAR(sum, 82.5, 1e-9);
  EXPECT_EQ(sub.deductions_size(), 0);
  EXPECT_EQ(sub.previous_total().orders(), 1);
  EXPECT_EQ(sub.previous_total().median_handling_working_days(), 2);
  EXPECT_NEAR(sub.previous_composite_score(), 100.0, 1e-9);
  EXPECT_FALSE(sub.previous_not_scored());
  EXPECT_EQ(sub.weights_version(), "weights-2024.2");
  // Per request type: only complaints reached this subtree.
  ASSERT_EQ(sub.by_request_type_size(), 1);
  EXPECT_EQ(sub.by_request_type(0).request_type(), v1::REQUEST_TYPE_COMPLAINT);
  // ISO weeks clipped to March: 03-01..03-03, then Mondays.
  ASSERT_EQ(sub.buckets_size(), 5);
  EXPECT_EQ(sub.buckets(0).to_date(), "2024-03-03");
  EXPECT_EQ(sub.buckets(1).indicators().orders(), 2);  // T1 dispatch+forward
  EXPECT_EQ(sub.buckets(3).indicators().orders(), 1);  // T4 redispatch

  const v1::Scorecard housing = Scorecard("dept.housing", false);
  EXPECT_EQ(housing.unit_kind(), v1::UNIT_KIND_DEPARTMENT);
  EXPECT_EQ(housing.total().orders(), 3);
  ExpectRatio(housing.total().on_time_response(), 0, 1, "response");
  ExpectRatio(housing.total().on_time_completion(), 0, 1, "completion");
  EXPECT_EQ(housing.total().overdue_orders(), 1);
  // 4, not 3: lateness runs until the reply the center approves (03-14).
  EXPECT_EQ(housing.total().overdue_working_days(), 4);
  EXPECT_EQ(housing.total().returns(), 2);
  EXPECT_EQ(housing.total().late_returns(), 2);
  EXPECT_EQ(housing.total().reminders(), 1);
  EXPECT_EQ(housing.total().supervisions(), 1);
  ExpectRatio(housing.total().rehandling(), 1, 2, "rehandling");
  ExpectRatio(housing.total().first_time_approval(), 0, 1, "first-time");
  ExpectRatio(housing.total().reached(), 0, 1, "reached");
  ExpectRatio(housing.total().satisfaction(), 0, 0, "satisfaction");
  EXPECT_TRUE(housing.total().satisfaction().not_applicable());
  EXPECT_FALSE(housing.total().on_time_response().not_applicable());
  // 7, not 6: the handling time runs to the approved reply (deadline's
  // elapsed_working_days), not to the first reply.
  EXPECT_EQ(housing.total().median_handling_working_days(), 7);
  // Was 50 while a 0/0 rate scored 100%: satisfaction and resolution are
  // now left out, and the reminder and supervision are deducted.
  EXPECT_NEAR(housing.composite_score(), 100 * 0.05 / 0.55 - 1.5, 1e-9);
  ASSERT_EQ(housing.components_size(), 6);
  for (const auto& c : housing.components()) {
    if (c.indicator() == "satisfaction" || c.indicator() == "resolution" ||
        c.indicator() == "on_time_forwarding") {
      EXPECT_EQ(c.contribution(), 0) << c.indicator();
      EXPECT_EQ(c.value(), 0) << c.indicator();
    }
  }
  ASSERT_EQ(housing.deductions_size(), 2);
  EXPECT_EQ(housing.deductions(0).step(), v1::LADDER_STEP_REMINDER);
  EXPECT_EQ(housing.deductions(0).points(), 0.5);
  EXPECT_EQ(housing.deductions(1).step(), v1::LADDER_STEP_SUPERVISION);
  EXPECT_EQ(housing.deductions(1).points(), 1.0);
  EXPECT_TRUE(housing.previous_not_scored());
  EXPECT_EQ(housing.previous_composite_score(), 0);

  const v1::Scorecard longshui = Scorecard("town.longshui", true);
  EXPECT_EQ(longshui.total().orders(), 1);
  ExpectRatio(longshui.total().on_time_response(), 0, 1, "response");
  ExpectRatio(longshui.total().on_time_completion(), 0, 1, "completion");
  EXPECT_EQ(longshui.total().overdue_orders(), 1);
  EXPECT_EQ(longshui.total().overdue_working_days(), 2);
  EXPECT_EQ(longshui.total().extensions_requested(), 1);
  EXPECT_EQ(longshui.total().extensions_approved(), 1);
  EXPECT_EQ(longshui.total().reminders(), 1);
  EXPECT_EQ(longshui.total().supervisions(), 1);
  EXPECT_EQ(longshui.total().duty_gaps(), 2);  // unit-days, not notices
  EXPECT_EQ(longshui.composite_score(), 0);    // was 100 with every rate 0/0
  EXPECT_FALSE(longshui.not_scored());

  const v1::Scorecard transport = Scorecard("dept.transport", false);
  EXPECT_EQ(transport.total().orders(), 0);
  // Its late response was counted once, in February.
  ExpectRatio(transport.total().on_time_response(), 0, 0, "response");
  ExpectRatio(transport.total().on_time_completion(), 0, 1, "completion");
  EXPECT_EQ(transport.total().overdue_working_days(), 14);
  EXPECT_EQ(transport.total().disputes_raised(), 1);
  EXPECT_EQ(transport.total().extensions_requested(), 1);
  EXPECT_EQ(transport.total().extensions_approved(), 0);
  EXPECT_EQ(transport.total().late_extension_decisions(), 0);
  EXPECT_EQ(transport.composite_score(), 0);
  ExpectRatio(transport.previous_total().on_time_response(), 0, 1,
              "February response");
  EXPECT_FALSE(transport.previous_not_scored());

  const v1::Scorecard center = Scorecard("center", false);
  EXPECT_EQ(center.total().received(), 6);
  EXPECT_EQ(center.total().late_extension_decisions(), 1);

  const v1::Scorecard district = Scorecard("center", true);
  EXPECT_EQ(district.total().received(), 6);
  ExpectRatio(district.total().closed_at_intake(), 1, 6, "closed at intake");
  EXPECT_EQ(district.total().orders(), 7);
  ExpectRatio(district.total().on_time_response(), 2, 4, "response");
  ExpectRatio(district.total().on_time_forwarding(), 1, 1, "forwarding");
  ExpectRatio(district.total().on_time_completion(), 2, 5, "completion");
  EXPECT_EQ(district.total().overdue_orders(), 3);
  EXPECT_EQ(district.total().overdue_working_days(), 20);
  EXPECT_EQ(district.total().open_overdue_orders(), 2);
  ExpectRatio(district.total().rehandling(), 1, 4, "rehandling");
  ExpectRatio(district.total().first_time_approval(), 2, 3, "first-time");
  EXPECT_EQ(district.total().reminders(), 2);
  EXPECT_EQ(district.total().supervisions(), 3);
  ExpectRatio(district.total().reached(), 2, 3, "reached");
  ExpectRatio(district.total().satisfaction(), 1, 2, "satisfaction");
  ExpectRatio(district.total().resolution(), 1, 2, "resolution");
  EXPECT_EQ(district.total().median_handling_working_days(), 4);
  EXPECT_EQ(district.total().duty_gaps(), 2);
  EXPECT_EQ(district.total().late_extension_decisions(), 1);
  ExpectRatio(district.total().on_time_co_opinion(), 0, 0, "co-opinion");
  EXPECT_NEAR(district.composite_score(), 50.5, 1e-9);
}

TEST_F(AssessmentTest, RankingsAmongPeersWithPreviousPeriod) {
  PublishHistory();
  EvaluateMarch();
  AfterMarch();
  v1::RankingRequest req;
  *req.mutable_period() = March();
  req.set_peer_kind(v1::UNIT_KIND_TOWN_STREET);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::RankingResponse resp;
  ASSERT_TRUE(stub_->Ranking(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.entries_size(), 3);
  EXPECT_EQ(resp.weights_version(), "weights-2024.2");
  EXPECT_EQ(resp.entries(0).unit_id(), "town.longgang");
  EXPECT_EQ(resp.entries(0).rank(), 1);
  EXPECT_NEAR(resp.entries(0).composite_score(), 82.5, 1e-9);
  EXPECT_EQ(resp.entries(0).previous_rank(), 1);
  EXPECT_NEAR(resp.entries(0).score_change(), -17.5, 1e-9);
  EXPECT_EQ(resp.entries(0).indicators().orders(), 3);  // over the subtree
  // Late on everything it was given: scored 0, ranked (not "100, first").
  EXPECT_EQ(resp.entries(1).unit_id(), "town.longshui");
  EXPECT_EQ(resp.entries(1).rank(), 2);
  EXPECT_EQ(resp.entries(1).composite_score(), 0);
  EXPECT_FALSE(resp.entries(1).not_scored());
  EXPECT_EQ(resp.entries(1).previous_rank(), 0);  // not scored in February
  EXPECT_EQ(resp.entries(1).indicators().open_overdue_orders(), 1);
  // Nothing to judge: rank 0, after every ranked peer.
  EXPECT_EQ(resp.entries(2).unit_id(), "town.baoding");
  EXPECT_TRUE(resp.entries(2).not_scored());
  EXPECT_EQ(resp.entries(2).rank(), 0);
  EXPECT_EQ(resp.entries(2).composite_score(), 0);
  EXPECT_EQ(resp.entries(2).previous_rank(), 0);

  req.set_peer_kind(v1::UNIT_KIND_DEPARTMENT);
  grpc::ClientContext ctx2;
  ServiceUnderTest::Authorize(&ctx2, "lead-housing-0001");
  ASSERT_TRUE(stub_->Ranking(&ctx2, req, &resp).ok());
  ASSERT_EQ(resp.entries_size(), 2);
  EXPECT_EQ(resp.entries(0).unit_id(), "dept.housing");
  EXPECT_EQ(resp.entries(0).rank(), 1);
  EXPECT_NEAR(resp.entries(0).composite_score(), 100 * 0.05 / 0.55 - 1.5, 1e-9);
  EXPECT_EQ(resp.entries(0).previous_rank(), 0);  // not scored in February
  EXPECT_EQ(resp.entries(0).score_change(), 0);
  EXPECT_EQ(resp.entries(1).unit_id(), "dept.transport");
  EXPECT_EQ(resp.entries(1).rank(), 2);
  EXPECT_EQ(resp.entries(1).previous_rank(), 1);  // February: 0, scored
  EXPECT_EQ(resp.entries(1).score_change(), 0);
  EXPECT_EQ(resp.entries(1).indicators().open_overdue_orders(), 1);

  req.set_peer_kind(v1::UNIT_KIND_SECTION);
  grpc::ClientContext ctx3;
  ServiceUnderTest::Authorize(&ctx3, kCenterToken);
  EXPECT_EQ(stub_->Ranking(&ctx3, req, &resp).error_code(),
            grpc::INVALID_ARGUMENT);
}

TEST_F(AssessmentTest, EvaluationRules) {
  PublishHistory();
  ASSERT_TRUE(svc_->clock().AdvanceTo(Local("2024-03-29 10:00")).ok());
  v1::RecordEvaluationResponse r;
  // Only evaluators.
  EXPECT_EQ(Evaluate("e1", "T1", true, v1::SATISFACTION_SATISFIED, true, &r,
                     kAgentToken)
                .error_code(),
            grpc::PERMISSION_DENIED);
  // Reached needs a satisfaction; unreached must not have one.
  EXPECT_EQ(Evaluate("e1", "T1", true, v1::SATISFACTION_UNSPECIFIED, true, &r)
                .error_code(),
            grpc::INVALID_ARGUMENT);
  EXPECT_EQ(Evaluate("e1", "T1", false, v1::SATISFACTION_SATISFIED, false, &r)
                .error_code(),
            grpc::INVALID_ARGUMENT);
  // A request that does not say whether the caller was reached is refused
  // (it used to record a final "not reached"); a contradiction too.
  {
    v1::RecordEvaluationRequest req;
    req.set_request_id("e-empty");
    req.set_ticket_id("T1");
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kEvaluatorToken);
    grpc::Status empty = stub_->RecordEvaluation(&ctx, req, &r);
    EXPECT_EQ(empty.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_TRUE(absl::StartsWith(empty.error_message(), "callback:"))
        << empty.error_message();
    req.set_reached(true);
    req.set_callback(v1::CALLBACK_OUTCOME_NOT_REACHED);
    grpc::ClientContext ctx2;
    ServiceUnderTest::Authorize(&ctx2, kEvaluatorToken);
    grpc::Status contradiction = stub_->RecordEvaluation(&ctx2, req, &r);
    EXPECT_EQ(contradiction.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_TRUE(absl::StartsWith(contradiction.error_message(), "reached:"))
        << contradiction.error_message();
    // callback = REACHED alone (a newer client) needs a satisfaction.
    req.set_reached(false);
    req.set_callback(v1::CALLBACK_OUTCOME_REACHED);
    grpc::ClientContext ctx3;
    ServiceUnderTest::Authorize(&ctx3, kEvaluatorToken);
    EXPECT_EQ(stub_->RecordEvaluation(&ctx3, req, &r).error_code(),
              grpc::INVALID_ARGUMENT);
  }
  // Unknown order; order without an approved reply.
  EXPECT_EQ(Evaluate("e1", "T404", true, v1::SATISFACTION_SATISFIED, true, &r)
                .error_code(),
            grpc::NOT_FOUND);
  grpc::Status s =
      Evaluate("e1", "T3", true, v1::SATISFACTION_SATISFIED, true, &r);
  EXPECT_EQ(s.error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "not replied"))
      << s.error_message();
  // Credited to the unit that replied (the village, not the town that
  // forwarded it).
  ASSERT_TRUE(
      Evaluate("e1", "T1", true, v1::SATISFACTION_SATISFIED, true, &r).ok());
  EXPECT_EQ(r.evaluation().unit_id(), "village.gaoping");
  const std::string id = r.evaluation().evaluation_id();
  // Idempotent retry; a second evaluation is refused.
  v1::RecordEvaluationResponse again;
  ASSERT_TRUE(
      Evaluate("e1", "T1", true, v1::SATISFACTION_SATISFIED, true, &again)
          .ok());
  EXPECT_EQ(again.evaluation().evaluation_id(), id);
  s = Evaluate("e2", "T1", true, v1::SATISFACTION_DISSATISFIED, false, &again);
  EXPECT_EQ(s.error_code(), grpc::ALREADY_EXISTS);
  EXPECT_TRUE(absl::StrContains(s.error_message(), id)) << s.error_message();
  EXPECT_EQ(
      Evaluate("e1", "T1", true, v1::SATISFACTION_DISSATISFIED, true, &again)
          .error_code(),
      grpc::ALREADY_EXISTS);
  // The EvaluationRecorded fact is listed with the order's facts, last.
  v1::ListFactsRequest lf;
  lf.set_ticket_id("T1");
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::ListFactsResponse facts;
  ASSERT_TRUE(stub_->ListFacts(&ctx, lf, &facts).ok());
  ASSERT_EQ(facts.facts_size(), 9);
  const auto& last = facts.facts(8);
  EXPECT_EQ(last.event().producer(), "assessment");
  EXPECT_TRUE(last.event().has_evaluation_recorded());
  EXPECT_EQ(last.event().evaluation_recorded().evaluation_id(), id);
  EXPECT_EQ(last.unit_id(), "village.gaoping");
}

// Issue 13: a forged routing Replied from another service's token is
// refused whole: no fact is recorded, no reply counts against the unit, and
// the order still cannot be evaluated. Replays are authorized first.
TEST_F(AssessmentTest, ForgedEventsAreRefusedAndCountNothing) {
  PublishHistory();
  ASSERT_TRUE(svc_->clock().AdvanceTo(Local("2024-03-29 10:00")).ok());
  auto facts_of = [&](const std::string& ticket) {
    v1::ListFactsRequest lf;
    lf.set_ticket_id(ticket);
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    v1::ListFactsResponse facts;
    EXPECT_TRUE(stub_->ListFacts(&ctx, lf, &facts).ok());
    return facts.facts_size();
  };
  const int before = facts_of("T3");
  v1::TicketEvent forged;
  forged.set_ticket_id("T3");
  forged.set_ticket_number("DZ20240301-0000T3");
  forged.set_seq(99);
  *forged.mutable_occurred_at() = ToProto(svc_->clock().Now());
  forged.mutable_replied()->set_reply_id("rpl-forged");
  forged.mutable_replied()->set_unit_id("town.longgang");
  forged.mutable_replied()->set_text("伪造答复");
  auto stub = v1::EventSink::NewStub(svc_->channel());
  for (const char* name : {"intake", "deadline", "assessment"}) {
    forged.set_producer(name);
    forged.set_event_id(absl::StrCat(name, "-forged"));
    v1::PublishRequest req;
    req.set_source_service(name);
    *req.add_events() = forged;
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, ::hotline::testing::ServiceTokenOf(name));
    v1::PublishResponse resp;
    grpc::Status s = stub->Publish(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << name << ": " << s.error_message();
  }
  EXPECT_EQ(facts_of("T3"), before);
  v1::RecordEvaluationResponse r;
  EXPECT_EQ(Evaluate("e13", "T3", true, v1::SATISFACTION_SATISFIED, true, &r)
                .error_code(),
            grpc::FAILED_PRECONDITION);

  // A replay by a role that may not record evaluations learns nothing.
  ASSERT_TRUE(
      Evaluate("e13-t1", "T1", true, v1::SATISFACTION_SATISFIED, true, &r)
          .ok());
  v1::RecordEvaluationResponse replay;
  EXPECT_EQ(Evaluate("e13-t1", "T1", true, v1::SATISFACTION_SATISFIED, true,
                     &replay, kCenterToken)
                .error_code(),
            grpc::PERMISSION_DENIED);
  EXPECT_FALSE(replay.has_evaluation());
}

TEST_F(AssessmentTest, RejectedReplyCannotBeEvaluated) {
  History h = FixedHistory();
  // Deliver T2 only up to its rejected review.
  std::vector<v1::TicketEvent> part;
  for (const auto& e : h.events) {
    if (e.ticket_id() != "T2") continue;
    part.push_back(e);
    if (e.has_reviewed()) break;
  }
  ASSERT_EQ(testing::Publish(svc_->channel(), part),
            static_cast<int64_t>(part.size()));
  ASSERT_TRUE(svc_->clock().AdvanceTo(Local("2024-03-29 10:00")).ok());
  v1::RecordEvaluationResponse r;
  grpc::Status s =
      Evaluate("e9", "T2", true, v1::SATISFACTION_SATISFIED, true, &r);
  EXPECT_EQ(s.error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "REHANDLING"))
      << s.error_message();
}

TEST_F(AssessmentTest, FactsRecordedOnceAndListedByUnitAndPeriod) {
  PublishHistory();
  PublishHistory();  // redelivery changes nothing
  v1::ListFactsRequest req;
  req.set_unit_id("town.longgang");
  *req.mutable_period() = March();
  req.mutable_page()->set_page_size(3);
  std::vector<std::string> ids;
  std::string second_page;
  for (int page = 0; page < 10; ++page) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    v1::ListFactsResponse resp;
    ASSERT_TRUE(stub_->ListFacts(&ctx, req, &resp).ok());
    for (const auto& f : resp.facts()) ids.push_back(f.event().event_id());
    if (resp.page().next_page_token().empty()) break;
    if (page == 0) second_page = resp.page().next_page_token();
    req.mutable_page()->set_page_token(resp.page().next_page_token());
  }
  // town.longgang's subtree in March: T1 dispatched, forwarded (to the
  // village), response, forward, replied, handling, reviewed (village); T4
  // redispatched, dispute raised, response, dispute decided, replied,
  // handling, reviewed = 14 facts.
  EXPECT_EQ(ids.size(), 14u);
  std::set<std::string> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), ids.size());
  // A token is bound to its query.
  req.set_unit_id("dept.housing");
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::ListFactsResponse resp;
  req.mutable_page()->set_page_token("bm90LWEtdG9rZW4");
  EXPECT_EQ(stub_->ListFacts(&ctx, req, &resp).error_code(),
            grpc::INVALID_ARGUMENT);
  ASSERT_FALSE(second_page.empty());
  req.mutable_page()->set_page_token(second_page);
  grpc::ClientContext ctx2;
  ServiceUnderTest::Authorize(&ctx2, kCenterToken);
  const grpc::Status foreign = stub_->ListFacts(&ctx2, req, &resp);
  EXPECT_EQ(foreign.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(foreign.error_message(), "page.page_token"))
      << foreign.error_message();
}

TEST_F(AssessmentTest, UnitStaffSeeOnlyTheirSubtree) {
  PublishHistory();
  grpc::Status s;
  const v1::Scorecard village =
      Scorecard("village.gaoping", false, "staff-longgang-01", &s);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(village.unit_kind(), v1::UNIT_KIND_VILLAGE_COMMUNITY);
  Scorecard("dept.housing", false, "staff-longgang-01", &s);
  EXPECT_EQ(s.error_code(), grpc::PERMISSION_DENIED);
  Scorecard("town.nowhere", false, kCenterToken, &s);
  EXPECT_EQ(s.error_code(), grpc::NOT_FOUND);
}

TEST_F(AssessmentTest, AccountabilityCandidatesWithEvidence) {
  PublishHistory();
  v1::AccountabilityCandidatesRequest req;
  *req.mutable_period() = March();
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::AccountabilityCandidatesResponse resp;
  ASSERT_TRUE(stub_->AccountabilityCandidates(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.candidates_size(), 7);
  std::map<std::string, v1::AccountabilityCandidate> by_id;
  for (const auto& c : resp.candidates()) by_id[c.candidate_id()] = c;

  const auto& urgent = by_id["urgent:T3:town.longshui"];
  EXPECT_EQ(urgent.kind(), v1::ACCOUNTABILITY_KIND_URGENT_DELAYED);
  EXPECT_EQ(urgent.article(), "10(1)");
  ASSERT_EQ(urgent.evidence_size(), 2);  // first overdue, SUPERVISION
  EXPECT_TRUE(absl::StrContains(urgent.evidence(0).description(),
                                "2 working days overdue by the period's end"))
      << urgent.evidence(0).description();
  EXPECT_TRUE(absl::StrContains(urgent.evidence(0).description(), "6(2)"));
  const auto& urgent7 = by_id["urgent:T7:dept.transport"];
  ASSERT_EQ(urgent7.evidence_size(), 2);
  EXPECT_TRUE(absl::StrContains(urgent7.evidence(0).description(),
                                "14 working days overdue"));

  const auto& pushed = by_id["pushedback:T7:dept.transport"];
  EXPECT_EQ(pushed.kind(), v1::ACCOUNTABILITY_KIND_URGENT_PUSHED_BACK);
  EXPECT_EQ(pushed.article(), "10(1)");
  ASSERT_EQ(pushed.evidence_size(), 1);
  EXPECT_TRUE(absl::StrContains(pushed.evidence(0).description(),
                                "公交线路调整属区交通局运管所职责"));

  const auto& nofb = by_id["nofeedback:T3:town.longshui"];
  EXPECT_EQ(nofb.kind(), v1::ACCOUNTABILITY_KIND_NO_FEEDBACK_AFTER_SUPERVISION);
  EXPECT_EQ(nofb.article(), "10(3)");
  ASSERT_EQ(nofb.evidence_size(), 2);
  EXPECT_TRUE(
      absl::StrContains(nofb.evidence(0).description(), "REMINDER fired"));
  EXPECT_TRUE(absl::StartsWith(nofb.evidence(0).event_id(), "deadline-"));
  // The two steps in different months: February's REMINDER is evidence of
  // March's candidate.
  const auto& nofb7 = by_id["nofeedback:T7:dept.transport"];
  ASSERT_EQ(nofb7.evidence_size(), 2);
  EXPECT_EQ(FromProto(nofb7.first_at()), Local("2024-02-28 00:00"));
  EXPECT_EQ(FromProto(nofb7.last_at()), Local("2024-03-12 00:00"));
  EXPECT_TRUE(absl::StrContains(
      nofb7.evidence(1).description(),
      "SUPERVISION fired 2024-03-12 00:00 for the HANDLING clock "
      "clk-T7-4-dept.transport (due 2024-03-12 00:00; 14 working days "
      "overdue by the period's end)"))
      << nofb7.evidence(1).description();
  // T2 was chased twice and answered: no candidate.
  EXPECT_EQ(by_id.count("nofeedback:T2:dept.housing"), 0u);

  const v1::AccountabilityCandidate* late = nullptr;
  const v1::AccountabilityCandidate* gap = nullptr;
  for (const auto& c : resp.candidates()) {
    if (c.kind() == v1::ACCOUNTABILITY_KIND_REPEATED_LATE_RETURNS) late = &c;
    if (c.kind() == v1::ACCOUNTABILITY_KIND_DUTY_GAP) gap = &c;
  }
  ASSERT_NE(late, nullptr);
  EXPECT_EQ(late->unit_id(), "dept.housing");
  EXPECT_EQ(late->ticket_ids_size(), 2);
  ASSERT_EQ(late->evidence_size(), 2);
  EXPECT_TRUE(absl::StrContains(late->evidence(0).description(),
                                "1 working days late [6(1); rule return]"))
      << late->evidence(0).description();
  ASSERT_NE(gap, nullptr);
  EXPECT_EQ(gap->unit_id(), "town.longshui");
  EXPECT_EQ(gap->article(), "10(2)");
  ASSERT_EQ(gap->evidence_size(), 2);  // 03-13 and 03-28, leader only
  EXPECT_TRUE(absl::StrContains(gap->evidence(0).description(), "2024-03-13"));

  // Newest first. Four candidates' last evidence is 03-28 00:00 (T3's first
  // overdue and SUPERVISION, T5's late return dated by its due, the duty
  // gap): ties go by candidate id. (Before this change the late returns came
  // first: their evidence was the stop at 03-28 10:00.)
  std::vector<std::string> order;
  for (const auto& c : resp.candidates()) {
    order.push_back(c.candidate_id().substr(0, c.candidate_id().find(':')));
  }
  EXPECT_EQ(order, (std::vector<std::string>{
                       "dutygap", "latereturns", "nofeedback", "urgent",
                       "nofeedback", "urgent", "pushedback"}));

  // In February T7 had one step only.
  *req.mutable_period() = March();
  req.mutable_period()->set_from_date("2024-02-01");
  req.mutable_period()->set_to_date("2024-02-29");
  grpc::ClientContext ctx2;
  ServiceUnderTest::Authorize(&ctx2, kCenterToken);
  ASSERT_TRUE(stub_->AccountabilityCandidates(&ctx2, req, &resp).ok());
  EXPECT_EQ(resp.candidates_size(), 0);
}

TEST_F(AssessmentTest, HotTopicsAgainstPreviousPeriod) {
  PublishHistory();
  v1::HotTopicsRequest req;
  *req.mutable_period() = March();
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::HotTopicsResponse resp;
  ASSERT_TRUE(stub_->HotTopics(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.topics_size(), 4);
  // Ties by count are ordered by category, then area.
  EXPECT_EQ(resp.topics(0).category_code(), "policy.social.pension");
  EXPECT_EQ(resp.topics(0).count(), 2);
  EXPECT_EQ(resp.topics(1).category_code(), "urban.road.damage");
  EXPECT_EQ(resp.topics(1).area_code(), "town.longgang");
  EXPECT_EQ(resp.topics(1).count(), 2);
  EXPECT_EQ(resp.topics(1).previous_count(), 1);
  EXPECT_EQ(resp.topics(1).change(), 1);
  EXPECT_DOUBLE_EQ(resp.topics(1).change_ratio(), 1.0);
  EXPECT_EQ(resp.previous_period().from_date(), "2024-01-30");
  EXPECT_EQ(resp.previous_period().to_date(), "2024-02-29");

  req.set_category_depth(1);
  grpc::ClientContext ctx2;
  ServiceUnderTest::Authorize(&ctx2, kCenterToken);
  ASSERT_TRUE(stub_->HotTopics(&ctx2, req, &resp).ok());
  ASSERT_EQ(resp.topics_size(), 3);
  std::map<std::string, int64_t> urban;
  for (const auto& t : resp.topics()) {
    if (t.category_code() == "urban") urban[t.area_code()] = t.count();
  }
  EXPECT_EQ(urban["town.longshui"], 2);  // urban.water + urban.road.damage
}

TEST_F(AssessmentTest, ReportDocumentsAndRebuildAgree) {
  PublishHistory();
  EvaluateMarch();
  AfterMarch();
  v1::ReportRequest req;
  *req.mutable_period() = March(v1::GRANULARITY_MONTH);
  req.add_formats(v1::REPORT_FORMAT_MARKDOWN);
  req.add_formats(v1::REPORT_FORMAT_CSV);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::ReportResponse resp;
  ASSERT_TRUE(stub_->Report(&ctx, req, &resp).ok());
  // markdown + 8 CSVs (the open overdue orders are a new table)
  ASSERT_EQ(resp.documents_size(), 9);
  EXPECT_EQ(resp.documents(0).file_name(), "report-2024-03.md");
  const std::string& md = resp.documents(0).content();
  // longgang is first now that longshui no longer scores 100 on nothing.
  EXPECT_TRUE(
      absl::StrContains(md, "| 1 | town.longgang | 82.50 | 1 | -17.50 | 3 |"))
      << md;
  EXPECT_TRUE(absl::StrContains(md,
                                "| — | town.baoding | 不参与评分 | — | — | 0 | "
                                "不适用 | 不适用 | 0 | 0 |"))
      << md;
  // 4 working days late, not 3 (judged at the approved reply).
  EXPECT_TRUE(absl::StrContains(md, "| dept.housing | 1 | 4 |")) << md;
  EXPECT_TRUE(absl::StrContains(md, "| dept.transport | 1 | 14 |")) << md;
  EXPECT_TRUE(absl::StrContains(md, "| 按时流转率 | 100.0% |")) << md;
  EXPECT_TRUE(absl::StrContains(md, "| 协办按时率 | 不适用 |")) << md;
  EXPECT_TRUE(
      absl::StrContains(md, "## 超期未办结工单（截至 2024-04-01 00:00）"))
      << md;
  EXPECT_TRUE(absl::StrContains(
      md, "| DZ20240301-T7 | dept.transport | 办理 | 2024-03-12 00:00 | 14 |"))
      << md;
  EXPECT_TRUE(absl::StrContains(
      md, "| DZ20240301-T3 | town.longshui | 办理 | 2024-03-28 00:00 | 2 |"))
      << md;
  EXPECT_EQ(resp.documents(2).file_name(), "ranking-town_street-2024-03.csv");

  v1::RebuildRollupsRequest rb;
  rb.set_request_id("rebuild-1");
  rb.set_verify_only(true);
  grpc::ClientContext ctx2;
  ServiceUnderTest::Authorize(&ctx2, kCenterToken);
  v1::RebuildRollupsResponse rr;
  ASSERT_TRUE(stub_->RebuildRollups(&ctx2, rb, &rr).ok());
  EXPECT_EQ(rr.mismatches(), 0);
  EXPECT_EQ(rr.facts_scanned(),
            static_cast<int64_t>(FixedHistory().events.size()) + 3);
  EXPECT_GT(rr.rollup_rows(), 0);
}

}  // namespace
}  // namespace hotline::assessment

namespace hotline::assessment {
namespace {

// Following routing's directory (the Dazu sample imported), rankings and
// scorecards carry the units' names.
TEST(AssessmentDirectoryTest, DirectoryCopyNamesUnits) {
  auto directory = testing::SampleDirectory::Start();
  ASSERT_TRUE(directory.ok()) << directory.status();
  auto svc = (*directory)->StartAssessment();
  ASSERT_TRUE(svc.ok()) << svc.status();
  History h = FixedHistory();
  ASSERT_EQ(testing::Publish((*svc)->channel(), h.events),
            static_cast<int64_t>(h.events.size()));
  auto stub = v1::AssessmentService::NewStub((*svc)->channel());
  v1::RankingRequest req;
  *req.mutable_period() = March();
  req.set_peer_kind(v1::UNIT_KIND_TOWN_STREET);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::RankingResponse resp;
  ASSERT_TRUE(stub->Ranking(&ctx, req, &resp).ok());
  std::map<std::string, std::string> names;
  for (const auto& e : resp.entries()) names[e.unit_id()] = e.unit_name();
  EXPECT_EQ(names["town.longgang"], "龙岗街道");
  EXPECT_EQ(names["town.longshui"], "龙水镇");
  // Every town/street of the directory is a peer, with or without orders.
  EXPECT_GE(resp.entries_size(), 27);
}

// A scorecard names a unit and gives its kind as routing's directory has
// them, also for units no event named: the community lies under the town by
// the directory although its id is no prefix of the town's.
TEST(AssessmentDirectoryTest, ScorecardsShowTheDirectorysNameAndKind) {
  auto directory = testing::SampleDirectory::Start();
  ASSERT_TRUE(directory.ok()) << directory.status();
  auto svc = (*directory)->StartAssessment();
  ASSERT_TRUE(svc.ok()) << svc.status();
  History h = FixedHistory();
  ASSERT_EQ(testing::Publish((*svc)->channel(), h.events),
            static_cast<int64_t>(h.events.size()));
  auto stub = v1::AssessmentService::NewStub((*svc)->channel());
  auto scorecard = [&](const std::string& unit) {
    v1::UnitScorecardRequest req;
    req.set_unit_id(unit);
    *req.mutable_period() = March();
    req.set_include_subtree(true);
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    v1::UnitScorecardResponse resp;
    grpc::Status s = stub->UnitScorecard(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << unit << ": " << s.error_message();
    return resp.scorecard();
  };
  const v1::Scorecard town = scorecard("town.longshui");
  EXPECT_EQ(town.unit_name(), "龙水镇");
  EXPECT_EQ(town.unit_kind(), v1::UNIT_KIND_TOWN_STREET);
  const v1::Scorecard community = scorecard("comm.longshui.nanshan");
  EXPECT_EQ(community.unit_name(), "南山社区");
  EXPECT_EQ(community.unit_kind(), v1::UNIT_KIND_VILLAGE_COMMUNITY);
  // A section named after the town is its department's, by the directory.
  const v1::Scorecard section = scorecard("sec.market.longshui");
  EXPECT_EQ(section.unit_name(), "龙水所");
  EXPECT_EQ(section.unit_kind(), v1::UNIT_KIND_SECTION);
}

}  // namespace
}  // namespace hotline::assessment
