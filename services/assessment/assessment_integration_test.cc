// Assessment over real gRPC and MariaDB, on a small fixed history whose
// indicators are computed by hand below (March 2024, CST).
//
// Units: town.longgang (镇街, area) with village.gaoping below it (learned
// from a Forwarded event), town.longshui (镇街), dept.housing (区住建委).
//
//  T0 (Feb) complaint → town.longgang 02-20, handling MET (previous period).
//  T1 complaint, URGENT, urban.road.damage @ town.longgang: created 03-04
//     09:00, dispatched town.longgang 10:00, forwarded → village.gaoping 15:00
//     (response MET, forward MET), replied by village.gaoping Thu 03-07 (3
//     working days), handling MET, approved 03-08; evaluated satisfied and
//     resolved.
//  T2 consultation, policy.social.pension (no area): created 03-05,
//     dispatched dept.housing 10:00; REMINDER 03-06 00:00; response MISSED;
//     SUPERVISION 03-09; replied Wed 03-13 (6 working days), handling MISSED
//     by 3 working days; review rejected; replied again 03-14 (round 1);
//     approved; evaluated: caller not reached.
//  T3 help-seeking, EXTRA_URGENT, urban.water @ town.longshui: created 03-11,
//     dispatched town.longshui; REMINDER 03-12; extension requested 03-12 and
//     approved 03-13; SUPERVISION 03-26; never replied.
//  T4 complaint, urban.road.damage @ town.longgang: created 03-18,
//     dispatched dept.housing; returned to the center 03-21 (return clock
//     MISSED); redispatched town.longgang 03-21 11:00; dispute raised 14:00
//     (response MET), upheld 03-22; replied Wed 03-27 (4 working days after
//     the redispatch), handling MET, approved; evaluated dissatisfied, not
//     resolved.
//  T5 complaint, urban.road.damage @ town.longshui: created 03-25,
//     dispatched dept.housing, returned 03-28 (return clock MISSED).
//  T6 consultation, policy.social.pension: created 03-06, closed at intake.
//
// Hand-computed March figures:
//  town.longgang alone: orders 2, response 2/2, completion 1/1, disputes 1
//    (upheld 1), reviews 1 (0 rejected), reached 1/1, satisfied 0/1,
//    resolved 0/1, median 4.
//  town.longgang subtree (+village.gaoping): orders 3, response 2/2,
//    forwarding 1/1, completion 2/2, reviews 2, reached 2/2, satisfied 1/2,
//    resolved 1/2, median (3+4)/2 = 3.5; score = 15+10+30+12.5+5+10 = 82.5;
//    previous (Feb: completion 1/1, nothing else) 100 → change −17.5.
//  dept.housing: orders 3, response 0/1, completion 0/1, overdue 1 order /
//    3 working days, returns 2, late returns 2, reminders 1, supervisions 1,
//    rehandling 1/2, reached 0/1 (satisfaction 0/0), median 6;
//    score = 0+10+0+25+10+5 = 50.
//  town.longshui: orders 1, extensions 1/1, reminders 1, supervisions 1;
//    every rate has denominator 0 → score 100.
//  District: received 6, closed at intake 1/6.
//  Accountability: T3 urgent delayed (town.longshui), T3 no feedback after 2
//    steps (town.longshui), dept.housing repeated late returns (2).

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "hotline/v1/assessment.grpc.pb.h"
#include "services/assessment/assessment_service.h"
#include "services/assessment/assessment_test_util.h"
#include "services/assessment/fixed_history.h"

namespace hotline::assessment {
namespace {

using ::hotline::testing::kAgentToken;
using ::hotline::testing::kCenterToken;
using ::hotline::testing::kEvaluatorToken;
using ::hotline::testing::ServiceUnderTest;
using testing::FixedHistory;
using testing::History;
using testing::Local;

v1::Period March(v1::Granularity g = v1::GRANULARITY_UNSPECIFIED) {
  v1::Period p;
  p.set_from_date("2024-03-01");
  p.set_to_date("2024-03-31");
  p.set_granularity(g);
  return p;
}

class AssessmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hotline::testing::ServiceOptions options;
    options.extra_tokens =
        "staff-longgang-01 UNIT_STAFF town.longgang\n"
        "lead-housing-0001 UNIT_LEAD dept.housing\n";
    auto svc = ServiceUnderTest::Start(Definition(), options);
    ASSERT_TRUE(svc.ok()) << svc.status();
    svc_ = std::move(*svc);
    stub_ = v1::AssessmentService::NewStub(svc_->channel());
  }

  void PublishHistory() {
    History h = FixedHistory();
    ASSERT_EQ(testing::Publish(svc_->channel(), h.events),
              static_cast<int64_t>(h.events.size()));
  }

  grpc::Status Evaluate(const std::string& request_id,
                        const std::string& ticket, bool reached,
                        v1::Satisfaction s, bool resolved,
                        v1::RecordEvaluationResponse* resp,
                        const std::string& token = kEvaluatorToken) {
    v1::RecordEvaluationRequest req;
    req.set_request_id(request_id);
    req.set_ticket_id(ticket);
    req.set_reached(reached);
    req.set_satisfaction(s);
    req.set_resolved(resolved);
    req.set_comment(reached ? "市民表示问题已处理" : "三次拨打均无人接听");
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    return stub_->RecordEvaluation(&ctx, req, resp);
  }

  void EvaluateMarch() {
    ASSERT_TRUE(svc_->clock().AdvanceTo(Local("2024-03-29 10:00")).ok());
    v1::RecordEvaluationResponse r;
    ASSERT_TRUE(
        Evaluate("ev-t1", "T1", true, v1::SATISFACTION_SATISFIED, true, &r)
            .ok());
    ASSERT_TRUE(
        Evaluate("ev-t2", "T2", false, v1::SATISFACTION_UNSPECIFIED, false, &r)
            .ok());
    ASSERT_TRUE(
        Evaluate("ev-t4", "T4", true, v1::SATISFACTION_DISSATISFIED, false, &r)
            .ok());
  }

  v1::Scorecard Scorecard(const std::string& unit, bool subtree,
                          const std::string& token = kCenterToken,
                          grpc::Status* status = nullptr) {
    v1::UnitScorecardRequest req;
    req.set_unit_id(unit);
    *req.mutable_period() = March(v1::GRANULARITY_WEEK);
    req.set_include_subtree(subtree);
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::UnitScorecardResponse resp;
    grpc::Status s = stub_->UnitScorecard(&ctx, req, &resp);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return resp.scorecard();
  }

  std::unique_ptr<ServiceUnderTest> svc_;
  std::unique_ptr<v1::AssessmentService::Stub> stub_;
};

void ExpectRatio(const v1::Ratio& r, int64_t num, int64_t den,
                 const char* what) {
  EXPECT_EQ(r.numerator(), num) << what;
  EXPECT_EQ(r.denominator(), den) << what;
}

TEST_F(AssessmentTest, ScorecardsMatchHandComputedFigures) {
  PublishHistory();
  EvaluateMarch();

  const v1::Scorecard own = Scorecard("town.longgang", false);
  EXPECT_EQ(own.unit_kind(), v1::UNIT_KIND_TOWN_STREET);
  EXPECT_EQ(own.total().orders(), 2);
  ExpectRatio(own.total().on_time_response(), 2, 2, "response");
  ExpectRatio(own.total().on_time_completion(), 1, 1, "completion");
  EXPECT_EQ(own.total().disputes_raised(), 1);
  EXPECT_EQ(own.total().disputes_dispatch_upheld(), 1);
  ExpectRatio(own.total().rehandling(), 0, 1, "rehandling");
  ExpectRatio(own.total().satisfaction(), 0, 1, "satisfaction");
  EXPECT_EQ(own.total().median_handling_working_days(), 4);

  const v1::Scorecard sub = Scorecard("town.longgang", true);
  EXPECT_EQ(sub.total().orders(), 3);
  ExpectRatio(sub.total().on_time_response(), 2, 2, "response");
  ExpectRatio(sub.total().on_time_forwarding(), 1, 1, "forwarding");
  ExpectRatio(sub.total().on_time_completion(), 2, 2, "completion");
  ExpectRatio(sub.total().reached(), 2, 2, "reached");
  ExpectRatio(sub.total().satisfaction(), 1, 2, "satisfaction");
  ExpectRatio(sub.total().resolution(), 1, 2, "resolution");
  EXPECT_DOUBLE_EQ(sub.total().median_handling_working_days(), 3.5);
  EXPECT_NEAR(sub.composite_score(), 82.5, 1e-9);
  double sum = 0;
  for (const auto& c : sub.components()) sum += c.contribution();
  EXPECT_NEAR(sum, 82.5, 1e-9);
  EXPECT_EQ(sub.previous_total().orders(), 1);
  EXPECT_NEAR(sub.previous_composite_score(), 100.0, 1e-9);
  EXPECT_EQ(sub.weights_version(), "weights-2024.1");
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
  EXPECT_EQ(housing.total().overdue_working_days(), 3);
  EXPECT_EQ(housing.total().returns(), 2);
  EXPECT_EQ(housing.total().late_returns(), 2);
  EXPECT_EQ(housing.total().reminders(), 1);
  EXPECT_EQ(housing.total().supervisions(), 1);
  ExpectRatio(housing.total().rehandling(), 1, 2, "rehandling");
  ExpectRatio(housing.total().reached(), 0, 1, "reached");
  ExpectRatio(housing.total().satisfaction(), 0, 0, "satisfaction");
  EXPECT_EQ(housing.total().median_handling_working_days(), 6);
  EXPECT_NEAR(housing.composite_score(), 50.0, 1e-9);

  const v1::Scorecard longshui = Scorecard("town.longshui", true);
  EXPECT_EQ(longshui.total().orders(), 1);
  EXPECT_EQ(longshui.total().extensions_requested(), 1);
  EXPECT_EQ(longshui.total().extensions_approved(), 1);
  EXPECT_EQ(longshui.total().reminders(), 1);
  EXPECT_EQ(longshui.total().supervisions(), 1);

  const v1::Scorecard district = Scorecard("center", true);
  EXPECT_EQ(district.total().received(), 6);
  ExpectRatio(district.total().closed_at_intake(), 1, 6, "closed at intake");
  EXPECT_EQ(district.total().orders(), 7);
}

TEST_F(AssessmentTest, RankingsAmongPeersWithPreviousPeriod) {
  PublishHistory();
  EvaluateMarch();
  v1::RankingRequest req;
  *req.mutable_period() = March();
  req.set_peer_kind(v1::UNIT_KIND_TOWN_STREET);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::RankingResponse resp;
  ASSERT_TRUE(stub_->Ranking(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.entries_size(), 2);
  EXPECT_EQ(resp.entries(0).unit_id(), "town.longshui");
  EXPECT_EQ(resp.entries(0).rank(), 1);
  EXPECT_EQ(resp.entries(0).previous_rank(), 0);
  EXPECT_EQ(resp.entries(1).unit_id(), "town.longgang");
  EXPECT_EQ(resp.entries(1).rank(), 2);
  EXPECT_NEAR(resp.entries(1).composite_score(), 82.5, 1e-9);
  EXPECT_EQ(resp.entries(1).previous_rank(), 1);
  EXPECT_NEAR(resp.entries(1).score_change(), -17.5, 1e-9);
  EXPECT_EQ(resp.entries(1).indicators().orders(), 3);  // over the subtree

  req.set_peer_kind(v1::UNIT_KIND_DEPARTMENT);
  grpc::ClientContext ctx2;
  ServiceUnderTest::Authorize(&ctx2, "lead-housing-0001");
  ASSERT_TRUE(stub_->Ranking(&ctx2, req, &resp).ok());
  ASSERT_EQ(resp.entries_size(), 1);
  EXPECT_EQ(resp.entries(0).unit_id(), "dept.housing");
  EXPECT_NEAR(resp.entries(0).composite_score(), 50.0, 1e-9);

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
  for (int page = 0; page < 10; ++page) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    v1::ListFactsResponse resp;
    ASSERT_TRUE(stub_->ListFacts(&ctx, req, &resp).ok());
    for (const auto& f : resp.facts()) ids.push_back(f.event().event_id());
    if (resp.page().next_page_token().empty()) break;
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
  ASSERT_EQ(resp.candidates_size(), 3);
  std::map<v1::AccountabilityKind, v1::AccountabilityCandidate> by_kind;
  for (const auto& c : resp.candidates()) by_kind[c.kind()] = c;
  const auto& urgent = by_kind[v1::ACCOUNTABILITY_KIND_URGENT_DELAYED];
  EXPECT_EQ(urgent.unit_id(), "town.longshui");
  EXPECT_EQ(urgent.ticket_ids(0), "T3");
  const auto& nofb =
      by_kind[v1::ACCOUNTABILITY_KIND_NO_FEEDBACK_AFTER_SUPERVISION];
  EXPECT_EQ(nofb.unit_id(), "town.longshui");
  EXPECT_EQ(nofb.article(), "10(3)");
  ASSERT_EQ(nofb.evidence_size(), 2);
  EXPECT_TRUE(
      absl::StrContains(nofb.evidence(0).description(), "REMINDER fired"));
  EXPECT_TRUE(absl::StartsWith(nofb.evidence(0).event_id(), "deadline-"));
  const auto& late = by_kind[v1::ACCOUNTABILITY_KIND_REPEATED_LATE_RETURNS];
  EXPECT_EQ(late.unit_id(), "dept.housing");
  EXPECT_EQ(late.ticket_ids_size(), 2);
  EXPECT_EQ(late.evidence_size(), 2);
  // Newest first: the late returns' last evidence is 03-28.
  EXPECT_EQ(resp.candidates(0).kind(),
            v1::ACCOUNTABILITY_KIND_REPEATED_LATE_RETURNS);
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
  v1::ReportRequest req;
  *req.mutable_period() = March(v1::GRANULARITY_MONTH);
  req.add_formats(v1::REPORT_FORMAT_MARKDOWN);
  req.add_formats(v1::REPORT_FORMAT_CSV);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::ReportResponse resp;
  ASSERT_TRUE(stub_->Report(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.documents_size(), 8);  // markdown + 7 CSVs
  EXPECT_EQ(resp.documents(0).file_name(), "report-2024-03.md");
  const std::string& md = resp.documents(0).content();
  EXPECT_TRUE(
      absl::StrContains(md, "| 2 | town.longgang | 82.50 | 1 | -17.50 | 3 |"))
      << md;
  EXPECT_TRUE(absl::StrContains(md, "| dept.housing | 1 | 3 |")) << md;
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

// With a copy of routing's directory (the Dazu sample CSV), rankings and
// scorecards carry the units' names.
TEST(AssessmentDirectoryTest, DirectoryCopyNamesUnits) {
  setenv("HOTLINE_ASSESSMENT_DIRECTORY_CSV",
         HOTLINE_SOURCE_DIR "/data/directory/dazu_sample.csv", 1);
  auto svc = ServiceUnderTest::Start(Definition());
  unsetenv("HOTLINE_ASSESSMENT_DIRECTORY_CSV");
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

}  // namespace
}  // namespace hotline::assessment
