#pragma once

// The escalation ladder's rules [7] as plain functions: who is told of each
// step and by which channels, the text of its notices, what the scanner does
// with a claimed rung, whether an order qualifies for an act of people
// (专项督查 after 督办2次仍未办结; 全区通报 after a special inspection), and
// when a notice that could not be delivered is tried again. No store, no
// gRPC; thread-safe (pure functions of their arguments).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/deadline.pb.h"

namespace hotline::deadline {

// Step 0 of ladder_due: a clock's overdue watch (schema/012_verdicts.sql).
inline constexpr v1::LadderStep kOverdueWatch = v1::LADDER_STEP_UNSPECIFIED;

// Automatic steps (催办/督办) an order needs before a special inspection
// ("督办2次仍未办结").
inline constexpr int kAutomaticStepsBeforeInspection = 2;

// Delivery attempts of a notice before it is FAILED.
inline constexpr int kMaxNoticeAttempts = 8;

// One kind of recipient of a step and the channels it is told by.
struct RecipientPlan {
  v1::RecipientKind kind = v1::RECIPIENT_KIND_UNSPECIFIED;
  std::vector<v1::NoticeChannel> channels;
};

// Who is told of each step, and how [7]: 催办 the liaison and duty leader by
// phone and SMS; 督办 also by supervision letter; 专项督查 by letter and phone
// and the district office by letter; 全区通报 by letter to all of them and
// the center. Empty for the overdue watch.
std::vector<RecipientPlan> PlanFor(v1::LadderStep step);

// One notice of a fired step: a recipient and one of its channels.
struct NoticeTarget {
  v1::RecipientKind kind = v1::RECIPIENT_KIND_UNSPECIFIED;
  std::string unit_id;  // empty: the step's unit (the unit chased)
  std::string name;
  bool resolved = false;
  v1::NoticeChannel channel = v1::NOTICE_CHANNEL_UNSPECIFIED;
};

// A recipient of `kind` (channel unset). The district office and the center
// are named here; the chased unit's liaison and duty leader (unit_id empty)
// are named from routing's roster when the notice is delivered.
NoticeTarget RecipientOf(v1::RecipientKind kind);

// The notices of every step of `step`'s kind, in plan order (one per
// recipient and channel).
std::vector<NoticeTarget> TargetsOf(v1::LadderStep step);

// The notice text of `step` on order `number` due at `due` (its last day
// shown), with the act's text for acts of people: the order number and
// dates only, never caller data. Empty for the overdue watch.
std::string NoticeText(v1::LadderStep step, const std::string& number,
                       absl::Time due, const std::string& act_text);

// What the scanner does with one claimed rung.
enum class RungAction {
  kDrop,        // the clock stopped or awaits the center: not chased
  kReschedule,  // the due moved later since the rung was set: at the due
  kWatch,       // an overdue watch: report lateness
  kFired,       // the step fired before (a resumed clock): nothing
  kFire,        // fire the step
};

// The rung `step` of a clock (running or not, pending since or not, due at
// `due`, highest step fired `ladder_step`) claimed at `now`.
RungAction DecideRung(v1::LadderStep step, bool running, bool pending,
                      absl::Time due, v1::LadderStep ladder_step,
                      absl::Time now);

// Which orders qualify for the act of people `step` ("督办2次仍未办结" →
// 专项督查; after a special inspection → 全区通报), as data: the list of
// candidates is one query built from it
// (SupervisionActStore::EscalationCandidates), so the store names no clock kind
// and no step itself.
struct EscalationCriteria {
  // A clock of one of these kinds still runs: the order is not finished
  // (IsHandlingKind: HANDLING, REHANDLING, LEAD_UNIT).
  std::vector<v1::ClockKind> open_kinds;
  // At least `min_counted` fired steps of these kinds (the automatic chasing,
  // 催办 and 督办); no condition when empty.
  std::vector<v1::LadderStep> counted_steps;
  int min_counted = 0;
  // At least one fired step of each of these.
  std::vector<v1::LadderStep> required_steps;
  // No fired step of any of these.
  std::vector<v1::LadderStep> forbidden_steps;
};

// The criteria of `step`: SPECIAL_INSPECTION — open, at least
// kAutomaticStepsBeforeInspection REMINDER/SUPERVISION steps, no
// SPECIAL_INSPECTION and no DISTRICT_NOTICE yet; DISTRICT_NOTICE — open, a
// SPECIAL_INSPECTION, no DISTRICT_NOTICE yet. INVALID_ARGUMENT naming "step"
// for any other step (the automatic ones are no act of people).
absl::StatusOr<EscalationCriteria> EscalationCriteriaFor(v1::LadderStep step);

// What the ladder has done to one order, for an act of people.
struct OrderLadder {
  int automatic = 0;       // REMINDER and SUPERVISION steps fired
  bool inspected = false;  // a SPECIAL_INSPECTION recorded
  bool noticed = false;    // a DISTRICT_NOTICE recorded
  bool open = false;       // a handling clock still runs
};

// Counts `steps` (the order's fired steps) into an OrderLadder (open unset).
OrderLadder CountSteps(const std::vector<v1::LadderStep>& steps);

// Whether the order `number`, named at `field` ("ticket_ids[i]"), qualifies
// for the act `step` (SPECIAL_INSPECTION or DISTRICT_NOTICE) now, by the
// same EscalationCriteriaFor(step) the list of candidates is built from:
// FAILED_PRECONDITION when it is finished, was chased fewer than
// kAutomaticStepsBeforeInspection times (inspection) or has no special
// inspection (notice); ALREADY_EXISTS when it has that act already (or, for
// an inspection, a notice); INVALID_ARGUMENT naming "step" for another step.
absl::Status CheckActQualifies(v1::LadderStep step, const OrderLadder& ladder,
                               const std::string& field,
                               const std::string& number);

// The next attempt of a notice whose delivery failed for the `attempts`-th
// time so far (0-based): backoff 30 s · 2^min(attempts, 8); FAILED after
// kMaxNoticeAttempts or at once when `give_up` (a unit routing does not
// know), else PENDING.
struct NoticeRetry {
  int attempts = 0;  // attempts after this one
  v1::NoticeDelivery delivery = v1::NOTICE_DELIVERY_PENDING;
  absl::Time next_attempt_at;
};
NoticeRetry RetryLater(int attempts, bool give_up, absl::Time now);

}  // namespace hotline::deadline
