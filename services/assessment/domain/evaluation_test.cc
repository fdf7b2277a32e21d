#include "services/assessment/domain/evaluation.h"

#include <gtest/gtest.h>

#include "common/server/proto_time.h"
#include "services/assessment/domain/domain_test_util.h"

namespace hotline::assessment {
namespace {

using testing::At;

TicketInfo Approved() {
  TicketInfo t;
  t.known = true;
  t.ticket_number = "GD-20240305-0001";
  t.review_status = "APPROVED";
  t.replied_unit_id = "town.longgang";
  t.approved_unit_id = "town.longgang";
  return t;
}

EvaluationAnswer Answer() {
  EvaluationAnswer a;
  a.reached = true;
  a.satisfaction = v1::SATISFACTION_SATISFIED;
  a.resolved = true;
  a.comment = "市民表示路面已修好，很满意";
  a.evaluated_at = At("2024-03-06T02:00:00Z");
  a.evaluator.set_principal_id("eval-张敏");
  a.evaluator.set_role(v1::EVALUATOR);
  return a;
}

TEST(CheckEvaluableTest, ApprovedReplyWithoutEvaluationIsEvaluable) {
  EXPECT_TRUE(CheckEvaluable("t-1", Approved(), "").ok());
}

TEST(CheckEvaluableTest, UnknownOrderIsNotFoundNamingTheTicket) {
  absl::Status s = CheckEvaluable("t-404", TicketInfo{}, "");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find("ticket_id: t-404"), std::string::npos) << s;
}

TEST(CheckEvaluableTest, OneEvaluationPerOrder) {
  absl::Status s = CheckEvaluable("t-1", Approved(), "eval-0001");
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find("GD-20240305-0001 already has evaluation "
                             "eval-0001"),
            std::string::npos)
      << s;
}

TEST(CheckEvaluableTest, ReplyMustBeApproved) {
  struct Case {
    const char* review_status;
    const char* says;
  };
  for (const Case& c : {Case{"NONE", "is not replied"},
                        Case{"REPLIED", "is REPLIED, awaiting review"},
                        Case{"REJECTED", "is REHANDLING (reply rejected)"}}) {
    TicketInfo t = Approved();
    t.review_status = c.review_status;
    t.approved_unit_id.clear();
    absl::Status s = CheckEvaluable("t-1", t, "");
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << c.says;
    EXPECT_NE(s.message().find(c.says), std::string::npos) << s;
    EXPECT_NE(s.message().find("held by town.longgang"), std::string::npos)
        << s;
  }
  // APPROVED without an approved unit is not evaluable either.
  TicketInfo t = Approved();
  t.approved_unit_id.clear();
  EXPECT_EQ(CheckEvaluable("t-1", t, "").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(MakeEvaluationTest, CreditsTheApprovedUnitAndEmitsTheEvent) {
  TicketInfo t = Approved();
  t.replied_unit_id = "comm.longgang.nanlian";  // a later reply, not approved
  const v1::Evaluation ev = MakeEvaluation("eval-1", "t-1", t, Answer());
  EXPECT_EQ(ev.evaluation_id(), "eval-1");
  EXPECT_EQ(ev.ticket_id(), "t-1");
  EXPECT_EQ(ev.unit_id(), "town.longgang");
  EXPECT_TRUE(ev.reached());
  EXPECT_EQ(ev.satisfaction(), v1::SATISFACTION_SATISFIED);
  EXPECT_EQ(ev.comment(), "市民表示路面已修好，很满意");
  EXPECT_EQ(FromProto(ev.evaluated_at()), At("2024-03-06T02:00:00Z"));
  EXPECT_EQ(ev.evaluator().principal_id(), "eval-张敏");

  const v1::TicketEvent e =
      EvaluationRecordedEvent(ev, t, At("2024-03-06T03:00:00Z"));
  EXPECT_EQ(e.ticket_id(), "t-1");
  EXPECT_EQ(e.ticket_number(), "GD-20240305-0001");
  EXPECT_EQ(FromProto(e.occurred_at()), At("2024-03-06T03:00:00Z"));
  EXPECT_EQ(e.actor().principal_id(), "eval-张敏");
  ASSERT_TRUE(e.has_evaluation_recorded());
  EXPECT_EQ(e.evaluation_recorded().evaluation_id(), "eval-1");
  EXPECT_EQ(e.evaluation_recorded().unit_id(), "town.longgang");
  EXPECT_TRUE(e.evaluation_recorded().resolved());
  EXPECT_EQ(FromProto(e.evaluation_recorded().evaluated_at()),
            At("2024-03-06T02:00:00Z"));
}

}  // namespace
}  // namespace hotline::assessment
