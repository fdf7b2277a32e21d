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

}  // namespace
}  // namespace hotline::intake
