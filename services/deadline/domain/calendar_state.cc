#include "services/deadline/domain/calendar_state.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace hotline::deadline {

CalendarState::CalendarState(prometheus::Registry* registry) {
  if (registry == nullptr) return;
  last_year_gauge_ =
      &prometheus::BuildGauge()
           .Name("hotline_calendar_last_known_year")
           .Help(
               "Last year the working-day calendar knows; later deadlines "
               "use the weekday rule and are reported calendar_incomplete")
           .Register(*registry)
           .Add({});
  incomplete_counter_ =
      &prometheus::BuildCounter()
           .Name("hotline_calendar_incomplete_total")
           .Help(
               "Answers and clocks computed past the last known calendar "
               "year (weekday rule applied)")
           .Register(*registry)
           .Add({});
}

absl::Status CalendarState::Init(const std::vector<PersistedYear>& persisted) {
  ASSIGN_OR_RETURN(calendar::CalendarData data,
                   calendar::BuiltinCalendarData());
  std::map<int, YearMeta> meta;
  for (const auto& [year, unused] : data.years()) {
    meta[year] = YearMeta{data.source(), absl::InfinitePast(), "builtin"};
  }
  for (const PersistedYear& p : persisted) {
    RETURN_IF_ERROR(data.PutYear(p.data));
    meta[p.data.year] = p.meta;
  }
  ASSIGN_OR_RETURN(calendar::Calendar cal,
                   calendar::Calendar::Create(std::move(data)));
  auto next = std::make_shared<const calendar::Calendar>(std::move(cal));
  UpdateGauge(*next);
  log::Info("calendar.ready",
            {{"calendar_version", next->version()},
             {"persisted_years", absl::StrCat(persisted.size())}});
  absl::MutexLock l(&mu_);
  current_ = std::move(next);
  meta_ = std::move(meta);
  return absl::OkStatus();
}

std::shared_ptr<const calendar::Calendar> CalendarState::Get() const {
  absl::MutexLock l(&mu_);
  return current_;
}

YearMeta CalendarState::Meta(int year) const {
  absl::MutexLock l(&mu_);
  auto it = meta_.find(year);
  return it == meta_.end() ? YearMeta{} : it->second;
}

void CalendarState::Publish(std::shared_ptr<const calendar::Calendar> next,
                            int year, YearMeta meta) {
  UpdateGauge(*next);
  absl::MutexLock l(&mu_);
  current_ = std::move(next);
  meta_[year] = std::move(meta);
}

void CalendarState::NoteIncomplete(const char* operation) const {
  if (incomplete_counter_ != nullptr) incomplete_counter_->Increment();
  std::shared_ptr<const calendar::Calendar> c = Get();
  log::Warning("calendar.incomplete",
               {{"operation", operation},
                {"last_known_year", absl::StrCat(c ? c->last_year() : 0)}});
}

bool CalendarState::CheckNextYear(absl::Time now) const {
  std::shared_ptr<const calendar::Calendar> c = Get();
  const absl::CivilDay today = calendar::LocalDay(now);
  const int64_t next_year = today.year() + 1;
  // The State Council publishes next year's schedule around November: from
  // December on, a missing year is the operator's to load.
  if (today.month() < 12) return false;
  if (c != nullptr && c->IsKnownYear(next_year)) return false;
  log::Warning("calendar.next_year_missing",
               {{"year", absl::StrCat(next_year)},
                {"hint",
                 "load it with CalendarService.LoadYear once the State "
                 "Council publishes it"}});
  return true;
}

void CalendarState::UpdateGauge(const calendar::Calendar& c) const {
  if (last_year_gauge_ != nullptr) last_year_gauge_->Set(c.last_year());
}

}  // namespace hotline::deadline
