#include "common/directory/directory.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::directory {
namespace {

using ::testing::ElementsAre;

v1::Unit U(const std::string& id, const std::string& name,
           const std::string& short_name, v1::UnitKind kind,
           const std::string& parent, bool active = true) {
  v1::Unit u;
  u.set_unit_id(id);
  u.set_name(name);
  u.set_short_name(short_name);
  u.set_kind(kind);
  u.set_parent_unit_id(parent);
  u.set_active(active);
  u.mutable_liaison()->set_name("赵磊");  // not kept
  u.set_version(3);                       // not kept
  return u;
}

// A slice of the shipped directory (data/directory/dazu_sample.csv).
std::vector<v1::Unit> Shipped() {
  return {
      U("center", "大足区政务服务管理办公室", "区政务办", v1::UNIT_KIND_CENTER,
        ""),
      U("town.longshui", "龙水镇人民政府", "龙水镇", v1::UNIT_KIND_TOWN_STREET,
        "center"),
      U("town.youting", "邮亭镇人民政府", "邮亭镇", v1::UNIT_KIND_TOWN_STREET,
        "center"),
      U("comm.longshui.nanshan", "龙水镇南山社区居委会", "南山社区",
        v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui"),
      U("vill.longshui.qiaotou", "龙水镇桥头村村民委员会", "桥头村",
        v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui"),
      U("grp.qiaotou.3", "桥头村三组", "", v1::UNIT_KIND_VILLAGE_COMMUNITY,
        "vill.longshui.qiaotou"),
      U("dept.market", "区市场监督管理局", "区市场监管局",
        v1::UNIT_KIND_DEPARTMENT, "center"),
      U("sec.market.longshui", "区市场监管局龙水市场监管所", "龙水所",
        v1::UNIT_KIND_SECTION, "dept.market"),
      U("town.old", "原石马镇人民政府", "石马镇", v1::UNIT_KIND_TOWN_STREET,
        "center", /*active=*/false),
  };
}

TEST(DirectoryTest, ReadsTheUnitsOfRoutingsDirectory) {
  const Directory d = Directory::FromUnits(Shipped());
  EXPECT_EQ(d.size(), 9u);
  EXPECT_TRUE(d.Has("comm.longshui.nanshan"));
  EXPECT_FALSE(d.Has("comm.nowhere"));
  EXPECT_EQ(d.Parent("comm.longshui.nanshan"), "town.longshui");
  EXPECT_EQ(d.Parent("center"), "");
  EXPECT_EQ(d.Parent("comm.nowhere"), "");
  EXPECT_EQ(d.Kind("sec.market.longshui"), v1::UNIT_KIND_SECTION);
  EXPECT_EQ(d.Kind("comm.nowhere"), v1::UNIT_KIND_UNSPECIFIED);
  EXPECT_EQ(d.Name("town.longshui"), "龙水镇人民政府");
  EXPECT_EQ(d.ShortName("town.longshui"), "龙水镇");
  EXPECT_EQ(d.ShortName("grp.qiaotou.3"), "桥头村三组");  // no short name
  EXPECT_EQ(d.Name("comm.nowhere"), "");
  EXPECT_TRUE(d.Active("town.longshui"));
  EXPECT_FALSE(d.Active("town.old"));
  EXPECT_EQ(d.Center(), "center");
  EXPECT_THAT(d.UnitsOfKind(v1::UNIT_KIND_TOWN_STREET),
              ElementsAre("town.longshui", "town.old", "town.youting"));
  // Only what says where a unit lies and what it is called is kept.
  const std::vector<v1::Unit> back = d.ToUnits();
  ASSERT_EQ(back.size(), 9u);
  EXPECT_EQ(back[0].unit_id(), "center");
  EXPECT_FALSE(back[0].has_liaison());
  EXPECT_EQ(back[0].version(), 0);
  EXPECT_EQ(Directory::FromUnits(back), d);
}

// The shipped directory's case: the community lies under the town by the
// directory although its id does not start with the town's.
TEST(DirectoryTest, TheSubtreeFollowsTheDirectoryNotTheIds) {
  const Directory d = Directory::FromUnits(Shipped());
  EXPECT_TRUE(d.InSubtree("comm.longshui.nanshan", "town.longshui"));
  EXPECT_TRUE(d.InSubtree("grp.qiaotou.3", "town.longshui"));
  EXPECT_TRUE(d.InSubtree("grp.qiaotou.3", "vill.longshui.qiaotou"));
  EXPECT_TRUE(d.InSubtree("town.longshui", "town.longshui"));
  EXPECT_TRUE(d.InSubtree("sec.market.longshui", "center"));
  EXPECT_FALSE(d.InSubtree("comm.longshui.nanshan", "town.youting"));
  EXPECT_FALSE(d.InSubtree("town.longshui", "comm.longshui.nanshan"));
  // A section named after the town lies under its department, not the town.
  EXPECT_FALSE(d.InSubtree("sec.market.longshui", "town.longshui"));
  EXPECT_TRUE(d.InSubtree("sec.market.longshui", "dept.market"));
  // Ids say nothing: a unit the directory lacks lies in no one's subtree.
  EXPECT_FALSE(d.InSubtree("town.longshui.x", "town.longshui"));
  EXPECT_FALSE(d.InSubtree("", "town.longshui"));
  EXPECT_FALSE(d.InSubtree("town.longshui", ""));

  EXPECT_THAT(d.Subtree("town.longshui"),
              ElementsAre("comm.longshui.nanshan", "grp.qiaotou.3",
                          "town.longshui", "vill.longshui.qiaotou"));
  EXPECT_THAT(d.Subtree("dept.market"),
              ElementsAre("dept.market", "sec.market.longshui"));
  EXPECT_EQ(d.Subtree("center").size(), 9u);
  EXPECT_TRUE(d.Subtree("town.nowhere").empty());
}

// A query names the subtree unit by unit; a unit the copy lacks (or any
// unit of an empty copy) names itself alone, never the ids extending its own.
TEST(DirectoryTest, AQueryNamesTheSubtreeUnitByUnit) {
  std::vector<v1::Unit> units = Shipped();
  // A section whose id extends the town's but which lies under its
  // department.
  units.push_back(U("town.longshui.scjgs", "区市场监管局龙水市场监管所", "",
                    v1::UNIT_KIND_SECTION, "dept.market"));
  const Directory d = Directory::FromUnits(units);
  EXPECT_THAT(*d.SubtreeForQuery("town.longshui"),
              ElementsAre("comm.longshui.nanshan", "grp.qiaotou.3",
                          "town.longshui", "vill.longshui.qiaotou"));
  EXPECT_THAT(
      *d.SubtreeForQuery("dept.market"),
      ElementsAre("dept.market", "sec.market.longshui", "town.longshui.scjgs"));
  EXPECT_THAT(*d.SubtreeForQuery("comm.longshui.xinjian"),
              ElementsAre("comm.longshui.xinjian"));
  EXPECT_THAT(*Directory().SubtreeForQuery("town.longshui"),
              ElementsAre("town.longshui"));
  EXPECT_EQ(d.SubtreeForQuery("").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// At most kMaxQueryUnits ids; a larger subtree is refused, naming the unit,
// while the units below it still have theirs.
TEST(DirectoryTest, ASubtreeLargerThanAQueryNamesIsRefused) {
  std::vector<v1::Unit> units = {
      U("center", "区政务办", "", v1::UNIT_KIND_CENTER, ""),
      U("town.longshui", "龙水镇人民政府", "龙水镇", v1::UNIT_KIND_TOWN_STREET,
        "center")};
  for (size_t i = 1; i < kMaxQueryUnits; ++i) {
    units.push_back(U(absl::StrCat("grp.longshui.", i),
                      absl::StrCat("龙水镇第", i, "村民小组"), "",
                      v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui"));
  }
  absl::StatusOr<std::vector<std::string>> all =
      Directory::FromUnits(units).SubtreeForQuery("town.longshui");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), kMaxQueryUnits);
  units.push_back(U("grp.longshui.last", "龙水镇末村民小组", "",
                    v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui"));
  const Directory above = Directory::FromUnits(units);
  absl::StatusOr<std::vector<std::string>> refused =
      above.SubtreeForQuery("town.longshui");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("town.longshui"));
  EXPECT_THAT(*above.SubtreeForQuery("grp.longshui.7"),
              ElementsAre("grp.longshui.7"));
}

TEST(DirectoryTest, ACycleInTheDataEndsTheWalk) {
  const Directory d = Directory::FromUnits({
      U("center", "区政务办", "", v1::UNIT_KIND_CENTER, ""),
      U("comm.a", "甲社区", "", v1::UNIT_KIND_VILLAGE_COMMUNITY, "comm.b"),
      U("comm.b", "乙社区", "", v1::UNIT_KIND_VILLAGE_COMMUNITY, "comm.a"),
      U("comm.self", "丙社区", "", v1::UNIT_KIND_VILLAGE_COMMUNITY,
        "comm.self"),
  });
  EXPECT_FALSE(d.InSubtree("comm.a", "town.longshui"));
  EXPECT_TRUE(d.InSubtree("comm.a", "comm.b"));
  EXPECT_FALSE(d.InSubtree("comm.a", "center"));
  EXPECT_EQ(d.Parent("comm.self"), "");  // its own parent: none
  EXPECT_THAT(d.Subtree("comm.a"), ElementsAre("comm.a", "comm.b"));
}

TEST(DirectoryTest, EqualityIsTheKeptFieldsOfEveryUnit) {
  std::vector<v1::Unit> units = Shipped();
  const Directory before = Directory::FromUnits(units);
  units[1].set_version(9);
  units[1].mutable_liaison()->set_name("钱敏");
  EXPECT_EQ(Directory::FromUnits(units), before);
  units[1].set_short_name("龙水");
  EXPECT_NE(Directory::FromUnits(units), before);
  // Duplicates: the last wins; empty ids are dropped.
  units.push_back(
      U("town.youting", "邮亭镇", "", v1::UNIT_KIND_TOWN_STREET, "center"));
  units.push_back(U("", "无名", "", v1::UNIT_KIND_SECTION, "dept.market"));
  const Directory d = Directory::FromUnits(units);
  EXPECT_EQ(d.size(), 9u);
  EXPECT_EQ(d.Name("town.youting"), "邮亭镇");
  EXPECT_TRUE(Directory().empty());
}

}  // namespace
}  // namespace hotline::directory
