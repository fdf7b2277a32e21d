#pragma once

// Working-day calendar of mainland China: exact, explainable and fast deadline
// arithmetic in working days (DESIGN.md §3).
//
// Facts. A `CalendarData` holds, per calendar year, the statutory holidays and
// the adjusted working days (调休上班, always a Saturday or Sunday) published
// by the State Council. A day is a working day iff (Mon–Fri and not a holiday)
// or it is an adjusted working day. Years absent from the data — before the
// first year, after the last, or a gap between two loaded years — fall back to
// the plain weekday rule (Mon–Fri work), and every answer that depended on such
// a day carries `calendar_incomplete = true`.
//
// Time. Days are always decided in China Standard Time, UTC+8 fixed, no DST
// (`ChinaStandardTime()`), whatever the process TZ environment says. Instants
// are absl::Time (UTC); local dates are absl::CivilDay.
//
// Counting (DESIGN.md §3, civil-law counting of periods):
//   * AddWorkingDays(start, n): the local day of `start` never counts; the n
//     working days are counted from the next day; the deadline is 24:00 local
//     of the nth working day, i.e. the instant 00:00 +08:00 of the following
//     calendar day. An action strictly before `due` is on time.
//     n = 0 means "by the end of the start day": due = 00:00 local of the day
//     after start's local day, nothing is counted, `last_day` is the start's
//     local day (whether or not it is a working day) and the result is never
//     incomplete. n < 0 or n > kMaxWorkingDays (3650) is INVALID_ARGUMENT.
//   * CountWorkingDays(from, to): working days in the half-open span
//     (from, to]. It is antisymmetric: if to < from the result is minus the
//     count over (to, from]; if to == from it is 0. Hence
//     Count(a, b) + Count(b, c) == Count(a, c) for any a, b, c.
//   * IsTimelyExtensionRequest(t, due, min_days): the last day of the period is
//     the local day of the last instant before `due` (for a `due` produced by
//     AddWorkingDays, the day before due's 00:00). The request is timely iff
//     the number of working days in (local day of t, last day] is >=
//     min_days. That set is empty (0 days left, never timely for
//     min_days >= 1) when the request is on or after the last day.
//
// Cost. A Calendar keeps a per-day index over [Jan 1 of its first year, Dec 31
// of its last year] with prefix counts of working days and the position of
// every working day, so the fast operations are O(1) for any n (two array
// reads); outside the index the weekday rule is evaluated in closed form
// (5 working days per 7). The Explain* variants additionally list every
// counted and skipped day, which is linear in the span (output-sized).
//
// Versions. `CalendarData::Version()` is "cn-<first>-<last>@<8 hex>" where the
// hex is a 64-bit FNV-1a hash (folded to 32 bits) of the canonical content
// (`CanonicalJson()`, years and dates sorted, source string excluded). It is
// deterministic across processes and builds: same facts, same version. When
// the loaded years are not contiguous the year list is spelled out, e.g.
// "cn-2021-2026,2028@1a2b3c4d" (2027 is then a gap year: weekday rule,
// reported incomplete).
//
// Run-time extension. A Calendar is immutable. `WithYear()` returns a new
// Calendar (new version) with one year added or replaced; the old one stays
// valid. `CalendarHolder` publishes the current version to concurrent readers
// (shared_ptr swap under a mutex); a reader keeps the version it got for the
// whole computation, and every result names the version it was computed with.
//
// Thread safety. CalendarData is a plain value (not synchronized). Calendar is
// immutable after construction: all const methods may be called concurrently
// from any number of threads. CalendarHolder is fully thread-safe.
//
// Errors. Parsing and validation return INVALID_ARGUMENT with a message naming
// the offending year and date or field (and line:column for JSON syntax).
// Operations return INVALID_ARGUMENT for out-of-range arguments (n, infinite
// instants, dates outside years 1..9999, negative min_days).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace hotline::calendar {

// China Standard Time: absl::FixedTimeZone(8 * 3600).
absl::TimeZone ChinaStandardTime();

// The local (UTC+8) calendar day of an instant. `t` must be finite.
absl::CivilDay LocalDay(absl::Time t);

// The instant 00:00 +08:00 of `day`.
absl::Time StartOfLocalDay(absl::CivilDay day);

// Strict "YYYY-MM-DD" (exactly 10 characters, a real calendar date).
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text);

// A date field of a request: ParseDate's form in the years 2000–2099 (the
// calendar's and the contracts' range). INVALID_ARGUMENT naming `field`:
// "<field>: required", "<field>: not a date YYYY-MM-DD" or "<field>: year
// outside 2000–2099".
absl::StatusOr<absl::CivilDay> ParseDateField(absl::string_view field,
                                              absl::string_view text);

// "YYYY-MM-DD".
std::string FormatDate(absl::CivilDay day);

// One year of facts.
struct YearData {
  int year = 0;
  std::vector<absl::CivilDay> holidays;  // statutory holidays (any weekday)
  std::vector<absl::CivilDay> workdays;  // adjusted working days (Sat/Sun)
};

// Checks one year: year within [kMinYear, kMaxYear], every date inside the
// year, no duplicates, no date both holiday and workday, every workday a
// Saturday or Sunday. Errors name the year and the date.
absl::Status ValidateYear(const YearData& year);

// Builds and validates a year from date strings (as they come from an RPC or
// a file). Errors name the field and index, e.g. "2027.holidays[3]".
absl::StatusOr<YearData> MakeYearData(int year,
                                      const std::vector<std::string>& holidays,
                                      const std::vector<std::string>& workdays);

// Years -> facts, plus a free-form description of where the facts come from.
class CalendarData {
 public:
  static constexpr int kMinYear = 1900;
  static constexpr int kMaxYear = 2999;

  CalendarData() = default;

  // Parses exactly the shape of data/calendar/cn_holidays.json:
  //   {"2024": {"holidays": ["2024-01-01", ...], "workdays": [...]}, ...}
  // Both keys are required in each year (arrays may be empty); unknown keys,
  // duplicate keys, string escapes and trailing content are errors. Every
  // year is validated with ValidateYear().
  static absl::StatusOr<CalendarData> FromJson(absl::string_view json,
                                               std::string source);

  // Adds `year`, or replaces it if already present, after ValidateYear().
  // Dates are stored sorted. On error the data is unchanged.
  absl::Status PutYear(YearData year);

  const std::map<int, YearData>& years() const { return years_; }
  bool empty() const { return years_.empty(); }
  const std::string& source() const { return source_; }
  void set_source(std::string source) { source_ = std::move(source); }

  // Canonical JSON of the facts (sorted, one year per line); FromJson() of it
  // yields equal data. Used for persistence and hashing.
  std::string CanonicalJson() const;

  // "cn-2021-2026@xxxxxxxx" (see the file comment). "cn-empty@..." if empty.
  std::string Version() const;

 private:
  std::map<int, YearData> years_;
  std::string source_;
};

// The data shipped with the build (data/calendar/cn_holidays.json, embedded at
// configure time), parsed and validated.
absl::StatusOr<CalendarData> BuiltinCalendarData();

// Why a day was not counted.
struct DayNote {
  enum Reason { kWeekend, kHoliday };
  absl::CivilDay day;
  Reason reason = kWeekend;
  // True if the day lies in a year the calendar does not know (weekday rule).
  bool weekday_rule = false;

  friend bool operator==(const DayNote& a, const DayNote& b) {
    return a.day == b.day && a.reason == b.reason &&
           a.weekday_rule == b.weekday_rule;
  }
};

enum class DayKind {
  kWorkday,          // Mon–Fri, not a holiday
  kAdjustedWorkday,  // Sat/Sun listed as an adjusted working day (调休上班)
  kWeekend,          // Sat/Sun, not an adjusted working day
  kHoliday,          // statutory holiday (whatever its weekday)
};

// Fast-path result of AddWorkingDays.
struct DueResult {
  absl::Time due;           // 00:00 +08:00 of the day after `last_day`
  absl::CivilDay last_day;  // nth working day; start's local day if n == 0
  bool calendar_incomplete = false;
};

// AddWorkingDays with its explanation.
struct ExplainedDue {
  absl::Time due;
  absl::CivilDay last_day;
  bool calendar_incomplete = false;
  std::string calendar_version;
  std::vector<absl::CivilDay> counted;  // the n working days, in order
  std::vector<DayNote> skipped;         // non-working days in between
  std::string explanation;              // one paragraph, English
};

struct CountResult {
  int64_t working_days = 0;  // over (from, to]; negative if to < from
  bool calendar_incomplete = false;
};

struct ExplainedCount {
  int64_t working_days = 0;
  bool calendar_incomplete = false;
  std::string calendar_version;
  std::vector<absl::CivilDay> counted;  // working days in the span, in order
  std::vector<DayNote> skipped;         // non-working days in the span
  std::string explanation;
};

struct TimelyResult {
  bool timely = false;
  int64_t working_days_left = 0;  // in (local day of request, last day], >= 0
  absl::CivilDay last_day;        // last day of the period
  bool calendar_incomplete = false;
};

struct ExplainedTimely {
  bool timely = false;
  int64_t working_days_left = 0;
  absl::CivilDay last_day;
  bool calendar_incomplete = false;
  std::string calendar_version;
  std::vector<absl::CivilDay> counted;
  std::vector<DayNote> skipped;
  std::string explanation;
};

class Calendar {
 public:
  static constexpr int kMaxWorkingDays = 3650;

  // Builds the index. `data` must not be empty (FAILED_PRECONDITION
  // otherwise); its years are re-validated.
  static absl::StatusOr<Calendar> Create(CalendarData data);

  // A new calendar with `year` added (or replaced); `this` is unchanged.
  // A year that leaves a gap after/before the known years is accepted: the
  // gap years use the weekday rule and are reported incomplete.
  absl::StatusOr<Calendar> WithYear(YearData year) const;

  Calendar(const Calendar&) = default;
  Calendar(Calendar&&) = default;
  Calendar& operator=(const Calendar&) = default;
  Calendar& operator=(Calendar&&) = default;

  const std::string& version() const { return version_; }
  const CalendarData& data() const { return data_; }
  int first_year() const { return first_year_; }
  int last_year() const { return last_year_; }
  // True iff `year` is in the data (gap years and years outside are not).
  bool IsKnownYear(int64_t year) const;

  bool IsWorkingDay(absl::CivilDay day) const;
  DayKind Classify(absl::CivilDay day) const;

  // Fast path: O(1), no allocation.
  absl::StatusOr<DueResult> AddWorkingDays(absl::Time start, int n) const;
  absl::StatusOr<ExplainedDue> ExplainAddWorkingDays(absl::Time start,
                                                     int n) const;

  // Fast path: O(1). Dates must be within years 1..9999.
  absl::StatusOr<CountResult> CountWorkingDays(absl::CivilDay from,
                                               absl::CivilDay to) const;
  // Explained variant; the span |to - from| is limited to 40 years.
  absl::StatusOr<ExplainedCount> ExplainCountWorkingDays(
      absl::CivilDay from, absl::CivilDay to) const;

  // "At least `min_days` working days before the deadline" (DESIGN.md §3).
  absl::StatusOr<TimelyResult> IsTimelyExtensionRequest(absl::Time request_at,
                                                        absl::Time due,
                                                        int min_days = 2) const;
  absl::StatusOr<ExplainedTimely> ExplainTimelyExtensionRequest(
      absl::Time request_at, absl::Time due, int min_days = 2) const;

 private:
  Calendar() = default;

  // Day numbers are days since 1970-01-01 (local civil days).
  int64_t Cumulative(int64_t dn) const;    // working days in (first-1, dn]
  int64_t NthWorkingDay(int64_t k) const;  // smallest dn: Cumulative >= k
  bool SpanIncomplete(int64_t from_dn, int64_t to_dn) const;  // (from, to]
  bool IsWorkingDn(int64_t dn) const;
  DayKind ClassifyDn(int64_t dn) const;
  bool KnownDn(int64_t dn) const;
  // Fills counted/skipped for (from, to], from <= to.
  void ListSpan(int64_t from_dn, int64_t to_dn,
                std::vector<absl::CivilDay>* counted,
                std::vector<DayNote>* skipped) const;

  CalendarData data_;
  std::string version_;
  int first_year_ = 0;
  int last_year_ = 0;
  int64_t begin_dn_ = 0;  // Jan 1 of first_year_
  int64_t end_dn_ = 0;    // Jan 1 of last_year_ + 1 (exclusive)
  // Per index day i (dn = begin_dn_ + i): a DayKind and a "known" bit.
  std::vector<uint8_t> kind_;
  // prefix_[i] = working days in [begin_dn_, begin_dn_ + i); size len + 1.
  std::vector<int32_t> prefix_;
  // unknown_[i] = gap-year days in [begin_dn_, begin_dn_ + i); size len + 1.
  std::vector<int32_t> unknown_;
  // nth_[k] = index of the (k+1)th working day of the index.
  std::vector<int32_t> nth_;
};

// Publishes the current Calendar to concurrent readers. Get() returns a
// snapshot that stays valid (and unchanged) however often the holder is
// replaced afterwards.
class CalendarHolder {
 public:
  explicit CalendarHolder(std::shared_ptr<const Calendar> initial);

  std::shared_ptr<const Calendar> Get() const ABSL_LOCKS_EXCLUDED(mu_);
  void Replace(std::shared_ptr<const Calendar> next)
      ABSL_LOCKS_EXCLUDED(mu_, update_mu_);

  // Atomically (with respect to other LoadYear/Replace calls) derives
  // current->WithYear(year) and publishes it. On error the current version
  // is kept and the error returned.
  absl::StatusOr<std::shared_ptr<const Calendar>> LoadYear(YearData year)
      ABSL_LOCKS_EXCLUDED(mu_, update_mu_);

 private:
  absl::Mutex update_mu_;   // serializes Replace and LoadYear
  mutable absl::Mutex mu_;  // guards the pointer only (readers never wait
                            // for an index build)
  std::shared_ptr<const Calendar> current_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hotline::calendar
