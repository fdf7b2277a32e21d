#pragma once

// The extension rules [6(3)] as plain functions: which clock an extension
// extends, who may ask for, decide and tell the caller of one, how far the
// new last day may go, whether the request comes in time (at least the
// policy's minimum of working days before the due), and what a decision or a
// caller-informed record requires of the extension's state. No store, no
// gRPC; thread-safe (pure functions of their arguments).

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/calendar/calendar.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/domain/policy.h"

namespace hotline::deadline {

// What the extension rules read of one clock of the order.
struct ClockBrief {
  v1::ClockKind kind = v1::CLOCK_KIND_UNSPECIFIED;
  bool running = false;
  bool overdue_reported = false;  // a ClockOverdue was emitted
  std::string unit_id;
};

// The clock an extension extends, as an index into `clocks`: among the
// running handling clocks (HANDLING, REHANDLING, LEAD_UNIT), the completion
// clock before the re-handling one, one not reported overdue before a late
// one (left for the timeliness check to refuse), the later one on a tie.
// nullopt when no handling clock runs.
std::optional<size_t> ClockToExtend(const std::vector<ClockBrief>& clocks);

// Whether `unit` may ask for an extension of the order whose clocks are
// `clocks`: the unit of a running handling clock; with none running (the
// order was answered or closed) a unit some clock ran against, so that it
// hears FAILED_PRECONDITION from the request and others PERMISSION_DENIED.
bool MayAskForExtension(const std::vector<ClockBrief>& clocks,
                        const std::string& unit);

// An extension's new last day `date`, named at `field`: after `last` (the
// current last day) and at most policy.extension_max() working days after
// it. INVALID_ARGUMENT naming `field` otherwise; the calendar's error when
// it cannot count the days.
absl::Status CheckExtensionDate(absl::string_view field,
                                const calendar::Calendar& cal,
                                const Policy& policy, absl::CivilDay last,
                                absl::CivilDay date);

// A request in time: FAILED_PRECONDITION "too late for an extension [6(3)]"
// with the working days left and required when `t` is not timely (`last`:
// the clock's last day, shown).
absl::Status CheckTimely(const Policy& policy, const calendar::TimelyResult& t,
                         absl::CivilDay last);

// A change of state of a clock's extensions: those in `from` go to `to`.
struct ExtensionStateChange {
  v1::ExtensionState from = v1::EXTENSION_STATE_UNSPECIFIED;
  v1::ExtensionState to = v1::EXTENSION_STATE_UNSPECIFIED;
};

// What a clock's stop does to its extensions: a PENDING one lapses (LAPSED:
// nothing is left to extend, nobody decides it any more); decided ones keep
// their state.
ExtensionStateChange OnClockStopped();

// Who decides the extensions of a unit the order was passed to by `parent`
// (the order's chain; nullopt when no link names one): the level above —
// that unit, or the center (directory::kCenterUnitId) [6(3)].
std::string ApproverOf(const std::optional<std::string>& parent);

// Who decides an extension whose approver is `approver_unit_id`:
// CENTER_STAFF for the center's (directory::kCenterUnitId), else a UNIT_LEAD of
// the approver unit. PERMISSION_DENIED otherwise.
absl::Status CheckApprover(const auth::Principal& who,
                           const std::string& approver_unit_id);

// Only the unit that asked (`e.unit_id`) tells its caller:
// PERMISSION_DENIED otherwise.
absl::Status CheckInformer(const auth::Principal& who, const v1::Extension& e);

// An extension can be decided while PENDING and its clock runs:
// FAILED_PRECONDITION otherwise (`number`: the order's number, shown).
absl::Status CheckDecidable(const v1::Extension& e, bool clock_running,
                            const std::string& number);

// The caller is told of an approved extension once, at `at` between the
// approval and `now`: FAILED_PRECONDITION when not approved or told already,
// INVALID_ARGUMENT "informed_at: ..." when `at` is out of that range.
absl::Status CheckCallerInformed(const v1::Extension& e, absl::Time at,
                                 absl::Time now);

}  // namespace hotline::deadline
