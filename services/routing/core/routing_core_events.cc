// Routing's core, the events it consumes (routing_core.h, OnEvent): orders
// created, merged, unmerged and evaluated elsewhere, and deadline's clocks and
// ladder steps. Automatic dispatch by the catalogue happens here.

#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/routing/core/routing_core.h"

namespace hotline::routing {

absl::Status Core::OnEvent(db::Connection& c, const v1::TicketEvent& e) {
  const absl::Time now = Now();
  v1::Actor system;
  system.set_principal_id("system");
  system.set_role(v1::SERVICE);
  switch (e.payload_case()) {
    case v1::TicketEvent::kTicketCreated: {
      const auto& created = e.ticket_created();
      if (created.closed_at_intake()) return absl::OkStatus();
      ASSIGN_OR_RETURN(auto existing,
                       store_.LoadAssignment(c, e.ticket_id(), true));
      if (existing) return absl::OkStatus();
      ASSIGN_OR_RETURN(UnitTree tree, Tree(c));
      AssignmentMachine m(&tree);
      AssignmentState s =
          m.Received(e.ticket_id(), e.ticket_number(), created, now);
      ASSIGN_OR_RETURN(auto suggestion, SuggestFor(c, s.view));
      if (suggestion.automatic()) {
        const auto& best = suggestion.candidates(0);
        DispatchCommand cmd;
        cmd.unit_id = best.unit_id();
        cmd.co_unit_ids.assign(best.co_unit_ids().begin(),
                               best.co_unit_ids().end());
        cmd.rule_id = best.rule_id();
        cmd.automatic = true;
        cmd.note = absl::StrCat("派单目录自动派单: ", best.rule_name());
        if (cmd.note.size() > 1024) cmd.note.resize(0);
        auto t = m.Dispatch(s, cmd, now);
        if (t.ok()) {
          return Commit(c, *t, system);
        }
        // The rule names a unit that cannot take it now: the center decides.
      }
      return store_.SaveAssignment(c, s);
    }
    case v1::TicketEvent::kTicketMerged:
    case v1::TicketEvent::kTicketUnmerged:
    case v1::TicketEvent::kEvaluationRecorded: {
      ASSIGN_OR_RETURN(auto s, store_.LoadAssignment(c, e.ticket_id(), true));
      if (!s) return absl::OkStatus();  // closed at intake or unknown
      ASSIGN_OR_RETURN(UnitTree tree, Tree(c));
      AssignmentMachine m(&tree);
      absl::StatusOr<Transition> t = e.has_ticket_merged() ? m.Merge(*s, now)
                                     : e.has_ticket_unmerged()
                                         ? m.Unmerge(*s, now)
                                         : m.Evaluated(*s, now);
      if (!t.ok()) return absl::OkStatus();  // nothing to do in this state
      return Commit(c, *t, system);
    }
    case v1::TicketEvent::kClockStarted:
    case v1::TicketEvent::kClockMoved:
    case v1::TicketEvent::kClockStopped: {
      if (e.has_clock_started()) {
        const auto& k = e.clock_started();
        RETURN_IF_ERROR(store_.PutClock(
            c, e.ticket_id(),
            RunningClock{k.clock_id(), k.kind(), k.dispatch_round(),
                         FromProto(k.due())}));
      } else if (e.has_clock_moved()) {
        RETURN_IF_ERROR(store_.SetClockDue(c, e.clock_moved().clock_id(),
                                           FromProto(e.clock_moved().due())));
      } else {
        RETURN_IF_ERROR(store_.StopClock(c, e.clock_stopped().clock_id()));
      }
      ASSIGN_OR_RETURN(auto s, store_.LoadAssignment(c, e.ticket_id(), true));
      if (!s) return absl::OkStatus();
      RETURN_IF_ERROR(RefreshDues(c, *s));
      return store_.SaveAssignment(c, *s);
    }
    case v1::TicketEvent::kLadderStepFired: {
      ASSIGN_OR_RETURN(auto s, store_.LoadAssignment(c, e.ticket_id(), true));
      if (!s) return absl::OkStatus();
      if (e.ladder_step_fired().step() > s->view.ladder_step()) {
        s->view.set_ladder_step(e.ladder_step_fired().step());
      }
      return store_.SaveAssignment(c, *s);
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status Core::RefreshDues(db::Connection& c, AssignmentState& s) {
  ASSIGN_OR_RETURN(auto clocks, store_.RunningClocks(c, s.view.ticket_id()));
  auto& v = s.view;
  v.clear_response_due();
  v.clear_handling_due();
  v.clear_next_due();
  std::optional<absl::Time> resp, handling, next;
  for (const auto& k : clocks) {
    if (k.dispatch_round != v.dispatch_round()) continue;
    if (k.kind == v1::CLOCK_KIND_RESPONSE) {
      if (!resp || k.due < *resp) resp = k.due;
    }
    if (k.kind == v1::CLOCK_KIND_HANDLING ||
        k.kind == v1::CLOCK_KIND_REHANDLING ||
        k.kind == v1::CLOCK_KIND_LEAD_UNIT) {
      if (!handling || k.due < *handling) handling = k.due;
    }
    if (!next || k.due < *next) next = k.due;
  }
  if (resp) *v.mutable_response_due() = ToProto(*resp);
  if (handling) *v.mutable_handling_due() = ToProto(*handling);
  if (next) *v.mutable_next_due() = ToProto(*next);
  return absl::OkStatus();
}

}  // namespace hotline::routing
