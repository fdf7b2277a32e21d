#pragma once

// The fixture of the assessment integration tests: the service on a
// throwaway MariaDB schema, the fixed history of fixed_history.h (its
// figures are computed by hand in assessment_integration_test.cc), and
// helpers to evaluate, advance the clock and read scorecards.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hotline/v1/assessment.grpc.pb.h"
#include "services/assessment/edge/assessment_service.h"
#include "services/assessment/tests/assessment_test_util.h"
#include "services/assessment/tests/fixed_history.h"

namespace hotline::assessment::testing {

inline v1::Period March(v1::Granularity g = v1::GRANULARITY_UNSPECIFIED) {
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
    auto svc =
        ::hotline::testing::ServiceUnderTest::Start(Definition(), options);
    ASSERT_TRUE(svc.ok()) << svc.status();
    svc_ = std::move(*svc);
    stub_ = v1::AssessmentService::NewStub(svc_->channel());
  }

  void PublishHistory() {
    History h = FixedHistory();
    ASSERT_EQ(testing::Publish(svc_->channel(), h.events),
              static_cast<int64_t>(h.events.size()));
  }

  grpc::Status Evaluate(
      const std::string& request_id, const std::string& ticket, bool reached,
      v1::Satisfaction s, bool resolved, v1::RecordEvaluationResponse* resp,
      const std::string& token = ::hotline::testing::kEvaluatorToken) {
    v1::RecordEvaluationRequest req;
    req.set_request_id(request_id);
    req.set_ticket_id(ticket);
    req.set_reached(reached);
    if (!reached) req.set_callback(v1::CALLBACK_OUTCOME_NOT_REACHED);
    req.set_satisfaction(s);
    req.set_resolved(resolved);
    req.set_comment(reached ? "市民表示问题已处理" : "三次拨打均无人接听");
    grpc::ClientContext ctx;
    ::hotline::testing::ServiceUnderTest::Authorize(&ctx, token);
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

  // March is over: open overdue orders are as of its end.
  void AfterMarch() {
    ASSERT_TRUE(svc_->clock().AdvanceTo(Local("2024-04-05 10:00")).ok());
  }

  v1::Scorecard Scorecard(
      const std::string& unit, bool subtree,
      const std::string& token = ::hotline::testing::kCenterToken,
      grpc::Status* status = nullptr,
      v1::Period period = March(v1::GRANULARITY_WEEK)) {
    v1::UnitScorecardRequest req;
    req.set_unit_id(unit);
    *req.mutable_period() = period;
    req.set_include_subtree(subtree);
    grpc::ClientContext ctx;
    ::hotline::testing::ServiceUnderTest::Authorize(&ctx, token);
    v1::UnitScorecardResponse resp;
    grpc::Status s = stub_->UnitScorecard(&ctx, req, &resp);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return resp.scorecard();
  }

  std::unique_ptr<::hotline::testing::ServiceUnderTest> svc_;
  std::unique_ptr<v1::AssessmentService::Stub> stub_;
};

inline void ExpectRatio(const v1::Ratio& r, int64_t num, int64_t den,
                        const char* what) {
  EXPECT_EQ(r.numerator(), num) << what;
  EXPECT_EQ(r.denominator(), den) << what;
}

}  // namespace hotline::assessment::testing
