// The units a deadline list may see, by routing's directory (no database).

#include "services/deadline/domain/unit_scope.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::deadline {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// 大足区 as the shipped directory has it: 南山社区 lies under 龙水镇 by the
// parent links, although its id is no prefix of the town's.
directory::Directory Dazu() {
  return directory::Directory({
      {"center", "", v1::UNIT_KIND_CENTER, "区政务服务管理办", "", true},
      {"town.longshui", "center", v1::UNIT_KIND_TOWN_STREET, "龙水镇人民政府",
       "龙水镇", true},
      {"comm.longshui.nanshan", "town.longshui",
       v1::UNIT_KIND_VILLAGE_COMMUNITY, "南山社区居民委员会", "南山社区", true},
      {"town.longgang", "center", v1::UNIT_KIND_TOWN_STREET, "龙岗街道办事处",
       "龙岗街道", true},
      {"dept.housing", "center", v1::UNIT_KIND_DEPARTMENT, "区住房城乡建委",
       "区住建委", true},
  });
}

auth::Principal Staff(const std::string& unit) {
  auth::Principal p;
  p.id = "tok-staff";
  p.role = auth::Role::kUnitStaff;
  p.unit_id = unit;
  return p;
}

TEST(UnitScopeTest, TheCenterSeesEveryUnit) {
  const directory::Directory d = Dazu();
  EXPECT_EQ(*SubtreeScope(d, ""), std::nullopt);
  EXPECT_EQ(*SubtreeScope(d, "center"), std::nullopt);
  // Whatever the directory calls its center.
  directory::Directory other(
      {{"hub", "", v1::UNIT_KIND_CENTER, "中心", "", true}});
  EXPECT_EQ(*SubtreeScope(other, "hub"), std::nullopt);
}

// Before routing's directory is first read (an empty copy), the center's
// unit id (directory::kCenterUnitId) still means every unit; any other unit
// means itself alone.
TEST(UnitScopeTest, TheCenterByItsIdSeesEveryUnitWithoutADirectory) {
  const directory::Directory empty;
  EXPECT_EQ(*SubtreeScope(empty, directory::kCenterUnitId), std::nullopt);
  EXPECT_EQ(*SubtreeScope(empty, "town.longshui"),
            UnitScope(std::vector<std::string>{"town.longshui"}));
  // The id the shipped directory gives its root (the CENTER).
  EXPECT_EQ(Dazu().Center(), directory::kCenterUnitId);
}

TEST(UnitScopeTest, ATownsSubtreeIsTheDirectorysNotTheIds) {
  const directory::Directory d = Dazu();
  absl::StatusOr<UnitScope> s = SubtreeScope(d, "town.longshui");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_TRUE(s->has_value());
  EXPECT_THAT(**s, ElementsAre("comm.longshui.nanshan", "town.longshui"));
  EXPECT_THAT(**SubtreeScope(d, "town.longgang"), ElementsAre("town.longgang"));
}

TEST(UnitScopeTest, AUnitTheDirectoryLacksIsItsOwnSubtree) {
  EXPECT_THAT(**SubtreeScope(Dazu(), "comm.longshui.xinqiao"),
              ElementsAre("comm.longshui.xinqiao"));
  EXPECT_THAT(**SubtreeScope(directory::Directory(), "town.longshui"),
              ElementsAre("town.longshui"));
}

TEST(UnitScopeTest, ASubtreeBeyondTheBoundIsRefusedNamingTheUnit) {
  std::vector<directory::UnitEntry> units = {
      {"center", "", v1::UNIT_KIND_CENTER, "区政务服务管理办", "", true},
      {"town.big", "center", v1::UNIT_KIND_TOWN_STREET, "大镇", "", true}};
  for (size_t i = 0; i < directory::kMaxQueryUnits; ++i) {
    units.push_back({absl::StrCat("comm.big.", i), "town.big",
                     v1::UNIT_KIND_VILLAGE_COMMUNITY, "社区", "", true});
  }
  const directory::Directory d(units);
  absl::StatusOr<UnitScope> s = SubtreeScope(d, "town.big");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.status().message(), HasSubstr("town.big"));
  // One community is small enough; the center sees every unit unnamed.
  EXPECT_THAT(**SubtreeScope(d, "comm.big.7"), ElementsAre("comm.big.7"));
  EXPECT_EQ(*SubtreeScope(d, "center"), std::nullopt);
}

TEST(UnitScopeTest, TownStaffMayAskAboutTheirCommunityNotAnotherTown) {
  const directory::Directory d = Dazu();
  EXPECT_EQ(*ListRoot(d, Staff("town.longshui"), ""), "town.longshui");
  EXPECT_EQ(*ListRoot(d, Staff("town.longshui"), "town.longshui"),
            "town.longshui");
  EXPECT_EQ(*ListRoot(d, Staff("town.longshui"), "comm.longshui.nanshan"),
            "comm.longshui.nanshan");
  absl::StatusOr<std::string> other =
      ListRoot(d, Staff("town.longgang"), "comm.longshui.nanshan");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.status().message(), HasSubstr("unit_id:"));
  // Upwards is no subtree either.
  EXPECT_EQ(ListRoot(d, Staff("comm.longshui.nanshan"), "town.longshui")
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(UnitScopeTest, TheCenterAndAuditorsNameAnyUnit) {
  const directory::Directory d = Dazu();
  auth::Principal center;
  center.id = "tok-center";
  center.role = auth::Role::kCenterStaff;
  EXPECT_EQ(*ListRoot(d, center, ""), "");
  EXPECT_EQ(*ListRoot(d, center, "town.longgang"), "town.longgang");
  auth::Principal auditor;
  auditor.id = "tok-audit";
  auditor.role = auth::Role::kAuditor;
  EXPECT_EQ(*ListRoot(d, auditor, "comm.longshui.nanshan"),
            "comm.longshui.nanshan");
}

TEST(UnitScopeTest, AnOrderHeldByACommunityLiesInItsTownsSubtree) {
  const directory::Directory d = Dazu();
  const std::vector<std::string> holders = {"comm.longshui.nanshan"};
  EXPECT_TRUE(HeldInSubtree(d, holders, "town.longshui"));
  EXPECT_TRUE(HeldInSubtree(d, holders, "comm.longshui.nanshan"));
  EXPECT_FALSE(HeldInSubtree(d, holders, "town.longgang"));
  EXPECT_FALSE(HeldInSubtree(d, {}, "town.longshui"));
  EXPECT_TRUE(
      HeldInSubtree(d, {"dept.housing", "town.longgang"}, "town.longgang"));
}

}  // namespace
}  // namespace hotline::deadline
