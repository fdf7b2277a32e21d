// The clock rules as plain functions (no database): limits and their
// precedence, explanations, outcomes, the ladder's rung instants.

#include "services/deadline/domain/clock_rules.h"

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

TEST_F(ClockRulesTest, LadderRungsAreTheTwoAutomaticStepsOnly) {
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_RESPONSE), v1::LADDER_STEP_REMINDER);
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_HANDLING), v1::LADDER_STEP_SUPERVISION);
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_LEAD_UNIT), v1::LADDER_STEP_SUPERVISION);
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_REHANDLING), v1::LADDER_STEP_SUPERVISION);
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_CO_OPINION), v1::LADDER_STEP_SUPERVISION);
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_FORWARD), v1::LADDER_STEP_UNSPECIFIED);
  EXPECT_EQ(FirstRung(v1::CLOCK_KIND_RETURN), v1::LADDER_STEP_UNSPECIFIED);
  EXPECT_TRUE(CanBeOverdue(v1::CLOCK_KIND_RESPONSE));
  EXPECT_TRUE(CanBeOverdue(v1::CLOCK_KIND_CO_OPINION));
  EXPECT_FALSE(CanBeOverdue(v1::CLOCK_KIND_FORWARD));
  EXPECT_FALSE(CanBeOverdue(v1::CLOCK_KIND_RETURN));
  EXPECT_TRUE(IsCompletionKind(v1::CLOCK_KIND_LEAD_UNIT));
  EXPECT_FALSE(IsCompletionKind(v1::CLOCK_KIND_REHANDLING));
}

// Rule 11: a clock judged by an act is MET strictly before its due, unless
// it was already reported overdue (an extension decided late cannot undo it).
TEST_F(ClockRulesTest, JudgedByAnActBeforeTheDueUnlessAlreadyOverdue) {
  const absl::Time due = Local(2024, 3, 19);
  ClockFacts c{due, std::nullopt, std::nullopt};
  Verdict v = JudgedBy(c, due - absl::Seconds(1), "responded");
  EXPECT_EQ(v.outcome, v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(v.judged_at, due - absl::Seconds(1));
  EXPECT_EQ(v.cause, "responded");
  EXPECT_EQ(JudgedBy(c, due, "responded").outcome, v1::CLOCK_OUTCOME_MISSED);
  c.overdue_since = due;
  c.due = Local(2024, 4, 1);  // moved later by an extension decided late
  EXPECT_EQ(JudgedBy(c, Local(2024, 3, 25), "reviewed.approved").outcome,
            v1::CLOCK_OUTCOME_MISSED);
}

// Rule 11: whatever stops a clock past its due stops it MISSED; only a clock
// inside its limit is CANCELLED; a reply or dispute pending since before the
// due keeps it inside.
TEST_F(ClockRulesTest, SupersededPastTheDueIsMissedNeverCancelled) {
  const absl::Time due = Local(2024, 3, 19);
  ClockFacts c{due, std::nullopt, std::nullopt};
  Verdict in = Superseded(c, due - absl::Hours(1), "redispatched");
  EXPECT_EQ(in.outcome, v1::CLOCK_OUTCOME_CANCELLED);
  EXPECT_FALSE(in.judged_at.has_value());
  Verdict late = Superseded(c, due + absl::Hours(30), "reached_center");
  EXPECT_EQ(late.outcome, v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(late.judged_at, due + absl::Hours(30));
  // A dispute raised before the due and granted after it: inside.
  c.pending_since = due - absl::Hours(2);
  EXPECT_EQ(Superseded(c, due + absl::Hours(48), "dispute_granted").outcome,
            v1::CLOCK_OUTCOME_CANCELLED);
  // Raised after the due: missed, judged at the dispute.
  c.pending_since = due + absl::Hours(2);
  Verdict disputed = Superseded(c, due + absl::Hours(48), "dispute_granted");
  EXPECT_EQ(disputed.outcome, v1::CLOCK_OUTCOME_MISSED);
  EXPECT_EQ(disputed.judged_at, due + absl::Hours(2));
  // Reported overdue once: missed even if its due moved later since.
  ClockFacts moved{Local(2024, 4, 1), due, std::nullopt};
  EXPECT_EQ(Superseded(moved, Local(2024, 3, 20), "merged").outcome,
            v1::CLOCK_OUTCOME_MISSED);
}

// A completion clock due Tue 2024-02-06 00:00 (last day Mon 02-05) reports
// overdue at its due, then one working day at a time — over the Spring
// Festival (02-10..02-17 off, Sunday 02-18 worked) — never counting a day
// twice and never before the due's last day.
TEST_F(ClockRulesTest, OverdueReportsAccrueOneWorkingDayAtATime) {
  const absl::Time due = Local(2024, 2, 6);
  OverdueState st;
  EXPECT_TRUE(OverdueReports(*cal_, v1::CLOCK_KIND_HANDLING, due, due,
                             due - absl::Seconds(1), &st)
                  .empty());
  std::vector<OverdueReport> r =
      OverdueReports(*cal_, v1::CLOCK_KIND_HANDLING, due, due, due, &st);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].first);
  EXPECT_EQ(r[0].as_of, due);
  EXPECT_EQ(r[0].added, 1);  // Tue 02-06 is a working day, now begun
  EXPECT_EQ(st.accrued, 1);
  // The same day again: nothing more.
  EXPECT_TRUE(OverdueReports(*cal_, v1::CLOCK_KIND_HANDLING, due, due,
                             Local(2024, 2, 6, 15), &st)
                  .empty());
  // Up to Mon 02-19: 02-07, 02-08, 02-09, then 02-18 (adjusted Sunday) and
  // 02-19, each its own report dated 00:00 of its day.
  r = OverdueReports(*cal_, v1::CLOCK_KIND_HANDLING, due, due,
                     Local(2024, 2, 19, 9), &st);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r[0].as_of, Local(2024, 2, 7));
  EXPECT_EQ(r[3].as_of, Local(2024, 2, 18));
  EXPECT_EQ(r[4].as_of, Local(2024, 2, 19));
  for (const OverdueReport& x : r) {
    EXPECT_FALSE(x.first);
    EXPECT_EQ(x.added, 1);
  }
  EXPECT_EQ(r[4].cumulative, 6);
  EXPECT_EQ(st.accrued, OverdueWorkingDays(*cal_, due, Local(2024, 2, 19, 9)));
  // The due moved later (an extension decided late): no accrual before it.
  const absl::Time later = Local(2024, 2, 23);
  EXPECT_TRUE(OverdueReports(*cal_, v1::CLOCK_KIND_HANDLING, later, later,
                             Local(2024, 2, 22, 9), &st)
                  .empty());
  r = OverdueReports(*cal_, v1::CLOCK_KIND_HANDLING, later, later,
                     Local(2024, 2, 23, 9), &st);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].as_of, Local(2024, 2, 23));
  EXPECT_EQ(st.accrued, 7);
}

// A rejected review after the due makes the clock overdue at the rejection,
// with the days since the due counted: the reply turned out no answer.
TEST_F(ClockRulesTest, OverdueFromARejectionCountsFromTheDue) {
  const absl::Time due = Local(2024, 3, 19);  // last day Mon 03-18
  OverdueState st;
  const absl::Time rejected = Local(2024, 3, 21, 10);
  std::vector<OverdueReport> r = OverdueReports(*cal_, v1::CLOCK_KIND_HANDLING,
                                                due, rejected, rejected, &st);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].first);
  EXPECT_EQ(r[0].as_of, rejected);
  EXPECT_EQ(r[0].added, 3);  // 03-19, 03-20, 03-21
  // Other kinds report the verdict once, with no accrual.
  OverdueState resp;
  r = OverdueReports(*cal_, v1::CLOCK_KIND_RESPONSE, due, due,
                     Local(2024, 3, 25), &resp);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].added, 0);
  EXPECT_EQ(r[0].cumulative, 1);
  EXPECT_TRUE(OverdueReports(*cal_, v1::CLOCK_KIND_RESPONSE, due, due,
                             Local(2024, 3, 28), &resp)
                  .empty());
}

TEST_F(ClockRulesTest, NextWorkingDayStartSkipsHolidays) {
  EXPECT_EQ(NextWorkingDayStart(*cal_, Local(2024, 2, 9, 10)),
            Local(2024, 2, 18));  // over the Spring Festival
  EXPECT_EQ(NextWorkingDayStart(*cal_, Local(2024, 3, 18, 23)),
            Local(2024, 3, 19));
  EXPECT_EQ(
      ElapsedWorkingDays(*cal_, Local(2024, 2, 8, 16), Local(2024, 2, 19, 9)),
      3);  // 02-09, 02-18, 02-19
}

// Co-opinions: the policy's working days, never after the lead unit's day.
TEST_F(ClockRulesTest, CoOpinionIsCappedAtTheLeadUnitsLastDay) {
  const absl::Time start = Local(2024, 3, 18, 9);  // Mon
  auto free =
      Explain(*cal_, policy_, CoOpinionPeriod(policy_, std::nullopt), start);
  ASSERT_TRUE(free.ok());
  EXPECT_EQ(free->last_working_date(), "2024-03-21");  // 3 working days
  auto capped =
      Explain(*cal_, policy_,
              CoOpinionPeriod(policy_, absl::CivilDay(2024, 3, 20)), start);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->last_working_date(), "2024-03-20");
  EXPECT_THAT(capped->text(), HasSubstr("capped"));
  EXPECT_EQ(capped->article(), "local");
}

}  // namespace
}  // namespace hotline::deadline
