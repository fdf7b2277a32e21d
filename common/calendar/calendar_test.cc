#include "common/calendar/calendar.h"

#include <time.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::calendar {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ReadDataFile() {
  std::ifstream in(HOTLINE_CALENDAR_JSON_PATH);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---------------------------------------------------------------------------
// 朴素参考实现：直接从 JSON 文件里的日期集合 + 周一至周五规则逐日计算，
// 与被测库的解析器、索引、闭式公式完全独立。

struct Reference {
  std::set<absl::CivilDay> holidays;  // 法定节假日
  std::set<absl::CivilDay> workdays;  // 调休上班日
  std::set<int64_t> years;            // 数据覆盖的年份

  static Reference FromFile() {
    Reference ref;
    const std::string text = ReadDataFile();
    // 按出现顺序扫描所有字符串："2024" 是年份键，"holidays"/"workdays"
    // 切换当前集合，其余是日期。
    const std::regex str_re("\"([^\"]*)\"");
    std::set<absl::CivilDay>* current = nullptr;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), str_re);
         it != std::sregex_iterator(); ++it) {
      const std::string s = (*it)[1];
      if (s.size() == 4) {
        ref.years.insert(std::stoi(s));
      } else if (s == "holidays") {
        current = &ref.holidays;
      } else if (s == "workdays") {
        current = &ref.workdays;
      } else {
        int y, m, d;
        EXPECT_EQ(std::sscanf(s.c_str(), "%d-%d-%d", &y, &m, &d), 3) << s;
        current->insert(absl::CivilDay(y, m, d));
      }
    }
    return ref;
  }

  bool Working(absl::CivilDay d) const {
    if (workdays.count(d)) return true;
    if (holidays.count(d)) return false;
    const absl::Weekday w = absl::GetWeekday(d);
    return w != absl::Weekday::saturday && w != absl::Weekday::sunday;
  }
  bool Known(absl::CivilDay d) const { return years.count(d.year()) > 0; }

  struct Due {
    absl::Time due;
    absl::CivilDay last;
    bool incomplete = false;
  };
  Due Add(absl::Time start, int n) const {
    const absl::TimeZone cst = absl::FixedTimeZone(8 * 3600);
    absl::CivilDay d = absl::ToCivilDay(start, cst);
    Due r;
    for (int counted = 0; counted < n;) {
      ++d;
      if (!Known(d)) r.incomplete = true;
      if (Working(d)) ++counted;
    }
    r.last = d;
    r.due = absl::FromCivil(d + 1, cst);
    return r;
  }
  int64_t Count(absl::CivilDay from, absl::CivilDay to) const {
    if (to < from) return -Count(to, from);
    int64_t n = 0;
    for (absl::CivilDay d = from + 1; d <= to; ++d) n += Working(d) ? 1 : 0;
    return n;
  }
};

const Reference& Ref() {
  static const Reference* ref = new Reference(Reference::FromFile());
  return *ref;
}

std::shared_ptr<const Calendar> Builtin() {
  static const std::shared_ptr<const Calendar> cal = [] {
    absl::StatusOr<CalendarData> data = BuiltinCalendarData();
    EXPECT_TRUE(data.ok()) << data.status();
    absl::StatusOr<Calendar> c = Calendar::Create(*std::move(data));
    EXPECT_TRUE(c.ok()) << c.status();
    return std::make_shared<const Calendar>(*std::move(c));
  }();
  return cal;
}

// 北京时间（UTC+8）的某一时刻，独立于库函数构造：先按 UTC 解释再减 8 小时。
absl::Time Cst(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone()) -
         absl::Hours(8);
}
absl::Time CstMidnight(absl::CivilDay d) {
  return Cst(d.year(), d.month(), d.day());
}
absl::CivilDay D(int y, int m, int d) { return absl::CivilDay(y, m, d); }

// ---------------------------------------------------------------------------
// 数据与版本

TEST(CalendarDataTest, BuiltinMatchesDataFileAndHasStableVersion) {
  absl::StatusOr<CalendarData> builtin = BuiltinCalendarData();
  ASSERT_TRUE(builtin.ok()) << builtin.status();
  absl::StatusOr<CalendarData> file =
      CalendarData::FromJson(ReadDataFile(), "file");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(builtin->CanonicalJson(), file->CanonicalJson());
  EXPECT_EQ(builtin->years().size(), 6u);
  EXPECT_THAT(builtin->source(), HasSubstr("SOURCES.md"));
  // 版本号是内容哈希：跨进程、跨构建一致（金值防止规范化格式被意外改动）。
  EXPECT_EQ(builtin->Version(), "cn-2021-2026@2065d9a7");
  EXPECT_EQ(Builtin()->version(), builtin->Version());
}

TEST(CalendarDataTest, CanonicalJsonRoundTripsAndIgnoresOrderAndSource) {
  absl::StatusOr<CalendarData> a = BuiltinCalendarData();
  ASSERT_TRUE(a.ok());
  absl::StatusOr<CalendarData> b =
      CalendarData::FromJson(a->CanonicalJson(), "other source");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->CanonicalJson(), b->CanonicalJson());
  EXPECT_EQ(a->Version(), b->Version());

  // 日期乱序、年份乱序：内容相同，版本相同。
  const std::string shuffled = R"({
    "2022": {"workdays": ["2022-10-09", "2022-01-29"], "holidays": ["2022-12-31", "2022-01-01"]},
    "2021": {"holidays": ["2021-10-07", "2021-01-01"], "workdays": []}
  })";
  const std::string sorted =
      R"({"2021": {"holidays": ["2021-01-01", "2021-10-07"], "workdays": []},
    "2022": {"holidays": ["2022-01-01", "2022-12-31"], "workdays": ["2022-01-29", "2022-10-09"]}})";
  absl::StatusOr<CalendarData> x = CalendarData::FromJson(shuffled, "x");
  absl::StatusOr<CalendarData> y = CalendarData::FromJson(sorted, "y");
  ASSERT_TRUE(x.ok()) << x.status();
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(x->Version(), y->Version());
  EXPECT_THAT(x->Version(), StartsWith("cn-2021-2022@"));

  // 改动一个日期，版本随之改变。
  absl::StatusOr<CalendarData> z = CalendarData::FromJson(
      absl::StrReplaceAll(sorted, {{"2021-10-07", "2021-10-06"}}), "z");
  ASSERT_TRUE(z.ok());
  EXPECT_NE(z->Version(), y->Version());
}

// ---------------------------------------------------------------------------
// 性质测试：快速算法 == 朴素逐日参考

TEST(CalendarPropertyTest, AddWorkingDaysMatchesNaiveReference) {
  const Calendar& cal = *Builtin();
  const Reference& ref = Ref();
  // 每个起始日（2021–2026，外加前后各两个月以覆盖周规则区），
  // 每天 5 个时刻：当地 00:00、00:00:01、12:00、23:59:59、以及 00:00 前 1 秒。
  const absl::Duration offsets[] = {absl::ZeroDuration(), absl::Seconds(1),
                                    absl::Hours(12), absl::Seconds(86399),
                                    absl::Seconds(-1)};
  int mismatches = 0;
  int64_t checked = 0;
  for (absl::CivilDay day = D(2020, 11, 1); day <= D(2027, 2, 28); ++day) {
    for (absl::Duration off : offsets) {
      const absl::Time start = CstMidnight(day) + off;
      for (int n = 0; n <= 40; ++n) {
        absl::StatusOr<DueResult> got = cal.AddWorkingDays(start, n);
        const Reference::Due want = ref.Add(start, n);
        ++checked;
        if (!got.ok() || got->due != want.due || got->last_day != want.last ||
            got->calendar_incomplete != want.incomplete) {
          if (++mismatches <= 10) {
            ADD_FAILURE() << "start " << absl::FormatTime(start) << " n " << n
                          << " got "
                          << (got.ok() ? absl::FormatTime(got->due) : "error")
                          << " want " << absl::FormatTime(want.due);
          }
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << checked;
  EXPECT_GT(checked, 450000);
}

TEST(CalendarPropertyTest, CountWorkingDaysMatchesNaiveReference) {
  const Calendar& cal = *Builtin();
  const Reference& ref = Ref();
  int mismatches = 0;
  for (absl::CivilDay from = D(2020, 11, 1); from <= D(2027, 2, 28); ++from) {
    for (int k = 0; k <= 60; ++k) {
      const absl::CivilDay to = from + k;
      const int64_t want = ref.Count(from, to);
      bool want_incomplete = false;
      for (absl::CivilDay d = from + 1; d <= to; ++d) {
        want_incomplete |= !ref.Known(d);
      }
      absl::StatusOr<CountResult> got = cal.CountWorkingDays(from, to);
      absl::StatusOr<CountResult> back = cal.CountWorkingDays(to, from);
      if (!got.ok() || !back.ok() || got->working_days != want ||
          back->working_days != -want ||
          got->calendar_incomplete != want_incomplete ||
          back->calendar_incomplete != want_incomplete) {
        if (++mismatches <= 10) {
          ADD_FAILURE() << FormatDate(from) << " " << FormatDate(to) << " want "
                        << want;
        }
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(CalendarPropertyTest, LargeNAndFarStartsMatchReference) {
  const Calendar& cal = *Builtin();
  const Reference& ref = Ref();
  std::mt19937 rng(12345);
  // 起点从 2000 年到 2040 年，N 最大 3650（跨越已知年份的两侧）。
  std::uniform_int_distribution<int64_t> sec(
      absl::ToUnixSeconds(Cst(2000, 1, 1)),
      absl::ToUnixSeconds(Cst(2040, 1, 1)));
  std::uniform_int_distribution<int> days(0, Calendar::kMaxWorkingDays);
  for (int i = 0; i < 1500; ++i) {
    const absl::Time start = absl::FromUnixSeconds(sec(rng));
    const int n = i < 20 ? Calendar::kMaxWorkingDays : days(rng);
    absl::StatusOr<DueResult> got = cal.AddWorkingDays(start, n);
    ASSERT_TRUE(got.ok());
    const Reference::Due want = ref.Add(start, n);
    ASSERT_EQ(got->due, want.due) << absl::FormatTime(start) << " n " << n;
    ASSERT_EQ(got->calendar_incomplete, want.incomplete);
    // 计数与加法互逆：(start 当天, last_day] 恰好 n 个工作日。
    absl::StatusOr<CountResult> c =
        cal.CountWorkingDays(LocalDay(start), got->last_day);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->working_days, n);
  }
}

TEST(CalendarPropertyTest, ExplainedVariantAgreesWithFastPath) {
  const Calendar& cal = *Builtin();
  for (absl::CivilDay day = D(2020, 12, 1); day <= D(2027, 1, 31); day += 3) {
    for (int n : {0, 1, 3, 10, 25}) {
      const absl::Time start = CstMidnight(day) + absl::Hours(9);
      absl::StatusOr<DueResult> fast = cal.AddWorkingDays(start, n);
      absl::StatusOr<ExplainedDue> slow = cal.ExplainAddWorkingDays(start, n);
      ASSERT_TRUE(fast.ok() && slow.ok());
      EXPECT_EQ(slow->due, fast->due);
      EXPECT_EQ(slow->last_day, fast->last_day);
      EXPECT_EQ(slow->calendar_incomplete, fast->calendar_incomplete);
      ASSERT_EQ(slow->counted.size(), static_cast<size_t>(n));
      // counted + skipped 恰好覆盖 (start 当天, last_day]。
      EXPECT_EQ(slow->counted.size() + slow->skipped.size(),
                static_cast<size_t>(fast->last_day - day));
      for (const absl::CivilDay& c : slow->counted) {
        EXPECT_TRUE(cal.IsWorkingDay(c));
      }
      for (const DayNote& s : slow->skipped) {
        EXPECT_FALSE(cal.IsWorkingDay(s.day));
      }
    }
  }
}

// ---------------------------------------------------------------------------
// 具名用例

TEST(CalendarNamedTest, DesignExampleSpringFestival2024) {
  // DESIGN.md §3：2024-02-08（周四）16:00 派单，N=3 → 02-09（周五）、
  // 02-18（调休上班的周日）、02-19 → 2024-02-20T00:00+08:00 到期。
  const Calendar& cal = *Builtin();
  absl::StatusOr<ExplainedDue> r =
      cal.ExplainAddWorkingDays(Cst(2024, 2, 8, 16), 3);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->due, Cst(2024, 2, 20));
  EXPECT_EQ(r->last_day, D(2024, 2, 19));
  EXPECT_FALSE(r->calendar_incomplete);
  EXPECT_EQ(r->calendar_version, cal.version());
  EXPECT_THAT(r->counted,
              ElementsAre(D(2024, 2, 9), D(2024, 2, 18), D(2024, 2, 19)));
  ASSERT_EQ(r->skipped.size(), 8u);  // 02-10..02-17 春节假期（含周末）
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(r->skipped[i],
              (DayNote{D(2024, 2, 10) + i, DayNote::kHoliday, false}));
  }
  EXPECT_THAT(
      r->explanation,
      AllOf(HasSubstr("start 2024-02-08 16:00:00 +08:00"),
            HasSubstr("not counted"),
            HasSubstr("2024-02-09, 2024-02-18 (adjusted working Sunday), "
                      "2024-02-19"),
            HasSubstr("skipped 8 days: 2024-02-10..2024-02-17 (holiday)"),
            HasSubstr("due 2024-02-20T00:00:00+08:00"),
            HasSubstr("calendar " + cal.version())));
  std::printf("explanation: %s\n", r->explanation.c_str());
}

void ExpectDue(const Calendar& cal, absl::Time start, int n, absl::Time due) {
  absl::StatusOr<DueResult> r = cal.AddWorkingDays(start, n);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->due, due) << "n=" << n << " got " << absl::FormatTime(r->due);
  EXPECT_FALSE(r->calendar_incomplete);
}

TEST(CalendarNamedTest, SpringFestival2023) {
  // 2023 春节：01-21..01-27 放假，01-28（周六）、01-29（周日）调休上班。
  const Calendar& cal = *Builtin();
  const absl::Time start = Cst(2023, 1, 20, 10);  // 周五
  ExpectDue(cal, start, 1, Cst(2023, 1, 29));     // 01-28 周六上班
  ExpectDue(cal, start, 2, Cst(2023, 1, 30));     // 01-29 周日上班
  ExpectDue(cal, start, 3, Cst(2023, 1, 31));     // 01-30 周一
  absl::StatusOr<CountResult> c =
      cal.CountWorkingDays(D(2023, 1, 20), D(2023, 1, 31));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->working_days, 4);  // 01-28, 01-29, 01-30, 01-31
}

TEST(CalendarNamedTest, SpringFestival2025) {
  // 2025 春节：01-28..02-04 放假，01-26（周日）、02-08（周六）调休上班。
  const Calendar& cal = *Builtin();
  const absl::Time start = Cst(2025, 1, 24, 9);  // 周五
  ExpectDue(cal, start, 1, Cst(2025, 1, 27));    // 01-26 周日上班
  ExpectDue(cal, start, 2, Cst(2025, 1, 28));    // 01-27 周一
  ExpectDue(cal, start, 3, Cst(2025, 2, 6));     // 跳过假期 → 02-05
  ExpectDue(cal, start, 6, Cst(2025, 2, 9));     // 02-08 周六上班
  EXPECT_TRUE(cal.IsWorkingDay(D(2025, 2, 8)));
  EXPECT_FALSE(cal.IsWorkingDay(D(2025, 2, 4)));
}

TEST(CalendarNamedTest, SpringFestival2026) {
  // 2026 春节：02-15..02-23 放假，02-14（周六）、02-28（周六）调休上班。
  const Calendar& cal = *Builtin();
  const absl::Time start = Cst(2026, 2, 13, 18);  // 周五
  ExpectDue(cal, start, 1, Cst(2026, 2, 15));     // 02-14 周六上班
  ExpectDue(cal, start, 2, Cst(2026, 2, 25));     // 02-24 周二
  ExpectDue(cal, start, 5, Cst(2026, 2, 28));     // 02-27 周五
  ExpectDue(cal, start, 6, Cst(2026, 3, 1));      // 02-28 周六上班
  absl::StatusOr<ExplainedDue> r = cal.ExplainAddWorkingDays(start, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->explanation,
              HasSubstr("2026-02-14 (adjusted working Saturday)"));
  EXPECT_THAT(r->explanation, HasSubstr("2026-02-15..2026-02-23 (holiday)"));
}

TEST(CalendarNamedTest, NationalDay2024) {
  // 2024 国庆：10-01..10-07 放假，09-29（周日）、10-12（周六）调休上班。
  const Calendar& cal = *Builtin();
  const absl::Time start = Cst(2024, 9, 27, 15);  // 周五
  ExpectDue(cal, start, 1, Cst(2024, 9, 30));  // 09-28 周末跳过，09-29 上班
  ExpectDue(cal, start, 2, Cst(2024, 10, 1));  // 09-30
  ExpectDue(cal, start, 3, Cst(2024, 10, 9));  // 10-08
  absl::StatusOr<CountResult> c =
      cal.CountWorkingDays(D(2024, 9, 30), D(2024, 10, 12));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->working_days, 5);  // 10-08..10-12（10-12 周六上班）
  absl::StatusOr<ExplainedDue> r = cal.ExplainAddWorkingDays(start, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->skipped,
              ElementsAre(DayNote{D(2024, 9, 28), DayNote::kWeekend, false}));
}

TEST(CalendarNamedTest, NationalDay2025) {
  // 2025 国庆+中秋：10-01..10-08 放假，09-28（周日）、10-11（周六）调休上班。
  const Calendar& cal = *Builtin();
  const absl::Time start = Cst(2025, 9, 26, 17);  // 周五
  ExpectDue(cal, start, 1, Cst(2025, 9, 29));     // 09-28 周日上班
  ExpectDue(cal, start, 3, Cst(2025, 10, 1));     // 09-30
  ExpectDue(cal, start, 4, Cst(2025, 10, 10));    // 10-09 周四
  ExpectDue(cal, start, 6, Cst(2025, 10, 12));    // 10-11 周六上班
  for (int d = 1; d <= 8; ++d) {
    EXPECT_EQ(cal.Classify(D(2025, 10, d)), DayKind::kHoliday) << d;
  }
  EXPECT_EQ(cal.Classify(D(2025, 9, 28)), DayKind::kAdjustedWorkday);
  EXPECT_EQ(cal.Classify(D(2025, 10, 11)), DayKind::kAdjustedWorkday);
}

TEST(CalendarNamedTest, Boundary2022To2023) {
  // 2022-12-31（周六）列入 2022 年假期，2023-01-01、01-02 放假：
  // 周五 2022-12-30 起算 1 个工作日 → 2023-01-03 → 01-04 00:00 到期。
  const Calendar& cal = *Builtin();
  absl::StatusOr<ExplainedDue> r =
      cal.ExplainAddWorkingDays(Cst(2022, 12, 30, 12), 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->due, Cst(2023, 1, 4));
  EXPECT_THAT(r->counted, ElementsAre(D(2023, 1, 3)));
  EXPECT_THAT(r->skipped,
              ElementsAre(DayNote{D(2022, 12, 31), DayNote::kHoliday, false},
                          DayNote{D(2023, 1, 1), DayNote::kHoliday, false},
                          DayNote{D(2023, 1, 2), DayNote::kHoliday, false}));
  EXPECT_THAT(r->explanation,
              HasSubstr("skipped 3 days: 2022-12-31..2023-01-02 (holiday)"));
  absl::StatusOr<CountResult> c =
      cal.CountWorkingDays(D(2022, 12, 30), D(2023, 1, 3));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->working_days, 1);
}

TEST(CalendarNamedTest, AdjustedSaturdaysAndSundaysCount) {
  const Calendar& cal = *Builtin();
  // 调休上班的周六/周日是工作日；放假的周六是节假日。
  EXPECT_EQ(cal.Classify(D(2026, 2, 28)), DayKind::kAdjustedWorkday);  // 周六
  EXPECT_EQ(cal.Classify(D(2024, 2, 18)), DayKind::kAdjustedWorkday);  // 周日
  EXPECT_EQ(cal.Classify(D(2024, 2, 10)), DayKind::kHoliday);          // 周六
  EXPECT_EQ(cal.Classify(D(2024, 2, 24)), DayKind::kWeekend);
  EXPECT_EQ(cal.Classify(D(2024, 2, 26)), DayKind::kWorkday);
  // 周五 2024-05-10 起算：05-11（周六调休上班）计为第 1 个工作日。
  ExpectDue(cal, Cst(2024, 5, 10, 10), 1, Cst(2024, 5, 12));
  // 周六 2024-04-27 起算：04-28（周日调休上班）计为第 1 个工作日。
  ExpectDue(cal, Cst(2024, 4, 27, 10), 1, Cst(2024, 4, 29));
}

TEST(CalendarNamedTest, ZeroDaysMeansEndOfStartDay) {
  const Calendar& cal = *Builtin();
  // N=0：期限为起始当天 24:00（即次日 00:00），即使当天是节假日。
  absl::StatusOr<ExplainedDue> r =
      cal.ExplainAddWorkingDays(Cst(2024, 2, 10, 8), 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->due, Cst(2024, 2, 11));
  EXPECT_EQ(r->last_day, D(2024, 2, 10));
  EXPECT_TRUE(r->counted.empty());
  EXPECT_TRUE(r->skipped.empty());
  EXPECT_FALSE(r->calendar_incomplete);
  // 已知年份之外的 N=0 也不算不完整：没有用到任何日历数据。
  absl::StatusOr<DueResult> far = cal.AddWorkingDays(Cst(2030, 5, 1, 8), 0);
  ASSERT_TRUE(far.ok());
  EXPECT_FALSE(far->calendar_incomplete);
}

TEST(CalendarNamedTest, PastLastKnownYearIsIncompleteWithWeekdayRule) {
  const Calendar& cal = *Builtin();
  // 2026-12-30（周三）起算 N=1 → 12-31，仍在 2026 年内：完整。
  absl::StatusOr<DueResult> in = cal.AddWorkingDays(Cst(2026, 12, 30, 10), 1);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->due, Cst(2027, 1, 1));
  EXPECT_FALSE(in->calendar_incomplete);
  // N=3 → 12-31、2027-01-01（周五，按周规则计为工作日）、01-04（周一）。
  absl::StatusOr<ExplainedDue> r =
      cal.ExplainAddWorkingDays(Cst(2026, 12, 30, 10), 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->due, Cst(2027, 1, 5));
  EXPECT_TRUE(r->calendar_incomplete);
  EXPECT_THAT(r->counted,
              ElementsAre(D(2026, 12, 31), D(2027, 1, 1), D(2027, 1, 4)));
  EXPECT_THAT(r->skipped,
              ElementsAre(DayNote{D(2027, 1, 2), DayNote::kWeekend, true},
                          DayNote{D(2027, 1, 3), DayNote::kWeekend, true}));
  EXPECT_THAT(r->explanation,
              AllOf(HasSubstr("CALENDAR INCOMPLETE"), HasSubstr("2027"),
                    HasSubstr("(weekend, weekday rule)")));
  // 2021 年之前同理：2020-12-31 按周规则计入。
  absl::StatusOr<DueResult> before = cal.AddWorkingDays(Cst(2020, 12, 30), 3);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->due, Cst(2021, 1, 6));  // 12-31、01-04、01-05
  EXPECT_TRUE(before->calendar_incomplete);
  // 远期：N=3650 从 2024 起算，纯周规则部分用闭式公式。
  absl::StatusOr<DueResult> far = cal.AddWorkingDays(Cst(2024, 3, 1, 9), 3650);
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(far->due, Ref().Add(Cst(2024, 3, 1, 9), 3650).due);
  EXPECT_TRUE(far->calendar_incomplete);
  absl::StatusOr<CountResult> c =
      cal.CountWorkingDays(D(2026, 12, 31), D(2027, 1, 31));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->working_days, 21);
  EXPECT_TRUE(c->calendar_incomplete);
}

TEST(CalendarNamedTest, TimelyExtensionAtTheTwoDayBoundary) {
  // 期限 2024-02-20T00:00（最后一天 02-19）。(申请当天, 02-19] 内工作日 ≥ 2
  // 才算及时：02-18（周日上班）与 02-19。
  const Calendar& cal = *Builtin();
  const absl::Time due = Cst(2024, 2, 20);
  struct Case {
    absl::Time at;
    int64_t left;
    bool timely;
  };
  const Case cases[] = {
      {Cst(2024, 2, 8, 16), 3, true},           // 派单当天
      {Cst(2024, 2, 9, 10), 2, true},           // 恰好 2 个：及时
      {Cst(2024, 2, 17, 23, 59, 59), 2, true},  // 假期最后一秒：仍及时
      {Cst(2024, 2, 18, 0, 0, 0), 1, false},    // 跨过午夜：只剩 1 个
      {Cst(2024, 2, 19, 9), 0, false},          // 最后一天
      {Cst(2024, 2, 20, 9), 0, false},          // 已超期
  };
  for (const Case& c : cases) {
    absl::StatusOr<TimelyResult> r = cal.IsTimelyExtensionRequest(c.at, due);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->working_days_left, c.left) << absl::FormatTime(c.at);
    EXPECT_EQ(r->timely, c.timely) << absl::FormatTime(c.at);
    EXPECT_EQ(r->last_day, D(2024, 2, 19));
  }
  // 门槛可配置：要求 3 个时，02-09 不再及时。
  absl::StatusOr<TimelyResult> three =
      cal.IsTimelyExtensionRequest(Cst(2024, 2, 9, 10), due, 3);
  ASSERT_TRUE(three.ok());
  EXPECT_FALSE(three->timely);
  // 非午夜的期限：最后一天就是期限当天。
  absl::StatusOr<TimelyResult> odd =
      cal.IsTimelyExtensionRequest(Cst(2024, 2, 9, 10), Cst(2024, 2, 19, 15));
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->last_day, D(2024, 2, 19));
  absl::StatusOr<ExplainedTimely> e =
      cal.ExplainTimelyExtensionRequest(Cst(2024, 2, 9, 10), due);
  ASSERT_TRUE(e.ok());
  EXPECT_THAT(e->counted, ElementsAre(D(2024, 2, 18), D(2024, 2, 19)));
  EXPECT_THAT(
      e->explanation,
      AllOf(HasSubstr("working days left in (2024-02-09, 2024-02-19]: 2"),
            HasSubstr("timely")));
  std::printf("explanation: %s\n", e->explanation.c_str());
}

TEST(CalendarNamedTest, CountIsAntisymmetricAndExplained) {
  const Calendar& cal = *Builtin();
  absl::StatusOr<ExplainedCount> fwd =
      cal.ExplainCountWorkingDays(D(2024, 2, 8), D(2024, 2, 20));
  absl::StatusOr<ExplainedCount> back =
      cal.ExplainCountWorkingDays(D(2024, 2, 20), D(2024, 2, 8));
  ASSERT_TRUE(fwd.ok() && back.ok());
  EXPECT_EQ(fwd->working_days, 4);
  EXPECT_EQ(back->working_days, -4);
  EXPECT_EQ(fwd->counted, back->counted);
  EXPECT_THAT(fwd->explanation,
              HasSubstr("working days in (2024-02-08, 2024-02-20]: 4"));
  EXPECT_THAT(back->explanation, HasSubstr("minus the 4 working days"));
  absl::StatusOr<CountResult> same =
      cal.CountWorkingDays(D(2024, 2, 8), D(2024, 2, 8));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->working_days, 0);
}

// ---------------------------------------------------------------------------
// 时区无关：进程 TZ 设为 UTC / America/New_York，结果逐字节相同。

std::string Fingerprint() {
  const Calendar& cal = *Builtin();
  std::string out;
  const absl::Time starts[] = {
      Cst(2024, 2, 8, 16),       Cst(2023, 1, 20, 23, 59, 59),
      Cst(2025, 9, 26, 0, 0, 1), Cst(2022, 12, 30, 12),
      Cst(2026, 12, 30, 10),     Cst(2024, 9, 27, 23, 59, 59)};
  for (absl::Time s : starts) {
    for (int n : {0, 1, 2, 3, 6, 10, 40}) {
      absl::StatusOr<ExplainedDue> r = cal.ExplainAddWorkingDays(s, n);
      absl::StrAppend(&out, absl::ToUnixSeconds(r->due), "|", r->explanation,
                      "\n");
    }
    absl::StatusOr<ExplainedTimely> t =
        cal.ExplainTimelyExtensionRequest(s, Cst(2024, 2, 20));
    absl::StrAppend(&out, t->explanation, "\n", FormatDate(LocalDay(s)), "\n");
  }
  absl::StatusOr<ExplainedCount> c =
      cal.ExplainCountWorkingDays(D(2024, 9, 30), D(2024, 10, 12));
  absl::StrAppend(&out, c->explanation, "\n");
  return out;
}

TEST(CalendarTimeZoneTest, ProcessTimeZoneDoesNotMatter) {
  const char* old = std::getenv("TZ");
  const std::string saved = old ? old : "";
  const std::string baseline = Fingerprint();
  for (const char* tz : {"UTC", "America/New_York", "Asia/Tokyo"}) {
    setenv("TZ", tz, 1);
    tzset();
    EXPECT_EQ(Fingerprint(), baseline) << "TZ=" << tz;
    EXPECT_EQ(LocalDay(Cst(2024, 2, 8, 23, 59, 59)), D(2024, 2, 8)) << tz;
    EXPECT_EQ(LocalDay(Cst(2024, 2, 9)), D(2024, 2, 9)) << tz;
  }
  if (old) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  EXPECT_THAT(baseline, HasSubstr("due 2024-02-20T00:00:00+08:00"));
}

// ---------------------------------------------------------------------------
// 数据校验错误：每条错误都点名出错的日期/字段。

absl::Status ParseError(const std::string& json) {
  return CalendarData::FromJson(json, "test").status();
}

TEST(CalendarValidationTest, BadDataIsRejectedNamingTheDate) {
  struct Case {
    std::string json;
    std::vector<std::string> must_name;
  };
  const Case cases[] = {
      // 不存在的日期
      {R"({"2024": {"holidays": ["2024-02-30"], "workdays": []}})",
       {"2024.holidays[0]", "2024-02-30", "malformed"}},
      // 格式不对
      {R"({"2024": {"holidays": ["2024-01-01", "2024-2-01"], "workdays": []}})",
       {"2024.holidays[1]", "2024-2-01"}},
      // 日期不在所属年份
      {R"({"2024": {"holidays": ["2023-12-31"], "workdays": []}})",
       {"2023-12-31", "outside year 2024"}},
      // 既是假日又是调休上班日
      {R"({"2024": {"holidays": ["2024-02-18"], "workdays": ["2024-02-18"]}})",
       {"2024-02-18", "both a holiday and a workday"}},
      // 调休上班日落在周一
      {R"({"2024": {"holidays": [], "workdays": ["2024-02-19"]}})",
       {"2024.workdays", "2024-02-19", "Monday"}},
      // 重复日期
      {R"({"2024": {"holidays": ["2024-01-01", "2024-01-01"], "workdays": []}})",
       {"2024.holidays", "duplicate date 2024-01-01"}},
      {R"({"2024": {"holidays": [], "workdays": ["2024-02-04", "2024-02-04"]}})",
       {"2024.workdays", "duplicate date 2024-02-04"}},
      // 未知字段、缺字段、重复字段
      {R"({"2024": {"holidays": [], "workdays": [], "weekends": []}})",
       {"2024", "unknown field \"weekends\""}},
      {R"({"2024": {"holidays": []}})", {"2024", "missing field \"workdays\""}},
      {R"({"2024": {"holidays": [], "holidays": [], "workdays": []}})",
       {"duplicate field \"holidays\""}},
      // 年份键
      {R"({"24": {"holidays": [], "workdays": []}})", {"\"24\"", "4-digit"}},
      {R"({"1800": {"holidays": [], "workdays": []}})", {"1800", "outside"}},
      {R"({"2024": {"holidays": [], "workdays": []},
           "2024": {"holidays": [], "workdays": []}})",
       {"duplicate year 2024", "2:"}},
      // JSON 语法
      {R"({"2024": {"holidays": ["2024-01-01" "2024-01-02"], "workdays": []}})",
       {"1:", "expected ','"}},
      {R"({"2024": {"holidays": ["2024\u002d01-01"], "workdays": []}})",
       {"escapes"}},
      {R"({"2024": {"holidays": [], "workdays": []}} x)", {"trailing"}},
      {R"({"2024": {"holidays": [], "workdays": [)", {"expected a string"}},
      {"", {"expected '{'"}},
  };
  for (const Case& c : cases) {
    const absl::Status s = ParseError(c.json);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.json;
    for (const std::string& part : c.must_name) {
      EXPECT_THAT(std::string(s.message()), HasSubstr(part)) << c.json;
    }
  }
}

TEST(CalendarValidationTest, MakeYearDataAndOperationArguments) {
  absl::StatusOr<YearData> y = MakeYearData(2027, {"2027-01-01"}, {"2027-1-9"});
  EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(y.status().message()),
              AllOf(HasSubstr("2027.workdays[0]"), HasSubstr("2027-1-9")));

  EXPECT_EQ(Calendar::Create(CalendarData()).status().code(),
            absl::StatusCode::kFailedPrecondition);

  const Calendar& cal = *Builtin();
  const absl::Time t = Cst(2024, 2, 8, 16);
  EXPECT_EQ(cal.AddWorkingDays(t, -1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(cal.AddWorkingDays(t, 3651).status().message()),
              HasSubstr("3651"));
  EXPECT_TRUE(cal.AddWorkingDays(t, 3650).ok());
  EXPECT_EQ(cal.AddWorkingDays(absl::InfiniteFuture(), 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cal.CountWorkingDays(D(10000, 1, 1), D(2024, 1, 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(cal.IsTimelyExtensionRequest(t, t, -1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseDate("2024-02-29").value(), D(2024, 2, 29));
  EXPECT_FALSE(ParseDate("2023-02-29").ok());
  EXPECT_FALSE(ParseDate("2024-02-29 ").ok());
}

// ---------------------------------------------------------------------------
// 运行时扩展

// 注意：以下 2027/2028 年数据是测试用的虚构数据，不是国务院公布的安排。
YearData Fake2027() {
  absl::StatusOr<YearData> y =
      MakeYearData(2027, {"2027-01-01", "2027-02-05", "2027-02-08"},
                   {"2027-02-06"});  // 02-06 周六调休上班
  EXPECT_TRUE(y.ok()) << y.status();
  return *y;
}

TEST(CalendarExtensionTest, WithYearMakesANewVersionAndKeepsTheOld) {
  std::shared_ptr<const Calendar> base = Builtin();
  const std::string old_version = base->version();
  absl::StatusOr<Calendar> next = base->WithYear(Fake2027());
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_THAT(next->version(), StartsWith("cn-2021-2027@"));
  EXPECT_NE(next->version(), old_version);
  EXPECT_EQ(base->version(), old_version);
  // 旧版本：2027-01-01 按周规则是工作日且不完整；新版本：假日且完整。
  EXPECT_TRUE(base->IsWorkingDay(D(2027, 1, 1)));
  EXPECT_FALSE(next->IsWorkingDay(D(2027, 1, 1)));
  absl::StatusOr<DueResult> r = next->AddWorkingDays(Cst(2026, 12, 30, 10), 3);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->calendar_incomplete);
  EXPECT_EQ(r->due, Cst(2027, 1, 6));  // 12-31、01-04、01-05
  // 同一年再次载入即替换。
  absl::StatusOr<YearData> replaced = MakeYearData(2027, {"2027-01-01"}, {});
  ASSERT_TRUE(replaced.ok());
  absl::StatusOr<Calendar> again = next->WithYear(*replaced);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->IsWorkingDay(D(2027, 2, 5)));
  EXPECT_NE(again->version(), next->version());
}

TEST(CalendarExtensionTest, GapYearsUseWeekdayRuleAndAreIncomplete) {
  absl::StatusOr<YearData> y2028 = MakeYearData(2028, {"2028-01-03"}, {});
  ASSERT_TRUE(y2028.ok());
  absl::StatusOr<Calendar> cal = Builtin()->WithYear(*y2028);
  ASSERT_TRUE(cal.ok()) << cal.status();
  EXPECT_THAT(cal->version(), StartsWith("cn-2021-2026,2028@"));
  EXPECT_FALSE(cal->IsKnownYear(2027));
  EXPECT_TRUE(cal->IsKnownYear(2028));
  // 2027 是空缺年：周规则，且结果标记为不完整。
  absl::StatusOr<DueResult> gap = cal->AddWorkingDays(Cst(2027, 6, 1, 9), 5);
  ASSERT_TRUE(gap.ok());
  EXPECT_TRUE(gap->calendar_incomplete);
  EXPECT_EQ(gap->due, Cst(2027, 6, 9));
  // 完全落在 2028 年内：完整，且 2028-01-03 假日被跳过。
  absl::StatusOr<DueResult> in = cal->AddWorkingDays(Cst(2028, 1, 1, 9), 1);
  ASSERT_TRUE(in.ok());
  EXPECT_FALSE(in->calendar_incomplete);
  EXPECT_EQ(in->due, Cst(2028, 1, 5));
}

TEST(CalendarExtensionTest, HolderSwapsVersionsAndKeepsOldOnError) {
  CalendarHolder holder(Builtin());
  std::shared_ptr<const Calendar> before = holder.Get();
  absl::StatusOr<YearData> bad = MakeYearData(2027, {}, {});
  ASSERT_TRUE(bad.ok());
  bad->workdays.push_back(D(2027, 1, 4));  // 周一：非法调休
  absl::StatusOr<std::shared_ptr<const Calendar>> failed =
      holder.LoadYear(*bad);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(holder.Get(), before);

  absl::StatusOr<std::shared_ptr<const Calendar>> loaded =
      holder.LoadYear(Fake2027());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(holder.Get(), *loaded);
  EXPECT_NE((*loaded)->version(), before->version());
  EXPECT_EQ(before->version(), Builtin()->version());  // 旧快照依然有效

  holder.Replace(before);
  EXPECT_EQ(holder.Get()->version(), before->version());
}

TEST(CalendarExtensionTest, ConcurrentReadersDuringSwaps) {
  CalendarHolder holder(Builtin());
  std::vector<std::thread> readers;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> ops{0};
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      do {
        std::shared_ptr<const Calendar> cal = holder.Get();
        absl::StatusOr<DueResult> r =
            cal->AddWorkingDays(Cst(2024, 2, 8, 16), 3);
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(r->due, Cst(2024, 2, 20));
        ops.fetch_add(1);
      } while (!stop.load());
    });
  }
  // 等所有读线程都至少读过一次，再开始换版本。
  while (ops.load() < 4) std::this_thread::yield();
  for (int i = 0; i < 50; ++i) {
    absl::StatusOr<YearData> y =
        MakeYearData(2027, {absl::StrCat("2027-03-", 10 + i % 10)}, {});
    ASSERT_TRUE(y.ok());
    ASSERT_TRUE(holder.LoadYear(*y).ok());
  }
  stop.store(true);
  for (std::thread& t : readers) t.join();
  EXPECT_GE(ops.load(), 4);
  EXPECT_THAT(holder.Get()->version(), StartsWith("cn-2021-2027@"));
}

// A request's date field: strict form, 2000–2099, the field named.
TEST(CalendarParseTest, DateFieldNamesTheFieldAndKeepsToTheContractsYears) {
  absl::StatusOr<absl::CivilDay> d =
      ParseDateField("period.from_date", "2026-10-01");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, absl::CivilDay(2026, 10, 1));
  const struct {
    const char* text;
    const char* message;
  } kBad[] = {
      {"", "period.from_date: required"},
      {"2026-1-01", "period.from_date: not a date YYYY-MM-DD"},
      {"2026-02-30", "period.from_date: not a date YYYY-MM-DD"},
      {"国庆节", "period.from_date: not a date YYYY-MM-DD"},
      {"1999-12-31", "period.from_date: year outside 2000–2099"},
      {"2100-01-01", "period.from_date: year outside 2000–2099"},
  };
  for (const auto& b : kBad) {
    d = ParseDateField("period.from_date", b.text);
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << b.text;
    EXPECT_EQ(d.status().message(), b.message) << b.text;
  }
}

}  // namespace
}  // namespace hotline::calendar
