#include "services/routing/domain/assignment_machine.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/routing/domain/assignment_machine_internal.h"

namespace hotline::routing {

using machine_internal::CoUnitsOpen;
using machine_internal::In;
using v1::TicketStatus;

namespace {

std::string StatusName(TicketStatus s) {
  std::string n = v1::TicketStatus_Name(s);
  const std::string prefix = "TICKET_STATUS_";
  if (n.rfind(prefix, 0) == 0) n = n.substr(prefix.size());
  return n;
}

void Touch(AssignmentState& s, const std::string& unit) {
  if (std::find(s.touched_units.begin(), s.touched_units.end(), unit) ==
      s.touched_units.end()) {
    s.touched_units.push_back(unit);
  }
}

void SetHolder(AssignmentState& s, const std::string& unit) {
  s.view.set_holder_unit_id(unit);
  Touch(s, unit);
}

}  // namespace

bool IsRepliedOrLater(TicketStatus status) {
  return In(status,
            {v1::TICKET_STATUS_REPLIED, v1::TICKET_STATUS_REHANDLING,
             v1::TICKET_STATUS_AWAITING_EVALUATION, v1::TICKET_STATUS_EVALUATED,
             v1::TICKET_STATUS_CLOSED, v1::TICKET_STATUS_MERGED,
             v1::TICKET_STATUS_CLOSED_AT_INTAKE});
}

bool IsOpen(TicketStatus status) {
  return !In(status, {v1::TICKET_STATUS_CLOSED, v1::TICKET_STATUS_MERGED,
                      v1::TICKET_STATUS_CLOSED_AT_INTAKE});
}

std::string AssignmentMachine::Describe(const AssignmentState& s) {
  return absl::StrCat(s.view.ticket_number(), " is ",
                      StatusName(s.view.status()), ", held by ",
                      s.view.holder_unit_id());
}

absl::Status AssignmentMachine::NotHolder(const AssignmentState& s,
                                          const std::string& unit) const {
  if (s.view.holder_unit_id() == unit) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(s.view.ticket_number(), ": unit ", unit,
                   " does not hold it; only the holder may act"));
}

int AssignmentMachine::CoUnitIndex(const AssignmentState& s,
                                   const std::string& unit) const {
  const std::string first = tree_->FirstLevelOf(unit);
  if (first.empty()) return -1;
  for (int i = 0; i < s.view.co_units_size(); ++i) {
    if (s.view.co_units(i).unit_id() == first) return i;
  }
  return -1;
}

Transition AssignmentMachine::Begin(const AssignmentState& s,
                                    absl::Time now) const {
  Transition t;
  t.after = s;
  t.after.view.mutable_updated_at()->CopyFrom(ToProto(now));
  t.event.set_ticket_id(s.view.ticket_id());
  t.event.set_ticket_number(s.view.ticket_number());
  *t.event.mutable_occurred_at() = ToProto(now);
  return t;
}

AssignmentState AssignmentMachine::Received(const std::string& ticket_id,
                                            const std::string& ticket_number,
                                            const v1::TicketCreated& c,
                                            absl::Time now) const {
  AssignmentState s;
  auto& v = s.view;
  v.set_ticket_id(ticket_id);
  v.set_ticket_number(ticket_number);
  v.set_status(v1::TICKET_STATUS_RECEIVED);
  v.set_holder_unit_id(tree_->CenterId().empty() ? kCenterUnitId
                                                 : tree_->CenterId());
  v.set_request_type(c.request_type());
  v.set_category_code(c.category_code());
  v.set_urgency(c.urgency());
  *v.mutable_location() = c.location();
  v.set_title(c.title());
  v.set_content(c.content());
  v.set_confidential(c.confidential() ||
                     c.request_type() == v1::REQUEST_TYPE_REPORT);
  if (c.has_limit()) {
    *v.mutable_limit() = c.limit();
    s.intake_limit = c.limit();
  }
  if (c.has_received_at()) {
    *v.mutable_received_at() = c.received_at();
  } else {
    *v.mutable_received_at() = ToProto(now);
  }
  *v.mutable_updated_at() = ToProto(now);
  s.touched_units.push_back(v.holder_unit_id());
  return s;
}

absl::StatusOr<Transition> AssignmentMachine::Dispatch(
    const AssignmentState& s, const DispatchCommand& cmd,
    absl::Time now) const {
  const auto st = s.view.status();
  const std::string center = tree_->CenterId();
  const bool at_center = s.view.holder_unit_id() == center;
  const bool first = st == v1::TICKET_STATUS_RECEIVED;
  const bool back_at_center = st == v1::TICKET_STATUS_RETURNED && at_center;
  const bool reassign =
      In(st, {v1::TICKET_STATUS_DISPATCHED, v1::TICKET_STATUS_ACCEPTED,
              v1::TICKET_STATUS_FORWARDED}) ||
      (st == v1::TICKET_STATUS_RETURNED && !at_center);
  if (!first && !back_at_center && !reassign) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; it cannot be dispatched now"));
  }
  const v1::Unit* unit = tree_->Find(cmd.unit_id);
  if (unit == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("unit_id: ", cmd.unit_id, ": unknown unit"));
  }
  if (!tree_->IsFirstLevel(cmd.unit_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unit_id: ", cmd.unit_id, " is not a first-level unit"));
  }
  RETURN_IF_ERROR(
      CheckCoUnits(cmd.co_unit_ids, cmd.unit_id, nullptr, "co_unit_ids"));
  if (reassign && cmd.reason.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "reason: required to move an order a unit holds (", Describe(s), ")"));
  }
  if (!unit->active()) {
    return absl::FailedPreconditionError(
        absl::StrCat("unit_id: ", cmd.unit_id, " is inactive"));
  }
  // A statutory limit wins over every other (articles 3 and 6(4)): the
  // dispatcher may replace it only with another one that cites its law.
  if (cmd.has_limit && cmd.limit.legal_basis().empty() && s.intake_limit &&
      !s.intake_limit->legal_basis().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "limit: ", s.view.ticket_number(), " has a statutory limit (",
        s.intake_limit->legal_basis(),
        "); a dispatch limit without a legal basis cannot replace it"));
  }
  Transition t = Begin(s, now);
  auto& v = t.after.view;
  const std::string previous = v.dispatched_unit_id();
  v.set_status(v1::TICKET_STATUS_DISPATCHED);
  SetHolder(t.after, cmd.unit_id);
  v.set_dispatched_unit_id(cmd.unit_id);
  v.clear_co_units();
  for (const auto& c : cmd.co_unit_ids) v.add_co_units()->set_unit_id(c);
  v.set_dispatch_round(v.dispatch_round() + 1);
  v.set_rehandling_round(0);
  if (cmd.has_limit) {
    *v.mutable_limit() = cmd.limit;
  } else if (s.intake_limit) {
    *v.mutable_limit() = *s.intake_limit;
  } else {
    v.clear_limit();
  }
  v.clear_response_due();
  v.clear_handling_due();
  v.clear_next_due();
  v.clear_ladder_step();
  v.clear_open_dispute();
  v.clear_latest_reply();
  *v.mutable_dispatched_at() = ToProto(now);
  t.after.dispute_upheld = false;

  v1::Dispatched d;
  d.set_unit_id(cmd.unit_id);
  for (const auto& c : cmd.co_unit_ids) d.add_co_unit_ids(c);
  d.set_request_type(v.request_type());
  d.set_urgency(v.urgency());
  d.set_category_code(v.category_code());
  d.set_area_code(v.location().town_code());
  if (v.has_limit()) *d.mutable_limit() = v.limit();
  d.set_dispatch_round(v.dispatch_round());
  d.set_rule_id(cmd.rule_id);
  d.set_automatic(cmd.automatic);
  d.set_note(cmd.note);
  if (first) {
    *t.event.mutable_dispatched() = d;
  } else {
    auto* r = t.event.mutable_redispatched();
    *r->mutable_dispatch() = d;
    r->set_previous_unit_id(previous);
    v1::RedispatchCause cause = v1::REDISPATCH_CAUSE_REASSIGNED;
    if (back_at_center &&
        s.redispatch_cause != v1::REDISPATCH_CAUSE_UNSPECIFIED) {
      cause = s.redispatch_cause;
    }
    r->set_cause(cause);
    r->set_reason(cmd.reason);
  }
  t.after.redispatch_cause = v1::REDISPATCH_CAUSE_UNSPECIFIED;
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::Accept(const AssignmentState& s,
                                                     const std::string& unit,
                                                     absl::Time now) const {
  if (s.view.holder_unit_id() != unit) {
    const int index = CoUnitIndex(s, unit);
    if (index >= 0) return AcceptAsCoUnit(s, index, now);
    return absl::PermissionDeniedError(
        absl::StrCat(s.view.ticket_number(), ": unit ", unit,
                     " neither holds it nor is a co-unit of it"));
  }
  const auto st = s.view.status();
  if (unit == tree_->CenterId() ||
      !In(st, {v1::TICKET_STATUS_DISPATCHED, v1::TICKET_STATUS_FORWARDED,
               v1::TICKET_STATUS_RETURNED})) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; nothing to accept"));
  }
  Transition t = Begin(s, now);
  t.after.view.set_status(v1::TICKET_STATUS_ACCEPTED);
  t.event.mutable_accepted()->set_unit_id(unit);
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::Forward(
    const AssignmentState& s, const std::string& unit,
    const std::string& to_unit, const std::string& note, absl::Time now) const {
  RETURN_IF_ERROR(NotHolder(s, unit));
  const auto st = s.view.status();
  if (unit == tree_->CenterId() ||
      !In(st, {v1::TICKET_STATUS_DISPATCHED, v1::TICKET_STATUS_ACCEPTED,
               v1::TICKET_STATUS_FORWARDED})) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; it cannot be forwarded now"));
  }
  const v1::Unit* to = tree_->Find(to_unit);
  if (to == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("to_unit_id: ", to_unit, ": unknown unit"));
  }
  if (to_unit == unit || !tree_->InSubtree(unit, to_unit)) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; ", to_unit, " is not below ", unit,
                     " (forward only down the holder's own subtree)"));
  }
  if (!to->active()) {
    return absl::FailedPreconditionError(
        absl::StrCat("to_unit_id: ", to_unit, " is inactive"));
  }
  Transition t = Begin(s, now);
  t.after.view.set_status(v1::TICKET_STATUS_FORWARDED);
  SetHolder(t.after, to_unit);
  auto* f = t.event.mutable_forwarded();
  f->set_from_unit_id(unit);
  f->set_to_unit_id(to_unit);
  f->set_note(note);
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::Return(const AssignmentState& s,
                                                     const std::string& unit,
                                                     const std::string& reason,
                                                     absl::Time now) const {
  RETURN_IF_ERROR(NotHolder(s, unit));
  const auto st = s.view.status();
  const std::string center = tree_->CenterId();
  if (unit == center ||
      !In(st, {v1::TICKET_STATUS_DISPATCHED, v1::TICKET_STATUS_ACCEPTED,
               v1::TICKET_STATUS_FORWARDED, v1::TICKET_STATUS_RETURNED})) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; it cannot be returned now"));
  }
  if (tree_->IsFirstLevel(unit) && s.dispute_upheld &&
      s.last_dispute_round == s.view.dispatch_round()) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(s),
        "; the center upheld the dispatch, the unit must handle it"));
  }
  std::string parent = tree_->Parent(unit);
  if (parent.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; ", unit, " has no parent"));
  }
  Transition t = Begin(s, now);
  t.after.view.set_status(v1::TICKET_STATUS_RETURNED);
  SetHolder(t.after, parent);
  const bool reached = parent == center;
  if (reached) t.after.redispatch_cause = v1::REDISPATCH_CAUSE_RETURNED;
  auto* r = t.event.mutable_returned();
  r->set_from_unit_id(unit);
  r->set_to_unit_id(parent);
  r->set_reason(reason);
  r->set_reached_center(reached);
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::Dispute(
    const AssignmentState& s, const std::string& unit,
    const std::string& dispute_id, const std::string& reason,
    const std::string& suggested_unit, absl::Time now) const {
  RETURN_IF_ERROR(NotHolder(s, unit));
  if (!tree_->IsFirstLevel(unit) ||
      !In(s.view.status(),
          {v1::TICKET_STATUS_DISPATCHED, v1::TICKET_STATUS_ACCEPTED})) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s),
                     "; only the first-level unit dispatched to may dispute, "
                     "before forwarding or replying"));
  }
  if (s.last_dispute_round == s.view.dispatch_round()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; a dispute was already raised this round"));
  }
  if (!suggested_unit.empty() && !tree_->Contains(suggested_unit)) {
    return absl::InvalidArgumentError(
        absl::StrCat("suggested_unit_id: ", suggested_unit, ": unknown unit"));
  }
  Transition t = Begin(s, now);
  auto& v = t.after.view;
  v.set_status(v1::TICKET_STATUS_DISPUTED);
  auto* d = v.mutable_open_dispute();
  d->set_dispute_id(dispute_id);
  d->set_unit_id(unit);
  d->set_reason(reason);
  d->set_suggested_unit_id(suggested_unit);
  *d->mutable_raised_at() = ToProto(now);
  t.after.last_dispute_round = v.dispatch_round();
  t.after.dispute_upheld = false;
  auto* e = t.event.mutable_dispute_raised();
  e->set_dispute_id(dispute_id);
  e->set_unit_id(unit);
  e->set_reason(reason);
  e->set_suggested_unit_id(suggested_unit);
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::DecideDispute(
    const AssignmentState& s, const std::string& dispute_id,
    v1::DisputeOutcome outcome, const std::string& reason,
    absl::Time now) const {
  if (s.view.status() != v1::TICKET_STATUS_DISPUTED ||
      !s.view.has_open_dispute()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; no open dispute"));
  }
  if (s.view.open_dispute().dispute_id() != dispute_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(s), "; dispute ", dispute_id, " is not the open dispute"));
  }
  if (outcome != v1::DISPUTE_OUTCOME_DISPATCH_UPHELD &&
      outcome != v1::DISPUTE_OUTCOME_DISPUTE_GRANTED) {
    return absl::InvalidArgumentError("outcome: required");
  }
  Transition t = Begin(s, now);
  auto& v = t.after.view;
  const std::string unit = s.view.open_dispute().unit_id();
  v.clear_open_dispute();
  if (outcome == v1::DISPUTE_OUTCOME_DISPATCH_UPHELD) {
    v.set_status(v1::TICKET_STATUS_ACCEPTED);
    SetHolder(t.after, unit);
    t.after.dispute_upheld = true;
  } else {
    v.set_status(v1::TICKET_STATUS_RETURNED);
    SetHolder(t.after, tree_->CenterId());
    t.after.redispatch_cause = v1::REDISPATCH_CAUSE_DISPUTE_GRANTED;
  }
  auto* e = t.event.mutable_dispute_decided();
  e->set_dispute_id(dispute_id);
  e->set_unit_id(unit);
  e->set_outcome(outcome);
  e->set_reason(reason);
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::Reply(const AssignmentState& s,
                                                    const std::string& unit,
                                                    const ReplyCommand& cmd,
                                                    absl::Time now) const {
  RETURN_IF_ERROR(NotHolder(s, unit));
  const auto st = s.view.status();
  if (!In(st, {v1::TICKET_STATUS_ACCEPTED, v1::TICKET_STATUS_REHANDLING}) ||
      !tree_->InSubtree(s.view.dispatched_unit_id(), unit)) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s),
                     "; only the unit that accepted it (or re-handles it) "
                     "may reply"));
  }
  std::vector<std::string> missing;
  for (const auto& c : s.view.co_units()) {
    if (!c.opinion_submitted() && !c.released()) {
      missing.push_back(c.unit_id());
    }
  }
  if (!missing.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; co-unit input missing from ",
                     absl::StrJoin(missing, ", ")));
  }
  if (s.view.confidential() && cmd.contact != v1::REPLY_CONTACT_VIA_CENTER) {
    return absl::InvalidArgumentError(
        "contact: a confidential order or report is answered VIA_CENTER");
  }
  // Nobody reaches a caller about an order before the hotline received it.
  if (s.view.has_received_at() &&
      cmd.contacted_at < FromProto(s.view.received_at())) {
    const absl::TimeZone cst = calendar::ChinaStandardTime();
    constexpr char kLocal[] = "%Y-%m-%d %H:%M:%S +08:00";
    return absl::InvalidArgumentError(absl::StrCat(
        "contacted_at: ", absl::FormatTime(kLocal, cmd.contacted_at, cst),
        " is before the order was received (",
        absl::FormatTime(kLocal, FromProto(s.view.received_at()), cst), ")"));
  }
  Transition t = Begin(s, now);
  auto& v = t.after.view;
  v.set_status(v1::TICKET_STATUS_REPLIED);
  auto* r = v.mutable_latest_reply();
  r->Clear();
  r->set_reply_id(cmd.reply_id);
  r->set_unit_id(unit);
  r->set_text(cmd.text);
  r->set_contact(cmd.contact);
  *r->mutable_contacted_at() = ToProto(cmd.contacted_at);
  *r->mutable_checks() = cmd.checks;
  r->set_resolved(cmd.resolved);
  *r->mutable_replied_by() = cmd.replied_by;
  *r->mutable_replied_at() = ToProto(now);
  auto* e = t.event.mutable_replied();
  e->set_reply_id(cmd.reply_id);
  e->set_unit_id(unit);
  e->set_text(cmd.text);
  e->set_contact(cmd.contact);
  *e->mutable_contacted_at() = ToProto(cmd.contacted_at);
  e->set_resolved(cmd.resolved);
  e->set_rehandling_round(s.view.rehandling_round());
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::Review(
    const AssignmentState& s, const std::string& reply_id, bool approve,
    const std::vector<v1::ReviewReason>& reasons, const std::string& comment,
    absl::Time now) const {
  if (s.view.status() != v1::TICKET_STATUS_REPLIED) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; no reply awaits review"));
  }
  if (s.view.latest_reply().reply_id() != reply_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        Describe(s), "; reply ", reply_id, " is not the latest reply ",
        s.view.latest_reply().reply_id()));
  }
  Transition t = Begin(s, now);
  auto& v = t.after.view;
  const std::string unit = s.view.latest_reply().unit_id();
  if (approve) {
    v.set_status(v1::TICKET_STATUS_AWAITING_EVALUATION);
  } else {
    v.set_status(v1::TICKET_STATUS_REHANDLING);
    SetHolder(t.after, unit);
    v.set_rehandling_round(v.rehandling_round() + 1);
    // Co-unit input is asked again, except from released co-units: they
    // stay released across rehandling rounds.
    for (auto& c : *v.mutable_co_units()) {
      if (c.released()) continue;
      c.set_opinion_submitted(false);
      c.clear_submitted_at();
    }
  }
  auto* e = t.event.mutable_reviewed();
  e->set_reply_id(reply_id);
  e->set_unit_id(unit);
  e->set_approved(approve);
  for (auto r : reasons) e->add_reasons(r);
  e->set_comment(comment);
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::Merge(const AssignmentState& s,
                                                    absl::Time now) const {
  if (!IsOpen(s.view.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; cannot merge"));
  }
  Transition t = Begin(s, now);
  t.after.view.set_status(v1::TICKET_STATUS_MERGED);
  auto* c = t.event.mutable_closed();
  c->set_reason(v1::CLOSE_REASON_MERGED);
  if (s.view.has_latest_reply()) {
    c->set_handling_unit_id(s.view.latest_reply().unit_id());
  }
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::Unmerge(const AssignmentState& s,
                                                      absl::Time now) const {
  if (s.view.status() != v1::TICKET_STATUS_MERGED) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; not merged"));
  }
  Transition t = Begin(s, now);
  t.has_event = false;
  t.after.view.set_status(v1::TICKET_STATUS_RECEIVED);
  SetHolder(t.after, tree_->CenterId());
  return t;
}

absl::StatusOr<Transition> AssignmentMachine::Evaluated(
    const AssignmentState& s, absl::Time now) const {
  if (s.view.status() != v1::TICKET_STATUS_AWAITING_EVALUATION) {
    return absl::FailedPreconditionError(
        absl::StrCat(Describe(s), "; not awaiting evaluation"));
  }
  Transition t = Begin(s, now);
  t.after.view.set_status(v1::TICKET_STATUS_CLOSED);
  auto* c = t.event.mutable_closed();
  c->set_reason(v1::CLOSE_REASON_EVALUATED);
  c->set_handling_unit_id(s.view.latest_reply().unit_id());
  return t;
}

}  // namespace hotline::routing
