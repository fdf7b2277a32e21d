// A calendar year loaded at run time reaches assessment's figures
// (docs/indicators.md "Working days": overdue working days are deadline's,
// counted with deadline's calendar, including years loaded at run time).
//
// The suite starts on Monday 2026-12-21 with 2021–2026 known. A
// consultation dispatched that morning is due 2026-12-25 00:00 and is never
// answered. On 12-28 the center loads 2027 (CalendarService.LoadYear) with
// New Year's Day and a made-up test holiday on Monday 01-04. On 2027-01-08:
//
//   overdue working days accrued   with 2027 loaded   weekday rule
//   2026-12-25, 28, 29, 30, 31     5                  5
//   2027-01-01 (holiday, Fri)      0                  1
//   2027-01-04 (test holiday, Mon) 0                  1
//   2027-01-05, 06, 07, 08         4                  4
//   in January                     4                  6
//   as of 01-08 (the open order)   9                  11
//
// The "weekday rule" column is what deadline counted before the load
// (CountWorkingDays over the same days answers 6 with calendar_incomplete,
// then 4): without the load the two holidays would have been charged.

#include <grpcpp/grpcpp.h>

#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/scenario.h"

namespace hotline {
namespace {

using ::testing::HasSubstr;
using testing::kHrss;
using testing::Local;
using testing::Scenario;

TEST(CalendarReachTest, ALoadedYearCountsInAssessmentsOverdueWorkingDays) {
  testing::ClusterOptions options;
  options.clock_start = Local(2026, 12, 21, 9, 0);  // Monday
  options.extra_tokens = testing::kUnitTokens;
  auto cluster = testing::Cluster::Start(options);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  Scenario s(cluster->get());
  auto logs = [&] { return (*cluster)->Logs(); };
  s.ImportSampleDirectory();

  // A consultation: 3 working days, 12-22..12-24 → due 12-25 00:00.
  v1::Ticket order = s.CreateAndDispatch(
      v1::REQUEST_TYPE_CONSULTATION, "labor.employment", "town.longgang",
      "咨询社保卡补办流程", "来电人咨询社保卡丢失后如何补办及所需材料。",
      "13800009999", "dept.hrss");
  ASSERT_TRUE(s.Accept(order.ticket_id(), kHrss).ok());
  v1::Clock handling = s.HandlingClock(order.ticket_id());
  EXPECT_EQ(FromProto(handling.due()), Local(2026, 12, 25));

  // Before 2027 is known, deadline counts its days by the weekday rule.
  v1::CountWorkingDaysResponse before =
      s.CountWorkingDays("2026-12-31", "2027-01-08");
  EXPECT_EQ(before.working_days(), 6);
  EXPECT_TRUE(before.calendar_incomplete());

  // Monday 12-28: overdue since 12-25 (督办 fired), 2 working days so far.
  s.Advance(Local(2026, 12, 28, 10, 0));
  ASSERT_TRUE(s.WaitStep(order.ticket_id(), v1::LADDER_STEP_SUPERVISION))
      << logs();

  // The center loads 2027 before its holidays pass.
  v1::LoadYearResponse loaded;
  grpc::Status st = s.LoadYear(
      2027, {"2027-01-01", "2027-01-04"},
      "测试用日程：2027年元旦及虚构的测试假日01-04（非国务院公布）", &loaded);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(loaded.changed());
  v1::CountWorkingDaysResponse after =
      s.CountWorkingDays("2026-12-31", "2027-01-08");
  EXPECT_EQ(after.working_days(), 4);
  EXPECT_FALSE(after.calendar_incomplete());

  // Friday 2027-01-08, the order still open.
  s.Advance(Local(2027, 1, 8, 10, 0));
  v1::Clock overdue;
  EXPECT_TRUE(Scenario::Eventually([&] {
    const v1::GetClocksResponse clocks = s.Clocks(order.ticket_id());
    const v1::Clock* c = Scenario::FindClock(clocks, v1::CLOCK_KIND_HANDLING);
    if (c != nullptr) overdue = *c;
    return c != nullptr && c->overdue_working_days() == 9;
  })) << overdue.DebugString()
      << logs();
  EXPECT_EQ(overdue.state(), v1::CLOCK_STATE_RUNNING);

  // Assessment's January: 4 working days accrued in the month, the open
  // order 9 working days overdue as of now — deadline's figure.
  const v1::Period january = testing::PeriodOf("2027-01-01", "2027-01-31");
  v1::Scorecard card;
  EXPECT_TRUE(Scenario::Eventually([&] {
    return s.Scorecard("dept.hrss", january, false, &card).ok() &&
           card.total().overdue_working_days() == 4 &&
           card.open_overdue_size() == 1 &&
           card.open_overdue(0).overdue_working_days() == 9;
  })) << card.DebugString();
  EXPECT_EQ(card.total().open_overdue_orders(), 1);
  ASSERT_EQ(card.open_overdue_size(), 1);
  EXPECT_EQ(card.open_overdue(0).ticket_id(), order.ticket_id());
  EXPECT_EQ(card.open_overdue(0).overdue_working_days(),
            overdue.overdue_working_days());
  EXPECT_EQ(FromProto(card.open_overdue(0).due()), Local(2026, 12, 25));
  // Lateness with nothing else to judge in January scores 0, not "nothing
  // to judge".
  EXPECT_FALSE(card.not_scored());
  EXPECT_EQ(card.composite_score(), 0);

  // ExplainFigure gives the same figures, day by day: no item on the two
  // holidays.
  v1::ExplainFigureResponse days;
  st = s.Explain("dept.hrss", january, "overdue_working_days", &days);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(days.value().numerator(), 4);
  std::vector<std::string> dated;
  for (const v1::FigureItem& item : days.items()) {
    EXPECT_EQ(item.amount(), 1) << item.DebugString();
    EXPECT_EQ(item.clock_kind(), v1::CLOCK_KIND_HANDLING);
    dated.push_back(absl::FormatTime("%Y-%m-%d", FromProto(item.occurred_at()),
                                     absl::FixedTimeZone(8 * 3600)));
  }
  EXPECT_THAT(dated, ::testing::ElementsAre("2027-01-05", "2027-01-06",
                                            "2027-01-07", "2027-01-08"));
  v1::ExplainFigureResponse open;
  st = s.Explain("dept.hrss", january, "open_overdue_orders", &open);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(open.value().numerator(), 1);
  ASSERT_EQ(open.items_size(), 1);
  EXPECT_EQ(open.items(0).overdue_working_days(), 9);
  EXPECT_THAT(open.definition(), HasSubstr("open"));

  // December holds the other 5: the first overdue day and four accruals.
  v1::Scorecard december;
  st = s.Scorecard("dept.hrss", testing::PeriodOf("2026-12-01", "2026-12-31"),
                   false, &december);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(december.total().overdue_working_days(), 5);
  EXPECT_EQ(december.total().overdue_orders(), 1);
  EXPECT_EQ(december.total().on_time_completion().numerator(), 0);
  EXPECT_EQ(december.total().on_time_completion().denominator(), 1);
}

}  // namespace
}  // namespace hotline
