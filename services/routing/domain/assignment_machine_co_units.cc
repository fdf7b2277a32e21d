// AssignmentMachine, the co-units (协办单位) of an order: naming them at
// dispatch and later, a co-unit's acceptance of its part, its input to the
// lead unit (牵头单位, regulation article 6(2)), and the center's release of a
// co-unit. The rest of the machine is in assignment_machine.cc.

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/routing/domain/assignment_machine.h"
#include "services/routing/domain/assignment_machine_internal.h"

namespace hotline::routing {

using machine_internal::CoUnitsOpen;

absl::Status AssignmentMachine::CheckCoUnits(
    const std::vector<std::string>& units, const std::string& lead,
    const AssignmentState* existing, const std::string& field) const {
  if (units.size() > 20) {
    return absl::InvalidArgumentError(field + ": more than 20 co-units");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < units.size(); ++i) {
    const std::string f = absl::StrCat(field, "[", i, "]");
    const std::string& u = units[i];
    if (!tree_->Contains(u)) {
      return absl::NotFoundError(absl::StrCat(f, ": ", u, ": unknown unit"));
    }
    if (!tree_->IsFirstLevel(u)) {
      return absl::InvalidArgumentError(
          absl::StrCat(f, ": ", u, " is not a first-level unit"));
    }
    if (u == lead) {
      return absl::InvalidArgumentError(
          absl::StrCat(f, ": ", u, " is the lead unit"));
    }
    if (!seen.insert(u).second) {
      return absl::InvalidArgumentError(absl::StrCat(f, ": ", u, " repeated"));
    }
    if (existing != nullptr) {
      for (const auto& c : existing->view.co_units()) {
        if (c.unit_id() == u) {
          return absl::InvalidArgumentError(
              absl::StrCat(f, ": ", u, " is already a co-unit"));
        }
      }
    }
    if (!tree_->Find(u)->active()) {
      return absl::FailedPreconditionError(
          absl::StrCat(f, ": ", u, " is inactive"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Transition> AssignmentMachine::AcceptAsCoUnit(
    const AssignmentState& s, int index, absl::Time now) const {
  const v1::CoUnit& c = s.view.co_units(index);
  if (!CoUnitsOpen(s, tree_->CenterId()) &&
      s.view.status() != v1::TICKET_STATUS_REHANDLING) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(s), "; no co-unit part to accept for ", c.unit_id()));
  }
  if (c.released()) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(s), "; co-unit ", c.unit_id(), " was released by the center"));
  }
  if (c.accepted()) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(s), "; co-unit ", c.unit_id(), " already accepted its part"));
  }
  Transition t = Begin(s, now);
  auto* after = t.after.view.mutable_co_units(index);
  after->set_accepted(true);
  *after->mutable_accepted_at() = ToProto(now);
  auto* e = t.event.mutable_accepted();
  e->set_unit_id(c.unit_id());
  e->set_as_co_unit(true);
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::AddCoUnits(
    const AssignmentState& s, const std::vector<std::string>& units,
    const std::string& note, absl::Time now) const {
  if (!CoUnitsOpen(s, tree_->CenterId())) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(s), "; co-units need a dispatched, unreplied order"));
  }
  if (units.empty()) {
    return absl::InvalidArgumentError("co_unit_ids: at least one required");
  }
  RETURN_IF_ERROR(
      CheckCoUnits(units, s.view.dispatched_unit_id(), &s, "co_unit_ids"));
  if (s.view.co_units_size() + units.size() > 20) {
    return absl::InvalidArgumentError("co_unit_ids: more than 20 co-units");
  }
  Transition t = Begin(s, now);
  for (const auto& u : units) t.after.view.add_co_units()->set_unit_id(u);
  auto* e = t.event.mutable_co_units_added();
  e->set_lead_unit_id(s.view.dispatched_unit_id());
  for (const auto& u : units) e->add_co_unit_ids(u);
  e->set_note(note);
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::SubmitCoOpinion(
    const AssignmentState& s, const std::string& unit,
    const std::string& opinion, absl::Time now) const {
  const int index = CoUnitIndex(s, unit);
  if (index < 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        s.view.ticket_number(), ": unit ", unit, " is not a co-unit"));
  }
  const auto st = s.view.status();
  if (!IsOpen(st) || st == v1::TICKET_STATUS_RECEIVED ||
      (IsRepliedOrLater(st) && st != v1::TICKET_STATUS_REHANDLING)) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; co-unit input is closed"));
  }
  const std::string& first = s.view.co_units(index).unit_id();
  if (s.view.co_units(index).released()) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(s), "; co-unit ", first, " was released by the center"));
  }
  if (s.view.co_units(index).opinion_submitted()) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(s), "; ", first, " already gave its input this round"));
  }
  Transition t = Begin(s, now);
  auto* c = t.after.view.mutable_co_units(index);
  c->set_opinion_submitted(true);
  *c->mutable_submitted_at() = ToProto(now);
  c->set_opinion(opinion);
  auto* e = t.event.mutable_co_opinion_submitted();
  e->set_co_unit_id(first);
  e->set_lead_unit_id(s.view.dispatched_unit_id());
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::ReleaseCoUnit(
    const AssignmentState& s, const std::string& co_unit,
    const std::string& reason, absl::Time now) const {
  // Re-handling asks the co-units for input again: the center may release
  // one then too, so that no co-unit can stall the order.
  if (!CoUnitsOpen(s, tree_->CenterId()) &&
      s.view.status() != v1::TICKET_STATUS_REHANDLING) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s),
                     "; co-units are released only while their input is "
                     "awaited (before the reply, or during re-handling)"));
  }
  int index = -1;
  for (int i = 0; i < s.view.co_units_size(); ++i) {
    if (s.view.co_units(i).unit_id() == co_unit) index = i;
  }
  if (index < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(s), "; ", co_unit, " is not a co-unit of the order"));
  }
  if (s.view.co_units(index).released()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; co-unit ", co_unit, " already released"));
  }
  Transition t = Begin(s, now);
  auto* c = t.after.view.mutable_co_units(index);
  c->set_released(true);
  c->set_release_reason(reason);
  *c->mutable_released_at() = ToProto(now);
  auto* e = t.event.mutable_co_unit_released();
  e->set_co_unit_id(co_unit);
  e->set_lead_unit_id(s.view.dispatched_unit_id());
  e->set_reason(reason);
  return t;
}

}  // namespace hotline::routing
