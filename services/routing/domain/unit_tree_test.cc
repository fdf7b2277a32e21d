#include "services/routing/domain/unit_tree.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/routing/tests/routing_test_tree.h"

namespace hotline::routing {
namespace {

using ::testing::ElementsAre;
using testing::MakeUnit;
using testing::SampleTree;

TEST(UnitTreeTest, Navigation) {
  UnitTree t = SampleTree();
  EXPECT_EQ(t.CenterId(), "center");
  EXPECT_TRUE(t.IsFirstLevel("town.longshui"));
  EXPECT_TRUE(t.IsFirstLevel("dept.urban"));
  EXPECT_FALSE(t.IsFirstLevel("center"));
  EXPECT_FALSE(t.IsFirstLevel("comm.nanshan"));
  EXPECT_EQ(t.FirstLevelOf("comm.nanshan"), "town.longshui");
  EXPECT_EQ(t.FirstLevelOf("center"), "");
  EXPECT_TRUE(t.InSubtree("town.longshui", "comm.nanshan"));
  EXPECT_TRUE(t.InSubtree("center", "sec.urban.shirong"));
  EXPECT_FALSE(t.InSubtree("dept.urban", "comm.nanshan"));
  EXPECT_FALSE(t.InSubtree("comm.nanshan", "town.longshui"));
  EXPECT_THAT(t.Ancestors("comm.nanshan"),
              ElementsAre("center", "town.longshui"));
  EXPECT_THAT(t.Subtree("town.longshui"),
              ElementsAre("town.longshui", "comm.nanshan", "vill.qiaotou"));
  EXPECT_EQ(t.Preorder("center").size(), 8u);
}

TEST(UnitTreeTest, ValidateUnitKindsAndParents) {
  UnitTree t = SampleTree();
  // A section cannot sit under a town.
  v1::Unit bad =
      MakeUnit("sec.x", "某科", v1::UNIT_KIND_SECTION, "town.longshui", 9);
  EXPECT_EQ(ValidateUnit(bad, t, "unit").code(),
            absl::StatusCode::kInvalidArgument);
  // Unknown parent.
  v1::Unit orphan = MakeUnit("comm.x", "某社区",
                             v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.none", 9);
  EXPECT_EQ(ValidateUnit(orphan, t, "unit").code(),
            absl::StatusCode::kNotFound);
  // A second center.
  v1::Unit center2 =
      MakeUnit("center2", "另一个中心", v1::UNIT_KIND_CENTER, "", 9);
  EXPECT_EQ(ValidateUnit(center2, t, "unit").code(),
            absl::StatusCode::kInvalidArgument);
  // First-level units need a liaison with a mobile.
  v1::Unit town =
      MakeUnit("town.new", "新镇", v1::UNIT_KIND_TOWN_STREET, "center", 9);
  town.mutable_liaison()->set_mobile("12345");
  absl::Status s = ValidateUnit(town, t, "unit");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              ::testing::StartsWith("unit.liaison.mobile"));
  town.clear_liaison();
  EXPECT_EQ(ValidateUnit(town, t, "unit").code(),
            absl::StatusCode::kInvalidArgument);
  // Control characters, in the short name too: a line break there made the
  // CSV export unreadable (found by tests/fuzz/directory_json_fuzzer).
  v1::Unit broken = MakeUnit(
      "comm.new", "新社区", v1::UNIT_KIND_VILLAGE_COMMUNITY, "comm.nanshan", 9);
  broken.set_short_name("新\n社区");
  s = ValidateUnit(broken, t, "unit");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              ::testing::StartsWith("unit.short_name: control character"));
  // A fine one.
  v1::Unit ok = MakeUnit("comm.new", "新社区", v1::UNIT_KIND_VILLAGE_COMMUNITY,
                         "comm.nanshan", 9);
  EXPECT_TRUE(ValidateUnit(ok, t, "unit").ok());
}

TEST(UnitTreeTest, MovingUnderOwnSubtreeIsACycle) {
  UnitTree t = SampleTree();
  t.Put(MakeUnit("comm.a", "甲社区", v1::UNIT_KIND_VILLAGE_COMMUNITY,
                 "comm.nanshan", 9));
  v1::Unit moved = *t.Find("comm.nanshan");
  moved.set_parent_unit_id("comm.a");
  EXPECT_EQ(ValidateUnit(moved, t, "unit").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(UnitTreeTest, IdAndPhoneRules) {
  EXPECT_TRUE(IsValidUnitId("town.longshui"));
  EXPECT_FALSE(IsValidUnitId("Town"));
  EXPECT_FALSE(IsValidUnitId(".town"));
  EXPECT_FALSE(IsValidUnitId(std::string(33, 'a')));
  EXPECT_TRUE(IsValidMobile("13912345678"));
  EXPECT_FALSE(IsValidMobile("12912345678"));
  EXPECT_TRUE(IsValidOfficePhone("02343720001"));
  EXPECT_FALSE(IsValidOfficePhone("2343720001"));
}

}  // namespace
}  // namespace hotline::routing
