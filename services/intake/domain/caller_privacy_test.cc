#include "services/intake/domain/caller_privacy.h"

#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::intake {
namespace {

TEST(IntakeRulesTest, Phones) {
  EXPECT_EQ(NormalizePhone("138-1234-5678"), "13812345678");
  EXPECT_EQ(NormalizePhone("+86 138 1234 5678"), "13812345678");
  EXPECT_EQ(NormalizePhone("023-43721234"), "02343721234");
  EXPECT_FALSE(NormalizePhone("12812345678").has_value());
  EXPECT_FALSE(NormalizePhone("1381234567").has_value());
  EXPECT_FALSE(NormalizePhone("abc").has_value());
  EXPECT_FALSE(NormalizePhone("0234").has_value());
}

TEST(IntakeRulesTest, IdNumbers) {
  EXPECT_TRUE(IsValidIdNumber("11010519491231002X"));
  EXPECT_TRUE(IsValidIdNumber("110105194912310029") == false);
  EXPECT_FALSE(IsValidIdNumber("1101051949123100"));
}

TEST(IntakeRulesTest, Masks) {
  EXPECT_EQ(MaskPhone("13812345678"), "138****5678");
  EXPECT_EQ(MaskName("张三丰"), "张**");
  EXPECT_EQ(MaskName("李"), "李*");
  EXPECT_EQ(MaskIdNumber("11010519491231002X"), "1101************2X");
  EXPECT_EQ(MaskAddress("大足区龙岗街道五星大道88号"), "大足区龙岗街道****");
  v1::CallerIdentity c;
  EXPECT_TRUE(Mask(c).anonymous());
}

TEST(IntakeRulesTest, ReportCallersOnlyForTheCenterWhileOpen) {
  v1::Ticket t;
  t.set_ticket_number("DZ20240208-000001");
  t.set_request_type(v1::REQUEST_TYPE_REPORT);
  t.set_status(v1::TICKET_STATUS_AWAITING_EVALUATION);
  const auth::Principal center{"c", auth::Role::kCenterStaff, "", ""};
  const auth::Principal evaluator{"e", auth::Role::kEvaluator, "", ""};
  const auth::Principal unit{"u", auth::Role::kUnitLead, "town.longshui", ""};
  EXPECT_TRUE(CheckReportReveal(t, center).ok());
  EXPECT_EQ(CheckReportReveal(t, evaluator).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckReportReveal(t, unit).code(),
            absl::StatusCode::kPermissionDenied);
  t.set_status(v1::TICKET_STATUS_CLOSED);
  EXPECT_EQ(CheckReportReveal(t, center).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckReportReveal(t, evaluator).code(),
            absl::StatusCode::kPermissionDenied);
  t.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  EXPECT_TRUE(CheckReportReveal(t, evaluator).ok());
}

// The stored fingerprint holds no caller data: it does not change with the
// caller, and it does with anything else.

// A town's staff may reveal, for their reply, the caller of an order one of
// its communities holds: the directory puts comm.longshui.nanshan under
// town.longshui although the id is no prefix of it.
TEST(IntakeRulesTest, AUnitRevealsForWhatItsDirectorySubtreeHolds) {
  v1::Ticket t;
  t.set_ticket_number("DZ20240208-000002");
  t.set_status(v1::TICKET_STATUS_ACCEPTED);
  t.set_holder_unit_id("comm.longshui.nanshan");
  Places places;
  places.towns = {{"town.longshui", "龙水镇"}, {"town.youting", "邮亭镇"}};
  places.communities = {{"comm.longshui.nanshan", "town.longshui"}};
  places.parents = {{"comm.longshui.nanshan", "town.longshui"},
                    {"town.longshui", "center"},
                    {"town.youting", "center"}};
  auth::Principal longshui{"tok-1", auth::Role::kUnitStaff, "town.longshui"};
  auth::Principal youting{"tok-2", auth::Role::kUnitStaff, "town.youting"};
  EXPECT_TRUE(
      CheckReveal(t, true, longshui, v1::REVEAL_PURPOSE_REPLY, &places).ok());
  EXPECT_EQ(
      CheckReveal(t, true, youting, v1::REVEAL_PURPOSE_REPLY, &places).code(),
      absl::StatusCode::kPermissionDenied);
  // By ids alone the community is no one's but its own.
  EXPECT_EQ(CheckReveal(t, true, longshui, v1::REVEAL_PURPOSE_REPLY).code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace hotline::intake
