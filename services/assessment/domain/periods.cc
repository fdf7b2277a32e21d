#include "services/assessment/domain/periods.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"
#include "common/status/status.h"

namespace hotline::assessment {

absl::StatusOr<DateRange> ParsePeriod(absl::string_view field,
                                      const v1::Period& p) {
  ASSIGN_OR_RETURN(absl::CivilDay from,
                   calendar::ParseDateField(absl::StrCat(field, ".from_date"),
                                            p.from_date()));
  ASSIGN_OR_RETURN(
      absl::CivilDay to,
      calendar::ParseDateField(absl::StrCat(field, ".to_date"), p.to_date()));
  if (to < from) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".to_date: before from_date"));
  }
  if (to - from > 3660) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": spans more than 10 years"));
  }
  if (!v1::Granularity_IsValid(p.granularity())) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".granularity: unknown value"));
  }
  return DateRange{from, to};
}

DateRange PreviousRange(const DateRange& r) {
  return DateRange{r.from - r.days(), r.from - 1};
}

std::vector<DateRange> Buckets(const DateRange& r, v1::Granularity g) {
  std::vector<DateRange> out;
  if (g == v1::GRANULARITY_UNSPECIFIED) {
    out.push_back(r);
    return out;
  }
  absl::CivilDay start = r.from;
  while (start <= r.to) {
    absl::CivilDay next;  // first day of the following bucket
    switch (g) {
      case v1::GRANULARITY_DAY:
        next = start + 1;
        break;
      case v1::GRANULARITY_WEEK: {
        const int wd = static_cast<int>(absl::GetWeekday(start));  // Mon = 0
        next = start + (7 - wd);
        break;
      }
      case v1::GRANULARITY_MONTH:
        next = absl::CivilDay(absl::CivilMonth(start) + 1);
        break;
      case v1::GRANULARITY_QUARTER: {
        const int q0 = static_cast<int>((start.month() - 1) / 3) * 3 + 1;
        next = absl::CivilDay(
            absl::CivilMonth(absl::CivilYear(start).year(), q0) + 3);
        break;
      }
      default:
        next = absl::CivilDay(absl::CivilYear(start) + 1);
        break;
    }
    out.push_back(DateRange{start, std::min(next - 1, r.to)});
    start = next;
  }
  return out;
}

namespace {

absl::CivilDay BucketStart(absl::CivilDay d, v1::Granularity g) {
  switch (g) {
    case v1::GRANULARITY_DAY:
      return d;
    case v1::GRANULARITY_WEEK:
      return d - static_cast<int>(absl::GetWeekday(d));  // Mon = 0
    case v1::GRANULARITY_QUARTER:
      return absl::CivilDay(absl::CivilMonth(
          d.year(), static_cast<int>((d.month() - 1) / 3) * 3 + 1));
    case v1::GRANULARITY_YEAR:
      return absl::CivilDay(absl::CivilYear(d));
    default:
      return absl::CivilDay(absl::CivilMonth(d));
  }
}

}  // namespace

DateRange TrendRange(const DateRange& r, v1::Granularity g, int n) {
  if (g == v1::GRANULARITY_UNSPECIFIED) g = v1::GRANULARITY_MONTH;
  absl::CivilDay start = BucketStart(r.to, g);
  for (int i = 1; i < n; ++i) start = BucketStart(start - 1, g);
  return DateRange{start, r.to};
}

MonthSplit SplitMonths(const DateRange& r) {
  MonthSplit out;
  const absl::CivilMonth first_full =
      absl::CivilDay(absl::CivilMonth(r.from)) == r.from
          ? absl::CivilMonth(r.from)
          : absl::CivilMonth(r.from) + 1;
  // The last whole month ends on r.to, or before r.to's month.
  const absl::CivilMonth last_full =
      absl::CivilDay(absl::CivilMonth(r.to) + 1) - 1 == r.to
          ? absl::CivilMonth(r.to)
          : absl::CivilMonth(r.to) - 1;
  if (first_full > last_full) {
    out.days.push_back(r);
    return out;
  }
  out.months = DateRange{absl::CivilDay(first_full), absl::CivilDay(last_full)};
  if (absl::CivilDay(first_full) > r.from) {
    out.days.push_back(DateRange{r.from, absl::CivilDay(first_full) - 1});
  }
  const absl::CivilDay after_last = absl::CivilDay(last_full + 1);
  if (after_last <= r.to) out.days.push_back(DateRange{after_last, r.to});
  return out;
}

DateRange WidenToMonths(const DateRange& r) {
  return DateRange{absl::CivilDay(absl::CivilMonth(r.from)),
                   absl::CivilDay(absl::CivilMonth(r.to) + 1) - 1};
}

}  // namespace hotline::assessment
