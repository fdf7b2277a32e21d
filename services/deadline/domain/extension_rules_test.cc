// The extension rules [6(3)] as plain functions (no database): the clock
// extended, who asks, decides and tells the caller, the new last day's
// bounds, timeliness, and the states a decision and a caller record need.

#include "services/deadline/domain/extension_rules.h"

#include <memory>

#include "common/directory/directory.h"
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

auth::Principal Who(auth::Role role, std::string unit) {
  auth::Principal p;
  p.id = "tok-测试";
  p.role = role;
  p.unit_id = std::move(unit);
  return p;
}

TEST(ExtensionRulesTest, TheCompletionClockNotYetLateIsExtended) {
  const std::vector<ClockBrief> clocks = {
      {v1::CLOCK_KIND_RESPONSE, true, false, "街道办"},
      {v1::CLOCK_KIND_REHANDLING, true, false, "街道办"},
      {v1::CLOCK_KIND_HANDLING, true, false, "街道办"},
      {v1::CLOCK_KIND_HANDLING, false, false, "城管局"},
  };
  EXPECT_EQ(ClockToExtend(clocks), 2u);
  // A late completion clock gives way to a re-handling one still in time.
  std::vector<ClockBrief> late = clocks;
  late[2].overdue_reported = true;
  EXPECT_EQ(ClockToExtend(late), 1u);
  EXPECT_EQ(ClockToExtend({{v1::CLOCK_KIND_RESPONSE, true, false, "a"}}),
            std::nullopt);
}

TEST(ExtensionRulesTest, TheUnitOfTheRunningHandlingClockAsks) {
  const std::vector<ClockBrief> running = {
      {v1::CLOCK_KIND_RESPONSE, false, false, "城管局"},
      {v1::CLOCK_KIND_HANDLING, true, false, "街道办"},
  };
  EXPECT_TRUE(MayAskForExtension(running, "街道办"));
  EXPECT_FALSE(MayAskForExtension(running, "城管局"));
  // Nothing running: any unit a clock ran against (it then hears why not).
  const std::vector<ClockBrief> finished = {
      {v1::CLOCK_KIND_RESPONSE, false, false, "城管局"},
      {v1::CLOCK_KIND_HANDLING, false, false, "街道办"},
  };
  EXPECT_TRUE(MayAskForExtension(finished, "城管局"));
  EXPECT_FALSE(MayAskForExtension(finished, "水务局"));
}

TEST(ExtensionRulesTest, TheNewLastDayIsLaterAndWithinTheMaximum) {
  auto data = calendar::BuiltinCalendarData();
  ASSERT_TRUE(data.ok());
  auto cal = calendar::Calendar::Create(*data);
  ASSERT_TRUE(cal.ok());
  const Policy& policy = Policy::Builtin();
  const absl::CivilDay last(2025, 3, 3);
  absl::Status s =
      CheckExtensionDate("proposed_due_date", *cal, policy, last, last);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("proposed_due_date: not after"));
  EXPECT_TRUE(CheckExtensionDate("proposed_due_date", *cal, policy, last,
                                 absl::CivilDay(2025, 3, 14))
                  .ok());
  s = CheckExtensionDate("approved_due_date", *cal, policy, last,
                         absl::CivilDay(2025, 9, 30));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("approved_due_date: more than 60"));
}

TEST(ExtensionRulesTest, ALateRequestNamesTheArticleAndTheDaysLeft) {
  calendar::TimelyResult t;
  t.timely = true;
  EXPECT_TRUE(
      CheckTimely(Policy::Builtin(), t, absl::CivilDay(2025, 3, 3)).ok());
  t.timely = false;
  t.working_days_left = 1;
  absl::Status s =
      CheckTimely(Policy::Builtin(), t, absl::CivilDay(2025, 3, 3));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("[6(3)]: 1 working day left, 2 required "
                                     "(last day 2025-03-03)"));
}

TEST(ExtensionRulesTest, TheLevelAboveDecidesAndTheAskingUnitTells) {
  EXPECT_TRUE(CheckApprover(Who(auth::Role::kCenterStaff, ""), "center").ok());
  EXPECT_EQ(
      CheckApprover(Who(auth::Role::kUnitLead, "城管局"), "center").code(),
      absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(
      CheckApprover(Who(auth::Role::kUnitLead, "城管局"), "城管局").ok());
  EXPECT_EQ(
      CheckApprover(Who(auth::Role::kUnitStaff, "城管局"), "城管局").code(),
      absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(
      CheckApprover(Who(auth::Role::kUnitLead, "水务局"), "城管局").code(),
      absl::StatusCode::kPermissionDenied);

  v1::Extension e;
  e.set_extension_id("7");
  e.set_unit_id("街道办");
  EXPECT_TRUE(CheckInformer(Who(auth::Role::kUnitStaff, "街道办"), e).ok());
  EXPECT_EQ(CheckInformer(Who(auth::Role::kUnitStaff, "城管局"), e).code(),
            absl::StatusCode::kPermissionDenied);
}

// The center's extensions (approver: the center's unit id) are decided by
// CENTER_STAFF, whatever unit the token names; a unit lead of the center's
// id is no center staff.
TEST(ExtensionRulesTest, TheCentersUnitIdIsDecidedByCenterStaff) {
  // The level above a unit no link names (the center dispatched to it).
  EXPECT_EQ(ApproverOf(std::nullopt), directory::kCenterUnitId);
  EXPECT_EQ(ApproverOf(std::string("town.longshui")), "town.longshui");
  EXPECT_TRUE(
      CheckApprover(Who(auth::Role::kCenterStaff, ""), directory::kCenterUnitId)
          .ok());
  absl::Status s =
      CheckApprover(Who(auth::Role::kUnitLead, directory::kCenterUnitId),
                    directory::kCenterUnitId);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("CENTER_STAFF required"));
}

// A stopped clock leaves nothing to extend: its pending extension lapses,
// decided ones stay as they were.
TEST(ExtensionRulesTest, AClocksStopLapsesItsPendingExtension) {
  const ExtensionStateChange c = OnClockStopped();
  EXPECT_EQ(c.from, v1::EXTENSION_STATE_PENDING);
  EXPECT_EQ(c.to, v1::EXTENSION_STATE_LAPSED);
}

TEST(ExtensionRulesTest, OnlyAPendingExtensionOfARunningClockIsDecided) {
  v1::Extension e;
  e.set_extension_id("7");
  e.set_unit_id("街道办");
  e.set_state(v1::EXTENSION_STATE_PENDING);
  EXPECT_TRUE(CheckDecidable(e, true, "GD1").ok());
  absl::Status s = CheckDecidable(e, false, "GD1");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("the clock of GD1 has stopped"));
  e.set_state(v1::EXTENSION_STATE_APPROVED);
  s = CheckDecidable(e, true, "GD1");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("is EXTENSION_STATE_APPROVED"));
}

TEST(ExtensionRulesTest, TheCallerIsToldOnceBetweenApprovalAndNow) {
  const absl::Time decided = Local(2025, 3, 3, 10);
  const absl::Time now = Local(2025, 3, 4, 9);
  v1::Extension e;
  e.set_extension_id("7");
  e.set_state(v1::EXTENSION_STATE_REJECTED);
  *e.mutable_decided_at() = ToProto(decided);
  EXPECT_EQ(CheckCallerInformed(e, now, now).code(),
            absl::StatusCode::kFailedPrecondition);
  e.set_state(v1::EXTENSION_STATE_APPROVED);
  EXPECT_TRUE(CheckCallerInformed(e, decided, now).ok());
  absl::Status s = CheckCallerInformed(e, decided - absl::Minutes(1), now);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("informed_at: before"));
  s = CheckCallerInformed(e, now + absl::Minutes(1), now);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("informed_at: in the future"));
  *e.mutable_caller_informed_at() = ToProto(now);
  s = CheckCallerInformed(e, now, now);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("told already at 2025-03-04 09:00"));
}

}  // namespace
}  // namespace hotline::deadline
