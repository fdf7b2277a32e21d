#include "services/routing/domain/assignment_machine.h"

#include "absl/strings/match.h"
#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/routing/tests/routing_test_tree.h"

namespace hotline::routing {
namespace {

using ::testing::HasSubstr;

class MachineTest : public ::testing::Test {
 protected:
  MachineTest() : tree_(testing::SampleTree()), m_(&tree_) {
    v1::TicketCreated c;
    c.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
    c.set_category_code("城乡建设/物业管理");
    c.set_urgency(v1::URGENCY_NORMAL);
    c.mutable_location()->set_town_code("town.longshui");
    c.set_title("小区电梯故障");
    c.set_content("龙水镇南山小区3栋电梯停运一周无人维修");
    s_ = m_.Received("t-1", "DZ20240208-000001", c, now_);
  }

  void Apply(absl::StatusOr<Transition> t) {
    ASSERT_TRUE(t.ok()) << t.status();
    ASSERT_NE(t->event.payload_case(), v1::TicketEvent::PAYLOAD_NOT_SET);
    EXPECT_EQ(t->event.ticket_id(), "t-1");
    s_ = t->after;
  }
  DispatchCommand To(const std::string& unit) {
    DispatchCommand c;
    c.unit_id = unit;
    return c;
  }
  ReplyCommand Answer() {
    ReplyCommand r;
    r.reply_id = "rpl-1";
    r.text = "已联系物业公司维修，电梯已恢复运行";
    r.contact = v1::REPLY_CONTACT_PHONE;
    r.contacted_at = now_;
    r.resolved = true;
    return r;
  }

  absl::Time now_ = absl::FromUnixSeconds(1707350400);
  UnitTree tree_;
  AssignmentMachine m_;
  AssignmentState s_;
};

// A reply cannot say the caller was reached before the hotline received the
// order; nothing changes (the validation of the request refuses the future).
TEST_F(MachineTest, ReplyContactedBeforeReceivedIsRefused) {
  Apply(m_.Dispatch(s_, To("town.longshui"), now_));
  Apply(m_.Accept(s_, "town.longshui", now_));
  ReplyCommand early = Answer();
  early.contacted_at = now_ - absl::Minutes(1);
  auto t = m_.Reply(s_, "town.longshui", early, now_ + absl::Hours(2));
  ASSERT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(t.status().message(), "contacted_at: "))
      << t.status();
  EXPECT_THAT(t.status().message(), HasSubstr("before the order was received"));
  EXPECT_THAT(t.status().message(), HasSubstr("2024-02-08 08:00:00 +08:00"));
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_ACCEPTED);
  // The very instant of receipt is fine.
  Apply(m_.Reply(s_, "town.longshui", Answer(), now_ + absl::Hours(2)));
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_REPLIED);
}

TEST_F(MachineTest, FullLifeDownAndBack) {
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_RECEIVED);
  EXPECT_EQ(s_.view.holder_unit_id(), "center");
  auto t = m_.Dispatch(s_, To("town.longshui"), now_);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->event.has_dispatched());
  EXPECT_EQ(t->event.dispatched().dispatch_round(), 1);
  EXPECT_EQ(t->event.dispatched().area_code(), "town.longshui");
  Apply(t);
  Apply(m_.Accept(s_, "town.longshui", now_));
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_ACCEPTED);
  Apply(m_.Forward(s_, "town.longshui", "comm.nanshan", "请社区核实", now_));
  EXPECT_EQ(s_.view.holder_unit_id(), "comm.nanshan");
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_FORWARDED);
  Apply(m_.Accept(s_, "comm.nanshan", now_));
  Apply(m_.Reply(s_, "comm.nanshan", Answer(), now_));
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_REPLIED);
  // Reject: back to the same unit (重办).
  auto r =
      m_.Review(s_, "rpl-1", false, {v1::REVIEW_REASON_NOT_RESOLVED}, "", now_);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->event.reviewed().approved());
  Apply(r);
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_REHANDLING);
  EXPECT_EQ(s_.view.holder_unit_id(), "comm.nanshan");
  EXPECT_EQ(s_.view.rehandling_round(), 1);
  ReplyCommand again = Answer();
  again.reply_id = "rpl-2";
  auto re = m_.Reply(s_, "comm.nanshan", again, now_);
  ASSERT_TRUE(re.ok());
  EXPECT_EQ(re->event.replied().rehandling_round(), 1);
  Apply(re);
  // A stale reply id is refused.
  EXPECT_EQ(m_.Review(s_, "rpl-1", true, {}, "", now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  Apply(m_.Review(s_, "rpl-2", true, {}, "", now_));
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_AWAITING_EVALUATION);
  auto closed = m_.Evaluated(s_, now_);
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->event.closed().handling_unit_id(), "comm.nanshan");
}

TEST_F(MachineTest, ReturnLevelByLevelThenRedispatch) {
  Apply(m_.Dispatch(s_, To("town.longshui"), now_));
  Apply(m_.Forward(s_, "town.longshui", "vill.qiaotou", "", now_));
  auto up = m_.Return(s_, "vill.qiaotou", "不属于本村", now_);
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->event.returned().to_unit_id(), "town.longshui");
  EXPECT_FALSE(up->event.returned().reached_center());
  Apply(up);
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_RETURNED);
  auto top = m_.Return(s_, "town.longshui", "属于区住房城乡建委职责", now_);
  ASSERT_TRUE(top.ok());
  EXPECT_TRUE(top->event.returned().reached_center());
  Apply(top);
  EXPECT_EQ(s_.view.holder_unit_id(), "center");
  // The center re-dispatches: Redispatched, cause RETURNED, round 2.
  auto again = m_.Dispatch(s_, To("dept.housing"), now_);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->event.has_redispatched());
  EXPECT_EQ(again->event.redispatched().cause(), v1::REDISPATCH_CAUSE_RETURNED);
  EXPECT_EQ(again->event.redispatched().previous_unit_id(), "town.longshui");
  EXPECT_EQ(again->event.redispatched().dispatch().dispatch_round(), 2);
}

TEST_F(MachineTest, ForwardOnlyDownOwnSubtree) {
  Apply(m_.Dispatch(s_, To("dept.urban"), now_));
  // A department cannot push its work down to a town or its community.
  auto s = m_.Forward(s_, "dept.urban", "comm.nanshan", "", now_).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("DZ20240208-000001 is DISPATCHED, held by dept.urban"));
  // Sideways or to itself.
  EXPECT_EQ(
      m_.Forward(s_, "dept.urban", "dept.housing", "", now_).status().code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      m_.Forward(s_, "dept.urban", "dept.urban", "", now_).status().code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(m_.Forward(s_, "dept.urban", "nowhere", "", now_).status().code(),
            absl::StatusCode::kNotFound);
  // Not the holder.
  EXPECT_EQ(m_.Forward(s_, "dept.housing", "sec.urban.shirong", "", now_)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  Apply(m_.Forward(s_, "dept.urban", "sec.urban.shirong", "", now_));
  // Up from the section: not allowed as forward.
  EXPECT_EQ(m_.Forward(s_, "sec.urban.shirong", "dept.urban", "", now_)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(MachineTest, DisputeUpheldThenMustHandle) {
  Apply(m_.Dispatch(s_, To("town.longshui"), now_));
  Apply(m_.Dispute(s_, "town.longshui", "dsp-1", "应由区住房城乡建委办理",
                   "dept.housing", now_));
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_DISPUTED);
  EXPECT_EQ(m_.Accept(s_, "town.longshui", now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(m_.DecideDispute(s_, "dsp-x", v1::DISPUTE_OUTCOME_DISPATCH_UPHELD,
                             "r", now_)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  Apply(m_.DecideDispute(s_, "dsp-1", v1::DISPUTE_OUTCOME_DISPATCH_UPHELD,
                         "属于属地管理", now_));
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_ACCEPTED);
  EXPECT_EQ(s_.view.holder_unit_id(), "town.longshui");
  // Once per round, and no return after the center upheld the dispatch.
  EXPECT_EQ(m_.Dispute(s_, "town.longshui", "dsp-2", "再议", "", now_)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(m_.Return(s_, "town.longshui", "不属于", now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(MachineTest, DisputeGrantedGoesBackToTheQueue) {
  Apply(m_.Dispatch(s_, To("town.longshui"), now_));
  Apply(m_.Dispute(s_, "town.longshui", "dsp-1", "非本镇辖区", "", now_));
  Apply(m_.DecideDispute(s_, "dsp-1", v1::DISPUTE_OUTCOME_DISPUTE_GRANTED,
                         "同意", now_));
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_RETURNED);
  EXPECT_EQ(s_.view.holder_unit_id(), "center");
  auto t = m_.Dispatch(s_, To("town.longgang"), now_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->event.redispatched().cause(),
            v1::REDISPATCH_CAUSE_DISPUTE_GRANTED);
}

TEST_F(MachineTest, DisputeOnlyByFirstLevelBeforeForwarding) {
  Apply(m_.Dispatch(s_, To("town.longshui"), now_));
  Apply(m_.Forward(s_, "town.longshui", "comm.nanshan", "", now_));
  EXPECT_EQ(m_.Dispute(s_, "comm.nanshan", "d", "r", "", now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(MachineTest, CoUnitsGiveInputBeforeTheLeadReplies) {
  DispatchCommand cmd = To("town.longshui");
  cmd.co_unit_ids = {"dept.housing"};
  Apply(m_.Dispatch(s_, cmd, now_));
  Apply(m_.AddCoUnits(s_, {"dept.urban"}, "", now_));
  EXPECT_EQ(m_.AddCoUnits(s_, {"dept.urban"}, "", now_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m_.AddCoUnits(s_, {"town.longshui"}, "", now_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m_.AddCoUnits(s_, {"comm.nanshan"}, "", now_).status().code(),
            absl::StatusCode::kInvalidArgument);
  Apply(m_.Accept(s_, "town.longshui", now_));
  auto missing = m_.Reply(s_, "town.longshui", Answer(), now_).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(missing.message()),
              HasSubstr("dept.housing, dept.urban"));
  EXPECT_EQ(
      m_.SubmitCoOpinion(s_, "town.longgang", "意见", now_).status().code(),
      absl::StatusCode::kPermissionDenied);
  auto op = m_.SubmitCoOpinion(s_, "dept.housing", "物业属我委监管", now_);
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->event.co_opinion_submitted().lead_unit_id(), "town.longshui");
  Apply(op);
  EXPECT_EQ(
      m_.SubmitCoOpinion(s_, "dept.housing", "again", now_).status().code(),
      absl::StatusCode::kFailedPrecondition);
  // A section of a co-unit speaks for it.
  Apply(m_.SubmitCoOpinion(s_, "sec.urban.shirong", "市容无异议", now_));
  Apply(m_.Reply(s_, "town.longshui", Answer(), now_));
}

// 第七条: a co-unit (协办) responds by acknowledging its part; the holder
// and the status do not move.
TEST_F(MachineTest, CoUnitAcceptsItsPartOnce) {
  DispatchCommand cmd = To("town.longshui");
  cmd.co_unit_ids = {"dept.housing", "dept.urban"};
  Apply(m_.Dispatch(s_, cmd, now_));
  const absl::Time later = now_ + absl::Hours(2);
  auto t = m_.Accept(s_, "dept.housing", later);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE(t->event.has_accepted());
  EXPECT_EQ(t->event.accepted().unit_id(), "dept.housing");
  EXPECT_TRUE(t->event.accepted().as_co_unit());
  Apply(t);
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_DISPATCHED);
  EXPECT_EQ(s_.view.holder_unit_id(), "town.longshui");
  EXPECT_TRUE(s_.view.co_units(0).accepted());
  EXPECT_EQ(FromProto(s_.view.co_units(0).accepted_at()), later);
  EXPECT_FALSE(s_.view.co_units(1).accepted());
  // Twice in the round: refused, naming status and holder.
  auto again = m_.Accept(s_, "dept.housing", later).status();
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(again.message()),
              HasSubstr("DZ20240208-000001 is DISPATCHED, held by "
                        "town.longshui; co-unit dept.housing already"));
  // A section speaks for its first-level co-unit.
  auto sec = m_.Accept(s_, "sec.urban.shirong", later);
  ASSERT_TRUE(sec.ok()) << sec.status();
  EXPECT_EQ(sec->event.accepted().unit_id(), "dept.urban");
  Apply(sec);
  // Neither holder nor co-unit.
  EXPECT_EQ(m_.Accept(s_, "town.longgang", later).status().code(),
            absl::StatusCode::kPermissionDenied);
  // A unit below the lead that does not hold it is no co-unit either.
  EXPECT_EQ(m_.Accept(s_, "comm.nanshan", later).status().code(),
            absl::StatusCode::kPermissionDenied);
  // The holder's own accept is unchanged.
  auto holder = m_.Accept(s_, "town.longshui", later);
  ASSERT_TRUE(holder.ok()) << holder.status();
  EXPECT_EQ(holder->event.accepted().unit_id(), "town.longshui");
  EXPECT_FALSE(holder->event.accepted().as_co_unit());
  EXPECT_EQ(holder->after.view.status(), v1::TICKET_STATUS_ACCEPTED);
  EXPECT_TRUE(holder->after.view.co_units(0).accepted());
}

TEST_F(MachineTest, CoUnitAcceptRefusedWhenReleasedOrOrderNotOpen) {
  DispatchCommand cmd = To("town.longshui");
  cmd.co_unit_ids = {"dept.housing", "dept.urban"};
  Apply(m_.Dispatch(s_, cmd, now_));
  Apply(m_.ReleaseCoUnit(s_, "dept.housing", "该事项与住房监管无关", now_));
  auto released = m_.Accept(s_, "dept.housing", now_).status();
  EXPECT_EQ(released.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(released.message()),
              HasSubstr("is DISPATCHED, held by town.longshui; co-unit "
                        "dept.housing was released"));
  // Back at the center: no co-unit part to accept.
  Apply(m_.Return(s_, "town.longshui", "非本镇职责", now_));
  auto at_center = m_.Accept(s_, "dept.urban", now_).status();
  EXPECT_EQ(at_center.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(at_center.message()),
              HasSubstr("is RETURNED, held by center"));
  // Merged (then unmerged back to RECEIVED): still refused.
  Apply(m_.Merge(s_, now_));
  EXPECT_EQ(m_.Accept(s_, "dept.urban", now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto u = m_.Unmerge(s_, now_);
  ASSERT_TRUE(u.ok());
  s_ = u->after;
  auto received = m_.Accept(s_, "dept.urban", now_).status();
  EXPECT_EQ(received.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(received.message()), HasSubstr("is RECEIVED"));
}

TEST_F(MachineTest, CenterReleasesACoUnit) {
  DispatchCommand cmd = To("town.longshui");
  cmd.co_unit_ids = {"dept.housing", "dept.urban"};
  Apply(m_.Dispatch(s_, cmd, now_));
  Apply(m_.Accept(s_, "town.longshui", now_));
  const absl::Time later = now_ + absl::Hours(5);
  auto t =
      m_.ReleaseCoUnit(s_, "dept.urban", "不涉及占道经营，无需城管协办", later);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE(t->event.has_co_unit_released());
  EXPECT_EQ(t->event.co_unit_released().co_unit_id(), "dept.urban");
  EXPECT_EQ(t->event.co_unit_released().lead_unit_id(), "town.longshui");
  EXPECT_EQ(t->event.co_unit_released().reason(),
            "不涉及占道经营，无需城管协办");
  Apply(t);
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_ACCEPTED);
  EXPECT_EQ(s_.view.holder_unit_id(), "town.longshui");
  const v1::CoUnit& c = s_.view.co_units(1);
  EXPECT_TRUE(c.released());
  EXPECT_EQ(c.release_reason(), "不涉及占道经营，无需城管协办");
  EXPECT_EQ(FromProto(c.released_at()), later);
  EXPECT_FALSE(s_.view.co_units(0).released());
  // Twice.
  auto twice = m_.ReleaseCoUnit(s_, "dept.urban", "再次", now_).status();
  EXPECT_EQ(twice.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(twice.message()),
              HasSubstr("is ACCEPTED, held by town.longshui; co-unit "
                        "dept.urban already released"));
  // Not a co-unit: the lead, another first-level unit, a section.
  for (const char* u :
       {"town.longshui", "town.longgang", "sec.urban.shirong"}) {
    auto not_co = m_.ReleaseCoUnit(s_, u, "原因", now_).status();
    EXPECT_EQ(not_co.code(), absl::StatusCode::kFailedPrecondition) << u;
    EXPECT_THAT(std::string(not_co.message()),
                HasSubstr(std::string(u) + " is not a co-unit"))
        << u;
  }
  // A released co-unit gives no more input.
  auto input = m_.SubmitCoOpinion(s_, "sec.urban.shirong", "意见", now_);
  EXPECT_EQ(input.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(input.status().message()), HasSubstr("released"));
}

TEST_F(MachineTest, ReleaseRefusedOnceRepliedButAllowedInRehandling) {
  DispatchCommand cmd = To("town.longshui");
  cmd.co_unit_ids = {"dept.housing"};
  Apply(m_.Dispatch(s_, cmd, now_));
  Apply(m_.Accept(s_, "town.longshui", now_));
  Apply(m_.SubmitCoOpinion(s_, "dept.housing", "物业属我委监管", now_));
  Apply(m_.Reply(s_, "town.longshui", Answer(), now_));
  auto replied = m_.ReleaseCoUnit(s_, "dept.housing", "原因", now_).status();
  EXPECT_EQ(replied.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(replied.message()),
              HasSubstr("is REPLIED, held by town.longshui"));
  Apply(m_.Review(s_, "rpl-1", false, {v1::REVIEW_REASON_NOT_RESOLVED}, "",
                  now_));
  // Re-handling awaits the co-units' input again: the center may release
  // one that stalls it.
  Apply(m_.ReleaseCoUnit(s_, "dept.housing", "复核期间不再需要其意见", now_));
  ReplyCommand again = Answer();
  again.reply_id = "rpl-2";
  Apply(m_.Reply(s_, "town.longshui", again, now_));
  Apply(m_.Review(s_, "rpl-2", true, {}, "", now_));
  EXPECT_EQ(m_.ReleaseCoUnit(s_, "dept.housing", "原因", now_).status().code(),
            absl::StatusCode::kFailedPrecondition);  // AWAITING_EVALUATION
}

TEST_F(MachineTest, ReplyDoesNotWaitForReleasedCoUnits) {
  DispatchCommand cmd = To("town.longshui");
  cmd.co_unit_ids = {"dept.housing", "dept.urban"};
  Apply(m_.Dispatch(s_, cmd, now_));
  Apply(m_.Accept(s_, "town.longshui", now_));
  Apply(m_.SubmitCoOpinion(s_, "dept.housing", "物业属我委监管", now_));
  auto missing = m_.Reply(s_, "town.longshui", Answer(), now_).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(missing.message()),
              HasSubstr("co-unit input missing from dept.urban"));
  // The only missing input is a released co-unit's: the lead may reply.
  Apply(m_.ReleaseCoUnit(s_, "dept.urban", "城管局已另案处理", now_));
  Apply(m_.Reply(s_, "town.longshui", Answer(), now_));
  EXPECT_EQ(s_.view.status(), v1::TICKET_STATUS_REPLIED);
}

TEST_F(MachineTest, RejectionKeepsReleasedCoUnitsReleased) {
  DispatchCommand cmd = To("town.longshui");
  cmd.co_unit_ids = {"dept.housing", "dept.urban"};
  Apply(m_.Dispatch(s_, cmd, now_));
  Apply(m_.Accept(s_, "dept.urban", now_));
  Apply(m_.Accept(s_, "town.longshui", now_));
  Apply(m_.SubmitCoOpinion(s_, "dept.housing", "物业属我委监管", now_));
  Apply(m_.ReleaseCoUnit(s_, "dept.urban", "城管局已另案处理", now_));
  Apply(m_.Reply(s_, "town.longshui", Answer(), now_));
  Apply(m_.Review(s_, "rpl-1", false, {v1::REVIEW_REASON_NOT_RESOLVED},
                  "来电人反映未解决", now_));
  ASSERT_EQ(s_.view.status(), v1::TICKET_STATUS_REHANDLING);
  // The co-unit still in the order is asked again; the released one is not.
  const v1::CoUnit& housing = s_.view.co_units(0);
  EXPECT_FALSE(housing.opinion_submitted());
  EXPECT_FALSE(housing.released());
  const v1::CoUnit& urban = s_.view.co_units(1);
  EXPECT_TRUE(urban.released());
  EXPECT_EQ(urban.release_reason(), "城管局已另案处理");
  EXPECT_TRUE(urban.accepted());  // acceptance is per dispatch round
  auto missing = m_.Reply(s_, "town.longshui", Answer(), now_).status();
  EXPECT_THAT(std::string(missing.message()),
              HasSubstr("co-unit input missing from dept.housing"));
  EXPECT_THAT(std::string(missing.message()),
              ::testing::Not(HasSubstr("dept.urban")));
  EXPECT_EQ(m_.SubmitCoOpinion(s_, "dept.urban", "补充", now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  Apply(m_.SubmitCoOpinion(s_, "dept.housing", "已督促整改", now_));
  ReplyCommand again = Answer();
  again.reply_id = "rpl-2";
  Apply(m_.Reply(s_, "town.longshui", again, now_));
  EXPECT_TRUE(s_.view.co_units(1).released());
}

TEST_F(MachineTest, IllegalTransitionsNameStateAndHolder) {
  auto s = m_.Accept(s_, "town.longshui", now_).status();
  EXPECT_EQ(s.code(),
            absl::StatusCode::kPermissionDenied);  // the center holds it
  EXPECT_EQ(m_.Accept(s_, "center", now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  s = m_.Review(s_, "rpl", true, {}, "", now_).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("DZ20240208-000001 is RECEIVED, held by center"));
  Apply(m_.Dispatch(s_, To("town.longshui"), now_));
  EXPECT_EQ(m_.Reply(s_, "town.longshui", Answer(), now_).status().code(),
            absl::StatusCode::kFailedPrecondition);  // not accepted yet
  // 改派 needs a reason; a non-first-level target is refused.
  EXPECT_EQ(m_.Dispatch(s_, To("dept.urban"), now_).status().code(),
            absl::StatusCode::kInvalidArgument);
  DispatchCommand c = To("comm.nanshan");
  c.reason = "改派";
  EXPECT_EQ(m_.Dispatch(s_, c, now_).status().code(),
            absl::StatusCode::kInvalidArgument);
  c = To("dept.urban");
  c.reason = "职责调整";
  auto t = m_.Dispatch(s_, c, now_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->event.redispatched().cause(), v1::REDISPATCH_CAUSE_REASSIGNED);
  Apply(t);
  Apply(m_.Accept(s_, "dept.urban", now_));
  Apply(m_.Reply(s_, "dept.urban", Answer(), now_));
  EXPECT_EQ(m_.Dispatch(s_, c, now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(m_.Return(s_, "dept.urban", "r", now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(MachineTest, ConfidentialOrdersAnswerViaCenter) {
  s_.view.set_confidential(true);
  Apply(m_.Dispatch(s_, To("town.longshui"), now_));
  Apply(m_.Accept(s_, "town.longshui", now_));
  EXPECT_EQ(m_.Reply(s_, "town.longshui", Answer(), now_).status().code(),
            absl::StatusCode::kInvalidArgument);
  ReplyCommand r = Answer();
  r.contact = v1::REPLY_CONTACT_VIA_CENTER;
  Apply(m_.Reply(s_, "town.longshui", r, now_));
}

TEST_F(MachineTest, EffectiveLimitIsTheDispatchsElseIntakes) {
  v1::TicketCreated c;
  c.set_request_type(v1::REQUEST_TYPE_CONSULTATION);
  c.mutable_limit()->set_working_days(5);
  c.mutable_limit()->set_legal_basis("《信访工作条例》");
  s_ = m_.Received("t-1", "DZ20240208-000001", c, now_);
  // The statutory limit wins over a dispatcher's own.
  DispatchCommand own = To("town.longshui");
  own.has_limit = true;
  own.limit.set_due_date("2024-03-01");
  auto refused = m_.Dispatch(s_, own, now_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::StartsWith("limit: "));
  // Another statutory limit (its own law) may replace it.
  own.limit.set_legal_basis("《中华人民共和国政府信息公开条例》第三十三条");
  auto t = m_.Dispatch(s_, own, now_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->event.dispatched().limit().due_date(), "2024-03-01");
  Apply(t);
  Apply(m_.Return(s_, "town.longshui", "非本镇职责", now_));
  auto again = m_.Dispatch(s_, To("dept.housing"), now_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->event.redispatched().dispatch().limit().working_days(), 5);
  EXPECT_EQ(again->event.redispatched().dispatch().limit().legal_basis(),
            "《信访工作条例》");
}

TEST_F(MachineTest, MergeAndUnmerge) {
  Apply(m_.Dispatch(s_, To("town.longshui"), now_));
  auto t = m_.Merge(s_, now_);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->event.closed().reason(), v1::CLOSE_REASON_MERGED);
  s_ = t->after;
  EXPECT_EQ(m_.Accept(s_, "town.longshui", now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto u = m_.Unmerge(s_, now_);
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->has_event);
  EXPECT_EQ(u->after.view.status(), v1::TICKET_STATUS_RECEIVED);
  EXPECT_EQ(u->after.view.holder_unit_id(), "center");
}

}  // namespace
}  // namespace hotline::routing
