#include "common/clock/clock.h"

#include "absl/strings/str_cat.h"

namespace hotline {

SystemClock* SystemClock::Get() {
  static SystemClock* clock = new SystemClock();
  return clock;
}

absl::Time ManualClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

absl::Status ManualClock::Advance(absl::Duration delta) {
  if (delta < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("by: the clock never goes backwards (",
                     absl::FormatDuration(delta), ")"));
  }
  absl::MutexLock lock(&mu_);
  now_ += delta;
  return absl::OkStatus();
}

absl::Status ManualClock::AdvanceTo(absl::Time to) {
  absl::MutexLock lock(&mu_);
  if (to < now_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "to: ", absl::FormatTime(to), " is before the current instant ",
        absl::FormatTime(now_)));
  }
  now_ = to;
  return absl::OkStatus();
}

}  // namespace hotline
