// The ladder's rules as plain functions (no database): recipients and
// channels of each step [7], notice texts, the scanner's choice for a claimed
// rung, the qualification of an order for an act of people, notice retries.

#include "services/deadline/domain/ladder_rules.h"

#include "common/directory/directory.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::deadline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

absl::Time Local(int y, int mo, int d, int h = 0) {
  return absl::FromCivil(absl::CivilHour(y, mo, d, h),
                         absl::FixedTimeZone(8 * 3600));
}

// 催办 goes to the liaison and the duty leader by phone and SMS; 全区通报 by
// letter to four recipients, the center among them.
TEST(LadderRulesTest, EachStepHasItsRecipientsAndChannels) {
  std::vector<NoticeTarget> reminder = TargetsOf(v1::LADDER_STEP_REMINDER);
  ASSERT_EQ(reminder.size(), 4u);
  EXPECT_EQ(reminder[0].kind, v1::RECIPIENT_KIND_LIAISON);
  EXPECT_EQ(reminder[0].channel, v1::NOTICE_CHANNEL_PHONE);
  EXPECT_EQ(reminder[1].channel, v1::NOTICE_CHANNEL_SMS);
  EXPECT_EQ(reminder[2].kind, v1::RECIPIENT_KIND_DUTY_LEADER);
  EXPECT_TRUE(reminder[0].unit_id.empty());  // the unit chased
  EXPECT_FALSE(reminder[0].resolved);

  EXPECT_EQ(TargetsOf(v1::LADDER_STEP_SUPERVISION).size(), 6u);
  EXPECT_EQ(TargetsOf(v1::LADDER_STEP_SPECIAL_INSPECTION).size(), 5u);

  std::vector<NoticeTarget> notice = TargetsOf(v1::LADDER_STEP_DISTRICT_NOTICE);
  ASSERT_EQ(notice.size(), 4u);
  for (const NoticeTarget& t : notice) {
    EXPECT_EQ(t.channel, v1::NOTICE_CHANNEL_SUPERVISION_LETTER);
  }
  EXPECT_EQ(notice[2].unit_id, "district.office");
  EXPECT_EQ(notice[2].name, "区政府办公室");
  EXPECT_TRUE(notice[2].resolved);
  EXPECT_EQ(notice[3].unit_id, directory::kCenterUnitId);
  EXPECT_EQ(notice[3].name, "区政务服务管理办公室");

  EXPECT_TRUE(TargetsOf(kOverdueWatch).empty());
}

// The text names the order and its last day (the local day before the due),
// never the caller.
TEST(LadderRulesTest, NoticeTextNamesTheOrderAndItsLastDay) {
  const absl::Time due = Local(2025, 3, 4);  // 00:00 → last day 03-03
  const std::string reminder =
      NoticeText(v1::LADDER_STEP_REMINDER, "GD2025030100001", due, "");
  EXPECT_THAT(reminder, HasSubstr("【12345热线催办】"));
  EXPECT_THAT(reminder, HasSubstr("GD2025030100001"));
  EXPECT_THAT(reminder, HasSubstr("2025-03-03"));
  EXPECT_THAT(reminder, Not(HasSubstr("2025-03-04")));
  EXPECT_THAT(NoticeText(v1::LADDER_STEP_SPECIAL_INSPECTION, "GD1", due,
                         "请于三日内说明情况"),
              HasSubstr("专项督查：请于三日内说明情况"));
  EXPECT_EQ(NoticeText(kOverdueWatch, "GD1", due, ""), "");
}

TEST(LadderRulesTest, ClaimedRungsAreDroppedRescheduledWatchedOrFired) {
  const absl::Time due = Local(2025, 3, 4);
  const absl::Time after = due + absl::Hours(1);
  const v1::LadderStep none = v1::LADDER_STEP_UNSPECIFIED;
  const v1::LadderStep sup = v1::LADDER_STEP_SUPERVISION;
  // Stopped, or awaiting the center: not chased.
  EXPECT_EQ(DecideRung(sup, false, false, due, none, after), RungAction::kDrop);
  EXPECT_EQ(DecideRung(sup, true, true, due, none, after), RungAction::kDrop);
  // The due moved later (an extension): the rung waits for it.
  EXPECT_EQ(DecideRung(sup, true, false, due, none, due - absl::Seconds(1)),
            RungAction::kReschedule);
  EXPECT_EQ(DecideRung(kOverdueWatch, true, false, due, none, due),
            RungAction::kWatch);
  EXPECT_EQ(DecideRung(sup, true, false, due, none, after), RungAction::kFire);
  // A resumed clock does not fire a step twice.
  EXPECT_EQ(DecideRung(sup, true, false, due, sup, after), RungAction::kFired);
  EXPECT_EQ(DecideRung(v1::LADDER_STEP_REMINDER, true, false, due, sup, after),
            RungAction::kFired);
}

// 专项督查 follows 督办2次仍未办结; 全区通报 follows a special inspection;
// neither twice, and nothing on a finished order.
TEST(LadderRulesTest, AnOrderQualifiesForAnActOfPeople) {
  const v1::LadderStep inspect = v1::LADDER_STEP_SPECIAL_INSPECTION;
  const v1::LadderStep notice = v1::LADDER_STEP_DISTRICT_NOTICE;
  OrderLadder once = CountSteps({v1::LADDER_STEP_REMINDER});
  once.open = true;
  absl::Status s = CheckActQualifies(inspect, once, "ticket_ids[0]", "GD1");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("ticket_ids[0]: GD1 was chased 1"));

  OrderLadder twice =
      CountSteps({v1::LADDER_STEP_REMINDER, v1::LADDER_STEP_SUPERVISION});
  twice.open = true;
  EXPECT_EQ(twice.automatic, 2);
  EXPECT_TRUE(CheckActQualifies(inspect, twice, "ticket_ids[0]", "GD1").ok());
  EXPECT_EQ(CheckActQualifies(notice, twice, "ticket_ids[0]", "GD1").code(),
            absl::StatusCode::kFailedPrecondition);

  OrderLadder inspected = CountSteps(
      {v1::LADDER_STEP_SUPERVISION, v1::LADDER_STEP_SUPERVISION, inspect});
  inspected.open = true;
  EXPECT_EQ(
      CheckActQualifies(inspect, inspected, "ticket_ids[1]", "GD2").code(),
      absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(
      CheckActQualifies(notice, inspected, "ticket_ids[1]", "GD2").ok());

  inspected.open = false;
  s = CheckActQualifies(notice, inspected, "ticket_ids[1]", "GD2");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("nothing left to notify"));
}

// The list of 专项督查 candidates: still open (a clock a reply answers runs),
// chased at least twice by 催办/督办, not inspected or noticed yet.
TEST(LadderRulesTest, InspectionCandidatesAreChasedTwiceAndOpen) {
  absl::StatusOr<EscalationCriteria> c =
      EscalationCriteriaFor(v1::LADDER_STEP_SPECIAL_INSPECTION);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->open_kinds, UnorderedElementsAre(v1::CLOCK_KIND_HANDLING,
                                                  v1::CLOCK_KIND_REHANDLING,
                                                  v1::CLOCK_KIND_LEAD_UNIT));
  EXPECT_THAT(c->counted_steps,
              UnorderedElementsAre(v1::LADDER_STEP_REMINDER,
                                   v1::LADDER_STEP_SUPERVISION));
  EXPECT_EQ(c->min_counted, 2);
  EXPECT_THAT(c->required_steps, IsEmpty());
  EXPECT_THAT(c->forbidden_steps,
              UnorderedElementsAre(v1::LADDER_STEP_SPECIAL_INSPECTION,
                                   v1::LADDER_STEP_DISTRICT_NOTICE));
}

// The list of 全区通报 candidates: still open, a special inspection, no
// district-wide notice yet; no count of automatic steps.
TEST(LadderRulesTest, NoticeCandidatesWereInspectedAndAreOpen) {
  absl::StatusOr<EscalationCriteria> c =
      EscalationCriteriaFor(v1::LADDER_STEP_DISTRICT_NOTICE);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->open_kinds, UnorderedElementsAre(v1::CLOCK_KIND_HANDLING,
                                                  v1::CLOCK_KIND_REHANDLING,
                                                  v1::CLOCK_KIND_LEAD_UNIT));
  EXPECT_THAT(c->counted_steps, IsEmpty());
  EXPECT_EQ(c->min_counted, 0);
  EXPECT_THAT(c->required_steps,
              ElementsAre(v1::LADDER_STEP_SPECIAL_INSPECTION));
  EXPECT_THAT(c->forbidden_steps, ElementsAre(v1::LADDER_STEP_DISTRICT_NOTICE));
}

// The automatic steps and the overdue watch are no act of people: refused,
// naming the field.
TEST(LadderRulesTest, EscalationCriteriaOfAnyOtherStepAreRefused) {
  for (v1::LadderStep step :
       {v1::LADDER_STEP_UNSPECIFIED, v1::LADDER_STEP_REMINDER,
        v1::LADDER_STEP_SUPERVISION, static_cast<v1::LadderStep>(99)}) {
    absl::StatusOr<EscalationCriteria> c = EscalationCriteriaFor(step);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument) << step;
    EXPECT_THAT(c.status().message(), HasSubstr("step: ")) << step;
  }
}

TEST(LadderRulesTest, UndeliveredNoticesBackOffThenFail) {
  const absl::Time now = Local(2025, 3, 4, 9);
  NoticeRetry r = RetryLater(0, false, now);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(r.delivery, v1::NOTICE_DELIVERY_PENDING);
  EXPECT_EQ(r.next_attempt_at, now + absl::Seconds(30));
  r = RetryLater(3, false, now);
  EXPECT_EQ(r.next_attempt_at, now + absl::Seconds(240));
  // The backoff stops doubling after 8; the last attempt fails the notice.
  r = RetryLater(kMaxNoticeAttempts - 1, false, now);
  EXPECT_EQ(r.delivery, v1::NOTICE_DELIVERY_FAILED);
  EXPECT_EQ(RetryLater(20, false, now).next_attempt_at,
            now + absl::Seconds(30 * 256));
  // A unit routing does not know: failed at once.
  EXPECT_EQ(RetryLater(0, true, now).delivery, v1::NOTICE_DELIVERY_FAILED);
}

}  // namespace
}  // namespace hotline::deadline
