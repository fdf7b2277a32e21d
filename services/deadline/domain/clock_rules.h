#pragma once

// The rules of the statutory clocks and the ladder (DESIGN.md §2 rules 2–6,
// 11, §3; docs/clocks.md): which limit applies, how a due instant is computed
// and explained, the verdict of a stopped clock, and the overdue events a
// clock owes. Pure domain code: no gRPC, no SQL. Every number comes from the
// Policy.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/calendar/calendar.h"
#include "hotline/v1/common.pb.h"
#include "services/deadline/domain/policy.h"

namespace hotline::deadline {

// How a clock's period is defined: N working days from `start`, or a fixed
// last day (a limit given as a date, or an approved extension).
struct Period {
  std::string rule;     // e.g. "handling.consultation"
  std::string article;  // e.g. "6(2)"
  int working_days = 0;
  std::optional<absl::CivilDay> last_day = std::nullopt;  // date limits
  // A working-day period never ends after this day (set for co-opinions:
  // the lead unit's last day).
  std::optional<absl::CivilDay> cap_last_day = std::nullopt;
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

// A co-unit's input to the lead unit (local policy): the policy's N from the
// co-unit's receipt, but never after the lead unit's last day
// (`lead_last_day`, when known).
Period CoOpinionPeriod(const Policy& policy,
                       std::optional<absl::CivilDay> lead_last_day);

// Computes the due instant of `period` from `start` with its explanation
// (rule, article, days counted and skipped, calendar and policy versions).
absl::StatusOr<v1::Explanation> Explain(const calendar::Calendar& cal,
                                        const Policy& policy,
                                        const Period& period, absl::Time start);

// MET when stopped strictly before `due`, MISSED otherwise.
v1::ClockOutcome OutcomeAt(absl::Time due, absl::Time stopped_at);

// What a verdict needs of a clock.
struct ClockFacts {
  absl::Time due;
  // Set once the clock was reported overdue (ClockOverdue, first): from then
  // on its verdict is MISSED whatever happens (rule 11).
  std::optional<absl::Time> overdue_since;
  // Set while an act that would meet it awaits the center (a reply under
  // review, a dispute under decision): the instant of that act.
  std::optional<absl::Time> pending_since;
};

struct Verdict {
  v1::ClockOutcome outcome = v1::CLOCK_OUTCOME_UNSPECIFIED;
  // The instant the outcome was judged at; unset when CANCELLED.
  std::optional<absl::Time> judged_at;
  std::string cause;  // docs/clocks.md, "Stop causes"
};

// Judged by an act at `act` that meets the clock (a response, the reply the
// center approved, the arrival at the handling unit or at the center): MET
// strictly before the due, unless already reported overdue; MISSED
// otherwise.
Verdict JudgedBy(const ClockFacts& c, absl::Time act, std::string cause);

// Stopped at `at` by a change that does not meet it (a return to the center,
// a re-dispatch, a merge, a release): MISSED once reported overdue or past
// its due — an act pending since before the due keeps it inside — and
// CANCELLED inside the limit. Lateness is never cancelled.
Verdict Superseded(const ClockFacts& c, absl::Time at, std::string cause);

// Completion clocks (HANDLING, LEAD_UNIT): their verdict is the order's
// on-time completion; they accrue lateness day by day.
bool IsCompletionKind(v1::ClockKind kind);
// Kinds that become overdue while running, at their due (RESPONSE, the
// handling kinds, CO_OPINION); FORWARD and RETURN are judged only when what
// they wait for is known.
bool CanBeOverdue(v1::ClockKind kind);

// What a clock has already reported of its lateness.
struct OverdueState {
  std::optional<absl::Time> since;  // the first ClockOverdue's as_of
  // The last local day whose lateness was counted (completion clocks).
  std::optional<absl::CivilDay> counted_through;
  int accrued = 0;  // working days reported so far (Σ added)
};

// One ClockOverdue a clock owes.
struct OverdueReport {
  absl::Time as_of;
  bool first = false;
  int added = 0;       // working days it adds
  int cumulative = 0;  // working days past due as of as_of
};

// The overdue reports a clock due at `due` owes as of `until`, given `state`
// (updated in place): nothing before `due` or before `overdue_from` (the
// instant nothing pending could meet it any more, ≥ due: a rejected review,
// an upheld dispute); else the first report (as_of = max(due,
// overdue_from)), then for completion clocks one report per working day that
// began after the last one counted and not after `until` (as_of = 00:00 local
// of that day). Days before the due's last day are never counted (a due moved
// later by an extension decided late).
std::vector<OverdueReport> OverdueReports(const calendar::Calendar& cal,
                                          v1::ClockKind kind, absl::Time due,
                                          absl::Time overdue_from,
                                          absl::Time until,
                                          OverdueState* state);

// 00:00 local of the first working day after the local day of `t`: when a
// completion clock's next day of lateness begins.
absl::Time NextWorkingDayStart(const calendar::Calendar& cal, absl::Time t);

// Working days in (local day of `from`, local day of `to`]; 0 if `to` is not
// after `from`.
int ElapsedWorkingDays(const calendar::Calendar& cal, absl::Time from,
                       absl::Time to);

// Working days in (last day of the period, local day of `at`]; 0 if `at` is
// before `due`.
int OverdueWorkingDays(const calendar::Calendar& cal, absl::Time due,
                       absl::Time at);

// The automatic step of the ladder a kind has at its due [7]: RESPONSE →
// REMINDER (催办); HANDLING, REHANDLING, LEAD_UNIT, CO_OPINION → SUPERVISION
// (督办); UNSPECIFIED for FORWARD and RETURN. Nothing follows automatically:
// special inspections and district-wide notices are acts of people.
v1::LadderStep FirstRung(v1::ClockKind kind);

// HANDLING, REHANDLING or LEAD_UNIT: a clock a reply answers.
bool IsHandlingKind(v1::ClockKind kind);

}  // namespace hotline::deadline
