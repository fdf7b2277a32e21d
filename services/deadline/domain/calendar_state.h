#pragma once

// The calendar in force in this process, with per-year provenance and the
// calendar metrics. Shared by CalendarService and the clocks.
//
// Health detail: the gRPC health protocol has no detail field, so "the
// calendar is incomplete" is reported through the metrics
// hotline_calendar_last_known_year (gauge) and
// hotline_calendar_incomplete_total (counter of answers and clocks computed
// past the last known year), plus a warning log line "calendar.incomplete" each
// time. At start a warning "calendar.next_year_missing" is logged when the year
// after the current one is not loaded (the State Council publishes it around
// November).
//
// Thread-safe.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/calendar/calendar.h"

namespace prometheus {
class Registry;
class Gauge;
class Counter;
}  // namespace prometheus

namespace hotline::deadline {

struct YearMeta {
  std::string source;
  absl::Time loaded_at = absl::InfinitePast();  // InfinitePast for builtin
  std::string loaded_by;
};

// A year as persisted in calendar_year.
struct PersistedYear {
  calendar::YearData data;
  YearMeta meta;
};

class CalendarState {
 public:
  // `registry` may be null (no metrics).
  explicit CalendarState(prometheus::Registry* registry);

  // Builtin data with `persisted` merged over it (a persisted year replaces
  // the builtin year). Replaces whatever was in force.
  absl::Status Init(const std::vector<PersistedYear>& persisted);

  std::shared_ptr<const calendar::Calendar> Get() const;
  YearMeta Meta(int year) const;
  // Publishes `next` (which contains `year` as loaded with `meta`).
  void Publish(std::shared_ptr<const calendar::Calendar> next, int year,
               YearMeta meta);

  // Counts and logs one computation that ran past the last known year.
  void NoteIncomplete(const char* operation) const;

  // From December on, logs calendar.next_year_missing if the year after
  // `now`'s local year is not known (the deadline service checks at start and
  // once a day). Returns true when it is missing then.
  bool CheckNextYear(absl::Time now) const;

 private:
  void UpdateGauge(const calendar::Calendar& c) const;

  mutable absl::Mutex mu_;
  std::shared_ptr<const calendar::Calendar> current_ ABSL_GUARDED_BY(mu_);
  std::map<int, YearMeta> meta_ ABSL_GUARDED_BY(mu_);
  prometheus::Gauge* last_year_gauge_ = nullptr;
  prometheus::Counter* incomplete_counter_ = nullptr;
};

}  // namespace hotline::deadline
