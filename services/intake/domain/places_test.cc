#include "services/intake/domain/places.h"

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

TEST(IntakeRulesTest, Subtree) {
  EXPECT_TRUE(InSubtree("town.longshui", "town.longshui"));
  EXPECT_TRUE(InSubtree("town.longshui.v1", "town.longshui"));
  EXPECT_FALSE(InSubtree("town.longshuix", "town.longshui"));
  EXPECT_FALSE(InSubtree("", "town.longshui"));
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

TEST(IntakeRulesTest, UnitTreeFollowsTheDirectory) {
  std::vector<v1::Unit> units;
  auto add = [&](const std::string& id, v1::UnitKind kind,
                 const std::string& parent) {
    v1::Unit u;
    u.set_unit_id(id);
    u.set_kind(kind);
    u.set_parent_unit_id(parent);
    u.set_active(true);
    units.push_back(u);
  };
  add("town.longshui", v1::UNIT_KIND_TOWN_STREET, "center");
  add("comm.nanshan", v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui");
  add("vill.qiaotou", v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui");
  add("grp.qiaotou.3", v1::UNIT_KIND_VILLAGE_COMMUNITY, "vill.qiaotou");
  add("town.youting", v1::UNIT_KIND_TOWN_STREET, "center");
  const Places p = PlacesFromUnits(units);
  EXPECT_TRUE(InUnitTree(p, "comm.nanshan", "town.longshui"));
  EXPECT_TRUE(InUnitTree(p, "grp.qiaotou.3", "town.longshui"));
  EXPECT_TRUE(InUnitTree(p, "grp.qiaotou.3", "vill.qiaotou"));
  EXPECT_TRUE(InUnitTree(p, "town.longshui", "town.longshui"));
  EXPECT_TRUE(InUnitTree(p, "town.longshui.x", "town.longshui"));
  EXPECT_FALSE(InUnitTree(p, "comm.nanshan", "town.youting"));
  EXPECT_FALSE(InUnitTree(p, "town.longshui", "comm.nanshan"));
  EXPECT_FALSE(InUnitTree(p, "grp.qiaotou.3", "comm.nanshan"));
  EXPECT_FALSE(InUnitTree(p, "dept.housing", "town.longshui"));
  // Stored before parents were kept: the town/street stands for them.
  Places old = p;
  old.parents.clear();
  EXPECT_TRUE(InUnitTree(old, "grp.qiaotou.3", "town.longshui"));
  EXPECT_FALSE(InUnitTree(old, "grp.qiaotou.3", "town.youting"));
  // A cycle in the data ends the walk.
  Places cyclic;
  cyclic.communities = {{"a", "town.x"}, {"b", "town.x"}};
  cyclic.parents = {{"a", "b"}, {"b", "a"}};
  EXPECT_FALSE(InUnitTree(cyclic, "a", "town.y"));
  // What a query by id prefix misses of a subtree.
  EXPECT_EQ(PlacesBelowOffPrefix(p, "town.longshui"),
            (std::vector<std::string>{"comm.nanshan", "grp.qiaotou.3",
                                      "vill.qiaotou"}));
  EXPECT_EQ(PlacesBelowOffPrefix(p, "vill.qiaotou"),
            std::vector<std::string>{"grp.qiaotou.3"});
  EXPECT_TRUE(PlacesBelowOffPrefix(p, "town.youting").empty());
  EXPECT_TRUE(PlacesBelowOffPrefix(p, "dept.housing").empty());
}

// Whistle-blowers [10(5)]: a report's caller only for the center, while open.

}  // namespace
}  // namespace hotline::intake
