// The plans without a read of the order's state (fact_plan.h): for every
// event they apply to and every state the order may be in, they give what
// PlanFact gives with that state — the same fact, units and state after.

#include "services/assessment/domain/fact_plan.h"

#include <gtest/gtest.h>

#include <vector>

#include "services/assessment/domain/domain_test_util.h"
#include "services/assessment/domain/indicators.h"

namespace hotline::assessment {
namespace {

using testing::At;
using testing::Deadline;
using testing::Event;

void ExpectSameFact(const FactRecord& a, const FactRecord& b) {
  EXPECT_EQ(a.event_id, b.event_id);
  EXPECT_EQ(a.producer, b.producer);
  EXPECT_EQ(a.ticket_id, b.ticket_id);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.unit_id, b.unit_id);
  EXPECT_EQ(a.unit2_id, b.unit2_id);
  EXPECT_EQ(a.occurred_at, b.occurred_at);
  EXPECT_EQ(a.local_date, b.local_date);
  EXPECT_EQ(a.request_type, b.request_type);
  EXPECT_EQ(a.urgency, b.urgency);
  EXPECT_EQ(a.category_code, b.category_code);
  EXPECT_EQ(a.area_code, b.area_code);
  EXPECT_EQ(a.detail, b.detail);
  EXPECT_EQ(a.amount, b.amount);
  EXPECT_EQ(a.handling_days, b.handling_days);
}

void ExpectSameUnits(const std::vector<UnitLink>& a,
                     const std::vector<UnitLink>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].unit_id, b[i].unit_id);
    EXPECT_EQ(a[i].parent_id, b[i].parent_id);
    EXPECT_EQ(a[i].is_area, b[i].is_area);
  }
}

// The states an order may be in when an event arrives: unknown, known from
// an event of another producer (no number, no attributes), created,
// dispatched, replied, reviewed.
std::vector<TicketInfo> States() {
  std::vector<TicketInfo> out;
  out.push_back(TicketInfo{});
  TicketInfo bare;
  bare.known = true;
  out.push_back(bare);
  TicketInfo created;
  created.known = true;
  created.ticket_number = "DZ20240208-000001";
  created.request_type = 2;
  created.urgency = 1;
  created.category_code = "城市管理.占道经营";
  created.area_code = "town.chengguan";
  out.push_back(created);
  TicketInfo dispatched = created;
  dispatched.dispatched_at = At("2024-02-08T02:00:00Z");
  out.push_back(dispatched);
  TicketInfo replied = dispatched;
  replied.replied_unit_id = "dept.housing";
  replied.review_status = "REPLIED";
  replied.last_reply_round = 0;
  out.push_back(replied);
  TicketInfo reviewed = replied;
  reviewed.review_status = "APPROVED";
  reviewed.approved_unit_id = "dept.housing";
  out.push_back(reviewed);
  TicketInfo other_number = reviewed;
  other_number.ticket_number = "DZ20240101-000009";
  out.push_back(other_number);
  return out;
}

v1::TicketEvent Created() {
  v1::TicketEvent e = Event("intake-1", "2024-02-08T01:00:00Z");
  e.set_producer("intake");
  auto* c = e.mutable_ticket_created();
  c->set_request_type(v1::RequestType(3));
  c->set_urgency(v1::Urgency(2));
  c->set_category_code("环境保护.噪声污染");
  c->mutable_location()->set_town_code("town.xinhua");
  return e;
}

v1::TicketEvent Dispatch(bool redispatch, bool with_area) {
  v1::TicketEvent e = Event("routing-2", "2024-02-08T03:00:00Z");
  v1::Dispatched* d = redispatch ? e.mutable_redispatched()->mutable_dispatch()
                                 : e.mutable_dispatched();
  d->set_unit_id("dept.environment");
  d->set_request_type(v1::RequestType(3));
  d->set_urgency(v1::Urgency(2));
  d->set_category_code("环境保护.噪声污染");
  if (with_area) d->set_area_code("town.xinhua");
  d->set_dispatch_round(redispatch ? 2 : 1);
  return e;
}

TEST(PlanFactWithoutStateTest, SameAsWithTheStoredStateForEveryState) {
  for (const v1::TicketEvent& e :
       {Created(), Dispatch(false, true), Dispatch(true, true)}) {
    std::optional<StatelessPlan> blind = PlanFactWithoutState(e);
    ASSERT_TRUE(blind.has_value()) << e.DebugString();
    for (const TicketInfo& stored : States()) {
      absl::StatusOr<FactPlan> plan = PlanFact(e, stored);
      ASSERT_TRUE(plan.ok());
      ExpectSameFact(blind->plan.fact, plan->fact);
      ExpectSameUnits(blind->plan.units, plan->units);
      EXPECT_TRUE(
          SameTicket(MergeAssigned(stored, blind->plan.ticket, blind->assigned),
                     plan->ticket))
          << e.DebugString();
    }
  }
}

TEST(PlanFactWithoutStateTest, NeedsTheStateWhenTheEventLeavesAFieldOut) {
  EXPECT_FALSE(PlanFactWithoutState(Dispatch(false, false)).has_value());
  EXPECT_FALSE(PlanFactWithoutState(Dispatch(true, false)).has_value());
  v1::TicketEvent no_type = Dispatch(false, true);
  no_type.mutable_dispatched()->set_request_type(v1::RequestType(0));
  EXPECT_FALSE(PlanFactWithoutState(no_type).has_value());
  v1::TicketEvent reply = Event("routing-3", "2024-02-09T03:00:00Z");
  reply.mutable_replied()->set_unit_id("dept.environment");
  EXPECT_FALSE(PlanFactWithoutState(reply).has_value());
  v1::TicketEvent started = Deadline("deadline-1", "2024-02-08T03:00:01Z");
  started.mutable_clock_started()->set_unit_id("dept.environment");
  EXPECT_FALSE(PlanFactWithoutState(started).has_value());
}

TEST(MergeAssignedTest, KeepsWhatTheEventDoesNotAssign) {
  TicketInfo stored = States()[4];  // replied
  TicketInfo fresh;
  fresh.known = true;
  fresh.ticket_number = "DZ20990101-000001";
  fresh.request_type = 5;
  fresh.review_status = "NONE";
  TicketInfo t = MergeAssigned(stored, fresh, kTicketAttributes);
  EXPECT_EQ(t.ticket_number, stored.ticket_number);
  EXPECT_EQ(t.request_type, 5);
  EXPECT_EQ(t.review_status, "REPLIED");
  EXPECT_EQ(t.last_reply_round, 0);
  EXPECT_TRUE(SameTicket(MergeAssigned(TicketInfo{}, fresh, 0), fresh));
}

// Every event that takes only the order's attributes, in each of its forms.
std::vector<v1::TicketEvent> AttributeOnlyEvents() {
  std::vector<v1::TicketEvent> out;
  auto routing = [&](const char* id) {
    out.push_back(Event(id, "2024-02-09T05:00:00Z"));
    return &out.back();
  };
  auto deadline = [&](const char* id) {
    out.push_back(Deadline(id, "2024-02-09T16:30:00Z"));
    return &out.back();
  };
  v1::TicketEvent* e = routing("intake-9");
  e->set_producer("intake");
  e->mutable_ticket_closed_at_intake();
  routing("intake-10")->mutable_ticket_merged();
  routing("intake-11")->mutable_ticket_unmerged();
  routing("routing-4")->mutable_accepted()->set_unit_id("dept.environment");
  e = routing("routing-5");
  e->mutable_accepted()->set_unit_id("dept.water");
  e->mutable_accepted()->set_as_co_unit(true);
  routing("routing-6")
      ->mutable_co_unit_released()
      ->set_co_unit_id("dept.water");
  routing("routing-7")->mutable_dispute_raised()->set_unit_id("dept.water");
  e = routing("routing-8");
  e->mutable_dispute_decided()->set_unit_id("dept.water");
  e->mutable_dispute_decided()->set_outcome(
      v1::DISPUTE_OUTCOME_DISPATCH_UPHELD);
  routing("routing-9")->mutable_co_units_added()->set_lead_unit_id("dept.a");
  routing("routing-10")->mutable_co_opinion_submitted()->set_co_unit_id("b");
  routing("routing-11")->mutable_closed()->set_handling_unit_id("dept.a");
  e = deadline("deadline-2");
  e->mutable_clock_started()->set_unit_id("dept.environment");
  e->mutable_clock_started()->set_kind(v1::CLOCK_KIND_HANDLING);
  e = deadline("deadline-3");
  e->mutable_clock_moved()->set_unit_id("dept.environment");
  e->mutable_clock_moved()->set_kind(v1::CLOCK_KIND_RESPONSE);
  deadline("deadline-4")->mutable_extension_requested()->set_unit_id("d.a");
  e = deadline("deadline-5");
  e->mutable_extension_decided()->set_unit_id("dept.a");
  e->mutable_extension_decided()->set_approver_unit_id("center");
  e->mutable_extension_decided()->set_approved(true);
  e->mutable_extension_decided()->set_decided_after_due(true);
  e = deadline("deadline-6");
  e->mutable_ladder_step_fired()->set_unit_id("dept.a");
  e->mutable_ladder_step_fired()->set_step(v1::LadderStep(1));
  e = routing("assessment-1");
  e->set_producer("assessment");
  e->mutable_evaluation_recorded()->set_unit_id("dept.a");
  e->mutable_evaluation_recorded()->set_reached(true);
  return out;
}

TEST(FactTakesOnlyAttributesTest, FactIsTheBlindFactWithTheStoredAttributes) {
  const std::vector<v1::TicketEvent> events = AttributeOnlyEvents();
  ASSERT_EQ(events.size(), 17u);
  for (const v1::TicketEvent& e : events) {
    ASSERT_TRUE(FactTakesOnlyAttributes(e)) << e.DebugString();
    absl::StatusOr<FactPlan> blind = PlanFact(e, TicketInfo{});
    ASSERT_TRUE(blind.ok());
    for (const TicketInfo& stored : States()) {
      if (!stored.known || stored.ticket_number.empty()) continue;
      absl::StatusOr<FactPlan> plan = PlanFact(e, stored);
      ASSERT_TRUE(plan.ok());
      ExpectSameFact(WithAttributesOf(blind->fact, stored), plan->fact);
      EXPECT_TRUE(plan->units.empty());
      EXPECT_TRUE(SameTicket(stored, plan->ticket)) << e.DebugString();
      // What the fact counts does not depend on the order's attributes.
      const Contribution a = ContributionOf(blind->fact);
      const Contribution b = ContributionOf(plan->fact);
      EXPECT_EQ(a.counters, b.counters);
      EXPECT_EQ(a.second, b.second);
      EXPECT_EQ(a.handling_days, b.handling_days);
      EXPECT_EQ(a.topic, b.topic);
    }
  }
}

TEST(FactTakesOnlyAttributesTest, NotForEventsThatReadOrChangeTheState) {
  v1::TicketEvent created = Created();
  EXPECT_FALSE(FactTakesOnlyAttributes(created));
  EXPECT_FALSE(FactTakesOnlyAttributes(Dispatch(false, true)));
  EXPECT_FALSE(FactTakesOnlyAttributes(Dispatch(true, true)));
  v1::TicketEvent e = Event("routing-20", "2024-02-09T05:00:00Z");
  e.mutable_replied()->set_unit_id("dept.a");
  EXPECT_FALSE(FactTakesOnlyAttributes(e));
  e.mutable_reviewed()->set_unit_id("dept.a");
  EXPECT_FALSE(FactTakesOnlyAttributes(e));
  e.mutable_forwarded()->set_to_unit_id("dept.b");
  EXPECT_FALSE(FactTakesOnlyAttributes(e));
  e.mutable_returned()->set_from_unit_id("dept.b");
  EXPECT_FALSE(FactTakesOnlyAttributes(e));
  e.mutable_clock_stopped()->set_unit_id("dept.b");
  EXPECT_FALSE(FactTakesOnlyAttributes(e));
  e.mutable_clock_overdue()->set_unit_id("dept.b");
  EXPECT_FALSE(FactTakesOnlyAttributes(e));
  e.mutable_duty_gap()->set_unit_id("dept.b");
  EXPECT_FALSE(FactTakesOnlyAttributes(e));
}

// A unit's links fold as the unit_node upserts leave the row: the last
// parent named wins, an unnamed one keeps it; is_area only grows.
TEST(MergeUnitLinkTest, LastNamedParentAndAnyArea) {
  const UnitLink stored{"comm.longshui.nanshan", "town.longshui", true};
  UnitLink merged =
      MergeUnitLink(stored, UnitLink{"comm.longshui.nanshan", "", false});
  EXPECT_EQ(merged.unit_id, "comm.longshui.nanshan");
  EXPECT_EQ(merged.parent_id, "town.longshui");
  EXPECT_TRUE(merged.is_area);

  merged = MergeUnitLink(
      merged, UnitLink{"comm.longshui.nanshan", "town.longgang", false});
  EXPECT_EQ(merged.parent_id, "town.longgang");
  EXPECT_TRUE(merged.is_area);

  merged = MergeUnitLink(UnitLink{"dept.housing", "", false},
                         UnitLink{"dept.housing", "center", false});
  EXPECT_EQ(merged.parent_id, "center");
  EXPECT_FALSE(merged.is_area);
  merged = MergeUnitLink(merged, UnitLink{"dept.housing", "", true});
  EXPECT_EQ(merged.parent_id, "center");
  EXPECT_TRUE(merged.is_area);
}

}  // namespace
}  // namespace hotline::assessment
