#include "services/deadline/domain/extension_rules.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/directory/directory.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/deadline/domain/clock_rules.h"

namespace hotline::deadline {

std::optional<size_t> ClockToExtend(const std::vector<ClockBrief>& clocks) {
  auto rank = [](const ClockBrief& c) {
    return (c.overdue_reported ? 0 : 2) + (IsCompletionKind(c.kind) ? 1 : 0);
  };
  std::optional<size_t> out;
  for (size_t i = 0; i < clocks.size(); ++i) {
    const ClockBrief& c = clocks[i];
    if (!c.running || !IsHandlingKind(c.kind)) continue;
    if (!out.has_value() || rank(c) >= rank(clocks[*out])) out = i;
  }
  return out;
}

bool MayAskForExtension(const std::vector<ClockBrief>& clocks,
                        const std::string& unit) {
  bool running = false;
  for (const ClockBrief& c : clocks) {
    if (!c.running || !IsHandlingKind(c.kind)) continue;
    running = true;
    if (c.unit_id == unit) return true;
  }
  if (running) return false;
  for (const ClockBrief& c : clocks) {
    if (c.unit_id == unit) return true;
  }
  return false;
}

absl::Status CheckExtensionDate(absl::string_view field,
                                const calendar::Calendar& cal,
                                const Policy& policy, absl::CivilDay last,
                                absl::CivilDay date) {
  if (date <= last) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not after the current last day ",
                     calendar::FormatDate(last)));
  }
  ASSIGN_OR_RETURN(calendar::CountResult extra,
                   cal.CountWorkingDays(last, date));
  if (extra.working_days > policy.extension_max().working_days) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": more than ", policy.extension_max().working_days,
                     " working days after the current last day"));
  }
  return absl::OkStatus();
}

absl::Status CheckTimely(const Policy& policy, const calendar::TimelyResult& t,
                         absl::CivilDay last) {
  if (t.timely) return absl::OkStatus();
  const int min = policy.extension_min().working_days;
  return absl::FailedPreconditionError(absl::StrFormat(
      "too late for an extension [%s]: %d working day%s left, %d required "
      "(last day %s)",
      policy.extension_min().article, t.working_days_left,
      t.working_days_left == 1 ? "" : "s", min, calendar::FormatDate(last)));
}

ExtensionStateChange OnClockStopped() {
  return {v1::EXTENSION_STATE_PENDING, v1::EXTENSION_STATE_LAPSED};
}

std::string ApproverOf(const std::optional<std::string>& parent) {
  return parent.value_or(directory::kCenterUnitId);
}

absl::Status CheckApprover(const auth::Principal& who,
                           const std::string& approver_unit_id) {
  if (approver_unit_id == directory::kCenterUnitId) {
    if (!who.Is(auth::Role::kCenterStaff)) {
      return absl::PermissionDeniedError(
          "the center decides this extension (CENTER_STAFF required)");
    }
  } else if (!who.Is(auth::Role::kUnitLead) ||
             who.unit_id != approver_unit_id) {
    return absl::PermissionDeniedError(absl::StrCat(
        "a UNIT_LEAD of ", approver_unit_id, " decides this extension"));
  }
  return absl::OkStatus();
}

absl::Status CheckInformer(const auth::Principal& who, const v1::Extension& e) {
  if (who.unit_id != e.unit_id()) {
    return absl::PermissionDeniedError(
        absl::StrCat("extension ", e.extension_id(), " was asked by ",
                     e.unit_id(), "; only that unit tells its caller"));
  }
  return absl::OkStatus();
}

absl::Status CheckDecidable(const v1::Extension& e, bool clock_running,
                            const std::string& number) {
  if (e.state() != v1::EXTENSION_STATE_PENDING) {
    return absl::FailedPreconditionError(absl::StrCat(
        "extension ", e.extension_id(), " is ",
        v1::ExtensionState_Name(e.state()), ", held by ", e.unit_id()));
  }
  if (!clock_running) {
    return absl::FailedPreconditionError(
        absl::StrCat("the clock of ", number, " has stopped"));
  }
  return absl::OkStatus();
}

absl::Status CheckCallerInformed(const v1::Extension& e, absl::Time at,
                                 absl::Time now) {
  if (e.state() != v1::EXTENSION_STATE_APPROVED) {
    return absl::FailedPreconditionError(
        absl::StrCat("extension ", e.extension_id(), " is ",
                     v1::ExtensionState_Name(e.state()),
                     "; only an approved extension is told to the caller"));
  }
  if (e.has_caller_informed_at()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "extension ", e.extension_id(), ": the caller was told already at ",
        absl::FormatTime("%Y-%m-%d %H:%M", FromProto(e.caller_informed_at()),
                         calendar::ChinaStandardTime())));
  }
  if (at < FromProto(e.decided_at())) {
    return absl::InvalidArgumentError(
        "informed_at: before the extension was approved");
  }
  if (at > now) {
    return absl::InvalidArgumentError("informed_at: in the future");
  }
  return absl::OkStatus();
}

}  // namespace hotline::deadline
