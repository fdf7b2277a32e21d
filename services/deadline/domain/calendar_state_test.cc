// CalendarState without a database: builtin data, persisted years merged over
// it, the November rule, and the metrics.

#include "services/deadline/domain/calendar_state.h"

#include <prometheus/registry.h>

#include "gtest/gtest.h"

namespace hotline::deadline {
namespace {

absl::Time Local(int y, int mo, int d) {
  return calendar::StartOfLocalDay(absl::CivilDay(y, mo, d));
}

double Value(prometheus::Registry& r, const std::string& name) {
  for (const auto& f : r.Collect()) {
    if (f.name != name) continue;
    return f.metric.empty() ? -1
           : f.type == prometheus::MetricType::Gauge
               ? f.metric[0].gauge.value
               : f.metric[0].counter.value;
  }
  return -1;
}

TEST(CalendarStateTest, PersistedYearsMergeOverTheBuiltinData) {
  prometheus::Registry registry;
  CalendarState state(&registry);
  ASSERT_TRUE(state.Init({}).ok());
  EXPECT_EQ(state.Get()->last_year(), 2026);
  EXPECT_EQ(Value(registry, "hotline_calendar_last_known_year"), 2026);
  const std::string builtin = state.Get()->version();

  PersistedYear y2027;
  y2027.data.year = 2027;
  y2027.data.holidays = {absl::CivilDay(2027, 1, 1)};
  y2027.meta = {"国办发明电〔2026〕测试号", Local(2026, 11, 20), "tok-test"};
  PersistedYear y2024;  // replaces the builtin 2024
  y2024.data.year = 2024;
  y2024.meta = {"测试", Local(2026, 11, 20), "tok-test"};
  ASSERT_TRUE(state.Init({y2024, y2027}).ok());
  EXPECT_NE(state.Get()->version(), builtin);
  EXPECT_EQ(state.Get()->last_year(), 2027);
  EXPECT_EQ(Value(registry, "hotline_calendar_last_known_year"), 2027);
  EXPECT_EQ(state.Meta(2027).source, "国办发明电〔2026〕测试号");
  EXPECT_EQ(state.Meta(2027).loaded_at, Local(2026, 11, 20));
  EXPECT_EQ(state.Meta(2025).loaded_by, "builtin");
  // 2024-02-12 was a builtin holiday; the persisted 2024 has none.
  EXPECT_TRUE(state.Get()->IsWorkingDay(absl::CivilDay(2024, 2, 12)));
}

TEST(CalendarStateTest, NovemberRuleAndIncompleteCounter) {
  prometheus::Registry registry;
  CalendarState state(&registry);
  ASSERT_TRUE(state.Init({}).ok());
  EXPECT_FALSE(state.CheckNextYear(Local(2025, 12, 1)));  // 2026 is known
  EXPECT_TRUE(state.CheckNextYear(Local(2026, 12, 1)));   // 2027 is not
  // Before December nobody can load next year yet: no warning.
  EXPECT_FALSE(state.CheckNextYear(Local(2026, 11, 30)));
  EXPECT_EQ(Value(registry, "hotline_calendar_incomplete_total"), 0);
  state.NoteIncomplete("test");
  state.NoteIncomplete("test");
  EXPECT_EQ(Value(registry, "hotline_calendar_incomplete_total"), 2);
}

}  // namespace
}  // namespace hotline::deadline
