// About 900 lines: the year data (JSON parsing and its validation), the
// working-day arithmetic over one day-number index and the explanations of a
// due share that index (calendar.h); split, each part would re-open it.

#include "common/calendar/calendar.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace hotline::calendar {

namespace internal {
// Defined in the build-generated builtin_calendar_data.cc.
extern const char kBuiltinCalendarJson[];
extern const char kBuiltinCalendarSource[];
}  // namespace internal

namespace {

constexpr int64_t kOffsetSeconds = 8 * 3600;
constexpr int64_t kSecondsPerDay = 86400;
// Supported local dates for operations: years 1..9999.
constexpr int kMinOpYear = 1;
constexpr int kMaxOpYear = 9999;
// Explained variants: at most 40 years of listed days.
constexpr int64_t kMaxExplainSpanDays = 40 * 366;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's
// closed-form algorithms). Equivalent to absl civil-day arithmetic relative to
// 1970-01-01 but without absl's normalization loops, which matter on the hot
// path.
constexpr int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

absl::CivilDay CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return absl::CivilDay(yoe + era * 400 + (m <= 2 ? 1 : 0), static_cast<int>(m),
                        static_cast<int>(d));
}

int64_t DayNumber(absl::CivilDay day) {
  return DaysFromCivil(day.year(), day.month(), day.day());
}
absl::CivilDay DayFromNumber(int64_t dn) { return CivilFromDays(dn); }

// Day-number bounds of years [kMinOpYear, kMaxOpYear].
constexpr int64_t kMinOpDn = DaysFromCivil(kMinOpYear, 1, 1);
constexpr int64_t kMaxOpDn = DaysFromCivil(kMaxOpYear, 12, 31);

// Local (UTC+8) day number of a finite instant; closed form, equal to
// DayNumber(absl::ToCivilDay(t, ChinaStandardTime())).
int64_t LocalDn(absl::Time t) {
  return FloorDiv(absl::ToUnixSeconds(t) + kOffsetSeconds, kSecondsPerDay);
}

absl::Time StartOfLocalDn(int64_t dn) {
  return absl::FromUnixSeconds(dn * kSecondsPerDay - kOffsetSeconds);
}

// 0 = Monday ... 6 = Sunday. 1970-01-01 was a Thursday.
int WeekdayIndex(int64_t dn) {
  return static_cast<int>(dn + 3 - 7 * FloorDiv(dn + 3, 7));
}
bool IsWeekendDn(int64_t dn) { return WeekdayIndex(dn) >= 5; }

// Monday 1970-01-05.
constexpr int64_t kEpochMonday = 4;

// Number of Mon–Fri days in [kEpochMonday, x) (negative for x before it).
int64_t Wk(int64_t x) {
  const int64_t t = x - kEpochMonday;
  const int64_t q = FloorDiv(t, 7);
  const int64_t r = t - 7 * q;
  return 5 * q + std::min<int64_t>(r, 5);
}

// The Mon–Fri day d with Wk(d + 1) == m and Wk(d) == m - 1, i.e. the smallest
// d with Wk(d + 1) >= m.
int64_t WeekdayNth(int64_t m) {
  const int64_t j = m - 1;
  const int64_t q = FloorDiv(j, 5);
  return kEpochMonday + 7 * q + (j - 5 * q);
}

const char* WeekdayName(int64_t dn) {
  static const char* const kNames[] = {"Monday",   "Tuesday", "Wednesday",
                                       "Thursday", "Friday",  "Saturday",
                                       "Sunday"};
  return kNames[WeekdayIndex(dn)];
}

bool OpYearOk(int64_t year) { return year >= kMinOpYear && year <= kMaxOpYear; }

absl::Status CheckInstant(absl::Time t, absl::string_view what) {
  if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is infinite"));
  }
  const int64_t dn = LocalDn(t);
  if (dn < kMinOpDn || dn > kMaxOpDn) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s %s is outside years [%d, %d]", what,
                        absl::FormatTime(t), kMinOpYear, kMaxOpYear));
  }
  return absl::OkStatus();
}

absl::Status CheckDay(absl::CivilDay day, absl::string_view what) {
  if (!OpYearOk(day.year())) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s %s is outside years [%d, %d]", what,
                        FormatDate(day), kMinOpYear, kMaxOpYear));
  }
  return absl::OkStatus();
}

std::string FormatInstant(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %Ez", t, ChinaStandardTime());
}
std::string FormatDue(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, ChinaStandardTime());
}

uint64_t Fnv1a64(absl::string_view s) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// ---------------------------------------------------------------------------
// Strict parser for the cn_holidays.json shape.

class JsonReader {
 public:
  explicit JsonReader(absl::string_view text) : text_(text) {}

  absl::Status Error(absl::string_view message) const {
    int line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return absl::InvalidArgumentError(
        absl::StrFormat("calendar JSON %d:%d: %s", line, col, message));
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
            text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  // Skips space, then consumes `c` if it is next.
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  absl::Status Expect(char c) {
    if (Consume(c)) return absl::OkStatus();
    return Error(absl::StrCat("expected '", std::string(1, c), "'"));
  }

  absl::StatusOr<std::string> String() {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != '"') {
      return Error("expected a string");
    }
    const size_t start = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '\\') return Error("string escapes are not supported");
      if (c < 0x20) return Error("control character in string");
      ++pos_;
    }
    if (pos_ >= text_.size()) return Error("unterminated string");
    std::string out(text_.substr(start, pos_ - start));
    ++pos_;
    return out;
  }

  absl::StatusOr<std::vector<std::string>> StringArray() {
    absl::Status s = Expect('[');
    if (!s.ok()) return s;
    std::vector<std::string> out;
    if (Consume(']')) return out;
    while (true) {
      absl::StatusOr<std::string> item = String();
      if (!item.ok()) return item.status();
      out.push_back(*std::move(item));
      if (Consume(']')) return out;
      s = Expect(',');
      if (!s.ok()) return s;
    }
  }

  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }

 private:
  absl::string_view text_;
  size_t pos_ = 0;
};

absl::StatusOr<YearData> ParseYearObject(JsonReader& r, int year) {
  absl::Status s = r.Expect('{');
  if (!s.ok()) return s;
  std::vector<std::string> holidays, workdays;
  bool have_holidays = false, have_workdays = false;
  if (!r.Consume('}')) {
    while (true) {
      absl::StatusOr<std::string> key = r.String();
      if (!key.ok()) return key.status();
      bool* seen;
      std::vector<std::string>* target;
      if (*key == "holidays") {
        seen = &have_holidays;
        target = &holidays;
      } else if (*key == "workdays") {
        seen = &have_workdays;
        target = &workdays;
      } else {
        return r.Error(absl::StrFormat(
            "%d: unknown field \"%s\" (expected \"holidays\" or \"workdays\")",
            year, *key));
      }
      if (*seen) {
        return r.Error(
            absl::StrFormat("%d: duplicate field \"%s\"", year, *key));
      }
      *seen = true;
      s = r.Expect(':');
      if (!s.ok()) return s;
      absl::StatusOr<std::vector<std::string>> arr = r.StringArray();
      if (!arr.ok()) return arr.status();
      *target = *std::move(arr);
      if (r.Consume('}')) break;
      s = r.Expect(',');
      if (!s.ok()) return s;
    }
  }
  if (!have_holidays) {
    return r.Error(absl::StrFormat("%d: missing field \"holidays\"", year));
  }
  if (!have_workdays) {
    return r.Error(absl::StrFormat("%d: missing field \"workdays\"", year));
  }
  return MakeYearData(year, holidays, workdays);
}

void AppendDateArray(const std::vector<absl::CivilDay>& days,
                     std::string* out) {
  out->push_back('[');
  for (size_t i = 0; i < days.size(); ++i) {
    if (i > 0) out->append(", ");
    absl::StrAppend(out, "\"", FormatDate(days[i]), "\"");
  }
  out->push_back(']');
}

// ---------------------------------------------------------------------------
// Explanation helpers.

std::string CountedList(const std::vector<absl::CivilDay>& counted,
                        const Calendar& cal) {
  std::vector<std::string> parts;
  parts.reserve(counted.size());
  for (const absl::CivilDay& d : counted) {
    if (cal.Classify(d) == DayKind::kAdjustedWorkday) {
      parts.push_back(absl::StrCat(FormatDate(d), " (adjusted working ",
                                   WeekdayName(DayNumber(d)), ")"));
    } else {
      parts.push_back(FormatDate(d));
    }
  }
  return absl::StrJoin(parts, ", ");
}

// "skipped 8 days: 2024-02-10..2024-02-17 (holiday), ..." or "skipped none".
std::string SkippedList(const std::vector<DayNote>& skipped) {
  if (skipped.empty()) return "skipped no days";
  std::vector<std::string> runs;
  size_t i = 0;
  while (i < skipped.size()) {
    size_t j = i;
    while (j + 1 < skipped.size() && skipped[j + 1].day == skipped[j].day + 1 &&
           skipped[j + 1].reason == skipped[i].reason &&
           skipped[j + 1].weekday_rule == skipped[i].weekday_rule) {
      ++j;
    }
    std::string run = FormatDate(skipped[i].day);
    if (j > i) absl::StrAppend(&run, "..", FormatDate(skipped[j].day));
    absl::StrAppend(
        &run, " (",
        skipped[i].reason == DayNote::kHoliday ? "holiday" : "weekend",
        skipped[i].weekday_rule ? ", weekday rule" : "", ")");
    runs.push_back(std::move(run));
    i = j + 1;
  }
  return absl::StrCat(
      "skipped ", skipped.size(),
      skipped.size() == 1 ? " day: " : " days: ", absl::StrJoin(runs, ", "));
}

// Names the years of (from, to] that the calendar does not know.
std::string IncompleteNote(const Calendar& cal, int64_t from_dn,
                           int64_t to_dn) {
  std::vector<std::string> years;
  const int64_t y0 = DayFromNumber(from_dn + 1).year();
  const int64_t y1 = DayFromNumber(to_dn).year();
  for (int64_t y = y0; y <= y1; ++y) {
    if (!cal.IsKnownYear(y)) years.push_back(absl::StrCat(y));
  }
  return absl::StrCat(
      " CALENDAR INCOMPLETE: year(s) ", absl::StrJoin(years, ", "),
      " not in calendar ", cal.version(),
      "; those days were decided by the weekday rule (Mon-Fri working).");
}

}  // namespace

// ---------------------------------------------------------------------------
// Free functions.

absl::TimeZone ChinaStandardTime() {
  return absl::FixedTimeZone(static_cast<int>(kOffsetSeconds));
}

absl::CivilDay LocalDay(absl::Time t) { return DayFromNumber(LocalDn(t)); }

absl::Time StartOfLocalDay(absl::CivilDay day) {
  return StartOfLocalDn(DayNumber(day));
}

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrFormat(
        "malformed date \"%s\" (expected YYYY-MM-DD)", absl::CHexEscape(text)));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  int v[3] = {0, 0, 0};
  const int starts[3] = {0, 5, 8}, lens[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (int k = 0; k < lens[f]; ++k) {
      const char c = text[starts[f] + k];
      if (c < '0' || c > '9') return bad();
      v[f] = v[f] * 10 + (c - '0');
    }
  }
  const absl::CivilDay day(v[0], v[1], v[2]);
  if (day.year() != v[0] || day.month() != v[1] || day.day() != v[2]) {
    return bad();
  }
  return day;
}

absl::StatusOr<absl::CivilDay> ParseDateField(absl::string_view field,
                                              absl::string_view text) {
  if (text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  absl::StatusOr<absl::CivilDay> d = ParseDate(text);
  if (!d.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not a date YYYY-MM-DD"));
  }
  if (d->year() < 2000 || d->year() > 2099) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": year outside 2000–2099"));
  }
  return *d;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::FormatCivilTime(day);
}

absl::Status ValidateYear(const YearData& y) {
  if (y.year < CalendarData::kMinYear || y.year > CalendarData::kMaxYear) {
    return absl::InvalidArgumentError(
        absl::StrFormat("year %d is outside [%d, %d]", y.year,
                        CalendarData::kMinYear, CalendarData::kMaxYear));
  }
  auto check_list = [&](const std::vector<absl::CivilDay>& days,
                        absl::string_view field) -> absl::Status {
    std::set<absl::CivilDay> seen;
    for (const absl::CivilDay& d : days) {
      if (d.year() != y.year) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%d.%s: %s is outside year %d", y.year, field,
                            FormatDate(d), y.year));
      }
      if (!seen.insert(d).second) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%d.%s: duplicate date %s", y.year, field, FormatDate(d)));
      }
    }
    return absl::OkStatus();
  };
  absl::Status s = check_list(y.holidays, "holidays");
  if (!s.ok()) return s;
  s = check_list(y.workdays, "workdays");
  if (!s.ok()) return s;
  const std::set<absl::CivilDay> holidays(y.holidays.begin(), y.holidays.end());
  for (const absl::CivilDay& d : y.workdays) {
    if (holidays.count(d) > 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%d: %s is both a holiday and a workday", y.year, FormatDate(d)));
    }
    if (!IsWeekendDn(DayNumber(d))) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%d.workdays: %s is a %s; adjusted working days must be a Saturday "
          "or Sunday",
          y.year, FormatDate(d), WeekdayName(DayNumber(d))));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<YearData> MakeYearData(
    int year, const std::vector<std::string>& holidays,
    const std::vector<std::string>& workdays) {
  YearData out;
  out.year = year;
  auto parse = [&](const std::vector<std::string>& in, absl::string_view field,
                   std::vector<absl::CivilDay>* days) -> absl::Status {
    days->reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      absl::StatusOr<absl::CivilDay> d = ParseDate(in[i]);
      if (!d.ok()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%d.%s[%d]: %s", year, field, i, d.status().message()));
      }
      days->push_back(*d);
    }
    return absl::OkStatus();
  };
  absl::Status s = parse(holidays, "holidays", &out.holidays);
  if (!s.ok()) return s;
  s = parse(workdays, "workdays", &out.workdays);
  if (!s.ok()) return s;
  s = ValidateYear(out);
  if (!s.ok()) return s;
  return out;
}

// ---------------------------------------------------------------------------
// CalendarData.

absl::StatusOr<CalendarData> CalendarData::FromJson(absl::string_view json,
                                                    std::string source) {
  CalendarData data;
  data.source_ = std::move(source);
  JsonReader r(json);
  absl::Status s = r.Expect('{');
  if (!s.ok()) return s;
  if (!r.Consume('}')) {
    while (true) {
      absl::StatusOr<std::string> key = r.String();
      if (!key.ok()) return key.status();
      const bool four_digits =
          key->size() == 4 && std::all_of(key->begin(), key->end(), [](char c) {
            return c >= '0' && c <= '9';
          });
      if (!four_digits) {
        return r.Error(absl::StrFormat("year key \"%s\" is not a 4-digit year",
                                       absl::CHexEscape(*key)));
      }
      const int year = std::stoi(*key);
      if (data.years_.count(year) > 0) {
        return r.Error(absl::StrFormat("duplicate year %d", year));
      }
      s = r.Expect(':');
      if (!s.ok()) return s;
      absl::StatusOr<YearData> y = ParseYearObject(r, year);
      if (!y.ok()) return y.status();
      s = data.PutYear(*std::move(y));
      if (!s.ok()) return s;
      if (r.Consume('}')) break;
      s = r.Expect(',');
      if (!s.ok()) return s;
    }
  }
  if (!r.AtEnd()) return r.Error("trailing content after the top-level object");
  return data;
}

absl::Status CalendarData::PutYear(YearData year) {
  absl::Status s = ValidateYear(year);
  if (!s.ok()) return s;
  std::sort(year.holidays.begin(), year.holidays.end());
  std::sort(year.workdays.begin(), year.workdays.end());
  const int key = year.year;
  years_[key] = std::move(year);
  return absl::OkStatus();
}

std::string CalendarData::CanonicalJson() const {
  std::string out = "{\n";
  bool first = true;
  for (const auto& [year, y] : years_) {
    if (!first) out.append(",\n");
    first = false;
    absl::StrAppend(&out, " \"", year, "\": {\"holidays\": ");
    AppendDateArray(y.holidays, &out);
    out.append(", \"workdays\": ");
    AppendDateArray(y.workdays, &out);
    out.push_back('}');
  }
  out.append("\n}\n");
  return out;
}

std::string CalendarData::Version() const {
  const uint64_t h = Fnv1a64(CanonicalJson());
  const uint32_t folded = static_cast<uint32_t>(h ^ (h >> 32));
  std::vector<std::string> ranges;
  auto it = years_.begin();
  while (it != years_.end()) {
    const int a = it->first;
    int b = a;
    ++it;
    while (it != years_.end() && it->first == b + 1) {
      b = it->first;
      ++it;
    }
    ranges.push_back(a == b ? absl::StrCat(a) : absl::StrCat(a, "-", b));
  }
  return absl::StrFormat("cn-%s@%08x",
                         ranges.empty() ? "empty" : absl::StrJoin(ranges, ","),
                         folded);
}

absl::StatusOr<CalendarData> BuiltinCalendarData() {
  return CalendarData::FromJson(internal::kBuiltinCalendarJson,
                                internal::kBuiltinCalendarSource);
}

// ---------------------------------------------------------------------------
// Calendar.

namespace {
constexpr uint8_t kKindMask = 0x3;
constexpr uint8_t kKnownBit = 0x4;
}  // namespace

absl::StatusOr<Calendar> Calendar::Create(CalendarData data) {
  if (data.empty()) {
    return absl::FailedPreconditionError("calendar data has no years");
  }
  for (const auto& [key, y] : data.years()) {
    if (key != y.year) {
      return absl::InvalidArgumentError(
          absl::StrFormat("year %d stored under key %d", y.year, key));
    }
    absl::Status s = ValidateYear(y);
    if (!s.ok()) return s;
  }
  Calendar cal;
  cal.first_year_ = data.years().begin()->first;
  cal.last_year_ = data.years().rbegin()->first;
  cal.begin_dn_ = DayNumber(absl::CivilDay(cal.first_year_, 1, 1));
  cal.end_dn_ = DayNumber(absl::CivilDay(cal.last_year_ + 1, 1, 1));
  const int64_t len = cal.end_dn_ - cal.begin_dn_;

  cal.kind_.assign(len, 0);
  for (int64_t i = 0; i < len; ++i) {
    cal.kind_[i] = static_cast<uint8_t>(
        IsWeekendDn(cal.begin_dn_ + i) ? DayKind::kWeekend : DayKind::kWorkday);
  }
  for (int year = cal.first_year_; year <= cal.last_year_; ++year) {
    auto it = data.years().find(year);
    if (it == data.years().end()) continue;  // gap year: weekday rule
    const int64_t y0 = DayNumber(absl::CivilDay(year, 1, 1)) - cal.begin_dn_;
    const int64_t y1 =
        DayNumber(absl::CivilDay(year + 1, 1, 1)) - cal.begin_dn_;
    for (int64_t i = y0; i < y1; ++i) cal.kind_[i] |= kKnownBit;
    for (const absl::CivilDay& d : it->second.holidays) {
      uint8_t& k = cal.kind_[DayNumber(d) - cal.begin_dn_];
      k = static_cast<uint8_t>((k & ~kKindMask) |
                               static_cast<uint8_t>(DayKind::kHoliday));
    }
    for (const absl::CivilDay& d : it->second.workdays) {
      uint8_t& k = cal.kind_[DayNumber(d) - cal.begin_dn_];
      k = static_cast<uint8_t>((k & ~kKindMask) |
                               static_cast<uint8_t>(DayKind::kAdjustedWorkday));
    }
  }
  cal.prefix_.assign(len + 1, 0);
  cal.unknown_.assign(len + 1, 0);
  for (int64_t i = 0; i < len; ++i) {
    const auto kind = static_cast<DayKind>(cal.kind_[i] & kKindMask);
    const bool working =
        kind == DayKind::kWorkday || kind == DayKind::kAdjustedWorkday;
    cal.prefix_[i + 1] = cal.prefix_[i] + (working ? 1 : 0);
    cal.unknown_[i + 1] =
        cal.unknown_[i] + ((cal.kind_[i] & kKnownBit) ? 0 : 1);
    if (working) cal.nth_.push_back(static_cast<int32_t>(i));
  }
  cal.version_ = data.Version();
  cal.data_ = std::move(data);
  return cal;
}

absl::StatusOr<Calendar> Calendar::WithYear(YearData year) const {
  CalendarData next = data_;
  absl::Status s = next.PutYear(std::move(year));
  if (!s.ok()) return s;
  return Create(std::move(next));
}

bool Calendar::IsKnownYear(int64_t year) const {
  return year >= first_year_ && year <= last_year_ &&
         data_.years().count(static_cast<int>(year)) > 0;
}

int64_t Calendar::Cumulative(int64_t dn) const {
  if (dn < begin_dn_) return Wk(dn + 1) - Wk(begin_dn_);
  if (dn < end_dn_) return prefix_[dn - begin_dn_ + 1];
  return prefix_.back() + Wk(dn + 1) - Wk(end_dn_);
}

int64_t Calendar::NthWorkingDay(int64_t k) const {
  if (k <= 0) return WeekdayNth(k + Wk(begin_dn_));
  const int64_t total = prefix_.back();
  if (k <= total) return begin_dn_ + nth_[k - 1];
  return WeekdayNth(k - total + Wk(end_dn_));
}

bool Calendar::SpanIncomplete(int64_t from_dn, int64_t to_dn) const {
  if (to_dn <= from_dn) return false;
  const int64_t a = from_dn + 1;
  if (a < begin_dn_ || to_dn >= end_dn_) return true;
  return unknown_[to_dn - begin_dn_ + 1] - unknown_[a - begin_dn_] > 0;
}

DayKind Calendar::ClassifyDn(int64_t dn) const {
  if (dn >= begin_dn_ && dn < end_dn_) {
    return static_cast<DayKind>(kind_[dn - begin_dn_] & kKindMask);
  }
  return IsWeekendDn(dn) ? DayKind::kWeekend : DayKind::kWorkday;
}

bool Calendar::KnownDn(int64_t dn) const {
  return dn >= begin_dn_ && dn < end_dn_ && (kind_[dn - begin_dn_] & kKnownBit);
}

bool Calendar::IsWorkingDn(int64_t dn) const {
  const DayKind k = ClassifyDn(dn);
  return k == DayKind::kWorkday || k == DayKind::kAdjustedWorkday;
}

bool Calendar::IsWorkingDay(absl::CivilDay day) const {
  return IsWorkingDn(DayNumber(day));
}

DayKind Calendar::Classify(absl::CivilDay day) const {
  return ClassifyDn(DayNumber(day));
}

void Calendar::ListSpan(int64_t from_dn, int64_t to_dn,
                        std::vector<absl::CivilDay>* counted,
                        std::vector<DayNote>* skipped) const {
  absl::CivilDay day = DayFromNumber(from_dn);
  for (int64_t dn = from_dn + 1; dn <= to_dn; ++dn) {
    ++day;
    const DayKind k = ClassifyDn(dn);
    if (k == DayKind::kWorkday || k == DayKind::kAdjustedWorkday) {
      counted->push_back(day);
    } else {
      skipped->push_back(DayNote{
          day, k == DayKind::kHoliday ? DayNote::kHoliday : DayNote::kWeekend,
          !KnownDn(dn)});
    }
  }
}

absl::StatusOr<DueResult> Calendar::AddWorkingDays(absl::Time start,
                                                   int n) const {
  if (n < 0 || n > kMaxWorkingDays) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "working_days %d is outside [0, %d]", n, kMaxWorkingDays));
  }
  absl::Status s = CheckInstant(start, "start");
  if (!s.ok()) return s;
  const int64_t start_dn = LocalDn(start);
  const int64_t last =
      n == 0 ? start_dn : NthWorkingDay(Cumulative(start_dn) + n);
  DueResult r;
  r.due = StartOfLocalDn(last + 1);
  r.last_day = DayFromNumber(last);
  r.calendar_incomplete = SpanIncomplete(start_dn, last);
  return r;
}

absl::StatusOr<ExplainedDue> Calendar::ExplainAddWorkingDays(absl::Time start,
                                                             int n) const {
  absl::StatusOr<DueResult> fast = AddWorkingDays(start, n);
  if (!fast.ok()) return fast.status();
  ExplainedDue r;
  r.due = fast->due;
  r.last_day = fast->last_day;
  r.calendar_incomplete = fast->calendar_incomplete;
  r.calendar_version = version_;
  const int64_t start_dn = LocalDn(start);
  const int64_t last = DayNumber(fast->last_day);
  ListSpan(start_dn, last, &r.counted, &r.skipped);

  const std::string start_day = FormatDate(DayFromNumber(start_dn));
  if (n == 0) {
    r.explanation = absl::StrFormat(
        "start %s (local day %s); 0 working days: the period ends at 24:00 of "
        "the start day; due %s; calendar %s.",
        FormatInstant(start), start_day, FormatDue(r.due), version_);
  } else {
    r.explanation = absl::StrFormat(
        "start %s (local day %s, not counted); counted %d working day%s from "
        "the next day: %s; %s; due %s (24:00 of %s); calendar %s.",
        FormatInstant(start), start_day, n, n == 1 ? "" : "s",
        CountedList(r.counted, *this), SkippedList(r.skipped), FormatDue(r.due),
        FormatDate(r.last_day), version_);
  }
  if (r.calendar_incomplete) {
    r.explanation += IncompleteNote(*this, start_dn, last);
  }
  return r;
}

absl::StatusOr<CountResult> Calendar::CountWorkingDays(
    absl::CivilDay from, absl::CivilDay to) const {
  absl::Status s = CheckDay(from, "from");
  if (!s.ok()) return s;
  s = CheckDay(to, "to");
  if (!s.ok()) return s;
  const int64_t a = DayNumber(from), b = DayNumber(to);
  CountResult r;
  r.working_days = Cumulative(b) - Cumulative(a);
  r.calendar_incomplete = SpanIncomplete(std::min(a, b), std::max(a, b));
  return r;
}

absl::StatusOr<ExplainedCount> Calendar::ExplainCountWorkingDays(
    absl::CivilDay from, absl::CivilDay to) const {
  absl::StatusOr<CountResult> fast = CountWorkingDays(from, to);
  if (!fast.ok()) return fast.status();
  const int64_t a = DayNumber(from), b = DayNumber(to);
  const int64_t lo = std::min(a, b), hi = std::max(a, b);
  if (hi - lo > kMaxExplainSpanDays) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "span (%s, %s] is longer than %d days; explanations are limited",
        FormatDate(from), FormatDate(to), kMaxExplainSpanDays));
  }
  ExplainedCount r;
  r.working_days = fast->working_days;
  r.calendar_incomplete = fast->calendar_incomplete;
  r.calendar_version = version_;
  ListSpan(lo, hi, &r.counted, &r.skipped);
  const std::string span =
      absl::StrCat("(", FormatDate(DayFromNumber(lo)), ", ",
                   FormatDate(DayFromNumber(hi)), "]");
  if (a <= b) {
    r.explanation =
        absl::StrFormat("working days in %s: %d", span, r.working_days);
  } else {
    r.explanation = absl::StrFormat(
        "to %s is before from %s: the count is minus the %d working days in "
        "%s",
        FormatDate(to), FormatDate(from), -r.working_days, span);
  }
  absl::StrAppend(&r.explanation, "; counted: ",
                  r.counted.empty() ? "none" : CountedList(r.counted, *this),
                  "; ", SkippedList(r.skipped), "; calendar ", version_, ".");
  if (r.calendar_incomplete) r.explanation += IncompleteNote(*this, lo, hi);
  return r;
}

absl::StatusOr<TimelyResult> Calendar::IsTimelyExtensionRequest(
    absl::Time request_at, absl::Time due, int min_days) const {
  if (min_days < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("min_days %d is negative", min_days));
  }
  absl::Status s = CheckInstant(request_at, "request_at");
  if (!s.ok()) return s;
  s = CheckInstant(due, "due");
  if (!s.ok()) return s;
  const int64_t req_dn = LocalDn(request_at);
  const int64_t last_dn = LocalDn(due - absl::Nanoseconds(1));
  TimelyResult r;
  r.last_day = DayFromNumber(last_dn);
  if (req_dn < last_dn) {
    r.working_days_left = Cumulative(last_dn) - Cumulative(req_dn);
    r.calendar_incomplete = SpanIncomplete(req_dn, last_dn);
  }
  r.timely = r.working_days_left >= min_days;
  return r;
}

absl::StatusOr<ExplainedTimely> Calendar::ExplainTimelyExtensionRequest(
    absl::Time request_at, absl::Time due, int min_days) const {
  absl::StatusOr<TimelyResult> fast =
      IsTimelyExtensionRequest(request_at, due, min_days);
  if (!fast.ok()) return fast.status();
  ExplainedTimely r;
  r.timely = fast->timely;
  r.working_days_left = fast->working_days_left;
  r.last_day = fast->last_day;
  r.calendar_incomplete = fast->calendar_incomplete;
  r.calendar_version = version_;
  const int64_t req_dn = LocalDn(request_at);
  const int64_t last_dn = DayNumber(r.last_day);
  if (last_dn - req_dn > kMaxExplainSpanDays) {
    return absl::InvalidArgumentError(
        "period longer than 40 years; explanations are limited");
  }
  if (req_dn < last_dn) ListSpan(req_dn, last_dn, &r.counted, &r.skipped);
  r.explanation = absl::StrFormat(
      "request at %s (local day %s, not counted); the period ends at 24:00 of "
      "%s (due %s); working days left in (%s, %s]: %d",
      FormatInstant(request_at), FormatDate(DayFromNumber(req_dn)),
      FormatDate(r.last_day), FormatDue(due), FormatDate(DayFromNumber(req_dn)),
      FormatDate(r.last_day), r.working_days_left);
  if (req_dn < last_dn) {
    absl::StrAppend(&r.explanation, " (",
                    r.counted.empty() ? "none" : CountedList(r.counted, *this),
                    "; ", SkippedList(r.skipped), ")");
  } else {
    absl::StrAppend(&r.explanation,
                    " (the request is on or after the last day)");
  }
  absl::StrAppend(&r.explanation, "; at least ", min_days,
                  " required: ", r.timely ? "timely" : "NOT timely",
                  "; calendar ", version_, ".");
  if (r.calendar_incomplete) {
    r.explanation += IncompleteNote(*this, req_dn, last_dn);
  }
  return r;
}

// ---------------------------------------------------------------------------
// CalendarHolder.

CalendarHolder::CalendarHolder(std::shared_ptr<const Calendar> initial)
    : current_(std::move(initial)) {}

std::shared_ptr<const Calendar> CalendarHolder::Get() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

void CalendarHolder::Replace(std::shared_ptr<const Calendar> next) {
  absl::MutexLock update(&update_mu_);
  std::shared_ptr<const Calendar> old;  // released outside mu_
  absl::MutexLock lock(&mu_);
  old = std::move(current_);
  current_ = std::move(next);
}

absl::StatusOr<std::shared_ptr<const Calendar>> CalendarHolder::LoadYear(
    YearData year) {
  absl::MutexLock update(&update_mu_);
  std::shared_ptr<const Calendar> base = Get();
  if (base == nullptr) {
    return absl::FailedPreconditionError("no calendar loaded");
  }
  absl::StatusOr<Calendar> next = base->WithYear(std::move(year));
  if (!next.ok()) return next.status();
  auto published = std::make_shared<const Calendar>(*std::move(next));
  {
    absl::MutexLock lock(&mu_);
    current_ = published;
  }
  return published;
}

}  // namespace hotline::calendar
