// CalendarData::FromJson (common/calendar) over arbitrary text. Properties
// of an accepted document: its canonical JSON reads back to the same facts
// and version; a Calendar builds from it; AddWorkingDays(start, n) ends on a
// day n working days after start's day (CountWorkingDays), and the
// explanation counts exactly n days.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/calendar/calendar.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using hotline::calendar::Calendar;
using hotline::calendar::CalendarData;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // the shipped file is ~10 KiB
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<CalendarData> parsed = CalendarData::FromJson(text, "fuzz");
  if (!parsed.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(parsed.status())) << parsed.status();
    return 0;
  }
  const std::string canonical = parsed->CanonicalJson();
  absl::StatusOr<CalendarData> again = CalendarData::FromJson(canonical, "");
  FUZZ_CHECK(again.ok()) << again.status() << "\n" << canonical;
  FUZZ_CHECK(again->CanonicalJson() == canonical);
  FUZZ_CHECK(again->Version() == parsed->Version());
  if (parsed->empty()) return 0;

  absl::StatusOr<Calendar> cal = Calendar::Create(*parsed);
  FUZZ_CHECK(cal.ok()) << cal.status();
  FUZZ_CHECK(cal->version() == parsed->Version());
  // A few spans from the first and the last known year, with n drawn from
  // the input.
  const int years[] = {cal->first_year(), cal->last_year()};
  int k = 0;
  for (int year : years) {
    for (int n : {0, 1, static_cast<int>(size % 60), 250}) {
      const absl::CivilDay day(year, 1 + (size + k) % 12, 1 + (size * 7) % 28);
      ++k;
      const absl::Time start = hotline::calendar::StartOfLocalDay(day) +
                               absl::Hours(static_cast<int64_t>(size % 24));
      auto due = cal->AddWorkingDays(start, n);
      FUZZ_CHECK(due.ok()) << due.status();
      FUZZ_CHECK(due->due ==
                 hotline::calendar::StartOfLocalDay(due->last_day + 1));
      if (n == 0) {
        FUZZ_CHECK(due->last_day == day);
        continue;
      }
      FUZZ_CHECK(cal->IsWorkingDay(due->last_day));
      auto count = cal->CountWorkingDays(day, due->last_day);
      FUZZ_CHECK(count.ok() && count->working_days == n)
          << count.status() << " " << (count.ok() ? count->working_days : -1)
          << " != " << n;
      auto explained = cal->ExplainAddWorkingDays(start, n);
      FUZZ_CHECK(explained.ok()) << explained.status();
      FUZZ_CHECK(static_cast<int>(explained->counted.size()) == n);
    }
  }
  return 0;
}
