// Routing's core, the events it consumes (routing_core.h, OnEvent): orders
// created, merged, unmerged and evaluated elsewhere, and deadline's clocks and
// ladder steps. Automatic dispatch by the catalogue happens here.

#include "absl/strings/str_cat.h"
#include "common/db/sql_text.h"
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
      ASSIGN_OR_RETURN(auto dir, Dir(c));
      const UnitTree& tree = dir->tree;
      AssignmentMachine m(&tree);
      AssignmentState s =
          m.Received(e.ticket_id(), e.ticket_number(), created, now);
      const v1::DispatchSuggestion suggestion = SuggestFor(dir->rules, s.view);
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
          return Commit(c, *t, system, nullptr);
        }
        // The rule names a unit that cannot take it now: the center decides.
      }
      return store_.SaveAssignment(c, s, nullptr);
    }
    case v1::TicketEvent::kTicketMerged:
    case v1::TicketEvent::kTicketUnmerged:
    case v1::TicketEvent::kEvaluationRecorded: {
      ASSIGN_OR_RETURN(auto s, store_.LoadAssignment(c, e.ticket_id(), true));
      if (!s) return absl::OkStatus();  // closed at intake or unknown
      ASSIGN_OR_RETURN(auto dir, Dir(c));
      const UnitTree& tree = dir->tree;
      AssignmentMachine m(&tree);
      absl::StatusOr<Transition> t = e.has_ticket_merged() ? m.Merge(*s, now)
                                     : e.has_ticket_unmerged()
                                         ? m.Unmerge(*s, now)
                                         : m.Evaluated(*s, now);
      if (!t.ok()) return absl::OkStatus();  // nothing to do in this state
      return Commit(c, *t, system, &*s);
    }
    case v1::TicketEvent::kClockStarted:
    case v1::TicketEvent::kClockMoved:
    case v1::TicketEvent::kClockStopped: {
      return OnClockEvent(c, e);
    }
    case v1::TicketEvent::kLadderStepFired: {
      ASSIGN_OR_RETURN(auto s, store_.LoadAssignment(c, e.ticket_id(), true));
      if (!s) return absl::OkStatus();
      if (e.ladder_step_fired().step() <= s->view.ladder_step()) {
        return absl::OkStatus();  // the stored row would be written unchanged
      }
      const AssignmentState stored = *s;
      s->view.set_ladder_step(e.ladder_step_fired().step());
      return store_.SaveAssignment(c, *s, &stored);
    }
    default:
      return absl::OkStatus();
  }
}

absl::Status Core::OnClockEvent(db::Connection& c, const v1::TicketEvent& e) {
  const std::string& clock_id =
      e.has_clock_started() ? e.clock_started().clock_id()
      : e.has_clock_moved() ? e.clock_moved().clock_id()
                            : e.clock_stopped().clock_id();
  // The order locked first, with its clocks as stored before this event.
  ASSIGN_OR_RETURN(auto loaded,
                   store_.LoadForClockEvent(c, e.ticket_id(), clock_id));
  // The clock is recorded whether or not routing knows the order yet. The
  // clocks of the order after the write follow from the rows before it and
  // the write itself (below), so they need not be read back. A stored
  // instant has the DATETIME(6) precision of its text.
  const auto stored_instant = [](absl::Time t) {
    return db::ParseSqlTime(db::SqlTime(t));
  };
  std::vector<RunningClock>* clocks = loaded ? &loaded->clocks : nullptr;
  auto find = [&]() -> RunningClock* {
    if (clocks == nullptr) return nullptr;
    for (auto& k : *clocks) {
      if (k.clock_id == clock_id) return &k;
    }
    return nullptr;
  };
  if (e.has_clock_started()) {
    const auto& k = e.clock_started();
    RunningClock started{k.clock_id(), k.kind(), k.dispatch_round(),
                         FromProto(k.due())};
    RETURN_IF_ERROR(store_.PutClock(c, e.ticket_id(), started));
    // A new row, or (the clock stored already) only its due changes.
    if (RunningClock* old = find()) {
      old->due = stored_instant(started.due);
    } else if (loaded && loaded->clock_owner.empty()) {
      started.due = stored_instant(started.due);
      clocks->push_back(started);
    }
  } else if (e.has_clock_moved()) {
    const absl::Time due = FromProto(e.clock_moved().due());
    RETURN_IF_ERROR(store_.SetClockDue(c, clock_id, due));
    if (RunningClock* old = find()) old->due = stored_instant(due);
  } else {
    RETURN_IF_ERROR(store_.StopClock(c, clock_id));
    if (RunningClock* old = find()) old->running = false;
  }
  if (!loaded) return absl::OkStatus();
  AssignmentState s = loaded->state;
  RefreshDues(loaded->clocks, s);
  if (s.view.SerializeAsString() == loaded->state.view.SerializeAsString()) {
    return absl::OkStatus();  // the stored row would be written unchanged
  }
  return store_.SaveAssignment(c, s, &loaded->state);
}

void Core::RefreshDues(const std::vector<RunningClock>& clocks,
                       AssignmentState& s) {
  auto& v = s.view;
  v.clear_response_due();
  v.clear_handling_due();
  v.clear_next_due();
  std::optional<absl::Time> resp, handling, next;
  for (const auto& k : clocks) {
    if (!k.running) continue;
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
}

}  // namespace hotline::routing
