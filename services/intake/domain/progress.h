#pragma once

// The caller's view of an order's progress (DESIGN.md §4, status from
// events), free of gRPC and SQL: what an event of routing, deadline or
// assessment means for the order's status, holder, handling due and
// caller-facing timeline.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/intake.pb.h"

namespace hotline::intake {

// What an event of routing, deadline or assessment means for the caller's
// view of an order. `status` unset means the status does not change.
struct ProgressUpdate {
  std::optional<v1::TicketStatus> status;
  std::optional<std::string> holder;  // new holder ("" = center)
  std::optional<absl::Time> handling_due;
  std::vector<std::string> held_units;  // units that now hold/held it
  std::string note;                     // caller-facing; "" = no entry
  std::string unit_id;                  // unit of the progress entry
};
// The unit a caller-facing note of `event` names (dispatch, re-dispatch,
// accept, forward); "" for other events.
std::string NamedUnitOf(const v1::TicketEvent& event);

// The official name of a unit of the directory; "" when unknown.
using UnitNamer = std::function<std::string(const std::string& unit_id)>;

// nullopt for events that do not concern the caller's view. A MERGED order
// keeps its status (it follows its original). Notes name units by
// `name_of` (the caller never sees a unit id); a unit without a known name
// is "承办单位".
std::optional<ProgressUpdate> ProgressFromEvent(
    const v1::TicketEvent& event, v1::TicketStatus current,
    const UnitNamer& name_of = nullptr);

// The two halves of ProgressFromEvent, for a consumer that reads the order
// only when it must: what `event` means before the order's status is known
// (nullopt as ProgressFromEvent, for every status), ...
std::optional<ProgressUpdate> ProgressOfEvent(
    const v1::TicketEvent& event, const UnitNamer& name_of = nullptr);
// ... and what it means on an order whose status is `current` (a MERGED or
// CLOSED_AT_INTAKE order keeps its status and holder; a CLOSED one is not
// moved back to EVALUATED by an evaluation's event that arrives after
// routing's Closed).
void FollowStatus(v1::TicketStatus current, ProgressUpdate* u);
// Whether writing `u` needs the order's stored status or holder: true unless
// it only moves the handling due (no status, holder, note or held units),
// which is the same on an order of any status.
bool NeedsStoredStatus(const ProgressUpdate& u);

const char* StatusName(v1::TicketStatus status);  // "RECEIVED", ...
bool IsClosed(v1::TicketStatus status);           // CLOSED, CLOSED_AT_INTAKE

}  // namespace hotline::intake
