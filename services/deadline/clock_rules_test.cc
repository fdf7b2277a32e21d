// The clock rules as plain functions (no database): limits and their
// precedence, explanations, outcomes, the ladder's rung instants.

#include "services/deadline/clock_rules.h"

#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::deadline {
namespace {

using ::testing::HasSubstr;

absl::Time Local(int y, int mo, int d, int h = 0) {
  return absl::FromCivil(absl::CivilHour(y, mo, d, h),
                         absl::FixedTimeZone(8 * 3600));
}

class ClockRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto data = calendar::BuiltinCalendarData();
    ASSERT_TRUE(data.ok());
    auto cal = calendar::Calendar::Create(*data);
    ASSERT_TRUE(cal.ok());
    cal_ = std::make_unique<calendar::Calendar>(*std::move(cal));
  }
  const Policy& policy_ = Policy::Builtin();
  std::unique_ptr<calendar::Calendar> cal_;
};

// 6(2): a lead unit's own limit is cut to the 3/10 days of its kind.
TEST_F(ClockRulesTest, LeadUnitLimitIsCappedByItsKind) {
  const absl::Time start = Local(2024, 9, 27, 10);  // Fri before National Day
  v1::HandlingLimit limit;
  limit.set_working_days(15);
  Period own = HandlingPeriod(policy_, v1::REQUEST_TYPE_CONSULTATION, &limit);
  auto p =
      LeadUnitPeriod(*cal_, policy_, v1::REQUEST_TYPE_CONSULTATION, own, start);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->rule, "handling.consultation");
  EXPECT_EQ(p->working_days, 3);
  limit.set_working_days(2);
  own = HandlingPeriod(policy_, v1::REQUEST_TYPE_CONSULTATION, &limit);
  EXPECT_EQ(
      LeadUnitPeriod(*cal_, policy_, v1::REQUEST_TYPE_CONSULTATION, own, start)
          ->rule,
      "handling.own_limit");
  // Dates: 3 working days from 09-27 end on 10-08 (09-29 worked, then the
  // National Day week off): 10-08 stands, 10-09 is cut.
  limit.set_due_date("2024-10-08");
  own = HandlingPeriod(policy_, v1::REQUEST_TYPE_CONSULTATION, &limit);
  EXPECT_EQ(
      LeadUnitPeriod(*cal_, policy_, v1::REQUEST_TYPE_CONSULTATION, own, start)
          ->rule,
      "handling.own_limit");
  limit.set_due_date("2024-10-09");
  own = HandlingPeriod(policy_, v1::REQUEST_TYPE_CONSULTATION, &limit);
  EXPECT_EQ(
      LeadUnitPeriod(*cal_, policy_, v1::REQUEST_TYPE_CONSULTATION, own, start)
          ->rule,
      "handling.consultation");
  // A statutory limit stands whatever its length.
  limit.set_legal_basis("《信访工作条例》第三十二条");
  own = HandlingPeriod(policy_, v1::REQUEST_TYPE_CONSULTATION, &limit);
  EXPECT_EQ(
      LeadUnitPeriod(*cal_, policy_, v1::REQUEST_TYPE_CONSULTATION, own, start)
          ->rule,
      "handling.statutory");
}

TEST_F(ClockRulesTest, HandlingLimitPrecedence) {
  Period p = HandlingPeriod(policy_, v1::REQUEST_TYPE_CONSULTATION, nullptr);
  EXPECT_EQ(p.rule, "handling.consultation");
  EXPECT_EQ(p.working_days, 3);
  p = HandlingPeriod(policy_, v1::REQUEST_TYPE_REPORT, nullptr);
  EXPECT_EQ(p.rule, "handling.default");
  EXPECT_EQ(p.working_days, 10);
  v1::HandlingLimit own;
  own.set_working_days(5);
  p = HandlingPeriod(policy_, v1::REQUEST_TYPE_CONSULTATION, &own);
  EXPECT_EQ(p.rule, "handling.own_limit");
  EXPECT_EQ(p.working_days, 5);
  v1::HandlingLimit statutory;
  statutory.set_due_date("2024-03-29");
  statutory.set_legal_basis("《中华人民共和国政府信息公开条例》第三十三条");
  p = HandlingPeriod(policy_, v1::REQUEST_TYPE_COMPLAINT, &statutory);
  EXPECT_EQ(p.rule, "handling.statutory");
  EXPECT_EQ(p.article, "3, 6(4)");
  ASSERT_TRUE(p.last_day.has_value());
  EXPECT_EQ(*p.last_day, absl::CivilDay(2024, 3, 29));
  // Re-handling: the round's N, or the default when the round had a date.
  EXPECT_EQ(
      RehandlingPeriod(policy_, v1::REQUEST_TYPE_COMPLAINT, 7).working_days, 7);
  EXPECT_EQ(
      RehandlingPeriod(policy_, v1::REQUEST_TYPE_CONSULTATION, 0).working_days,
      3);
}

TEST_F(ClockRulesTest, ExplainsAcrossSpringFestival) {
  auto e =
      Explain(*cal_, policy_,
              HandlingPeriod(policy_, v1::REQUEST_TYPE_CONSULTATION, nullptr),
              Local(2024, 2, 8, 16));
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(FromProto(e->due()), Local(2024, 2, 20));
  EXPECT_EQ(e->last_working_date(), "2024-02-19");
  EXPECT_EQ(e->skipped_size(), 8);
  EXPECT_EQ(e->policy_version(), policy_.version());
  EXPECT_EQ(e->calendar_version(), cal_->version());
  EXPECT_THAT(e->text(), HasSubstr("6(2)"));
  // A fixed last day counts the working days up to it.
  Period fixed{"extension.approved", "6(3)", 0, absl::CivilDay(2024, 2, 23)};
  e = Explain(*cal_, policy_, fixed, Local(2024, 2, 8, 16));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->working_days(), 7);  // 02-09, 02-18..02-23
  EXPECT_EQ(FromProto(e->due()), Local(2024, 2, 24));
  // Past the last known year: computed, flagged.
  e = Explain(*cal_, policy_, ResponsePeriod(policy_), Local(2026, 12, 31, 10));
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->calendar_incomplete());
  EXPECT_THAT(e->text(), HasSubstr("CALENDAR INCOMPLETE"));
}

TEST_F(ClockRulesTest, OutcomesAndOverdueDays) {
  const absl::Time due = Local(2024, 2, 20);
  EXPECT_EQ(OutcomeAt(due, due - absl::Seconds(1)), v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(OutcomeAt(due, due), v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(OverdueWorkingDays(*cal_, due, due - absl::Seconds(1)), 0);
  EXPECT_EQ(OverdueWorkingDays(*cal_, due, due), 1);
  EXPECT_EQ(OverdueWorkingDays(*cal_, due, Local(2024, 2, 26, 9)), 5);
}

TEST_F(ClockRulesTest, LadderRungs) {
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_RESPONSE), v1::LADDER_STEP_REMINDER);
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_HANDLING), v1::LADDER_STEP_SUPERVISION);
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_LEAD_UNIT), v1::LADDER_STEP_SUPERVISION);
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_REHANDLING), v1::LADDER_STEP_SUPERVISION);
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_FORWARD), v1::LADDER_STEP_UNSPECIFIED);
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_RETURN), v1::LADDER_STEP_UNSPECIFIED);
  EXPECT_EQ(NextRung(v1::LADDER_STEP_REMINDER), v1::LADDER_STEP_UNSPECIFIED);
  EXPECT_EQ(NextRung(v1::LADDER_STEP_SUPERVISION),
            v1::LADDER_STEP_SPECIAL_INSPECTION);
  EXPECT_EQ(NextRung(v1::LADDER_STEP_SPECIAL_INSPECTION),
            v1::LADDER_STEP_DISTRICT_NOTICE);
  // Supervision due Sat 2024-02-10 00:00 (last day Fri 02-09): special
  // inspection 5 working days later, over the holiday: 02-18, 02-19, 02-20,
  // 02-21, 02-22 → 02-23 00:00; the district notice 5 more → 03-01 00:00.
  const absl::Time due = Local(2024, 2, 10);
  EXPECT_EQ(RungDue(*cal_, policy_, v1::LADDER_STEP_SUPERVISION, due), due);
  EXPECT_EQ(RungDue(*cal_, policy_, v1::LADDER_STEP_SPECIAL_INSPECTION, due),
            Local(2024, 2, 23));
  EXPECT_EQ(RungDue(*cal_, policy_, v1::LADDER_STEP_DISTRICT_NOTICE, due),
            Local(2024, 3, 1));
  // The further days are configurable.
  Policy p = policy_;
  p.SetForTest("ladder.special_inspection.working_days", 1);
  EXPECT_EQ(RungDue(*cal_, p, v1::LADDER_STEP_SPECIAL_INSPECTION, due),
            Local(2024, 2, 19));
}

}  // namespace
}  // namespace hotline::deadline
