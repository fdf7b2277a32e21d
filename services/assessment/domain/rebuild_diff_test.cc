#include "services/assessment/domain/rebuild_diff.h"

#include <gtest/gtest.h>

namespace hotline::assessment {
namespace {

FactRecord Fact(const char* kind, const char* unit, absl::CivilDay day) {
  FactRecord f;
  f.kind = kind;
  f.unit_id = unit;
  f.local_date = day;
  f.request_type = v1::REQUEST_TYPE_COMPLAINT;
  return f;
}

TEST(AddFactToRollupsTest, CountsDailyAndMonthlyRowsAndTopics) {
  RollupSet set;
  FactRecord created =
      Fact("ticket_created", "center", absl::CivilDay(2024, 3, 5));
  created.category_code = "urban.road.damage";
  created.area_code = "town.longgang";
  AddFactToRollups(created, &set);
  AddFactToRollups(
      Fact("dispatched", "town.longgang", absl::CivilDay(2024, 3, 5)), &set);
  AddFactToRollups(
      Fact("dispatched", "town.longgang", absl::CivilDay(2024, 3, 20)), &set);
  const int type = v1::REQUEST_TYPE_COMPLAINT;
  EXPECT_EQ(set.rows[0].at({"2024-03-05", "town.longgang", type}).v[kOrders],
            1);
  EXPECT_EQ(set.rows[0].at({"2024-03-20", "town.longgang", type}).v[kOrders],
            1);
  EXPECT_EQ(set.rows[1].at({"2024-03-01", "town.longgang", type}).v[kOrders],
            2);
  EXPECT_EQ(set.rows[1].at({"2024-03-01", "center", type}).v[kReceived], 1);
  EXPECT_EQ(set.topic.at({"2024-03-05", "urban.road.damage", "town.longgang"}),
            1);
  // 3 daily + 2 monthly counter rows, 1 topic row, no handling rows.
  EXPECT_EQ(set.RowCount(), 6);
}

TEST(CompareRollupsTest, EqualSetsHaveNoMismatch) {
  RollupSet a, b;
  for (RollupSet* s : {&a, &b}) {
    AddFactToRollups(
        Fact("dispatched", "town.longgang", absl::CivilDay(2024, 3, 5)), s);
  }
  RebuildOutcome out;
  CompareRollups(a, b, &out);
  EXPECT_EQ(out.mismatches, 0);
  EXPECT_TRUE(out.examples.empty());
  EXPECT_EQ(out.rollup_rows, 2);
}

TEST(CompareRollupsTest, NamesEachDifferingCellDailyAndMonthly) {
  RollupSet stored, fresh;
  AddFactToRollups(
      Fact("dispatched", "town.longgang", absl::CivilDay(2024, 3, 5)), &fresh);
  AddFactToRollups(
      Fact("returned", "town.pingshan", absl::CivilDay(2024, 3, 6)), &stored);
  RebuildOutcome out;
  CompareRollups(stored, fresh, &out);
  // orders of longgang (day, month) missing; returns of pingshan (day,
  // month) extra.
  ASSERT_EQ(out.mismatches, 4);
  ASSERT_EQ(out.examples.size(), 4u);
  EXPECT_EQ(out.rollup_rows, 2);
  EXPECT_EQ(out.examples[0].unit_id(), "town.longgang");
  EXPECT_EQ(out.examples[0].date(), "2024-03-05");
  EXPECT_EQ(out.examples[0].indicator(), "orders[type 3]");
  EXPECT_EQ(out.examples[0].incremental(), 0);
  EXPECT_EQ(out.examples[0].recomputed(), 1);
  EXPECT_EQ(out.examples[1].unit_id(), "town.pingshan");
  EXPECT_EQ(out.examples[1].indicator(), "returns_made[type 3]");
  EXPECT_EQ(out.examples[1].incremental(), 1);
  EXPECT_EQ(out.examples[1].recomputed(), 0);
  EXPECT_EQ(out.examples[2].date(), "2024-03-01");
  EXPECT_EQ(out.examples[2].indicator(), "month:orders[type 3]");
}

TEST(CompareRollupsTest, HandlingAndTopicDifferencesAndTheExampleCap) {
  RollupSet stored, fresh;
  stored.hist[0][{"2024-03-05", "town.longgang", 3, 4}] = 3;
  fresh.hist[0][{"2024-03-05", "town.longgang", 3, 4}] = 2;
  fresh.topic[{"2024-03-05", "urban.road.damage", "town.longgang"}] = 1;
  for (int i = 0; i < 150; ++i) {
    fresh.rows[0][{"2024-03-07", "unit" + std::to_string(i), 3}].v[kOrders] = 1;
  }
  RebuildOutcome out;
  CompareRollups(stored, fresh, &out);
  EXPECT_EQ(out.mismatches, 152);
  EXPECT_EQ(out.examples.size(), 100u);
  EXPECT_EQ(out.rollup_rows, 1);
}

}  // namespace
}  // namespace hotline::assessment
