// DeadlineService over gRPC against the real MariaDB with a manual clock:
// every clock rule (across Spring Festival and adjusted weekends), the
// ladder, extensions and every refusal, queries, notices.

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/deadline/tests/deadline_test_util.h"

namespace hotline::deadline {
namespace {

using ::hotline::testing::kAgentToken;
using ::hotline::testing::kAuditorToken;
using ::hotline::testing::kCenterToken;
using ::hotline::testing::kServiceToken;
using ::hotline::testing::ServiceUnderTest;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace testutil;  // NOLINT

using DeadlineServiceTest = DeadlineTest;

TEST_F(DeadlineServiceTest, DispatchStartsClocksAcrossSpringFestival) {
  // Thu 2024-02-08 16:00, a consultation: handling 3 working days →
  // 02-09, 02-18 (adjusted Sunday), 02-19 → due 2024-02-20 00:00 +08:00.
  AdvanceTo(Local(2024, 2, 8, 16));
  routing_->Publish(routing_->Dispatched("t-000001", "town.longshui",
                                         v1::REQUEST_TYPE_CONSULTATION));
  v1::GetClocksResponse r = Clocks("t-000001");
  ASSERT_EQ(r.clocks_size(), 3);
  const v1::Clock* response = Find(r, v1::CLOCK_KIND_RESPONSE);
  const v1::Clock* forward = Find(r, v1::CLOCK_KIND_FORWARD);
  const v1::Clock* handling = Find(r, v1::CLOCK_KIND_HANDLING);
  ASSERT_TRUE(response && forward && handling);
  EXPECT_EQ(FromProto(response->due()), Local(2024, 2, 10));
  EXPECT_EQ(response->explanation().article(), "7");
  EXPECT_EQ(FromProto(forward->due()), Local(2024, 2, 10));
  EXPECT_EQ(forward->explanation().article(), "6(1)");
  EXPECT_EQ(FromProto(handling->due()), Local(2024, 2, 20));
  EXPECT_EQ(handling->unit_id(), "town.longshui");
  EXPECT_EQ(handling->state(), v1::CLOCK_STATE_RUNNING);
  const v1::Explanation& e = handling->explanation();
  EXPECT_EQ(e.rule(), "handling.consultation");
  EXPECT_EQ(e.article(), "6(2)");
  EXPECT_EQ(e.working_days(), 3);
  EXPECT_EQ(e.start_date(), "2024-02-08");
  EXPECT_EQ(e.last_working_date(), "2024-02-19");
  EXPECT_EQ(e.skipped_size(), 8);  // 02-10 .. 02-17
  EXPECT_THAT(e.calendar_version(), StartsWith("cn-"));
  EXPECT_EQ(e.policy_version(), Policy::Builtin().version());
  EXPECT_FALSE(e.calendar_incomplete());
  EXPECT_THAT(e.text(), HasSubstr("2024-02-17 holiday"));
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kClockStarted), 3);
}

TEST_F(DeadlineServiceTest, HandlingLimitPrecedence) {
  AdvanceTo(Local(2024, 9, 27, 10));  // Fri; Sun 09-29 and Sat 10-12 worked
  // Default: 10 working days: 09-29(adj), 09-30, 10-08 .. 10-12(adj), 10-14..
  routing_->Publish(routing_->Dispatched("t-000010", "town.longshui",
                                         v1::REQUEST_TYPE_COMPLAINT));
  v1::GetClocksResponse r10 = Clocks("t-000010");
  const v1::Clock* h = Find(r10, v1::CLOCK_KIND_HANDLING);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->explanation().rule(), "handling.default");
  EXPECT_EQ(h->explanation().working_days(), 10);
  // 09-29, 09-30, 10-08, 10-09, 10-10, 10-11, 10-12, 10-14, 10-15, 10-16.
  EXPECT_EQ(h->explanation().last_working_date(), "2024-10-16");

  // The dispatch's own limit beats the default.
  v1::TicketEvent own = routing_->Dispatched("t-000011", "town.longshui",
                                             v1::REQUEST_TYPE_COMPLAINT);
  own.mutable_dispatched()->mutable_limit()->set_working_days(2);
  routing_->Publish(own);
  v1::GetClocksResponse r11 = Clocks("t-000011");
  h = Find(r11, v1::CLOCK_KIND_HANDLING);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->explanation().rule(), "handling.own_limit");
  EXPECT_EQ(h->explanation().last_working_date(), "2024-09-30");

  // A statutory limit (legal basis) with a date wins too.
  v1::TicketEvent statutory = routing_->Dispatched(
      "t-000012", "town.longshui", v1::REQUEST_TYPE_CONSULTATION);
  statutory.mutable_dispatched()->mutable_limit()->set_due_date("2024-10-25");
  statutory.mutable_dispatched()->mutable_limit()->set_legal_basis(
      "《信访工作条例》第三十二条");
  routing_->Publish(statutory);
  v1::GetClocksResponse r12 = Clocks("t-000012");
  h = Find(r12, v1::CLOCK_KIND_HANDLING);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->explanation().rule(), "handling.statutory");
  EXPECT_EQ(h->explanation().article(), "3, 6(4)");
  EXPECT_EQ(FromProto(h->due()), Local(2024, 10, 26));

  // Co-units: a LEAD_UNIT clock instead of HANDLING, same limit.
  v1::TicketEvent multi = routing_->Dispatched("t-000013", "town.longshui",
                                               v1::REQUEST_TYPE_HELP_SEEKING);
  multi.mutable_dispatched()->add_co_unit_ids("dept.housing");
  routing_->Publish(multi);
  v1::GetClocksResponse m = Clocks("t-000013");
  EXPECT_EQ(Find(m, v1::CLOCK_KIND_HANDLING), nullptr);
  ASSERT_NE(Find(m, v1::CLOCK_KIND_LEAD_UNIT), nullptr);
  EXPECT_EQ(
      Find(m, v1::CLOCK_KIND_LEAD_UNIT)->explanation().last_working_date(),
      "2024-10-16");

  // The lead unit's own limit may not exceed its kind's 3/10 days (6(2)):
  // 15 days on a consultation is cut to 3; a shorter one stands.
  v1::TicketEvent long_lead = routing_->Dispatched(
      "t-000014", "town.longshui", v1::REQUEST_TYPE_CONSULTATION);
  long_lead.mutable_dispatched()->add_co_unit_ids("dept.housing");
  long_lead.mutable_dispatched()->mutable_limit()->set_working_days(15);
  routing_->Publish(long_lead);
  v1::GetClocksResponse l = Clocks("t-000014");
  const v1::Clock* lead = Find(l, v1::CLOCK_KIND_LEAD_UNIT);
  ASSERT_NE(lead, nullptr);
  EXPECT_EQ(lead->explanation().rule(), "lead_unit.handling.consultation");
  EXPECT_EQ(lead->explanation().working_days(), 3);
  v1::TicketEvent short_lead = routing_->Dispatched(
      "t-000015", "town.longshui", v1::REQUEST_TYPE_CONSULTATION);
  short_lead.mutable_dispatched()->add_co_unit_ids("dept.housing");
  short_lead.mutable_dispatched()->mutable_limit()->set_working_days(2);
  routing_->Publish(short_lead);
  v1::GetClocksResponse sl = Clocks("t-000015");
  lead = Find(sl, v1::CLOCK_KIND_LEAD_UNIT);
  ASSERT_NE(lead, nullptr);
  EXPECT_EQ(lead->explanation().rule(), "lead_unit.handling.own_limit");
  EXPECT_EQ(lead->explanation().working_days(), 2);
}

TEST_F(DeadlineServiceTest, StopsMetAndMissedWithOverdueDays) {
  AdvanceTo(Local(2024, 2, 8, 16));
  routing_->Publish(routing_->Dispatched("t-000020", "town.longshui",
                                         v1::REQUEST_TYPE_CONSULTATION));
  AdvanceTo(Local(2024, 2, 9, 9));
  routing_->Publish(routing_->Accepted("t-000020", "town.longshui"));
  // Replied on Wed 02-21 10:00: due was 02-20 00:00. The reply awaits the
  // center; its approval the next day judges the clock at the reply: MISSED.
  AdvanceTo(Local(2024, 2, 21, 10));
  routing_->Publish(routing_->Replied("t-000020", "town.longshui"));
  v1::GetClocksResponse pending = Clocks("t-000020");
  EXPECT_EQ(Find(pending, v1::CLOCK_KIND_HANDLING)->state(),
            v1::CLOCK_STATE_RUNNING);
  EXPECT_EQ(FromProto(Find(pending, v1::CLOCK_KIND_HANDLING)->pending_since()),
            Local(2024, 2, 21, 10));
  AdvanceTo(Local(2024, 2, 21, 15));
  routing_->Publish(routing_->Reviewed("t-000020", "town.longshui", true));
  v1::GetClocksResponse r = Clocks("t-000020");
  const v1::Clock* response = Find(r, v1::CLOCK_KIND_RESPONSE);
  EXPECT_EQ(response->state(), v1::CLOCK_STATE_STOPPED);
  EXPECT_EQ(response->outcome(), v1::CLOCK_OUTCOME_MET);
  const v1::Clock* h = Find(r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h->outcome(), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(h->overdue_working_days(), 2);  // 02-20, 02-21
  EXPECT_EQ(FromProto(h->judged_at()), Local(2024, 2, 21, 10));
  EXPECT_EQ(FromProto(h->stopped_at()), Local(2024, 2, 21, 15));
  EXPECT_EQ(h->stop_cause(), "reviewed.approved");
  EXPECT_EQ(h->elapsed_working_days(), 5);  // 02-09, 02-18 .. 02-21
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kClockOverdue), 2);  // first + 1
  // The town handled the order itself: it was at its handling unit from the
  // dispatch on, nothing to forward (6(1)), so FORWARD is not scored.
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_FORWARD)->outcome(),
            v1::CLOCK_OUTCOME_CANCELLED);
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kClockStopped), 3);

  // A town that forwards late, and whose village replies, missed FORWARD.
  AdvanceTo(Local(2024, 2, 22, 9));
  routing_->Publish(routing_->Dispatched("t-000021", "town.longshui",
                                         v1::REQUEST_TYPE_CONSULTATION));
  AdvanceTo(Local(2024, 2, 26, 9));  // Mon; due was Fri 02-23 24:00
  routing_->Publish(
      routing_->Forwarded("t-000021", "town.longshui", "town.longshui.sfs"));
  routing_->Publish(routing_->Replied("t-000021", "town.longshui.sfs"));
  EXPECT_EQ(Find(Clocks("t-000021"), v1::CLOCK_KIND_FORWARD)->outcome(),
            v1::CLOCK_OUTCOME_MISSED);
}

// Co-units added to a running order turn its handling clock into the lead
// unit's in place: a supervision already sent is not sent again, and a
// pending extension stays pending.
TEST_F(DeadlineServiceTest, CoUnitsAddedKeepTheClockItsStepsAndExtension) {
  AdvanceTo(Local(2024, 3, 1, 9));  // Fri; complaint → last day 03-15
  routing_->Publish(routing_->Dispatched("t-000025", "town.longshui",
                                         v1::REQUEST_TYPE_COMPLAINT));
  routing_->Publish(routing_->Accepted("t-000025", "town.longshui"));
  AdvanceTo(Local(2024, 3, 6, 9));
  v1::RequestExtensionResponse asked;
  ASSERT_TRUE(
      RequestExt(kStaffLongshui, "x-25", "t-000025", "2024-03-22", &asked)
          .ok());
  AdvanceTo(Local(2024, 3, 18, 9));
  EXPECT_EQ(Scan(), 1);  // SUPERVISION
  const std::string clock_id =
      Find(Clocks("t-000025"), v1::CLOCK_KIND_HANDLING)->clock_id();

  v1::TicketEvent added = routing_->Event("t-000025");
  added.mutable_co_units_added()->add_co_unit_ids("dept.housing");
  routing_->Publish(added);
  v1::GetClocksResponse r = Clocks("t-000025");
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_HANDLING), nullptr);
  const v1::Clock* lead = Find(r, v1::CLOCK_KIND_LEAD_UNIT);
  ASSERT_NE(lead, nullptr);
  EXPECT_EQ(lead->clock_id(), clock_id);
  EXPECT_EQ(lead->explanation().rule(), "lead_unit.handling.default");
  EXPECT_EQ(lead->ladder_step(), v1::LADDER_STEP_SUPERVISION);
  EXPECT_EQ(Scan(), 0);
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kLadderStepFired), 1);

  v1::DecideExtensionResponse d;
  ASSERT_TRUE(Decide(kCenterToken, "d-25", asked.extension().extension_id(),
                     true, "2024-03-22", "同意延期", &d)
                  .ok());
  EXPECT_EQ(d.clock().kind(), v1::CLOCK_KIND_LEAD_UNIT);
  EXPECT_EQ(FromProto(d.clock().due()), Local(2024, 3, 23));
}

// The relay may deliver an event late (deadline was down, or behind): the
// clock stops at the instant the event happened.
TEST_F(DeadlineServiceTest, StopsAtTheEventsTimeNotWhenItArrives) {
  AdvanceTo(Local(2024, 2, 8, 16));
  routing_->Publish(routing_->Dispatched("t-000022", "town.longshui",
                                         v1::REQUEST_TYPE_CONSULTATION));
  AdvanceTo(Local(2024, 2, 19, 10));  // Mon, the last working day
  v1::TicketEvent replied = routing_->Replied("t-000022", "town.longshui");
  AdvanceTo(Local(2024, 2, 22, 10));  // delivered three days later
  routing_->Publish(replied);
  routing_->Publish(routing_->Reviewed("t-000022", "town.longshui", true));
  v1::GetClocksResponse r = Clocks("t-000022");
  const v1::Clock* h = Find(r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h->outcome(), v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(h->overdue_working_days(), 0);
  EXPECT_EQ(FromProto(h->judged_at()), Local(2024, 2, 19, 10));
  // The response was due 02-09 24:00; Sun 02-18 (worked) and Mon 02-19
  // passed before the reply, not the three days of the delivery delay.
  const v1::Clock* response = Find(r, v1::CLOCK_KIND_RESPONSE);
  EXPECT_EQ(response->outcome(), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(response->overdue_working_days(), 2);
}

// Disputing the dispatch answers it (rule 7's response) as accepting does.
TEST_F(DeadlineServiceTest, ADisputeIsAResponse) {
  AdvanceTo(Local(2024, 9, 29, 9));  // Sunday, worked (National Day swap)
  routing_->Publish(routing_->Dispatched("t-000023", "town.longshui",
                                         v1::REQUEST_TYPE_COMPLAINT));
  AdvanceTo(Local(2024, 9, 30, 17));
  v1::TicketEvent dispute = routing_->Event("t-000023");
  dispute.mutable_dispute_raised()->set_dispute_id("dp-1");
  dispute.mutable_dispute_raised()->set_unit_id("town.longshui");
  dispute.mutable_dispute_raised()->set_reason("该路段属区住建委管养");
  routing_->Publish(dispute);
  v1::GetClocksResponse r = Clocks("t-000023");
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_RESPONSE)->outcome(), v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_HANDLING)->state(), v1::CLOCK_STATE_RUNNING);
}

// The 2-day limit of 6(1) is for a return that climbs to the center; one
// its holder takes back is cancelled, and a later climb gets its own clock.
TEST_F(DeadlineServiceTest, AReturnThatEndsBelowTheCenterIsNotScored) {
  AdvanceTo(Local(2024, 4, 1, 9));  // Mon
  routing_->Publish(routing_->Dispatched("t-000024", "town.longshui",
                                         v1::REQUEST_TYPE_HELP_SEEKING));
  routing_->Publish(
      routing_->Forwarded("t-000024", "town.longshui", "town.longshui.sfs"));
  v1::TicketEvent back = routing_->Event("t-000024");
  back.mutable_returned()->set_from_unit_id("town.longshui.sfs");
  back.mutable_returned()->set_to_unit_id("town.longshui");
  back.mutable_returned()->set_reason("不属于本所职责范围");
  routing_->Publish(back);
  AdvanceTo(Local(2024, 4, 12, 9));  // the town keeps it, long after 2 days
  routing_->Publish(routing_->Accepted("t-000024", "town.longshui"));
  v1::GetClocksResponse r = Clocks("t-000024");
  ASSERT_NE(Find(r, v1::CLOCK_KIND_RETURN), nullptr);
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_RETURN)->outcome(),
            v1::CLOCK_OUTCOME_CANCELLED);

  v1::TicketEvent up = routing_->Event("t-000024");
  up.mutable_returned()->set_from_unit_id("town.longshui");
  up.mutable_returned()->set_to_unit_id("center");
  up.mutable_returned()->set_reason("不属于本镇街职责范围");
  routing_->Publish(up);  // the town's own climb, not yet at the center
  int returns = 0, running = 0;
  r = Clocks("t-000024");
  for (const auto& c : r.clocks()) {
    if (c.kind() != v1::CLOCK_KIND_RETURN) continue;
    ++returns;
    running += c.state() == v1::CLOCK_STATE_RUNNING ? 1 : 0;
  }
  EXPECT_EQ(returns, 2);
  EXPECT_EQ(running, 1);
  // Response, forward, handling; the station's response; two climbs.
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kClockStarted), 6);
}

// 第七条: 催办 and 督办 fire by themselves, once each; nothing fires on an
// interval the article does not contain (专项督查 and 通报 are acts of people).
TEST_F(DeadlineServiceTest, LadderFiresEachStepOnceUntilTheOrderIsDone) {
  AdvanceTo(Local(2024, 2, 8, 16));
  routing_->Publish(routing_->Dispatched("t-000030", "town.longshui",
                                         v1::REQUEST_TYPE_CONSULTATION));
  EXPECT_EQ(Scan(), 0);
  // The response clock ends at 02-10 00:00 (a holiday): REMINDER.
  AdvanceTo(Local(2024, 2, 9, 23, 59));
  EXPECT_EQ(Scan(), 0);
  AdvanceTo(Local(2024, 2, 10));
  EXPECT_EQ(Scan(), 1);
  EXPECT_EQ(Scan(), 0);  // never twice
  // Handling due 02-20 00:00: SUPERVISION.
  AdvanceTo(Local(2024, 2, 20));
  EXPECT_EQ(Scan(), 1);
  // No special inspection on a timer.
  AdvanceTo(Local(2024, 2, 27));
  EXPECT_EQ(Scan(), 0);
  // The unit replies: nothing more fires, and lateness stops accruing.
  AdvanceTo(Local(2024, 2, 28, 9));
  routing_->Publish(routing_->Replied("t-000030", "town.longshui"));
  AdvanceTo(Local(2024, 3, 30));
  EXPECT_EQ(Scan(), 0);

  v1::GetClocksResponse r = Clocks("t-000030");
  ASSERT_EQ(r.ladder_steps_size(), 2);
  EXPECT_EQ(r.ladder_steps(0).step(), v1::LADDER_STEP_REMINDER);
  EXPECT_EQ(r.ladder_steps(0).clock_kind(), v1::CLOCK_KIND_RESPONSE);
  EXPECT_EQ(r.ladder_steps(1).step(), v1::LADDER_STEP_SUPERVISION);
  EXPECT_EQ(r.ladder_steps(1).unit_id(), "town.longshui");
  // Liaison and duty leader (letter, phone, SMS) for supervision.
  EXPECT_EQ(r.ladder_steps(1).recipients_size(), 2);
  EXPECT_EQ(r.ladder_steps(1).notice_ids_size(), 6);
  const v1::Clock* h = Find(r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h->ladder_step(), v1::LADDER_STEP_SUPERVISION);
  // Overdue since its due, 02-20 .. 02-28: seven working days, reported one
  // by one (the first at the due), none after the reply.
  EXPECT_EQ(FromProto(h->overdue_since()), Local(2024, 2, 20));
  EXPECT_EQ(h->overdue_working_days(), 7);
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kClockOverdue), 1 + 7);
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kLadderStepFired), 2);

  // Notices: stored and logged (no routing, no webhook configured).
  ASSERT_TRUE(
      scan_->scanner
          .DeliverNotices(svc_->clock().Now(), nullptr, NewLogNotifier().get())
          .ok());
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kStaffLongshui);
  v1::ListNoticesRequest req;
  req.set_ticket_id("t-000030");
  req.add_steps(v1::LADDER_STEP_REMINDER);
  v1::ListNoticesResponse notices;
  ASSERT_TRUE(stub_->ListNotices(&ctx, req, &notices).ok());
  ASSERT_EQ(notices.notices_size(), 4);  // 2 recipients × phone, SMS
  for (const auto& n : notices.notices()) {
    EXPECT_EQ(n.delivery(), v1::NOTICE_DELIVERY_STORED);
    EXPECT_EQ(n.recipient().name(), "unresolved");
    EXPECT_THAT(n.text(), HasSubstr("DZ20240208-000030"));
    EXPECT_THAT(n.text(), HasSubstr("催办"));
  }
  // Steps list, newest first, per subtree.
  grpc::ClientContext ctx2;
  ServiceUnderTest::Authorize(&ctx2, kCenterToken);
  v1::ListLadderStepsRequest sreq;
  sreq.set_unit_id("town.longshui");
  v1::ListLadderStepsResponse steps;
  ASSERT_TRUE(stub_->ListLadderSteps(&ctx2, sreq, &steps).ok());
  ASSERT_EQ(steps.steps_size(), 2);
  EXPECT_EQ(steps.steps(0).step(), v1::LADDER_STEP_SUPERVISION);
  // Another unit sees none of it.
  grpc::ClientContext ctx3;
  ServiceUnderTest::Authorize(&ctx3, kStaffLonggang);
  v1::ListLadderStepsRequest other;
  ASSERT_TRUE(stub_->ListLadderSteps(&ctx3, other, &steps).ok());
  EXPECT_EQ(steps.steps_size(), 0);
}

TEST_F(DeadlineServiceTest, ExtensionDecidedByTheUnitThatForwarded) {
  AdvanceTo(Local(2024, 3, 1, 10));  // Fri; complaint: 10 wd → last 03-15
  routing_->Publish(routing_->Dispatched("t-000050", "town.longshui",
                                         v1::REQUEST_TYPE_COMPLAINT));
  AdvanceTo(Local(2024, 3, 1, 11));
  routing_->Publish(
      routing_->Forwarded("t-000050", "town.longshui", "town.longshui.sfs"));
  routing_->Publish(routing_->Accepted("t-000050", "town.longshui.sfs"));
  v1::GetClocksResponse r = Clocks("t-000050");
  // FORWARD is judged once the handling unit is known (at its reply).
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_FORWARD)->state(), v1::CLOCK_STATE_RUNNING);
  EXPECT_EQ(FindOf(r, v1::CLOCK_KIND_RESPONSE, "town.longshui")->outcome(),
            v1::CLOCK_OUTCOME_MET);
  // The station received it: its own response clock, met by its accept.
  EXPECT_EQ(FindOf(r, v1::CLOCK_KIND_RESPONSE, "town.longshui.sfs")->outcome(),
            v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_HANDLING)->unit_id(), "town.longshui.sfs");
  EXPECT_EQ(FromProto(Find(r, v1::CLOCK_KIND_HANDLING)->due()),
            Local(2024, 3, 16));

  v1::RequestExtensionResponse req;
  // Refusals first: wrong unit, bad input, unknown order.
  EXPECT_EQ(RequestExt(kStaffLongshui, "x-1", "t-000050", "2024-03-22", &req)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(RequestExt(kCenterToken, "x-2", "t-000050", "2024-03-22", &req)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status s = RequestExt(kStaffSfs, "x-3", "t-000050", "2024-03-15", &req);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("proposed_due_date"));
  s = RequestExt(kStaffSfs, "x-4", "t-000050", "2024/03/22", &req);
  EXPECT_THAT(s.error_message(), StartsWith("proposed_due_date"));
  s = RequestExt(kStaffSfs, "x-5", "t-999999", "2024-03-22", &req);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  s = RequestExt(kStaffSfs, "x-6", "t-000050", "2024-12-31", &req);
  EXPECT_THAT(s.error_message(), HasSubstr("more than 60 working days"));

  AdvanceTo(Local(2024, 3, 13, 9));  // Wed: 03-14, 03-15 left → timely
  ASSERT_TRUE(
      RequestExt(kStaffSfs, "ext-1", "t-000050", "2024-03-22", &req).ok());
  EXPECT_EQ(req.extension().state(), v1::EXTENSION_STATE_PENDING);
  EXPECT_EQ(req.extension().approver_unit_id(), "town.longshui");
  EXPECT_EQ(req.extension().working_days_left(), 2);
  // Same request id: same answer; a second request while pending: refused.
  v1::RequestExtensionResponse again;
  ASSERT_TRUE(
      RequestExt(kStaffSfs, "ext-1", "t-000050", "2024-03-22", &again).ok());
  EXPECT_EQ(again.extension().extension_id(), req.extension().extension_id());
  s = RequestExt(kStaffSfs, "ext-2", "t-000050", "2024-03-25", &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("PENDING"));

  const std::string ext = req.extension().extension_id();
  v1::DecideExtensionResponse d;
  // Only the lead of the unit that forwarded it decides.
  EXPECT_EQ(
      Decide(kCenterToken, "d-1", ext, true, "2024-03-22", "", &d).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Decide(kLeadLonggang, "d-2", ext, true, "2024-03-22", "", &d)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  s = Decide(kLeadLongshui, "d-3", ext, true, "2024-03-14", "", &d);
  EXPECT_THAT(s.error_message(), StartsWith("approved_due_date"));
  s = Decide(kLeadLongshui, "d-4b", ext, true, "2024-12-31", "", &d);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(),
              StartsWith("approved_due_date: more than 60 working days"));
  s = Decide(kLeadLongshui, "d-5", "987654", true, "2024-03-22", "", &d);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  ASSERT_TRUE(
      Decide(kLeadLongshui, "d-ok", ext, true, "2024-03-21", "同意延期", &d)
          .ok());
  EXPECT_EQ(d.extension().state(), v1::EXTENSION_STATE_APPROVED);
  EXPECT_EQ(d.extension().approved_due_date(), "2024-03-21");
  EXPECT_EQ(FromProto(d.clock().due()), Local(2024, 3, 22));
  EXPECT_EQ(FromProto(d.clock().original_due()), Local(2024, 3, 16));
  EXPECT_EQ(d.clock().explanation().rule(), "extension.approved");
  // Decided once.
  s = Decide(kLeadLongshui, "d-again", ext, false, "", "不同意", &d);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("APPROVED"));
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kExtensionRequested), 1);
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kExtensionDecided), 1);
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kClockMoved), 1);

  // The ladder follows the moved clock: nothing at the old due.
  AdvanceTo(Local(2024, 3, 16));
  EXPECT_EQ(Scan(), 0);
  AdvanceTo(Local(2024, 3, 22));
  EXPECT_EQ(Scan(), 1);

  // History in GetClocks.
  v1::GetClocksResponse after = Clocks("t-000050", kStaffLongshui);
  ASSERT_EQ(after.extensions_size(), 1);
  EXPECT_EQ(after.extensions(0).state(), v1::EXTENSION_STATE_APPROVED);
}

TEST_F(DeadlineServiceTest, ExtensionTooLateSaysHowManyDaysWereLeft) {
  AdvanceTo(Local(2024, 2, 8, 16));
  routing_->Publish(routing_->Dispatched("t-000060", "town.longshui",
                                         v1::REQUEST_TYPE_CONSULTATION));
  // Last day 02-19; on Sun 02-18 (adjusted working day) only 02-19 is left.
  AdvanceTo(Local(2024, 2, 18, 9));
  v1::RequestExtensionResponse req;
  grpc::Status s =
      RequestExt(kStaffLongshui, "late-1", "t-000060", "2024-02-23", &req);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("1 working day left, 2 required"));
  // Nothing was stored.
  EXPECT_EQ(Clocks("t-000060").extensions_size(), 0);
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kExtensionRequested), 0);
}

TEST_F(DeadlineServiceTest, ExtensionLapsesWhenTheClockStops) {
  AdvanceTo(Local(2024, 3, 1, 10));
  routing_->Publish(routing_->Dispatched("t-000062", "town.longshui",
                                         v1::REQUEST_TYPE_COMPLAINT));
  AdvanceTo(Local(2024, 3, 5, 10));
  v1::RequestExtensionResponse req;
  ASSERT_TRUE(
      RequestExt(kStaffLongshui, "l-1", "t-000062", "2024-03-29", &req).ok());
  // The unit replies before a decision and the center approves the reply:
  // the clock stops and the request lapses.
  AdvanceTo(Local(2024, 3, 6, 10));
  routing_->Publish(routing_->Replied("t-000062", "town.longshui"));
  routing_->Publish(routing_->Reviewed("t-000062", "town.longshui", true));
  v1::GetClocksResponse r = Clocks("t-000062");
  ASSERT_EQ(r.extensions_size(), 1);
  EXPECT_EQ(r.extensions(0).state(), v1::EXTENSION_STATE_LAPSED);
  v1::DecideExtensionResponse d;
  grpc::Status s = Decide(kCenterToken, "l-d", req.extension().extension_id(),
                          true, "2024-03-29", "", &d);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("LAPSED"));
  s = RequestExt(kStaffLongshui, "l-2", "t-000062", "2024-03-29", &req);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("no running handling clock"));
}

TEST_F(DeadlineServiceTest, FirstLevelExtensionIsDecidedByTheCenter) {
  AdvanceTo(Local(2024, 2, 8, 16));
  routing_->Publish(routing_->Dispatched("t-000061", "town.longshui",
                                         v1::REQUEST_TYPE_CONSULTATION));
  AdvanceTo(Local(2024, 2, 15, 10));  // holiday; 02-18 and 02-19 left
  v1::RequestExtensionResponse req;
  ASSERT_TRUE(
      RequestExt(kStaffLongshui, "c-1", "t-000061", "2024-02-23", &req).ok());
  EXPECT_EQ(req.extension().approver_unit_id(), "center");
  v1::DecideExtensionResponse d;
  EXPECT_EQ(Decide(kLeadLongshui, "cd-1", req.extension().extension_id(), false,
                   "", "不同意", &d)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status s = Decide(kCenterToken, "cd-2", req.extension().extension_id(),
                          false, "", "", &d);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("reason"));
  ASSERT_TRUE(Decide(kCenterToken, "cd-3", req.extension().extension_id(),
                     false, "", "理由不充分，请按期办结", &d)
                  .ok());
  EXPECT_EQ(d.extension().state(), v1::EXTENSION_STATE_REJECTED);
  EXPECT_EQ(FromProto(d.clock().due()), Local(2024, 2, 20));
}

TEST_F(DeadlineServiceTest, ReturnRedispatchAndRehandling) {
  AdvanceTo(Local(2024, 4, 1, 9));  // Mon
  routing_->Publish(routing_->Dispatched("t-000070", "town.longshui",
                                         v1::REQUEST_TYPE_HELP_SEEKING));
  routing_->Publish(
      routing_->Forwarded("t-000070", "town.longshui", "town.longshui.sfs"));
  AdvanceTo(Local(2024, 4, 2, 9));
  v1::TicketEvent back = routing_->Event("t-000070");
  back.mutable_returned()->set_from_unit_id("town.longshui.sfs");
  back.mutable_returned()->set_to_unit_id("town.longshui");
  back.mutable_returned()->set_reason("不属于本单位职责范围");
  routing_->Publish(back);
  v1::GetClocksResponse r = Clocks("t-000070");
  const v1::Clock* ret = Find(r, v1::CLOCK_KIND_RETURN);
  ASSERT_NE(ret, nullptr);
  // 2 working days from the dispatch (6(1): cumulative over every level):
  // 04-02, 04-03 → due 04-04 00:00.
  EXPECT_EQ(ret->explanation().start_date(), "2024-04-01");
  EXPECT_EQ(ret->explanation().last_working_date(), "2024-04-03");
  AdvanceTo(Local(2024, 4, 3, 9));
  v1::TicketEvent up = routing_->Event("t-000070");
  up.mutable_returned()->set_from_unit_id("town.longshui");
  up.mutable_returned()->set_to_unit_id("center");
  up.mutable_returned()->set_reason("不属于本镇街职责范围");
  up.mutable_returned()->set_reached_center(true);
  routing_->Publish(up);
  r = Clocks("t-000070");
  const v1::Clock* judged = Find(r, v1::CLOCK_KIND_RETURN);
  EXPECT_EQ(judged->outcome(), v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(judged->unit_id(), "town.longshui");  // the first-level unit
  EXPECT_EQ(judged->stop_cause(), "reached_center");
  // Each level's holding time is the evidence: the town, the station, the
  // town again.
  ASSERT_EQ(judged->holdings_size(), 3);
  EXPECT_EQ(judged->holdings(1).unit_id(), "town.longshui.sfs");
  EXPECT_EQ(judged->holdings(1).working_days(), 1);
  EXPECT_EQ(judged->holdings(2).arrived_by(), "returned");
  // Inside its limit, the handling clock is cancelled.
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_HANDLING)->outcome(),
            v1::CLOCK_OUTCOME_CANCELLED);

  // Re-dispatch: a fresh set for round 2.
  AdvanceTo(Local(2024, 4, 3, 14));
  // Through the helper, which gives the payload's Dispatched() seq back:
  // routing's seq has no gap, and a consumer now waits for a missing seq
  // (issue 13) instead of applying the next one.
  routing_->Publish(routing_->Redispatched("t-000070", "dept.housing",
                                           v1::REQUEST_TYPE_HELP_SEEKING, 2,
                                           "town.longshui"));
  r = Clocks("t-000070");
  const v1::Clock* h2 = Find(r, v1::CLOCK_KIND_HANDLING, 2);
  ASSERT_NE(h2, nullptr);
  EXPECT_EQ(h2->unit_id(), "dept.housing");
  EXPECT_EQ(h2->state(), v1::CLOCK_STATE_RUNNING);
  int running = 0;
  for (const auto& c : r.clocks()) {
    running += c.state() == v1::CLOCK_STATE_RUNNING ? 1 : 0;
    if (c.dispatch_round() == 1) {
      EXPECT_EQ(c.state(), v1::CLOCK_STATE_STOPPED);
    }
  }
  EXPECT_EQ(running, 3);

  // Reply, review rejected → re-handling clock for the same unit.
  AdvanceTo(Local(2024, 4, 8, 10));
  routing_->Publish(routing_->Replied("t-000070", "dept.housing"));
  AdvanceTo(Local(2024, 4, 9, 10));
  v1::TicketEvent rev = routing_->Event("t-000070");
  rev.mutable_reviewed()->set_reply_id("reply-x");
  rev.mutable_reviewed()->set_unit_id("dept.housing");
  rev.mutable_reviewed()->set_approved(false);
  rev.mutable_reviewed()->add_reasons(v1::REVIEW_REASON_NOT_RESOLVED);
  routing_->Publish(rev);
  r = Clocks("t-000070");
  const v1::Clock* reh = Find(r, v1::CLOCK_KIND_REHANDLING, 2);
  ASSERT_NE(reh, nullptr);
  EXPECT_EQ(reh->explanation().working_days(), 10);
  EXPECT_EQ(reh->explanation().start_date(), "2024-04-09");
  // Replied again and approved: both clocks judged at that reply.
  AdvanceTo(Local(2024, 4, 11, 10));
  routing_->Publish(routing_->Replied("t-000070", "dept.housing", 1));
  routing_->Publish(routing_->Reviewed("t-000070", "dept.housing", true));
  // Closed stops nothing more.
  AdvanceTo(Local(2024, 4, 12, 10));
  v1::TicketEvent closed = routing_->Event("t-000070");
  closed.mutable_closed()->set_reason(v1::CLOSE_REASON_EVALUATED);
  closed.mutable_closed()->set_handling_unit_id("dept.housing");
  routing_->Publish(closed);
  r = Clocks("t-000070");
  for (const auto& c : r.clocks())
    EXPECT_EQ(c.state(), v1::CLOCK_STATE_STOPPED);
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_REHANDLING, 2)->outcome(),
            v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_HANDLING, 2)->outcome(),
            v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(FromProto(Find(r, v1::CLOCK_KIND_HANDLING, 2)->judged_at()),
            Local(2024, 4, 11, 10));
}

TEST_F(DeadlineServiceTest, ListDuePerSubtreeAndPermissions) {
  AdvanceTo(Local(2024, 3, 4, 9));
  routing_->Publish(routing_->Dispatched("t-000080", "town.longshui",
                                         v1::REQUEST_TYPE_CONSULTATION));
  routing_->Publish(
      routing_->Forwarded("t-000080", "town.longshui", "town.longshui.sfs"));
  routing_->Publish(routing_->Dispatched("t-000081", "town.longgang",
                                         v1::REQUEST_TYPE_CONSULTATION));
  auto list = [&](const std::string& token, const std::string& unit,
                  v1::ListDueResponse* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::ListDueRequest req;
    req.set_unit_id(unit);
    *req.mutable_due_before() = ToProto(Local(2024, 3, 31));
    req.add_kinds(v1::CLOCK_KIND_HANDLING);
    return stub_->ListDue(&ctx, req, resp);
  };
  v1::ListDueResponse resp;
  ASSERT_TRUE(list(kCenterToken, "", &resp).ok());
  EXPECT_EQ(resp.items_size(), 2);
  ASSERT_TRUE(list(kStaffLongshui, "", &resp).ok());
  ASSERT_EQ(resp.items_size(), 1);
  EXPECT_EQ(resp.items(0).clock().unit_id(), "town.longshui.sfs");
  EXPECT_EQ(resp.items(0).ticket_number(), "DZ20240208-000080");
  EXPECT_EQ(resp.items(0).working_days_left(), 3);
  ASSERT_TRUE(list(kStaffLongshui, "town.longshui.sfs", &resp).ok());
  EXPECT_EQ(resp.items_size(), 1);
  EXPECT_EQ(list(kStaffLongshui, "town.longgang", &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(list(kAgentToken, "", &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::ListDueRequest bad;
  EXPECT_EQ(stub_->ListDue(&ctx, bad, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // GetClocks: the other town may not look; the agent and auditor may.
  grpc::ClientContext c1;
  ServiceUnderTest::Authorize(&c1, kStaffLonggang);
  v1::GetClocksRequest g;
  g.set_ticket_id("t-000080");
  v1::GetClocksResponse gr;
  EXPECT_EQ(stub_->GetClocks(&c1, g, &gr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Response, forward, handling, and the station's response.
  EXPECT_EQ(Clocks("t-000080", kAgentToken).clocks_size(), 4);
  EXPECT_EQ(Clocks("t-000080", kAuditorToken).clocks_size(), 4);
  EXPECT_EQ(Clocks("t-000080", kStaffSfs).clocks_size(), 4);
  grpc::ClientContext c2;
  ServiceUnderTest::Authorize(&c2, kCenterToken);
  g.set_ticket_id("t-nothing");
  EXPECT_EQ(stub_->GetClocks(&c2, g, &gr).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // Unknown fields are refused.
  grpc::ClientContext c3;
  ServiceUnderTest::Authorize(&c3, kServiceToken);
  g.set_ticket_id("t-000080");
  g.GetReflection()->MutableUnknownFields(&g)->AddVarint(77, 1);
  EXPECT_EQ(stub_->GetClocks(&c3, g, &gr).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(DeadlineServiceTest, ListDuePagesWithTokensOfItsOwnQuery) {
  AdvanceTo(Local(2024, 3, 4, 9));
  routing_->Publish(routing_->Dispatched("t-000082", "town.longshui",
                                         v1::REQUEST_TYPE_CONSULTATION));
  routing_->Publish(routing_->Dispatched("t-000083", "town.longgang",
                                         v1::REQUEST_TYPE_CONSULTATION));
  v1::ListDueRequest req;
  *req.mutable_due_before() = ToProto(Local(2024, 3, 31));
  req.add_kinds(v1::CLOCK_KIND_HANDLING);
  req.mutable_page()->set_page_size(1);
  auto list = [&](const v1::ListDueRequest& r, v1::ListDueResponse* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    return stub_->ListDue(&ctx, r, resp);
  };
  v1::ListDueResponse first, second;
  ASSERT_TRUE(list(req, &first).ok());
  ASSERT_EQ(first.items_size(), 1);
  ASSERT_FALSE(first.page().next_page_token().empty());
  req.mutable_page()->set_page_token(first.page().next_page_token());
  ASSERT_TRUE(list(req, &second).ok());
  ASSERT_EQ(second.items_size(), 1);
  EXPECT_TRUE(second.page().next_page_token().empty());
  EXPECT_NE(first.items(0).ticket_number(), second.items(0).ticket_number());

  // The token belongs to its query: other filters, or another list, refuse
  // it, naming the field.
  v1::ListDueRequest other = req;
  other.set_unit_id("town.longshui");
  v1::ListDueResponse resp;
  grpc::Status s = list(other, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("page.page_token"));
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::ListExtensionsRequest ext;
  ext.mutable_page()->set_page_token(first.page().next_page_token());
  v1::ListExtensionsResponse ext_resp;
  s = stub_->ListExtensions(&ctx, ext, &ext_resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("page.page_token"));
}

TEST_F(DeadlineServiceTest, ForcedCalendarChangeMovesRunningClocks) {
  AdvanceTo(Local(2025, 3, 3, 9));  // Mon; complaint → last day 03-17
  routing_->Publish(routing_->Dispatched("t-000090", "town.longshui",
                                         v1::REQUEST_TYPE_COMPLAINT));
  v1::TicketEvent dated = routing_->Dispatched("t-000091", "town.longshui",
                                               v1::REQUEST_TYPE_COMPLAINT);
  dated.mutable_dispatched()->mutable_limit()->set_due_date("2025-03-20");
  dated.mutable_dispatched()->mutable_limit()->set_legal_basis(
      "《信访工作条例》第三十二条");
  routing_->Publish(dated);
  auto cal = v1::CalendarService::NewStub(svc_->channel());
  v1::LoadYearRequest req;
  req.set_request_id("y2025");
  req.set_year(2025);
  req.add_holidays("2025-03-10");  // a test holiday inside the period
  req.set_source("测试：2025年调整");
  v1::LoadYearResponse resp;
  {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    grpc::Status s = cal->LoadYear(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(s.error_message(), HasSubstr("6 open clocks"));
  }
  req.set_request_id("y2025-force");
  req.set_force(true);
  {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    ASSERT_TRUE(cal->LoadYear(&ctx, req, &resp).ok());
  }
  // Only the handling clock spans 03-10; response and forward ended 03-04.
  EXPECT_EQ(resp.clocks_recomputed(), 1);
  v1::GetClocksResponse r90 = Clocks("t-000090");
  const v1::Clock* h = Find(r90, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h->explanation().last_working_date(), "2025-03-18");  // was 03-17
  EXPECT_EQ(h->explanation().calendar_version(), resp.calendar_version());
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kClockMoved), 1);
  // A dated limit is a date: the holiday does not move it.
  v1::GetClocksResponse r91 = Clocks("t-000091");
  h = Find(r91, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h->explanation().rule(), "handling.statutory");
  EXPECT_EQ(FromProto(h->due()), Local(2025, 3, 21));
}

// Issue 13: a replayed request id is answered only to a caller who may make
// the call now. The center decides a first-level unit's extension; a unit
// lead replaying the center's DecideExtension is refused, and so is another
// unit replaying a unit's RequestExtension.
TEST_F(DeadlineServiceTest, ReplaysAreAuthorizedLikeFirstCalls) {
  AdvanceTo(Local(2024, 2, 8, 16));
  routing_->Publish(routing_->Dispatched("t-000091", "town.longshui",
                                         v1::REQUEST_TYPE_CONSULTATION));
  AdvanceTo(Local(2024, 2, 15, 10));
  v1::RequestExtensionResponse asked;
  ASSERT_TRUE(
      RequestExt(kStaffLongshui, "r13-ask", "t-000091", "2024-02-23", &asked)
          .ok());
  v1::RequestExtensionResponse stolen;
  grpc::Status s =
      RequestExt(kStaffLonggang, "r13-ask", "t-000091", "2024-02-23", &stolen);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << s.error_message();
  EXPECT_FALSE(stolen.has_extension());

  const std::string ext = asked.extension().extension_id();
  v1::DecideExtensionResponse decided;
  ASSERT_TRUE(Decide(kCenterToken, "r13-decide", ext, true, "",
                     "同意延期，请按期办结", &decided)
                  .ok());
  for (const char* lead : {kLeadLongshui, kLeadLonggang}) {
    v1::DecideExtensionResponse replay;
    s = Decide(lead, "r13-decide", ext, true, "", "同意延期，请按期办结",
               &replay);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << lead << ": " << s.error_message();
    EXPECT_FALSE(replay.has_extension());
  }
  // The center's own retry gets the first answer.
  v1::DecideExtensionResponse again;
  ASSERT_TRUE(Decide(kCenterToken, "r13-decide", ext, true, "",
                     "同意延期，请按期办结", &again)
                  .ok());
  EXPECT_EQ(again.SerializeAsString(), decided.SerializeAsString());
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kExtensionDecided), 1);
}

// Issue 13: events only from their producer, in sequence. An assessment
// event for an order deadline has never heard of waits (not acknowledged);
// routing's seq 3 before seq 2 waits, and is applied once 2 arrived.
TEST_F(DeadlineServiceTest, EventsOutOfSequenceOrForgedAreNotApplied) {
  AdvanceTo(Local(2024, 3, 4, 9));
  auto publish = [&](const std::string& token, const std::string& source,
                     std::vector<v1::TicketEvent> events,
                     v1::PublishResponse* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::PublishRequest req;
    req.set_source_service(source);
    for (auto& e : events) *req.add_events() = e;
    return v1::EventSink::NewStub(svc_->channel())->Publish(&ctx, req, resp);
  };
  v1::TicketEvent dispatched = routing_->Dispatched("t-000092", "town.longshui",
                                                    v1::REQUEST_TYPE_COMPLAINT);
  v1::TicketEvent accepted = routing_->Accepted("t-000092", "town.longshui");
  v1::TicketEvent replied = routing_->Replied("t-000092", "town.longshui");
  // A forged Replied under deadline's own name: refused whole.
  v1::TicketEvent forged = replied;
  forged.set_producer("assessment");
  v1::PublishResponse resp;
  grpc::Status s = publish(hotline::testing::kAssessmentServiceToken,
                           "assessment", {forged}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(OutboxCount(v1::TicketEvent::kClockStarted), 0);

  routing_->Publish(dispatched);
  // seq 3 before seq 2: not acknowledged, nothing changes.
  s = publish(hotline::testing::kRoutingServiceToken, "routing", {replied},
              &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.acknowledged_event_ids_size(), 0);
  v1::GetClocksResponse clocks = Clocks("t-000092");
  const v1::Clock* handling = Find(clocks, v1::CLOCK_KIND_HANDLING);
  ASSERT_NE(handling, nullptr);
  EXPECT_EQ(handling->state(), v1::CLOCK_STATE_RUNNING);
  EXPECT_FALSE(handling->has_pending_since());
  // The gap filled (the relay resends both, in order): both applied.
  v1::PublishResponse both;
  s = publish(hotline::testing::kRoutingServiceToken, "routing",
              {accepted, replied}, &both);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(both.acknowledged_event_ids_size(), 2);
  clocks = Clocks("t-000092");
  handling = Find(clocks, v1::CLOCK_KIND_HANDLING);
  ASSERT_NE(handling, nullptr);
  EXPECT_TRUE(handling->has_pending_since());

  // Assessment speaking of an order deadline does not know: not applied.
  v1::TicketEvent eval;
  eval.set_event_id("assessment-1");
  eval.set_ticket_id("t-unknown");
  eval.set_seq(1);
  *eval.mutable_occurred_at() = ToProto(svc_->clock().Now());
  eval.set_producer("assessment");
  eval.set_ticket_number("DZ20240304-000001");
  eval.mutable_evaluation_recorded()->set_evaluation_id("eval-1");
  eval.mutable_evaluation_recorded()->set_unit_id("town.longshui");
  s = publish(hotline::testing::kAssessmentServiceToken, "assessment", {eval},
              &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.acknowledged_event_ids_size(), 0);
}

}  // namespace
}  // namespace hotline::deadline
