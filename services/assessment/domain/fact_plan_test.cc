// How a unit's links fold (fact_plan.h, MergeUnitLink). PlanFact itself is
// covered by indicators_test and, against a real database, by
// assessment_event_path_integration_test.

#include "services/assessment/domain/fact_plan.h"

#include <gtest/gtest.h>

namespace hotline::assessment {
namespace {

// A unit's links fold as the unit_node upserts leave the row: the last
// parent named wins, an unnamed one keeps it; is_area only grows.
TEST(MergeUnitLinkTest, LastNamedParentAndAnyArea) {
  const UnitLink stored{"comm.longshui.nanshan", "town.longshui", true};
  UnitLink merged =
      MergeUnitLink(stored, UnitLink{"comm.longshui.nanshan", "", false});
  EXPECT_EQ(merged.unit_id, "comm.longshui.nanshan");
  EXPECT_EQ(merged.parent_id, "town.longshui");
  EXPECT_TRUE(merged.is_area);

  merged = MergeUnitLink(
      merged, UnitLink{"comm.longshui.nanshan", "town.longgang", false});
  EXPECT_EQ(merged.parent_id, "town.longgang");
  EXPECT_TRUE(merged.is_area);

  merged = MergeUnitLink(UnitLink{"dept.housing", "", false},
                         UnitLink{"dept.housing", "center", false});
  EXPECT_EQ(merged.parent_id, "center");
  EXPECT_FALSE(merged.is_area);
  merged = MergeUnitLink(merged, UnitLink{"dept.housing", "", true});
  EXPECT_EQ(merged.parent_id, "center");
  EXPECT_TRUE(merged.is_area);
}

}  // namespace
}  // namespace hotline::assessment
