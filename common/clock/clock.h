#pragma once

// The one source of "now" for every service. Domain code never calls
// absl::Now(); it is handed a Clock. Production uses SystemClock; tests and the
// end-to-end simulation use ManualClock, advanced explicitly (in-process, or by
// the ClockAdmin RPC a service exposes only with --clock=manual).

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace hotline {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// Wall-clock time. Thread-safe; the returned singleton is never destroyed.
class SystemClock final : public Clock {
 public:
  static SystemClock* Get();
  absl::Time Now() const override { return absl::Now(); }
};

// A clock that moves only when told to, and never backwards. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start) : now_(start) {}

  absl::Time Now() const override;

  // Moves the clock forward by `delta` (>= 0); INVALID_ARGUMENT otherwise.
  absl::Status Advance(absl::Duration delta);
  // Moves the clock to `to` (>= Now()); INVALID_ARGUMENT otherwise.
  absl::Status AdvanceTo(absl::Time to);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hotline
