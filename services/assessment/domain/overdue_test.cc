// PlanOverdue: what deadline's ClockOverdue and ClockStopped change in the
// overdue clocks (domain/overdue.h), without a database.

#include "services/assessment/domain/overdue.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "common/server/proto_time.h"
#include "services/assessment/domain/domain_test_util.h"

namespace hotline::assessment {
namespace {

using testing::At;
using testing::Overdue;
using testing::Stop;

// The plan of the event's fact as PlanFact leaves it for a known order.
FactPlan PlanOf(const std::string& ticket_number, int request_type) {
  FactPlan plan;
  plan.ticket.known = true;
  plan.ticket.ticket_number = ticket_number;
  plan.ticket.request_type = request_type;
  plan.fact.request_type = request_type;
  return plan;
}

TEST(PlanOverdueTest, OverdueOfACompletionClockOpensItAndAccrues) {
  for (v1::ClockKind kind :
       {v1::CLOCK_KIND_HANDLING, v1::CLOCK_KIND_LEAD_UNIT}) {
    const v1::TicketEvent e = Overdue("deadline-71", "2024-03-08T16:00:05Z",
                                      kind, "2024-03-08T16:00:00Z", true, 1, 1);
    const OverdueChange change = PlanOverdue(e, PlanOf("DZ20240208-000001", 2));
    const auto* open = std::get_if<OverdueOpen>(&change);
    ASSERT_NE(open, nullptr) << kind;
    const OverdueClock& c = open->clock;
    EXPECT_EQ(c.clock_id, "clk-9");
    EXPECT_EQ(c.ticket_id, "t-1");
    EXPECT_EQ(c.ticket_number, "DZ20240208-000001");
    EXPECT_EQ(c.kind, kind);
    EXPECT_EQ(c.request_type, 2);
    EXPECT_EQ(c.due, At("2024-03-08T16:00:00Z"));
    EXPECT_EQ(c.overdue_since, At("2024-03-08T16:00:00Z"));  // as_of
    EXPECT_EQ(c.first_event_id, "deadline-71");
    EXPECT_EQ(c.rule, "handling.consultation");
    EXPECT_EQ(c.article, "6(2)");
    EXPECT_FALSE(c.closed_at.has_value());
    EXPECT_TRUE(c.accruals.empty());
    EXPECT_EQ(open->accrual.event_id, "deadline-71");
    EXPECT_EQ(open->accrual.as_of, At("2024-03-08T16:00:00Z"));
    EXPECT_EQ(open->accrual.unit_id, "dept.housing");
    EXPECT_EQ(open->accrual.added_days, 1);
  }
}

TEST(PlanOverdueTest, LaterOverdueAccruesItsAddedDaysAsOfItsInstant) {
  const v1::TicketEvent e =
      Overdue("deadline-72", "2024-03-10T16:00:09Z", v1::CLOCK_KIND_HANDLING,
              "2024-03-10T16:00:00Z", false, 2, 3);
  const OverdueChange change = PlanOverdue(e, PlanOf("DZ20240208-000001", 1));
  const auto* open = std::get_if<OverdueOpen>(&change);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->accrual.event_id, "deadline-72");
  EXPECT_EQ(open->accrual.as_of, At("2024-03-10T16:00:00Z"));
  EXPECT_EQ(open->accrual.added_days, 2);
  EXPECT_EQ(open->clock.overdue_since, At("2024-03-10T16:00:00Z"));
}

TEST(PlanOverdueTest, OverdueWithoutAsOfCountsAtItsOccurrence) {
  v1::TicketEvent e =
      Overdue("deadline-73", "2024-03-08T16:00:05Z", v1::CLOCK_KIND_HANDLING,
              "2024-03-08T16:00:00Z", true, 1, 1);
  e.mutable_clock_overdue()->clear_as_of();
  const OverdueChange change = PlanOverdue(e, PlanOf("DZ20240208-000001", 1));
  const auto* open = std::get_if<OverdueOpen>(&change);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->clock.overdue_since, At("2024-03-08T16:00:05Z"));
  EXPECT_EQ(open->accrual.as_of, At("2024-03-08T16:00:05Z"));
}

TEST(PlanOverdueTest, TextIsCutToTheStoredWidths) {
  v1::TicketEvent e =
      Overdue("deadline-74", "2024-03-08T16:00:05Z", v1::CLOCK_KIND_LEAD_UNIT,
              "2024-03-08T16:00:00Z", true, 0, 0);
  e.mutable_clock_overdue()->set_rule(std::string(80, 'r'));
  e.mutable_clock_overdue()->set_article(std::string(40, 'a'));
  const OverdueChange change = PlanOverdue(e, PlanOf(std::string(50, '9'), 3));
  const auto* open = std::get_if<OverdueOpen>(&change);
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->clock.ticket_number, std::string(32, '9'));
  EXPECT_EQ(open->clock.rule, std::string(64, 'r'));
  EXPECT_EQ(open->clock.article, std::string(32, 'a'));
  EXPECT_EQ(open->accrual.added_days, 0);
}

TEST(PlanOverdueTest, OverdueOfAnotherClockChangesNothing) {
  for (v1::ClockKind kind :
       {v1::CLOCK_KIND_RESPONSE, v1::CLOCK_KIND_FORWARD, v1::CLOCK_KIND_RETURN,
        v1::CLOCK_KIND_CO_OPINION, v1::CLOCK_KIND_REHANDLING,
        v1::CLOCK_KIND_UNSPECIFIED}) {
    const v1::TicketEvent e = Overdue("deadline-75", "2024-03-08T16:00:05Z",
                                      kind, "2024-03-08T16:00:00Z", true, 1, 1);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(
        PlanOverdue(e, PlanOf("DZ20240208-000001", 1))))
        << kind;
  }
}

TEST(PlanOverdueTest, StopOfACompletionClockClosesItWhenJudged) {
  const v1::TicketEvent e =
      Stop("deadline-80", "2024-03-12T02:30:00Z", v1::CLOCK_KIND_HANDLING,
           v1::CLOCK_OUTCOME_MISSED, true, 3);
  const OverdueChange change = PlanOverdue(e, PlanOf("DZ20240208-000001", 1));
  const auto* close = std::get_if<OverdueClose>(&change);
  ASSERT_NE(close, nullptr);
  EXPECT_EQ(close->clock_id, "clk-9");
  EXPECT_EQ(close->at, At("2024-03-12T02:30:00Z"));
}

TEST(PlanOverdueTest, StopJudgedEarlierThanItsOccurrenceClosesAtJudgedAt) {
  v1::TicketEvent e =
      Stop("deadline-81", "2024-03-12T02:30:00Z", v1::CLOCK_KIND_LEAD_UNIT,
           v1::CLOCK_OUTCOME_MET, false, 0);
  *e.mutable_clock_stopped()->mutable_judged_at() =
      ToProto(At("2024-03-11T09:00:00Z"));
  const OverdueChange change = PlanOverdue(e, PlanOf("DZ20240208-000001", 1));
  const auto* close = std::get_if<OverdueClose>(&change);
  ASSERT_NE(close, nullptr);
  EXPECT_EQ(close->at, At("2024-03-11T09:00:00Z"));
}

TEST(PlanOverdueTest, StopWithoutJudgedAtClosesAtItsOccurrence) {
  // CANCELLED: Stop sets no judged_at.
  const v1::TicketEvent e =
      Stop("deadline-82", "2024-03-12T02:30:00Z", v1::CLOCK_KIND_HANDLING,
           v1::CLOCK_OUTCOME_CANCELLED, false, 0);
  ASSERT_FALSE(e.clock_stopped().has_judged_at());
  const OverdueChange change = PlanOverdue(e, PlanOf("DZ20240208-000001", 1));
  const auto* close = std::get_if<OverdueClose>(&change);
  ASSERT_NE(close, nullptr);
  EXPECT_EQ(close->at, At("2024-03-12T02:30:00Z"));
}

TEST(PlanOverdueTest, StopOfAnotherClockChangesNothing) {
  const v1::TicketEvent e =
      Stop("deadline-83", "2024-03-12T02:30:00Z", v1::CLOCK_KIND_REHANDLING,
           v1::CLOCK_OUTCOME_MISSED, true, 2);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      PlanOverdue(e, PlanOf("DZ20240208-000001", 1))));
}

TEST(PlanOverdueTest, OtherEventsChangeNothing) {
  v1::TicketEvent e = testing::Event("routing-1", "2024-03-01T02:00:00Z");
  e.mutable_dispatched()->set_unit_id("dept.housing");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      PlanOverdue(e, PlanOf("DZ20240208-000001", 1))));
}

}  // namespace
}  // namespace hotline::assessment
