// LadderLoop: the service's background pass over the ladder, the notices
// and the calendar.

#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/outbox/outbox.h"
#include "common/status/status.h"
#include "services/deadline/core/deadline_core.h"

namespace hotline::deadline {

absl::Status LadderLoop::Prepare() {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<PersistedYear> years,
                   store_->LoadCalendarYears(*conn));
  conn.Release();
  RETURN_IF_ERROR(state_->Init(years));
  persisted_years_ = years.size();
  state_->CheckNextYear(clock_->Now());
  return absl::OkStatus();
}

void LadderLoop::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void LadderLoop::Stop() {
  if (!thread_.joinable()) return;
  stop_.Notify();
  thread_.join();
}

void LadderLoop::Loop() {
  int tick = 0;
  bool failing = false;  // log a failure once, not every 200 ms
  while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(200))) {
    const absl::Time now = clock_->Now();
    absl::StatusOr<int> fired = scanner_->ScanOnce(JudgeUntil(now));
    if (!fired.ok()) {
      if (!failing) {
        log::Warning("ladder.scan_failed",
                     {{"error", std::string(fired.status().message())}});
      }
      failing = true;
      continue;
    }
    if (failing) log::Info("ladder.scan_recovered");
    failing = false;
    if (*fired > 0) {
      log::Info("ladder.fired", {{"steps", absl::StrCat(*fired)}});
    }
    absl::StatusOr<int> delivered =
        scanner_->DeliverNotices(now, directory_, notifier_);
    if (!delivered.ok() && !failing) {
      log::Warning("notice.pass_failed",
                   {{"error", std::string(delivered.status().message())}});
    }
    if (++tick % 10 == 0) RefreshCalendar();  // every ~2 s
    // Once a local day: next year's calendar, due from December on.
    const absl::CivilDay today = calendar::LocalDay(now);
    if (today != checked_day_) {
      checked_day_ = today;
      state_->CheckNextYear(now);
    }
  }
}

absl::Time LadderLoop::JudgeUntil(absl::Time now) {
  absl::StatusOr<db::PooledConnection> conn = pool_->Acquire();
  if (!conn.ok()) return now;
  absl::StatusOr<std::optional<absl::Time>> wm =
      outbox::LowWatermark(**conn, judge_lag_limit_);
  if (!wm.ok() || !wm->has_value() || **wm >= now) {
    if (lagging_) log::Info("ladder.caught_up");
    lagging_ = false;
    return now;
  }
  if (!lagging_ && now - **wm > absl::Minutes(1)) {
    log::Warning("ladder.waiting_for_events",
                 {{"behind", absl::FormatDuration(now - **wm)}});
    lagging_ = true;
  }
  return **wm;
}

void LadderLoop::RefreshCalendar() {
  absl::StatusOr<db::PooledConnection> conn = pool_->Acquire();
  if (!conn.ok()) return;
  absl::StatusOr<std::vector<PersistedYear>> years =
      store_->LoadCalendarYears(**conn);
  if (!years.ok()) return;
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  bool differs = years->size() != persisted_years_;
  for (const PersistedYear& y : *years) {
    auto it = cal->data().years().find(y.data.year);
    differs = differs || it == cal->data().years().end() ||
              it->second.holidays != y.data.holidays ||
              it->second.workdays != y.data.workdays;
  }
  if (differs && state_->Init(*years).ok()) persisted_years_ = years->size();
}

}  // namespace hotline::deadline
