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

directory::UnitEntry Entry(const std::string& id, v1::UnitKind kind,
                           const std::string& parent, const std::string& name) {
  directory::UnitEntry u;
  u.unit_id = id;
  u.parent_unit_id = parent;
  u.kind = kind;
  u.name = name;
  return u;
}

// A town's staff may reveal, for their reply, the caller of an order one of
// its communities holds: the directory puts comm.longshui.nanshan under
// town.longshui although the id is no prefix of it.
TEST(IntakeRulesTest, AUnitRevealsForWhatItsDirectorySubtreeHolds) {
  v1::Ticket t;
  t.set_ticket_number("DZ20240208-000002");
  t.set_status(v1::TICKET_STATUS_ACCEPTED);
  t.set_holder_unit_id("comm.longshui.nanshan");
  const directory::Directory d({
      Entry("center", v1::UNIT_KIND_CENTER, "", "区政务服务管理办"),
      Entry("town.longshui", v1::UNIT_KIND_TOWN_STREET, "center", "龙水镇"),
      Entry("town.youting", v1::UNIT_KIND_TOWN_STREET, "center", "邮亭镇"),
      Entry("comm.longshui.nanshan", v1::UNIT_KIND_VILLAGE_COMMUNITY,
            "town.longshui", "南山社区居委会"),
      Entry("dept.market", v1::UNIT_KIND_DEPARTMENT, "center", "区市场监管局"),
      Entry("town.longshui.scjgs", v1::UNIT_KIND_SECTION, "dept.market",
            "区市场监管局龙水市场监管所"),
  });
  auth::Principal longshui{"tok-1", auth::Role::kUnitStaff, "town.longshui",
                           ""};
  auth::Principal youting{"tok-2", auth::Role::kUnitStaff, "town.youting", ""};
  auth::Principal nanshan{"tok-3", auth::Role::kUnitStaff,
                          "comm.longshui.nanshan", ""};
  auth::Principal market{"tok-4", auth::Role::kUnitLead, "dept.market", ""};
  EXPECT_TRUE(CheckReveal(t, true, longshui, v1::REVEAL_PURPOSE_REPLY, d).ok());
  EXPECT_EQ(CheckReveal(t, true, youting, v1::REVEAL_PURPOSE_REPLY, d).code(),
            absl::StatusCode::kPermissionDenied);
  // An id with longshui's prefix that the directory places elsewhere is not
  // longshui's: the section's orders are the market office's.
  t.set_holder_unit_id("town.longshui.scjgs");
  const absl::Status outside =
      CheckReveal(t, true, longshui, v1::REVEAL_PURPOSE_REPLY, d);
  EXPECT_EQ(outside.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(outside.message()),
              ::testing::HasSubstr("held by town.longshui.scjgs"));
  EXPECT_TRUE(CheckReveal(t, true, market, v1::REVEAL_PURPOSE_REPLY, d).ok());
  // A holder the copy lacks is no one's but its own, whatever its id.
  t.set_holder_unit_id("town.longshui.wujin");
  EXPECT_EQ(CheckReveal(t, true, longshui, v1::REVEAL_PURPOSE_REPLY, d).code(),
            absl::StatusCode::kPermissionDenied);
  // Before the first read (an empty copy) each unit reveals only for what it
  // holds itself.
  t.set_holder_unit_id("comm.longshui.nanshan");
  const directory::Directory empty;
  EXPECT_EQ(
      CheckReveal(t, true, longshui, v1::REVEAL_PURPOSE_REPLY, empty).code(),
      absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(
      CheckReveal(t, true, nanshan, v1::REVEAL_PURPOSE_REPLY, empty).ok());
}

}  // namespace
}  // namespace hotline::intake
