#pragma once

// Fact planning (no gRPC, no SQL): how one event of any service becomes one
// immutable fact of assessment, what assessment remembers of an order between
// its events, and which unit links an event teaches. The counting of facts
// into indicators is indicators.h. Thread-compatible plain values and pure
// functions.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/calendar/calendar.h"
#include "hotline/v1/events.pb.h"
#include "services/assessment/domain/units.h"

namespace hotline::assessment {

// One fact as stored: the event's identity and the numbers the indicators
// need. `kind` is the payload's field name ("dispatched", "clock_stopped"...).
struct FactRecord {
  std::string event_id;
  std::string producer;
  std::string ticket_id;
  int64_t seq = 0;
  std::string kind;
  std::string unit_id;  // credited unit; "" when none
  // A second unit credited by the same fact ("" when none): the approver of
  // an ExtensionDecided (late_extension_decisions).
  std::string unit2_id;
  absl::Time occurred_at;
  // The day it counts on: the local date of occurred_at, except ClockOverdue
  // (of its as_of) and DutyGap (its date).
  absl::CivilDay local_date;
  int request_type = 0;
  int urgency = 0;
  std::string category_code;
  std::string area_code;
  // What the indicators need of the event, e.g. "HANDLING:MISSED:reported",
  // "HANDLING:first", "SUPERVISION", "rejected:first", "approved:late";
  // docs/indicators.md.
  std::string detail;
  // Working days: late (ClockStopped.overdue_working_days), or added by a
  // ClockOverdue (added_working_days).
  int64_t amount = 0;
  // Handling working days of a judged clock (ClockStopped
  // elapsed_working_days, when judged_at is set).
  std::optional<int64_t> handling_days;
};

// A stored fact with the event it was made from (accountability evidence and
// ExplainFigure items read the clock's fields from it).
struct FactWithEvent {
  FactRecord fact;
  v1::TicketEvent event;
};

// The instant a fact counts on: a ClockOverdue's as_of, the start of a
// DutyGap's day when it differs from the day it was emitted, else when it
// happened.
absl::Time FactInstant(const FactWithEvent& f);

// HANDLING or LEAD_UNIT: the clocks whose verdict is the order's completion
// (a missed REHANDLING is folded into it by deadline).
bool IsCompletionClock(v1::ClockKind kind);

// What assessment remembers of an order between its events.
struct TicketInfo {
  bool known = false;
  std::string ticket_number;
  int request_type = 0;
  int urgency = 0;
  std::string category_code;
  std::string area_code;
  std::optional<absl::Time> dispatched_at;  // current dispatch round
  std::string replied_unit_id;              // unit of the last reply
  std::string review_status = "NONE";       // NONE, REPLIED, APPROVED, REJECTED
  std::string approved_unit_id;             // unit whose reply was approved
  // rehandling_round of the last reply of the current dispatch round; -1
  // before any.
  int last_reply_round = -1;
};

// Whether two states of an order are equal in every field (the core saves
// the state only when an event changed it).
bool SameTicket(const TicketInfo& a, const TicketInfo& b);

// A parent link (or area flag) learned from an event.
struct UnitLink {
  std::string unit_id;
  std::string parent_id;  // "" when unknown
  bool is_area = false;
};

// The unit's link once `link` is stored over `stored` (the same unit's):
// link's parent when it names one, else the stored one; an area when either
// says so (is_area only grows). Several links of one unit fold in order
// with it; the store's upsert of unit_node does the same in SQL
// (SaveUnitLinks), for links stored by earlier transactions.
UnitLink MergeUnitLink(const UnitLink& stored, const UnitLink& link);

struct FactPlan {
  FactRecord fact;
  TicketInfo ticket;  // the order's state after the event
  std::vector<UnitLink> units;
};

// State beyond the order that a fact may depend on, looked up by the store.
struct PlanContext {
  // A DutyGap: no earlier DutyGap of the same unit and day was recorded.
  bool first_duty_gap_of_day = false;
};

// The (unit, day) a DutyGap event counts on; nullopt for other events.
std::optional<std::pair<std::string, absl::CivilDay>> DutyGapDayOf(
    const v1::TicketEvent& event);

// Turns one event into its fact, given what is known of the order. Counts no
// working days itself: those come from deadline's events (its calendar).
// Errors: INVALID_ARGUMENT for an event without payload.
absl::StatusOr<FactPlan> PlanFact(const v1::TicketEvent& event,
                                  const TicketInfo& before,
                                  const PlanContext& context = {});

}  // namespace hotline::assessment
