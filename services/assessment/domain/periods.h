#pragma once

// Periods of local dates: validation, the previous period, buckets and the
// split into whole months the rollups are read by.

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "hotline/v1/common.pb.h"

namespace hotline::assessment {

struct DateRange {
  absl::CivilDay from;
  absl::CivilDay to;  // inclusive
  int64_t days() const { return to - from + 1; }
};
// Validates a Period (field names prefixed by `field`).
absl::StatusOr<DateRange> ParsePeriod(absl::string_view field,
                                      const v1::Period& p);
// The range of equal length just before.
DateRange PreviousRange(const DateRange& r);
// Buckets of `g` covering r (clipped to r); one bucket for UNSPECIFIED.
std::vector<DateRange> Buckets(const DateRange& r, v1::Granularity g);

// The trend of a report: the `n` buckets of `g` (UNSPECIFIED: MONTH) that
// end with the bucket holding r.to (clipped at r.to), e.g. the 12 months
// ending with the report's month.
DateRange TrendRange(const DateRange& r, v1::Granularity g, int n);

// A range cut into whole calendar months (read from the monthly rollups) and
// the leftover days at either end (read from the daily ones).
struct MonthSplit {
  std::optional<DateRange> months;  // from = 1st of the first whole month,
                                    // to = 1st of the last whole month
  std::vector<DateRange> days;      // 0–2 partial ranges
};
MonthSplit SplitMonths(const DateRange& r);
// The range widened to whole months.
DateRange WidenToMonths(const DateRange& r);

}  // namespace hotline::assessment
