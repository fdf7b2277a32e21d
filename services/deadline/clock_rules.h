#pragma once

// The rules of the statutory clocks and the ladder (DESIGN.md §2 rules 2–6,
// §3): which limit applies, how a due instant is computed and explained, the
// outcome of a stopped clock, and when the next rung of the ladder fires.
// Pure domain code: no gRPC, no SQL. Every number comes from the Policy.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/calendar/calendar.h"
#include "hotline/v1/common.pb.h"
#include "services/deadline/policy.h"

namespace hotline::deadline {

// How a clock's period is defined: N working days from `start`, or a fixed
// last day (a limit given as a date, or an approved extension).
struct Period {
  std::string rule;     // e.g. "handling.consultation"
  std::string article;  // e.g. "6(2)"
  int working_days = 0;
  std::optional<absl::CivilDay> last_day;  // set for date limits
};

// The period of a kind of clock started at dispatch.
Period ResponsePeriod(const Policy& policy);
Period ForwardPeriod(const Policy& policy);
Period ReturnPeriod(const Policy& policy);

// The handling limit [3, 6(2), 6(4)]: a statutory limit (legal_basis set)
// wins over every other; else the limit given at dispatch/intake; else 3
// working days for consultations and 10 for everything else. `limit` may be
// null (no own limit).
Period HandlingPeriod(const Policy& policy, v1::RequestType type,
                      const v1::HandlingLimit* limit);

// The lead unit's limit on a multi-unit order [6(2)]: `handling` (from
// HandlingPeriod) when it is statutory, a default, or an own limit no later
// than the 3/10 working days of its kind; else those days.
absl::StatusOr<Period> LeadUnitPeriod(const calendar::Calendar& cal,
                                      const Policy& policy,
                                      v1::RequestType type,
                                      const Period& handling, absl::Time start);

// Re-handling after a rejected review: the policy's N, or (when it is 0) the
// round's handling N (`handling_days`, 0 for a date limit → the default for
// the request type).
Period RehandlingPeriod(const Policy& policy, v1::RequestType type,
                        int handling_days);

// Computes the due instant of `period` from `start` with its explanation
// (rule, article, days counted and skipped, calendar and policy versions).
absl::StatusOr<v1::Explanation> Explain(const calendar::Calendar& cal,
                                        const Policy& policy,
                                        const Period& period, absl::Time start);

// MET when stopped strictly before `due`, MISSED otherwise.
v1::ClockOutcome OutcomeAt(absl::Time due, absl::Time stopped_at);

// Working days in (last day of the period, local day of `at`]; 0 if `at` is
// before `due`.
int OverdueWorkingDays(const calendar::Calendar& cal, absl::Time due,
                       absl::Time at);

// Whether a clock kind has a ladder (RESPONSE → REMINDER; HANDLING,
// REHANDLING, LEAD_UNIT → SUPERVISION) and its first rung.
v1::LadderStep FirstRung(v1::ClockKind kind);
// The rung after `step` (UNSPECIFIED after DISTRICT_NOTICE and REMINDER).
v1::LadderStep NextRung(v1::LadderStep step);
// When `step` fires for a clock due at `clock_due`: SUPERVISION/REMINDER at
// the due instant; SPECIAL_INSPECTION the policy's further working days after
// the period's last day; DISTRICT_NOTICE that many after special inspection.
absl::Time RungDue(const calendar::Calendar& cal, const Policy& policy,
                   v1::LadderStep step, absl::Time clock_due);

bool IsHandlingKind(v1::ClockKind kind);

}  // namespace hotline::deadline
