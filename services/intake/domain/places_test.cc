#include "services/intake/domain/places.h"

#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::intake {
namespace {

v1::Unit Place(const std::string& id, v1::UnitKind kind,
               const std::string& parent, bool active = true) {
  v1::Unit u;
  u.set_unit_id(id);
  u.set_name(id == "town.longshui" ? "龙水镇" : "单位");
  u.set_kind(kind);
  u.set_parent_unit_id(parent);
  u.set_active(active);
  return u;
}

TEST(PlacesTest, CommunitiesResolveToTheirTownThroughTheTree) {
  const std::vector<v1::Unit> units = {
      // Children before parents: the order of the list does not matter.
      Place("grp.qiaotou.3", v1::UNIT_KIND_VILLAGE_COMMUNITY, "vill.qiaotou"),
      Place("vill.qiaotou", v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui"),
      Place("town.longshui", v1::UNIT_KIND_TOWN_STREET, "center"),
      Place("center", v1::UNIT_KIND_CENTER, ""),
      Place("dept.urban", v1::UNIT_KIND_DEPARTMENT, "center"),
      Place("town.closed", v1::UNIT_KIND_TOWN_STREET, "center", false),
      Place("comm.closed", v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui",
            false),
      Place("comm.under.closed", v1::UNIT_KIND_VILLAGE_COMMUNITY,
            "town.closed"),
      Place("comm.orphan", v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.missing"),
      // A cycle must not hang the walk.
      Place("comm.a", v1::UNIT_KIND_VILLAGE_COMMUNITY, "comm.b"),
      Place("comm.b", v1::UNIT_KIND_VILLAGE_COMMUNITY, "comm.a"),
  };
  const Places p = PlacesFromUnits(units);
  EXPECT_EQ(p.towns.size(), 1u);
  EXPECT_EQ(p.towns.at("town.longshui"), "龙水镇");
  EXPECT_EQ(p.communities.size(), 2u);
  EXPECT_EQ(p.communities.at("vill.qiaotou"), "town.longshui");
  EXPECT_EQ(p.communities.at("grp.qiaotou.3"), "town.longshui");
  // Every unit is named, whatever its kind or state.
  EXPECT_EQ(p.names.size(), units.size());
  EXPECT_EQ(p.names.at("town.longshui"), "龙水镇");
  EXPECT_TRUE(p.names.contains("dept.urban"));
  EXPECT_TRUE(p.names.contains("town.closed"));
}

// What the caller reads names units by their names, never by ids.

directory::UnitEntry Entry(const std::string& id, v1::UnitKind kind,
                           const std::string& parent, const std::string& name) {
  directory::UnitEntry u;
  u.unit_id = id;
  u.parent_unit_id = parent;
  u.kind = kind;
  u.name = name;
  return u;
}

// 大足区 as the directory has it: longshui's communities and groups lie below
// it by their parent links, whatever their ids; the market office's section
// town.longshui.scjgs has longshui's id prefix but lies below dept.market.
directory::Directory Dazu() {
  return directory::Directory({
      Entry("center", v1::UNIT_KIND_CENTER, "", "区政务服务管理办"),
      Entry("town.longshui", v1::UNIT_KIND_TOWN_STREET, "center", "龙水镇"),
      Entry("comm.longshui.nanshan", v1::UNIT_KIND_VILLAGE_COMMUNITY,
            "town.longshui", "南山社区居委会"),
      Entry("vill.qiaotou", v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui",
            "桥头村村委会"),
      Entry("grp.qiaotou.3", v1::UNIT_KIND_VILLAGE_COMMUNITY, "vill.qiaotou",
            "桥头村三组"),
      Entry("town.youting", v1::UNIT_KIND_TOWN_STREET, "center", "邮亭镇"),
      Entry("dept.market", v1::UNIT_KIND_DEPARTMENT, "center", "区市场监管局"),
      Entry("town.longshui.scjgs", v1::UNIT_KIND_SECTION, "dept.market",
            "区市场监管局龙水市场监管所"),
  });
}

TEST(IntakeRulesTest, ASubtreeIsTheDirectorysTreeNeverTheIds) {
  const directory::Directory d = Dazu();
  EXPECT_EQ(*SubtreeUnits(d, "town.longshui"),
            (std::vector<std::string>{"comm.longshui.nanshan", "grp.qiaotou.3",
                                      "town.longshui", "vill.qiaotou"}));
  EXPECT_EQ(*SubtreeUnits(d, "vill.qiaotou"),
            (std::vector<std::string>{"grp.qiaotou.3", "vill.qiaotou"}));
  EXPECT_EQ(*SubtreeUnits(d, "dept.market"),
            (std::vector<std::string>{"dept.market", "town.longshui.scjgs"}));
  EXPECT_EQ(*SubtreeUnits(d, "town.youting"),
            std::vector<std::string>{"town.youting"});
  // What the reads of intake ask of the same copy (Directory::InSubtree).
  EXPECT_TRUE(d.InSubtree("grp.qiaotou.3", "town.longshui"));
  EXPECT_FALSE(d.InSubtree("town.longshui.scjgs", "town.longshui"));
  EXPECT_FALSE(d.InSubtree("comm.longshui.nanshan", "town.youting"));
}

// A unit the copy does not have, or any unit before the first read (an
// empty copy), has no subtree beyond itself; ids do not stand in for it.
TEST(IntakeRulesTest, AUnitTheCopyLacksHasNoSubtreeBeyondItself) {
  const directory::Directory d = Dazu();
  EXPECT_EQ(*SubtreeUnits(d, "comm.longshui.xinjian"),
            std::vector<std::string>{"comm.longshui.xinjian"});
  EXPECT_FALSE(d.InSubtree("comm.longshui.xinjian.1", "comm.longshui.xinjian"));
  EXPECT_TRUE(d.InSubtree("comm.longshui.xinjian", "comm.longshui.xinjian"));
  EXPECT_FALSE(d.InSubtree("town.longshui.wujin", "town.longshui"));
  const directory::Directory empty;
  EXPECT_EQ(*SubtreeUnits(empty, "town.longshui"),
            std::vector<std::string>{"town.longshui"});
  EXPECT_FALSE(empty.InSubtree("comm.longshui.nanshan", "town.longshui"));
  EXPECT_EQ(SubtreeUnits(d, "").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// A subtree is named to the database as a list of ids, at most
// kMaxSubtreeUnits of them; a larger one is refused, naming the unit.
TEST(IntakeRulesTest, ASubtreeLargerThanTheBoundIsRefused) {
  std::vector<directory::UnitEntry> units = {
      Entry("center", v1::UNIT_KIND_CENTER, "", "区政务服务管理办"),
      Entry("town.longshui", v1::UNIT_KIND_TOWN_STREET, "center", "龙水镇")};
  for (size_t i = 1; i < kMaxSubtreeUnits; ++i) {
    units.push_back(Entry(absl::StrCat("grp.longshui.", i),
                          v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui",
                          absl::StrCat("龙水镇第", i, "村民小组")));
  }
  const directory::Directory at_bound(units);
  absl::StatusOr<std::vector<std::string>> all =
      SubtreeUnits(at_bound, "town.longshui");
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), kMaxSubtreeUnits);
  units.push_back(Entry("grp.longshui.last", v1::UNIT_KIND_VILLAGE_COMMUNITY,
                        "town.longshui", "龙水镇末村民小组"));
  const directory::Directory above(units);
  absl::StatusOr<std::vector<std::string>> refused =
      SubtreeUnits(above, "town.longshui");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("town.longshui"));
  // The units below it still have theirs.
  EXPECT_EQ(*SubtreeUnits(above, "grp.longshui.7"),
            std::vector<std::string>{"grp.longshui.7"});
}

// Whistle-blowers [10(5)]: a report's caller only for the center, while open.

}  // namespace
}  // namespace hotline::intake
