// Every row of docs/clocks.md, walked against the real store over gRPC with
// a manual clock: when each clock starts, what stops it, its verdict and the
// unit charged — and that lateness is never erased (rule 11).
//
// Dates: March 2024. From Mon 03-04 09:00 a complaint's 10 working days end
// Mon 03-18 (due 03-19 00:00), a consultation's 3 end Thu 03-07 (due 03-08),
// the response and forward days end Tue 03-05 (due 03-06), the 2 days of a
// return end Wed 03-06 (due 03-07).

#include <prometheus/registry.h>

#include <optional>

#include "common/db/dialect.h"
#include "common/db/sql_text.h"
#include "common/outbox/outbox.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/deadline/domain/ladder_rules.h"
#include "services/deadline/tests/deadline_test_util.h"

namespace hotline::deadline {
namespace {

using ::hotline::testing::kCenterToken;
using ::hotline::testing::ServiceUnderTest;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace testutil;  // NOLINT

constexpr char kTown[] = "town.longshui";
constexpr char kStation[] = "town.longshui.sfs";
constexpr char kTeam[] = "town.longshui.sfs.team";
constexpr char kHousing[] = "dept.housing";

class VerdictsTest : public DeadlineTest {
 protected:
  // The order's ClockOverdue events of one clock.
  std::vector<v1::ClockOverdue> Overdue(const std::string& ticket,
                                        const std::string& clock_id) {
    std::vector<v1::ClockOverdue> out;
    for (const v1::TicketEvent& e : Outbox(ticket)) {
      if (e.has_clock_overdue() && e.clock_overdue().clock_id() == clock_id) {
        out.push_back(e.clock_overdue());
      }
    }
    return out;
  }
  const v1::ClockStopped* Stopped(const std::vector<v1::TicketEvent>& events,
                                  const std::string& clock_id) {
    for (const v1::TicketEvent& e : events) {
      if (e.has_clock_stopped() && e.clock_stopped().clock_id() == clock_id) {
        return &e.clock_stopped();
      }
    }
    return nullptr;
  }
  void Dispatch(const std::string& t, v1::RequestType type,
                const std::string& unit = kTown) {
    routing_->Publish(routing_->Dispatched(t, unit, type));
  }
};

// ---------------------------------------------------------------- RESPONSE

// Every unit that receives the order must respond within 1 working day: the
// first-level unit, a unit it forwards to, a co-unit.
TEST_F(VerdictsTest, ResponseAtEveryLevelAndAsCoUnit) {
  AdvanceTo(Local(2024, 3, 4, 9));
  v1::TicketEvent d =
      routing_->Dispatched("v-r1", kTown, v1::REQUEST_TYPE_COMPLAINT);
  d.mutable_dispatched()->add_co_unit_ids(kHousing);
  routing_->Publish(d);
  AdvanceTo(Local(2024, 3, 4, 11));
  routing_->Publish(routing_->Forwarded("v-r1", kTown, kStation));
  routing_->Publish(routing_->AcceptedAsCoUnit("v-r1", kHousing));
  v1::GetClocksResponse r = Clocks("v-r1");
  const v1::Clock* town = FindOf(r, v1::CLOCK_KIND_RESPONSE, kTown);
  EXPECT_EQ(town->outcome(), v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(town->stop_cause(), "responded");
  EXPECT_EQ(FindOf(r, v1::CLOCK_KIND_RESPONSE, kHousing)->outcome(),
            v1::CLOCK_OUTCOME_MET);
  const v1::Clock* station = FindOf(r, v1::CLOCK_KIND_RESPONSE, kStation);
  ASSERT_NE(station, nullptr);
  EXPECT_EQ(FromProto(station->started_at()), Local(2024, 3, 4, 11));
  EXPECT_EQ(FromProto(station->due()), Local(2024, 3, 6));
  // The station never responds: chased (催办) and reported overdue at its
  // due, charged to it.
  AdvanceTo(Local(2024, 3, 6));
  EXPECT_EQ(Scan(), 1);
  r = Clocks("v-r1");
  ASSERT_EQ(r.ladder_steps_size(), 1);
  EXPECT_EQ(r.ladder_steps(0).step(), v1::LADDER_STEP_REMINDER);
  EXPECT_EQ(r.ladder_steps(0).unit_id(), kStation);
  station = FindOf(r, v1::CLOCK_KIND_RESPONSE, kStation);
  std::vector<v1::ClockOverdue> o = Overdue("v-r1", station->clock_id());
  ASSERT_EQ(o.size(), 1u);
  EXPECT_TRUE(o[0].first());
  EXPECT_EQ(o[0].unit_id(), kStation);
  EXPECT_EQ(o[0].cause(), "due_passed");
  EXPECT_EQ(FromProto(o[0].as_of()), Local(2024, 3, 6));
  EXPECT_EQ(o[0].rule(), "response");
  EXPECT_EQ(o[0].article(), "7");
  // The center re-dispatches: the station's clock stops MISSED, not
  // cancelled; the co-unit's co-opinion clock, inside its limit, is
  // cancelled.
  AdvanceTo(Local(2024, 3, 6, 10));
  routing_->Publish(routing_->Redispatched(
      "v-r1", kHousing, v1::REQUEST_TYPE_COMPLAINT, 2, kTown));
  r = Clocks("v-r1");
  station = FindOf(r, v1::CLOCK_KIND_RESPONSE, kStation);
  EXPECT_EQ(station->outcome(), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(station->stop_cause(), "redispatched");
  EXPECT_EQ(station->overdue_working_days(), 1);
  const v1::Clock* co = nullptr;
  for (const auto& c : r.clocks()) {
    if (c.kind() == v1::CLOCK_KIND_CO_OPINION) co = &c;
  }
  ASSERT_NE(co, nullptr);
  EXPECT_EQ(co->outcome(), v1::CLOCK_OUTCOME_CANCELLED);
  const std::vector<v1::TicketEvent> events = Outbox("v-r1");
  const v1::ClockStopped* s = Stopped(events, station->clock_id());
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->overdue_reported());
  EXPECT_EQ(s->cause(), "redispatched");
}

// ---------------------------------------------------------------- FORWARD

// 6(1): "交办后1个工作日内流转至具体承办单位" — over every hop down.
TEST_F(VerdictsTest, ForwardTwoHopsArrivingAfterOneWorkingDayIsMissed) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-f1", v1::REQUEST_TYPE_COMPLAINT);
  AdvanceTo(Local(2024, 3, 4, 15));
  routing_->Publish(routing_->Forwarded("v-f1", kTown, kStation));
  AdvanceTo(Local(2024, 3, 6, 10));  // second hop after the due (03-06 00:00)
  routing_->Publish(routing_->Forwarded("v-f1", kStation, kTeam));
  routing_->Publish(routing_->Accepted("v-f1", kTeam));
  AdvanceTo(Local(2024, 3, 11, 10));
  routing_->Publish(routing_->Replied("v-f1", kTeam));
  v1::GetClocksResponse r = Clocks("v-f1");
  const v1::Clock* f = Find(r, v1::CLOCK_KIND_FORWARD);
  EXPECT_EQ(f->outcome(), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(f->unit_id(), kTown);  // the first-level unit answers for it
  EXPECT_EQ(FromProto(f->judged_at()), Local(2024, 3, 6, 10));
  EXPECT_EQ(f->stop_cause(), "handling_unit_reached");
  EXPECT_EQ(f->overdue_working_days(), 1);
  std::vector<v1::ClockOverdue> o = Overdue("v-f1", f->clock_id());
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].cause(), "judged_past_due");
  EXPECT_EQ(o[0].unit_id(), kTown);
}

TEST_F(VerdictsTest, ForwardMetByTheFirstArrivalAndNotApplicableAtFirstLevel) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-f2", v1::REQUEST_TYPE_COMPLAINT);
  Dispatch("v-f3", v1::REQUEST_TYPE_COMPLAINT);
  AdvanceTo(Local(2024, 3, 5, 16));
  routing_->Publish(routing_->Forwarded("v-f2", kTown, kStation));
  routing_->Publish(routing_->Accepted("v-f3", kTown));
  AdvanceTo(Local(2024, 3, 7, 10));
  routing_->Publish(routing_->Replied("v-f2", kStation));
  routing_->Publish(routing_->Replied("v-f3", kTown));
  const v1::GetClocksResponse f2_r = Clocks("v-f2");
  const v1::Clock* f2 = Find(f2_r, v1::CLOCK_KIND_FORWARD);
  EXPECT_EQ(f2->outcome(), v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(FromProto(f2->judged_at()), Local(2024, 3, 5, 16));
  const v1::GetClocksResponse f3_r = Clocks("v-f3");
  const v1::Clock* f3 = Find(f3_r, v1::CLOCK_KIND_FORWARD);
  EXPECT_EQ(f3->outcome(), v1::CLOCK_OUTCOME_CANCELLED);
  EXPECT_EQ(f3->stop_cause(), "handled_at_first_level");
}

// ---------------------------------------------------------------- RETURN

// A first-level unit's direct return after 3 working days: timed from the
// dispatch, MISSED, charged to it.
TEST_F(VerdictsTest, DirectReturnAfterThreeWorkingDaysIsMissed) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-rt1", v1::REQUEST_TYPE_COMPLAINT);
  routing_->Publish(routing_->Accepted("v-rt1", kTown));
  AdvanceTo(Local(2024, 3, 7, 10));
  routing_->Publish(routing_->Returned("v-rt1", kTown, "center", true));
  v1::GetClocksResponse r = Clocks("v-rt1");
  const v1::Clock* ret = Find(r, v1::CLOCK_KIND_RETURN);
  ASSERT_NE(ret, nullptr);
  EXPECT_EQ(ret->outcome(), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(ret->unit_id(), kTown);
  EXPECT_EQ(FromProto(ret->started_at()), Local(2024, 3, 4, 9));
  EXPECT_EQ(FromProto(ret->due()), Local(2024, 3, 7));
  EXPECT_EQ(ret->overdue_working_days(), 1);
  EXPECT_EQ(ret->explanation().article(), "6(1)");
  ASSERT_EQ(ret->holdings_size(), 1);
  EXPECT_EQ(ret->holdings(0).unit_id(), kTown);
  EXPECT_EQ(ret->holdings(0).working_days(), 3);
  const std::vector<v1::TicketEvent> events = Outbox("v-rt1");
  const v1::ClockStopped* s = Stopped(events, ret->clock_id());
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->holdings_size(), 1);
  EXPECT_EQ(s->rule(), "return.cumulative");
  // The handling clock, still inside its limit, is cancelled.
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_HANDLING)->outcome(),
            v1::CLOCK_OUTCOME_CANCELLED);
}

// A two-level climb back to the center in 1.5 working days: MET, with each
// level's holding time as evidence.
TEST_F(VerdictsTest, TwoLevelClimbInOneAndAHalfDaysIsMet) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-rt2", v1::REQUEST_TYPE_COMPLAINT);
  AdvanceTo(Local(2024, 3, 4, 10));
  routing_->Publish(routing_->Forwarded("v-rt2", kTown, kStation));
  AdvanceTo(Local(2024, 3, 5, 9));
  routing_->Publish(routing_->Returned("v-rt2", kStation, kTown, false));
  AdvanceTo(Local(2024, 3, 5, 21));
  routing_->Publish(routing_->Returned("v-rt2", kTown, "center", true));
  const v1::GetClocksResponse ret_r = Clocks("v-rt2");
  const v1::Clock* ret = Find(ret_r, v1::CLOCK_KIND_RETURN);
  EXPECT_EQ(ret->outcome(), v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(ret->unit_id(), kTown);
  EXPECT_EQ(FromProto(ret->judged_at()), Local(2024, 3, 5, 21));
  ASSERT_EQ(ret->holdings_size(), 3);
  EXPECT_EQ(ret->holdings(0).unit_id(), kTown);
  EXPECT_EQ(ret->holdings(0).arrived_by(), "dispatched");
  EXPECT_EQ(ret->holdings(1).unit_id(), kStation);
  EXPECT_EQ(ret->holdings(1).arrived_by(), "forwarded");
  EXPECT_EQ(ret->holdings(1).working_days(), 1);
  EXPECT_EQ(FromProto(ret->holdings(2).to()), Local(2024, 3, 5, 21));
  EXPECT_EQ(ret->holdings(2).arrived_by(), "returned");
}

// ---------------------------------------------------------------- HANDLING

// A return reaching the center after the handling due: handling MISSED,
// charged to the unit that held it, not cancelled.
TEST_F(VerdictsTest, ReturnAfterTheHandlingDueLeavesHandlingMissed) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-h1", v1::REQUEST_TYPE_CONSULTATION);  // due Fri 03-08 00:00
  routing_->Publish(routing_->Accepted("v-h1", kTown));
  AdvanceTo(Local(2024, 3, 11, 10));
  routing_->Publish(routing_->Returned("v-h1", kTown, "center", true));
  v1::GetClocksResponse r = Clocks("v-h1");
  const v1::Clock* h = Find(r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h->outcome(), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(h->unit_id(), kTown);
  EXPECT_EQ(h->stop_cause(), "reached_center");
  EXPECT_EQ(h->overdue_working_days(), 2);  // Fri 03-08, Mon 03-11
  std::vector<v1::ClockOverdue> o = Overdue("v-h1", h->clock_id());
  ASSERT_FALSE(o.empty());
  EXPECT_TRUE(o[0].first());
  EXPECT_EQ(FromProto(o[0].as_of()), Local(2024, 3, 8));  // when it fell due
  int added = 0;
  for (const auto& x : o) added += x.added_working_days();
  EXPECT_EQ(added, 2);
}

// A throw-away reply on day 9, rejected, re-handled and approved on day 12:
// not on time; the re-handling is no fresh 10 days.
TEST_F(VerdictsTest, RejectedReplyOnDayNineApprovedOnDayTwelveIsNotOnTime) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-h2", v1::REQUEST_TYPE_COMPLAINT);  // due 03-19 00:00
  routing_->Publish(routing_->Accepted("v-h2", kTown));
  AdvanceTo(Local(2024, 3, 15, 10));  // working day 9
  routing_->Publish(routing_->Replied("v-h2", kTown));
  AdvanceTo(Local(2024, 3, 15, 16));
  routing_->Publish(routing_->Reviewed("v-h2", kTown, false));
  v1::GetClocksResponse r = Clocks("v-h2");
  const v1::Clock* h = Find(r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h->state(), v1::CLOCK_STATE_RUNNING);
  EXPECT_FALSE(h->has_pending_since());
  EXPECT_EQ(FromProto(h->due()), Local(2024, 3, 19));  // unchanged
  ASSERT_NE(Find(r, v1::CLOCK_KIND_REHANDLING), nullptr);
  // The due passes while re-handling: supervised, reported overdue.
  AdvanceTo(Local(2024, 3, 19, 8));
  EXPECT_EQ(Scan(), 1);
  AdvanceTo(Local(2024, 3, 20, 10));  // working day 12
  routing_->Publish(routing_->Replied("v-h2", kTown, 1));
  AdvanceTo(Local(2024, 3, 20, 15));
  routing_->Publish(routing_->Reviewed("v-h2", kTown, true));
  r = Clocks("v-h2");
  h = Find(r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h->outcome(), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(FromProto(h->judged_at()), Local(2024, 3, 20, 10));
  EXPECT_EQ(h->overdue_working_days(), 2);  // 03-19, 03-20
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_REHANDLING)->outcome(),
            v1::CLOCK_OUTCOME_MET);
}

// The center's delay never counts against the unit: a reply before the due
// reviewed after it is on time.
TEST_F(VerdictsTest, ReplyBeforeTheDueReviewedAfterItIsOnTime) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-h3", v1::REQUEST_TYPE_CONSULTATION);  // due 03-08 00:00
  routing_->Publish(routing_->Accepted("v-h3", kTown));
  AdvanceTo(Local(2024, 3, 7, 17));
  routing_->Publish(routing_->Replied("v-h3", kTown));
  AdvanceTo(Local(2024, 3, 11, 9));
  EXPECT_EQ(Scan(), 0);  // pending review: neither chased nor overdue
  routing_->Publish(routing_->Reviewed("v-h3", kTown, true));
  const v1::GetClocksResponse h_r = Clocks("v-h3");
  const v1::Clock* h = Find(h_r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h->outcome(), v1::CLOCK_OUTCOME_MET);
  EXPECT_TRUE(Overdue("v-h3", h->clock_id()).empty());
}

// A reply before the due rejected after it: overdue at the rejection, its
// days counted from the due.
TEST_F(VerdictsTest, RejectionAfterTheDueMakesTheClockOverdueAtOnce) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-h4", v1::REQUEST_TYPE_CONSULTATION);  // due 03-08 00:00
  routing_->Publish(routing_->Accepted("v-h4", kTown));
  AdvanceTo(Local(2024, 3, 7, 17));
  routing_->Publish(routing_->Replied("v-h4", kTown));
  AdvanceTo(Local(2024, 3, 11, 10));
  routing_->Publish(routing_->Reviewed("v-h4", kTown, false));
  const v1::GetClocksResponse h_r = Clocks("v-h4");
  const v1::Clock* h = Find(h_r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(FromProto(h->overdue_since()), Local(2024, 3, 11, 10));
  std::vector<v1::ClockOverdue> o = Overdue("v-h4", h->clock_id());
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].cause(), "review_rejected");
  EXPECT_EQ(o[0].added_working_days(), 2);  // 03-08, 03-11
  EXPECT_EQ(Scan(), 1);                     // 督办, at once
}

// An order nobody answers shows its lateness day by day, before any answer.
TEST_F(VerdictsTest, AnOrderNeverAnsweredAccruesLatenessDayByDay) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-h5", v1::REQUEST_TYPE_CONSULTATION);  // due 03-08 00:00
  routing_->Publish(routing_->Accepted("v-h5", kTown));
  for (int day : {8, 9, 10, 11, 12}) {
    AdvanceTo(Local(2024, 3, day, 1));
    Scan();
  }
  const v1::GetClocksResponse h_r = Clocks("v-h5");
  const v1::Clock* h = Find(h_r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h->state(), v1::CLOCK_STATE_RUNNING);
  EXPECT_EQ(h->overdue_working_days(), 3);  // 03-08, 03-11, 03-12
  std::vector<v1::ClockOverdue> o = Overdue("v-h5", h->clock_id());
  ASSERT_EQ(o.size(), 3u);
  EXPECT_EQ(FromProto(o[1].as_of()), Local(2024, 3, 11));
  EXPECT_EQ(FromProto(o[2].as_of()), Local(2024, 3, 12));
  EXPECT_EQ(o[2].overdue_working_days(), 3);
  // GetClocks says so between the scanner's ticks too.
  AdvanceTo(Local(2024, 3, 13, 15));
  EXPECT_EQ(
      Find(Clocks("v-h5"), v1::CLOCK_KIND_HANDLING)->overdue_working_days(), 4);
}

// A dispute granted: inside the limit if raised before the due (even if
// decided after it), MISSED if raised after it. Upheld after the due: the
// clock is overdue at the decision.
TEST_F(VerdictsTest, DisputesJudgedAtTheirOwnInstant) {
  AdvanceTo(Local(2024, 3, 4, 9));
  for (const char* t : {"v-d1", "v-d2", "v-d3"}) {
    Dispatch(t, v1::REQUEST_TYPE_CONSULTATION);  // due 03-08 00:00
  }
  AdvanceTo(Local(2024, 3, 7, 16));
  routing_->Publish(routing_->DisputeRaised("v-d1", kTown));
  routing_->Publish(routing_->DisputeRaised("v-d3", kTown));
  AdvanceTo(Local(2024, 3, 8, 1));
  EXPECT_EQ(Scan(), 2);  // v-d2: 催办, 督办; the others await the decision
  AdvanceTo(Local(2024, 3, 8, 10));
  routing_->Publish(routing_->DisputeRaised("v-d2", kTown));
  AdvanceTo(Local(2024, 3, 11, 10));
  routing_->Publish(routing_->DisputeDecided("v-d1", kTown, true));
  routing_->Publish(routing_->DisputeDecided("v-d2", kTown, true));
  routing_->Publish(routing_->DisputeDecided("v-d3", kTown, false));
  const v1::GetClocksResponse h1_r = Clocks("v-d1");
  const v1::Clock* h1 = Find(h1_r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h1->outcome(), v1::CLOCK_OUTCOME_CANCELLED);
  EXPECT_EQ(h1->stop_cause(), "dispute_granted");
  const v1::GetClocksResponse h2_r = Clocks("v-d2");
  const v1::Clock* h2 = Find(h2_r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h2->outcome(), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(FromProto(h2->judged_at()), Local(2024, 3, 8, 10));
  const v1::GetClocksResponse h3_r = Clocks("v-d3");
  const v1::Clock* h3 = Find(h3_r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h3->state(), v1::CLOCK_STATE_RUNNING);
  EXPECT_EQ(FromProto(h3->overdue_since()), Local(2024, 3, 11, 10));
  EXPECT_EQ(Overdue("v-d3", h3->clock_id())[0].cause(), "dispute_upheld");
}

// A merge of an order past its due: MISSED. Inside: cancelled.
TEST_F(VerdictsTest, MergePastTheDueIsMissed) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-m1", v1::REQUEST_TYPE_CONSULTATION);
  Dispatch("v-m2", v1::REQUEST_TYPE_CONSULTATION);
  AdvanceTo(Local(2024, 3, 5, 10));
  routing_->Publish(routing_->Merged("v-m2"));
  AdvanceTo(Local(2024, 3, 12, 10));
  routing_->Publish(routing_->Merged("v-m1"));
  EXPECT_EQ(Find(Clocks("v-m1"), v1::CLOCK_KIND_HANDLING)->outcome(),
            v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(Find(Clocks("v-m1"), v1::CLOCK_KIND_HANDLING)->stop_cause(),
            "merged");
  EXPECT_EQ(Find(Clocks("v-m2"), v1::CLOCK_KIND_HANDLING)->outcome(),
            v1::CLOCK_OUTCOME_CANCELLED);
}

// ---------------------------------------------------------------- LEAD_UNIT

// Co-units added after the dispatch to an order with a 15-day own limit:
// capped at 10 (6(2)), the move recorded.
TEST_F(VerdictsTest, CoUnitsAddedLateCapTheLeadUnitsOwnLimit) {
  AdvanceTo(Local(2024, 3, 4, 9));
  v1::TicketEvent d =
      routing_->Dispatched("v-l1", kTown, v1::REQUEST_TYPE_COMPLAINT);
  d.mutable_dispatched()->mutable_limit()->set_working_days(15);
  routing_->Publish(d);
  EXPECT_EQ(FromProto(Find(Clocks("v-l1"), v1::CLOCK_KIND_HANDLING)->due()),
            Local(2024, 3, 26));  // 15 working days: last day 03-25
  AdvanceTo(Local(2024, 3, 6, 10));
  routing_->Publish(routing_->CoUnitsAdded("v-l1", kTown, {kHousing}));
  v1::GetClocksResponse r = Clocks("v-l1");
  const v1::Clock* lead = Find(r, v1::CLOCK_KIND_LEAD_UNIT);
  ASSERT_NE(lead, nullptr);
  EXPECT_EQ(FromProto(lead->due()), Local(2024, 3, 19));
  EXPECT_EQ(lead->explanation().working_days(), 10);
  bool capped = false;
  for (const v1::TicketEvent& e : Outbox("v-l1")) {
    if (e.has_clock_moved() &&
        e.clock_moved().cause() == v1::CLOCK_MOVE_CAUSE_LEAD_UNIT_CAP) {
      capped = true;
      EXPECT_EQ(FromProto(e.clock_moved().previous_due()), Local(2024, 3, 26));
    }
  }
  EXPECT_TRUE(capped);
  // The co-unit's clocks: a response and its input, never after the lead's
  // last day.
  const v1::Clock* co = FindOf(r, v1::CLOCK_KIND_CO_OPINION, kHousing);
  ASSERT_NE(co, nullptr);
  EXPECT_EQ(FromProto(co->due()), Local(2024, 3, 12));  // 3 working days
  ASSERT_NE(FindOf(r, v1::CLOCK_KIND_RESPONSE, kHousing), nullptr);
}

// ---------------------------------------------------------------- REHANDLING

// A missed re-handling makes the completion missed even when the (extended)
// handling due has not passed.
TEST_F(VerdictsTest, MissedRehandlingMakesTheCompletionMissed) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-rh", v1::REQUEST_TYPE_COMPLAINT);  // due 03-19
  routing_->Publish(routing_->Accepted("v-rh", kTown));
  v1::RequestExtensionResponse asked;
  ASSERT_TRUE(
      RequestExt(kStaffLongshui, "rh-x", "v-rh", "2024-04-26", &asked).ok());
  v1::DecideExtensionResponse d;
  ASSERT_TRUE(Decide(kCenterToken, "rh-d", asked.extension().extension_id(),
                     true, "2024-04-26", "同意", &d)
                  .ok());
  AdvanceTo(Local(2024, 3, 5, 10));
  routing_->Publish(routing_->Replied("v-rh", kTown));
  routing_->Publish(routing_->Reviewed("v-rh", kTown, false));
  const v1::GetClocksResponse rh_r = Clocks("v-rh");
  const v1::Clock* rh = Find(rh_r, v1::CLOCK_KIND_REHANDLING);
  ASSERT_NE(rh, nullptr);
  EXPECT_EQ(rh->explanation().article(), "local");
  EXPECT_EQ(rh->explanation().working_days(), 10);  // the round's N
  EXPECT_EQ(FromProto(rh->due()), Local(2024, 3, 20));
  // Re-replied after re-handling's due, inside the extended handling due.
  AdvanceTo(Local(2024, 3, 25, 10));
  routing_->Publish(routing_->Replied("v-rh", kTown, 1));
  routing_->Publish(routing_->Reviewed("v-rh", kTown, true));
  v1::GetClocksResponse r = Clocks("v-rh");
  EXPECT_EQ(Find(r, v1::CLOCK_KIND_REHANDLING)->outcome(),
            v1::CLOCK_OUTCOME_MISSED);
  const v1::Clock* h = Find(r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h->outcome(), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(h->stop_cause(), "rehandling_missed");
  std::vector<v1::ClockOverdue> o = Overdue("v-rh", h->clock_id());
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].cause(), "rehandling_missed");
  EXPECT_EQ(o[0].added_working_days(), 0);
}

// ---------------------------------------------------------------- CO_OPINION

TEST_F(VerdictsTest, CoOpinionsJudgedReleasedAndAskedAgain) {
  AdvanceTo(Local(2024, 3, 4, 9));
  v1::TicketEvent d =
      routing_->Dispatched("v-c1", kTown, v1::REQUEST_TYPE_COMPLAINT);
  d.mutable_dispatched()->add_co_unit_ids(kHousing);
  d.mutable_dispatched()->add_co_unit_ids("dept.urban");
  routing_->Publish(d);
  routing_->Publish(routing_->Accepted("v-c1", kTown));
  AdvanceTo(Local(2024, 3, 6, 10));
  routing_->Publish(routing_->CoOpinion("v-c1", kHousing, kTown));
  AdvanceTo(Local(2024, 3, 8, 1));  // dept.urban's input due 03-08 00:00
  EXPECT_EQ(Scan(), 2);  // REMINDER (no response) and SUPERVISION (no input)
  AdvanceTo(Local(2024, 3, 8, 10));
  routing_->Publish(routing_->CoUnitReleased("v-c1", "dept.urban", kTown));
  v1::GetClocksResponse r = Clocks("v-c1");
  const v1::Clock* housing = FindOf(r, v1::CLOCK_KIND_CO_OPINION, kHousing);
  EXPECT_EQ(housing->outcome(), v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(housing->stop_cause(), "co_opinion");
  const v1::Clock* urban = FindOf(r, v1::CLOCK_KIND_CO_OPINION, "dept.urban");
  EXPECT_EQ(urban->outcome(), v1::CLOCK_OUTCOME_MISSED);  // released too late
  EXPECT_EQ(urban->stop_cause(), "co_unit_released");
  // A rejected review asks the co-units not released for input again.
  AdvanceTo(Local(2024, 3, 11, 10));
  routing_->Publish(routing_->Replied("v-c1", kTown));
  routing_->Publish(routing_->Reviewed("v-c1", kTown, false));
  r = Clocks("v-c1");
  int running = 0;
  for (const auto& c : r.clocks()) {
    if (c.kind() == v1::CLOCK_KIND_CO_OPINION &&
        c.state() == v1::CLOCK_STATE_RUNNING) {
      ++running;
      EXPECT_EQ(c.unit_id(), kHousing);
    }
  }
  EXPECT_EQ(running, 1);
}

// ---------------------------------------------------------------- EXTENSIONS

// An extension approved after the due: the outcome at the due stands, the
// delay is the approver's.
TEST_F(VerdictsTest, ExtensionApprovedAfterTheDueKeepsTheClockMissed) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-e1", v1::REQUEST_TYPE_CONSULTATION);  // due 03-08 00:00
  routing_->Publish(routing_->Accepted("v-e1", kTown));
  AdvanceTo(Local(2024, 3, 4, 14));
  v1::RequestExtensionResponse asked;
  ASSERT_TRUE(
      RequestExt(kStaffLongshui, "e1-x", "v-e1", "2024-03-14", &asked).ok());
  AdvanceTo(Local(2024, 3, 8, 10));  // the center decides after the due
  v1::DecideExtensionResponse d;
  ASSERT_TRUE(Decide(kCenterToken, "e1-d", asked.extension().extension_id(),
                     true, "", "同意延期至3月14日", &d)
                  .ok());
  EXPECT_TRUE(d.extension().decided_after_due());
  EXPECT_EQ(d.extension().approved_due_date(), "2024-03-14");  // as asked
  EXPECT_EQ(FromProto(d.clock().due()), Local(2024, 3, 15));
  EXPECT_EQ(FromProto(d.clock().overdue_since()), Local(2024, 3, 8));
  bool flagged = false;
  for (const v1::TicketEvent& e : Outbox("v-e1")) {
    if (e.has_extension_decided()) {
      flagged = e.extension_decided().decided_after_due();
      EXPECT_EQ(FromProto(e.extension_decided().due_when_decided()),
                Local(2024, 3, 8));
    }
  }
  EXPECT_TRUE(flagged);
  // Answered before the new due: still MISSED (overdue at the old one).
  AdvanceTo(Local(2024, 3, 12, 10));
  routing_->Publish(routing_->Replied("v-e1", kTown));
  routing_->Publish(routing_->Reviewed("v-e1", kTown, true));
  const v1::GetClocksResponse h_r = Clocks("v-e1");
  const v1::Clock* h = Find(h_r, v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(h->outcome(), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(h->overdue_working_days(), 1);  // 03-08 only: the due moved
}

// 6(3): the unit tells the caller; approved extensions it has not are
// listed to the center.
TEST_F(VerdictsTest, CallerInformedOfAnApprovedExtension) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-e2", v1::REQUEST_TYPE_COMPLAINT);
  AdvanceTo(Local(2024, 3, 6, 9));
  v1::RequestExtensionResponse asked;
  ASSERT_TRUE(
      RequestExt(kStaffLongshui, "e2-x", "v-e2", "2024-03-29", &asked).ok());
  const std::string ext = asked.extension().extension_id();
  auto inform = [&](const std::string& token, const std::string& id,
                    absl::Time at, v1::RecordCallerInformedResponse* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::RecordCallerInformedRequest req;
    req.set_request_id(id);
    req.set_extension_id(ext);
    req.set_contact(v1::REPLY_CONTACT_PHONE);
    *req.mutable_informed_at() = ToProto(at);
    req.set_note("已电话告知来电人：现场协调中，预计3月29日前办结");
    return stub_->RecordCallerInformed(&ctx, req, resp);
  };
  v1::RecordCallerInformedResponse told;
  // Not approved yet.
  EXPECT_EQ(
      inform(kStaffLongshui, "i-0", Local(2024, 3, 6, 10), &told).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  v1::DecideExtensionResponse d;
  ASSERT_TRUE(
      Decide(kCenterToken, "e2-d", ext, true, "2024-03-29", "同意", &d).ok());
  auto list = [&](bool not_informed) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    v1::ListExtensionsRequest req;
    req.set_caller_not_informed(not_informed);
    v1::ListExtensionsResponse resp;
    EXPECT_TRUE(stub_->ListExtensions(&ctx, req, &resp).ok());
    return resp;
  };
  ASSERT_EQ(list(true).extensions_size(), 1);
  EXPECT_EQ(list(true).extensions(0).extension_id(), ext);
  // Refusals: another unit, a time in the future, a missing contact.
  EXPECT_EQ(
      inform(kStaffLonggang, "i-1", Local(2024, 3, 6, 10), &told).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status s = inform(kStaffLongshui, "i-2", Local(2024, 3, 7), &told);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("informed_at"));
  {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kStaffLongshui);
    v1::RecordCallerInformedRequest req;
    req.set_request_id("i-3");
    req.set_extension_id(ext);
    *req.mutable_informed_at() = ToProto(Local(2024, 3, 6, 9));
    req.set_note("已告知");
    s = stub_->RecordCallerInformed(&ctx, req, &told);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), StartsWith("contact"));
  }
  AdvanceTo(Local(2024, 3, 6, 11));
  ASSERT_TRUE(
      inform(kStaffLongshui, "i-ok", Local(2024, 3, 6, 10), &told).ok());
  EXPECT_EQ(told.extension().caller_informed_contact(),
            v1::REPLY_CONTACT_PHONE);
  EXPECT_EQ(list(true).extensions_size(), 0);
  EXPECT_EQ(list(false).extensions_size(), 1);
  // Once.
  EXPECT_EQ(inform(kStaffLongshui, "i-again", Local(2024, 3, 6, 10), &told)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  // The same request id answers the same.
  v1::RecordCallerInformedResponse replay;
  ASSERT_TRUE(
      inform(kStaffLongshui, "i-ok", Local(2024, 3, 6, 10), &replay).ok());
  EXPECT_EQ(replay.extension().extension_id(), ext);
}

// An extension granted into a year the calendar does not know yet is
// computed by the weekday rule, flagged, and counted in
// hotline_calendar_incomplete_total like every other due.
TEST_F(VerdictsTest, AnExtensionIntoAnUnknownYearCountsAsIncomplete) {
  auto incomplete = [&] {
    for (const auto& f : svc_->instance().host().registry().Collect()) {
      if (f.name == "hotline_calendar_incomplete_total") {
        return f.metric.empty() ? 0.0 : f.metric[0].counter.value;
      }
    }
    return 0.0;
  };
  AdvanceTo(Local(2026, 12, 7, 9));              // Mon
  Dispatch("v-e3", v1::REQUEST_TYPE_COMPLAINT);  // due 2026-12-22
  const double before = incomplete();
  v1::RequestExtensionResponse asked;
  ASSERT_TRUE(
      RequestExt(kStaffLongshui, "e3-x", "v-e3", "2027-01-15", &asked).ok());
  v1::DecideExtensionResponse d;
  ASSERT_TRUE(Decide(kCenterToken, "e3-d", asked.extension().extension_id(),
                     true, "", "同意", &d)
                  .ok());
  EXPECT_TRUE(d.clock().explanation().calendar_incomplete());
  EXPECT_EQ(incomplete(), before + 1);
}

// ---------------------------------------------------------------- ladder acts

// 第七条: "督办2次仍未办结" → a special inspection opened by people, recorded
// with its findings and units; "仍不认真办理" → a district-wide notice.
TEST_F(VerdictsTest, SpecialInspectionAndDistrictNoticeAreActsOfPeople) {
  AdvanceTo(Local(2024, 3, 4, 9));
  Dispatch("v-a1", v1::REQUEST_TYPE_CONSULTATION);  // never answered
  Dispatch("v-a2", v1::REQUEST_TYPE_CONSULTATION);  // accepted: chased once
  routing_->Publish(routing_->Accepted("v-a2", kTown));
  AdvanceTo(Local(2024, 3, 8, 1));
  EXPECT_EQ(Scan(), 3);  // v-a1: 催办 (03-06), 督办; v-a2: 督办
  auto candidates = [&](v1::LadderStep step) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    v1::ListEscalationCandidatesRequest req;
    req.set_step(step);
    v1::ListEscalationCandidatesResponse resp;
    grpc::Status s = stub_->ListEscalationCandidates(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  };
  v1::ListEscalationCandidatesResponse c =
      candidates(v1::LADDER_STEP_SPECIAL_INSPECTION);
  ASSERT_EQ(c.candidates_size(), 1);
  EXPECT_EQ(c.candidates(0).ticket_id(), "v-a1");
  EXPECT_EQ(c.candidates(0).steps_size(), 2);
  EXPECT_EQ(c.candidates(0).unit_ids(0), kTown);
  ASSERT_GE(c.candidates(0).overdue_clocks_size(), 1);
  EXPECT_EQ(candidates(v1::LADDER_STEP_DISTRICT_NOTICE).candidates_size(), 0);

  auto record = [&](const std::string& token, const std::string& id,
                    v1::LadderStep step, std::vector<std::string> tickets,
                    std::vector<std::string> units, const std::string& text,
                    v1::RecordSupervisionActResponse* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::RecordSupervisionActRequest req;
    req.set_request_id(id);
    req.set_step(step);
    for (const auto& t : tickets) req.add_ticket_ids(t);
    for (const auto& u : units) req.add_unit_ids(u);
    req.set_text(text);
    req.add_district_office_participants("王建国");
    return stub_->RecordSupervisionAct(&ctx, req, resp);
  };
  v1::RecordSupervisionActResponse act;
  // Refusals: a unit's staff; an order chased once; a unit that never held
  // the order; the automatic steps; an empty text.
  EXPECT_EQ(record(kStaffLongshui, "a-0", v1::LADDER_STEP_SPECIAL_INSPECTION,
                   {"v-a1"}, {kTown}, "督查", &act)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status s =
      record(kCenterToken, "a-1", v1::LADDER_STEP_SPECIAL_INSPECTION, {"v-a2"},
             {kTown}, "督查", &act);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("督办2次仍未办结"));
  s = record(kCenterToken, "a-2", v1::LADDER_STEP_SPECIAL_INSPECTION, {"v-a1"},
             {"town.longgang"}, "督查", &act);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), StartsWith("unit_ids[0]"));
  s = record(kCenterToken, "a-3", v1::LADDER_STEP_SUPERVISION, {"v-a1"},
             {kTown}, "督查", &act);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("step"));
  s = record(kCenterToken, "a-4", v1::LADDER_STEP_SPECIAL_INSPECTION, {"v-a1"},
             {kTown}, "", &act);
  EXPECT_THAT(s.error_message(), StartsWith("text"));
  s = record(kCenterToken, "a-5", v1::LADDER_STEP_SPECIAL_INSPECTION,
             {"v-a1", "v-a1"}, {kTown}, "督查", &act);
  EXPECT_THAT(s.error_message(), StartsWith("ticket_ids[1]"));
  EXPECT_EQ(Clocks("v-a1").ladder_steps_size(), 2);  // nothing stored

  AdvanceTo(Local(2024, 3, 11, 15));
  ASSERT_TRUE(record(kCenterToken, "a-ok", v1::LADDER_STEP_SPECIAL_INSPECTION,
                     {"v-a1"}, {kTown},
                     "经查，该镇街未安排专人办理，责令三日内办结并书面说明。",
                     &act)
                  .ok());
  EXPECT_EQ(act.act().step(), v1::LADDER_STEP_SPECIAL_INSPECTION);
  ASSERT_EQ(act.act().step_ids_size(), 1);
  EXPECT_EQ(act.act().recorded_by().role(), v1::CENTER_STAFF);
  v1::GetClocksResponse r = Clocks("v-a1");
  ASSERT_EQ(r.ladder_steps_size(), 3);
  const v1::LadderStepRecord& step = r.ladder_steps(2);
  EXPECT_EQ(step.step(), v1::LADDER_STEP_SPECIAL_INSPECTION);
  EXPECT_EQ(step.act_id(), act.act().act_id());
  EXPECT_THAT(step.act_text(), HasSubstr("责令三日内办结"));
  EXPECT_EQ(step.recipients_size(), 3);  // liaison, leader, district office
  bool fired = false;
  for (const v1::TicketEvent& e : Outbox("v-a1")) {
    if (e.has_ladder_step_fired() &&
        e.ladder_step_fired().step() == v1::LADDER_STEP_SPECIAL_INSPECTION) {
      fired = true;
      EXPECT_EQ(e.ladder_step_fired().act_id(), act.act().act_id());
      EXPECT_EQ(e.actor().role(), v1::CENTER_STAFF);
    }
  }
  EXPECT_TRUE(fired);
  // Once per order; now a candidate for a district-wide notice.
  EXPECT_EQ(record(kCenterToken, "a-twice", v1::LADDER_STEP_SPECIAL_INSPECTION,
                   {"v-a1"}, {kTown}, "再次督查", &act)
                .error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(candidates(v1::LADDER_STEP_SPECIAL_INSPECTION).candidates_size(),
            0);
  ASSERT_EQ(candidates(v1::LADDER_STEP_DISTRICT_NOTICE).candidates_size(), 1);
  v1::RecordSupervisionActResponse notice;
  ASSERT_TRUE(record(kCenterToken, "n-ok", v1::LADDER_STEP_DISTRICT_NOTICE,
                     {"v-a1"}, {kTown}, "对龙水镇拖延办理予以全区通报。",
                     &notice)
                  .ok());
  EXPECT_EQ(Clocks("v-a1").ladder_steps(3).recipients_size(), 4);
  // Listed, newest first; the unit sees the acts naming it.
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kStaffLongshui);
  v1::ListSupervisionActsRequest lreq;
  v1::ListSupervisionActsResponse acts;
  ASSERT_TRUE(stub_->ListSupervisionActs(&ctx, lreq, &acts).ok());
  ASSERT_EQ(acts.acts_size(), 2);
  EXPECT_EQ(acts.acts(0).step(), v1::LADDER_STEP_DISTRICT_NOTICE);
  EXPECT_EQ(acts.acts(1).district_office_participants(0), "王建国");
  grpc::ClientContext other;
  ServiceUnderTest::Authorize(&other, kStaffLonggang);
  ASSERT_TRUE(stub_->ListSupervisionActs(&other, lreq, &acts).ok());
  EXPECT_EQ(acts.acts_size(), 0);
}

// ---------------------------------------------------------------- batching

// The clocks one event starts are written together (one insert, one for
// their rungs) and its events appended together at its end: each clock gets
// its own id, its rungs at its due, and the events keep the order and the
// ticket's gapless seq they would have one by one.
// Run on the server's own dialect and on the portable path a server without
// INSERT … RETURNING (MySQL 8) takes (db/dialect.h): the same clocks, ids in
// start order, events and rungs.
class VerdictsDialectTest : public VerdictsTest,
                            public ::testing::WithParamInterface<bool> {};
INSTANTIATE_TEST_SUITE_P(Dialects, VerdictsDialectTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "ServersOwn" : "WithoutReturning";
                         });

TEST_P(VerdictsDialectTest, OneEventsClocksAndEventsAreWrittenTogetherInOrder) {
  struct Restore {
    ~Restore() { db::SetInsertReturningForTesting(std::nullopt); }
  } restore;
  if (!GetParam()) db::SetInsertReturningForTesting(false);
  AdvanceTo(Local(2024, 3, 4, 9));
  v1::TicketEvent d =
      routing_->Dispatched("v-b1", kTown, v1::REQUEST_TYPE_COMPLAINT);
  d.mutable_dispatched()->add_co_unit_ids(kHousing);
  routing_->Publish(d);
  AdvanceTo(Local(2024, 3, 4, 11));
  routing_->Publish(routing_->Forwarded("v-b1", kTown, kStation));

  auto conn = svc_->instance().pool().Acquire();
  ASSERT_TRUE(conn.ok()) << conn.status();
  absl::StatusOr<std::vector<v1::TicketEvent>> events =
      outbox::ReadTicketEvents(**conn, "deadline", "v-b1");
  ASSERT_TRUE(events.ok()) << events.status();
  struct Want {
    v1::TicketEvent::PayloadCase payload;
    v1::ClockKind kind;
    std::string unit;
  };
  const std::vector<Want> want = {
      {v1::TicketEvent::kClockStarted, v1::CLOCK_KIND_RESPONSE, kTown},
      {v1::TicketEvent::kClockStarted, v1::CLOCK_KIND_FORWARD, kTown},
      {v1::TicketEvent::kClockStarted, v1::CLOCK_KIND_LEAD_UNIT, kTown},
      {v1::TicketEvent::kClockStarted, v1::CLOCK_KIND_RESPONSE, kHousing},
      {v1::TicketEvent::kClockStarted, v1::CLOCK_KIND_CO_OPINION, kHousing},
      // The forward: the town's response judged, the station's started.
      {v1::TicketEvent::kClockStopped, v1::CLOCK_KIND_RESPONSE, kTown},
      {v1::TicketEvent::kClockStarted, v1::CLOCK_KIND_RESPONSE, kStation},
  };
  ASSERT_EQ(events->size(), want.size());
  const v1::GetClocksResponse r = Clocks("v-b1");
  ASSERT_EQ(r.clocks_size(), 6);
  std::vector<std::string> started_ids;
  for (size_t i = 0; i < want.size(); ++i) {
    const v1::TicketEvent& e = (*events)[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(e.seq(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(e.producer(), "deadline");
    ASSERT_EQ(e.payload_case(), want[i].payload);
    const bool started = e.has_clock_started();
    const std::string& id =
        started ? e.clock_started().clock_id() : e.clock_stopped().clock_id();
    const v1::ClockKind kind =
        started ? e.clock_started().kind() : e.clock_stopped().kind();
    const std::string& unit =
        started ? e.clock_started().unit_id() : e.clock_stopped().unit_id();
    EXPECT_EQ(kind, want[i].kind);
    EXPECT_EQ(unit, want[i].unit);
    // (The clocks' current units may have moved with the forward.)
    const v1::Clock* clock = nullptr;
    for (const v1::Clock& c : r.clocks()) {
      if (c.clock_id() == id) clock = &c;
    }
    ASSERT_NE(clock, nullptr);
    EXPECT_EQ(clock->kind(), want[i].kind);
    if (started) {
      EXPECT_EQ(e.clock_started().due().seconds(), clock->due().seconds());
      started_ids.push_back(id);
    }
  }
  // Ids in the order the clocks were started.
  for (size_t i = 1; i < started_ids.size(); ++i) {
    EXPECT_LT(std::stoll(started_ids[i - 1]), std::stoll(started_ids[i]));
  }
  // Every running clock has exactly its rungs, at its due.
  auto rs = (*conn)->Query(
      "SELECT clock_id, step, due_at FROM ladder_due ORDER BY clock_id, step");
  ASSERT_TRUE(rs.ok()) << rs.status();
  std::map<std::string, std::vector<std::pair<int, absl::Time>>> rungs;
  while ((*rs)->next()) {
    rungs[std::to_string((*rs)->getInt64(1))].push_back(
        {(*rs)->getInt(2), db::ParseSqlTime((*rs)->getString(3))});
  }
  int running = 0;
  for (const v1::Clock& c : r.clocks()) {
    SCOPED_TRACE(c.clock_id());
    if (c.state() != v1::CLOCK_STATE_RUNNING) {
      EXPECT_EQ(rungs.count(c.clock_id()), 0u);
      continue;
    }
    ++running;
    std::vector<std::pair<int, absl::Time>> expected;
    if (CanBeOverdue(c.kind())) {
      expected.push_back({kOverdueWatch, FromProto(c.due())});
    }
    if (FirstRung(c.kind()) != v1::LADDER_STEP_UNSPECIFIED) {
      expected.push_back({FirstRung(c.kind()), FromProto(c.due())});
    }
    EXPECT_EQ(rungs[c.clock_id()], expected);
  }
  EXPECT_EQ(running, 5);
}

// A delivered batch's events are all appended at the end of its
// transaction (one AppendAll): the same events, in the same order and with
// the same seqs, as when each event arrives alone.
TEST_F(VerdictsTest, ABatchEmitsWhatItsEventsEmitOneByOne) {
  AdvanceTo(Local(2024, 3, 4, 9));
  auto events_of = [&](const std::string& t) {
    v1::TicketEvent d =
        routing_->Dispatched(t, kTown, v1::REQUEST_TYPE_COMPLAINT);
    d.mutable_dispatched()->add_co_unit_ids(kHousing);
    return std::vector<v1::TicketEvent>{d, routing_->Accepted(t, kTown),
                                        routing_->Forwarded(t, kTown, kStation),
                                        routing_->Accepted(t, kStation)};
  };
  for (const v1::TicketEvent& e : events_of("v-one")) routing_->Publish(e);
  // Two orders' events interleaved in one request.
  std::vector<v1::TicketEvent> a = events_of("v-all-a");
  std::vector<v1::TicketEvent> b = events_of("v-all-b");
  std::vector<v1::TicketEvent> both;
  for (size_t i = 0; i < a.size(); ++i) {
    both.push_back(a[i]);
    both.push_back(b[i]);
  }
  routing_->Publish(both);

  auto conn = svc_->instance().pool().Acquire();
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto summary = [&](const std::string& t) {
    absl::StatusOr<std::vector<v1::TicketEvent>> events =
        outbox::ReadTicketEvents(**conn, "deadline", t);
    EXPECT_TRUE(events.ok()) << events.status();
    std::vector<std::string> out;
    for (v1::TicketEvent e : *events) {
      e.clear_event_id();
      e.clear_ticket_id();
      e.clear_ticket_number();
      if (e.has_clock_started()) e.mutable_clock_started()->clear_clock_id();
      if (e.has_clock_stopped()) e.mutable_clock_stopped()->clear_clock_id();
      out.push_back(e.ShortDebugString());
    }
    return out;
  };
  const std::vector<std::string> one = summary("v-one");
  EXPECT_GE(one.size(), 7u);
  EXPECT_EQ(summary("v-all-a"), one);
  EXPECT_EQ(summary("v-all-b"), one);
  // The clocks too.
  auto clocks = [&](const std::string& t) {
    std::vector<std::string> out;
    const v1::GetClocksResponse r = Clocks(t);
    for (v1::Clock c : r.clocks()) {
      c.clear_clock_id();
      c.clear_ticket_id();
      out.push_back(c.ShortDebugString());
    }
    return out;
  };
  EXPECT_EQ(clocks("v-all-a"), clocks("v-one"));
  EXPECT_EQ(clocks("v-all-b"), clocks("v-one"));
}

// ---------------------------------------------------------------- watermarks

class WatermarkTest : public VerdictsTest {
 protected:
  bool ScannerThread() const override { return true; }
  // Waits (real time, bounded) for the scanner thread to have fired `n`
  // steps of `ticket`.
  bool WaitSteps(const std::string& ticket, int n) {
    for (int i = 0; i < 100; ++i) {
      if (Clocks(ticket).ladder_steps_size() >= n) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return Clocks(ticket).ladder_steps_size() >= n;
  }
};

// An event that happened before a due but travels late (routing's relay
// behind, routing briefly away) is not judged late: the scanner judges no
// clock past routing's watermark, and the late event, once it arrives,
// meets its clock in time.
TEST_F(WatermarkTest, NoClockIsJudgedPastTheProducersWatermark) {
  AdvanceTo(Local(2024, 3, 4, 9));
  routing_->Publish(
      {routing_->Dispatched("v-w1", kTown, v1::REQUEST_TYPE_CONSULTATION)},
      Local(2024, 3, 4, 9));
  v1::TicketEvent accepted = routing_->Accepted("v-w1", kTown);
  *accepted.mutable_occurred_at() = ToProto(Local(2024, 3, 5, 17));
  AdvanceTo(Local(2024, 3, 6, 9));          // the response was due 03-06 00:00
  absl::SleepFor(absl::Milliseconds(800));  // four scanner ticks
  EXPECT_EQ(Clocks("v-w1").ladder_steps_size(), 0);
  // Routing's accept of 03-05 17:00 arrives now, with its watermark.
  routing_->Publish({accepted}, Local(2024, 3, 6, 9));
  v1::GetClocksResponse r = Clocks("v-w1");
  const v1::Clock* response = Find(r, v1::CLOCK_KIND_RESPONSE);
  EXPECT_EQ(response->outcome(), v1::CLOCK_OUTCOME_MET);
  EXPECT_TRUE(Overdue("v-w1", response->clock_id()).empty());
  // The handling clock's due passes with routing caught up: 督办 fires.
  AdvanceTo(Local(2024, 3, 8, 9));
  routing_->Heartbeat(Local(2024, 3, 8, 9));
  ASSERT_TRUE(WaitSteps("v-w1", 1));
  r = Clocks("v-w1");
  EXPECT_EQ(r.ladder_steps(0).step(), v1::LADDER_STEP_SUPERVISION);
  EXPECT_EQ(FromProto(Find(r, v1::CLOCK_KIND_HANDLING)->overdue_since()),
            Local(2024, 3, 8));
}

}  // namespace
}  // namespace hotline::deadline
