// Routing's core, the events it consumes (routing_core.h, NewEventBatch):
// orders created, merged, unmerged and evaluated elsewhere, and deadline's
// clocks and ladder steps. Automatic dispatch by the catalogue happens here.

#include <map>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/db/sql_text.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/routing/core/routing_core.h"

namespace hotline::routing {

// One inbox transaction's events (Core::NewEventBatch). The batch's orders
// and clocks are held here from Begin's reads on: every event reads and
// changes the held copies, and Finish writes what changed. Used by one
// thread for one transaction attempt.
class RoutingEventBatch final : public outbox::EventBatch {
 public:
  explicit RoutingEventBatch(Core* core) : core_(core) {}

  absl::Status Begin(
      db::Connection& c,
      const std::vector<const v1::TicketEvent*>& events) override {
    std::vector<std::string> tickets, clock_tickets, clock_ids;
    for (const v1::TicketEvent* e : events) {
      tickets.push_back(e->ticket_id());
      if (const std::string* id = ClockIdOf(*e)) {
        clock_tickets.push_back(e->ticket_id());
        clock_ids.push_back(*id);
      }
    }
    RETURN_IF_ERROR(LoadOrders(c, tickets));
    return LoadClocks(c, clock_tickets, clock_ids);
  }

  absl::Status Handle(db::Connection& c, const v1::TicketEvent& e) override {
    // Loaded by Begin; an event Begin did not see (never, through the
    // inbox) is loaded now.
    RETURN_IF_ERROR(LoadOrders(c, {e.ticket_id()}));
    if (const std::string* id = ClockIdOf(e)) {
      RETURN_IF_ERROR(LoadClocks(c, {e.ticket_id()}, {*id}));
      return OnClockEvent(e);
    }
    return OnOrderEvent(c, e);
  }

  absl::Status Finish(db::Connection& c) override {
    RoutingStore& store = core_->store_;
    std::vector<StoredClock> clocks;
    for (const auto& [id, k] : clocks_) {
      if (k.changed) clocks.push_back(k.stored);
    }
    RETURN_IF_ERROR(store.PutClocks(c, clocks));
    std::vector<std::pair<const AssignmentState*, const AssignmentState*>>
        states;
    for (const auto& [id, o] : orders_) {
      if (o.changed) {
        states.emplace_back(&*o.now, o.stored ? &*o.stored : nullptr);
      }
    }
    RETURN_IF_ERROR(store.SaveAssignments(c, states));
    if (emitted_.empty()) return absl::OkStatus();
    // As one by one: the events in the order their events were applied
    // (Append is one round trip cheaper for one).
    if (emitted_.size() == 1) {
      return core_->ctx_.outbox.Append(c, &emitted_.front());
    }
    std::vector<v1::TicketEvent*> events;
    events.reserve(emitted_.size());
    for (v1::TicketEvent& e : emitted_) events.push_back(&e);
    return core_->ctx_.outbox.AppendAll(c, events);
  }

 private:
  // An order of the batch: as stored when the batch began (nullopt: routing
  // had no row) and as the batch's events left it so far.
  struct Order {
    std::optional<AssignmentState> stored;
    std::optional<AssignmentState> now;
    bool changed = false;
  };
  // A clock of the batch, as the batch's events left it so far.
  struct Clock {
    StoredClock stored;
    bool changed = false;
  };

  // The clock a clock event names; null for other events.
  static const std::string* ClockIdOf(const v1::TicketEvent& e) {
    if (e.has_clock_started()) return &e.clock_started().clock_id();
    if (e.has_clock_moved()) return &e.clock_moved().clock_id();
    if (e.has_clock_stopped()) return &e.clock_stopped().clock_id();
    return nullptr;
  }

  // Reads (locked) the assignments of the orders not held yet.
  absl::Status LoadOrders(db::Connection& c,
                          const std::vector<std::string>& tickets) {
    std::set<std::string> missing;
    for (const std::string& t : tickets) {
      if (!orders_.count(t)) missing.insert(t);
    }
    if (missing.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(auto loaded, core_->store_.LockAssignments(
                                      c, std::vector<std::string>(
                                             missing.begin(), missing.end())));
    for (const std::string& t : missing) orders_[t];  // nullopt: no row
    for (auto& [t, s] : loaded) {
      Order& o = orders_[t];
      o.stored = s;
      o.now = std::move(s);
    }
    return absl::OkStatus();
  }

  // Reads (locked) every clock of the orders whose clocks are not held yet
  // and the clocks named that are not held yet. A held copy is never
  // replaced: it is newer than the stored row.
  absl::Status LoadClocks(db::Connection& c,
                          const std::vector<std::string>& tickets,
                          const std::vector<std::string>& ids) {
    std::vector<std::string> want_tickets, want_ids;
    for (const std::string& t : tickets) {
      if (!clock_tickets_.count(t)) want_tickets.push_back(t);
    }
    for (const std::string& id : ids) {
      if (!clocks_.count(id) && !looked_up_.count(id)) want_ids.push_back(id);
    }
    if (want_tickets.empty() && want_ids.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::vector<StoredClock> loaded,
                     core_->store_.LockClocks(c, want_tickets, want_ids));
    for (StoredClock& k : loaded) {
      const std::string id = k.clock.clock_id;
      clocks_.try_emplace(id, Clock{std::move(k), false});
    }
    clock_tickets_.insert(want_tickets.begin(), want_tickets.end());
    looked_up_.insert(want_ids.begin(), want_ids.end());
    return absl::OkStatus();
  }

  // The directory as this transaction sees it, its stamp read once.
  absl::StatusOr<std::shared_ptr<const Directory>> Dir(db::Connection& c) {
    if (dir_ == nullptr) {
      ASSIGN_OR_RETURN(dir_, core_->Dir(c));
    }
    return dir_;
  }

  // The order's new state; `t`'s event, if any, to be appended by Finish.
  void Commit(Order& o, Transition& t) {
    o.now = t.after;
    o.changed = true;
    if (t.has_event) {
      *t.event.mutable_actor() = System();
      emitted_.push_back(std::move(t.event));
    }
  }

  static v1::Actor System() {
    v1::Actor system;
    system.set_principal_id("system");
    system.set_role(v1::SERVICE);
    return system;
  }

  absl::Status OnOrderEvent(db::Connection& c, const v1::TicketEvent& e) {
    const absl::Time now = core_->Now();
    Order& o = orders_[e.ticket_id()];
    switch (e.payload_case()) {
      case v1::TicketEvent::kTicketCreated: {
        const auto& created = e.ticket_created();
        if (created.closed_at_intake()) return absl::OkStatus();
        if (o.now) return absl::OkStatus();
        ASSIGN_OR_RETURN(auto dir, Dir(c));
        const UnitTree& tree = dir->tree;
        AssignmentMachine m(&tree);
        AssignmentState s =
            m.Received(e.ticket_id(), e.ticket_number(), created, now);
        const v1::DispatchSuggestion suggestion =
            core_->SuggestFor(dir->rules, s.view);
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
            Commit(o, *t);
            return absl::OkStatus();
          }
          // The rule names a unit that cannot take it now: the center
          // decides.
        }
        o.now = std::move(s);
        o.changed = true;
        return absl::OkStatus();
      }
      case v1::TicketEvent::kTicketMerged:
      case v1::TicketEvent::kTicketUnmerged:
      case v1::TicketEvent::kEvaluationRecorded: {
        if (!o.now) return absl::OkStatus();  // closed at intake or unknown
        ASSIGN_OR_RETURN(auto dir, Dir(c));
        const UnitTree& tree = dir->tree;
        AssignmentMachine m(&tree);
        absl::StatusOr<Transition> t =
            e.has_ticket_merged()     ? m.Merge(*o.now, now)
            : e.has_ticket_unmerged() ? m.Unmerge(*o.now, now)
                                      : m.Evaluated(*o.now, now);
        if (!t.ok()) return absl::OkStatus();  // nothing to do in this state
        Commit(o, *t);
        return absl::OkStatus();
      }
      case v1::TicketEvent::kLadderStepFired: {
        if (!o.now) return absl::OkStatus();
        if (e.ladder_step_fired().step() <= o.now->view.ladder_step()) {
          return absl::OkStatus();  // the row would be written unchanged
        }
        o.now->view.set_ladder_step(e.ladder_step_fired().step());
        o.changed = true;
        return absl::OkStatus();
      }
      default:
        return absl::OkStatus();
    }
  }

  // A clock event (ClockStarted/Moved/Stopped): records the clock whether or
  // not routing knows the order yet, and recomputes the order's due
  // instants from its clocks.
  absl::Status OnClockEvent(const v1::TicketEvent& e) {
    const std::string& clock_id = *ClockIdOf(e);
    // What the database would return for the instant written (DATETIME(6)).
    const auto stored_instant = [](absl::Time t) {
      return db::ParseSqlTime(db::SqlTime(t));
    };
    auto held = clocks_.find(clock_id);
    if (e.has_clock_started()) {
      const auto& k = e.clock_started();
      if (held != clocks_.end()) {
        // Stored already (under whichever order): only its due changes.
        held->second.stored.clock.due = stored_instant(FromProto(k.due()));
        held->second.changed = true;
      } else {
        Clock fresh;
        fresh.stored.ticket_id = e.ticket_id();
        fresh.stored.clock =
            RunningClock{k.clock_id(), k.kind(), k.dispatch_round(),
                         stored_instant(FromProto(k.due()))};
        fresh.changed = true;
        clocks_.emplace(clock_id, std::move(fresh));
      }
    } else if (held == clocks_.end()) {
      // Moved or stopped, never stored: nothing to write.
    } else if (e.has_clock_moved()) {
      held->second.stored.clock.due =
          stored_instant(FromProto(e.clock_moved().due()));
      held->second.changed = true;
    } else {
      held->second.stored.clock.running = false;
      held->second.changed = true;
    }
    Order& o = orders_[e.ticket_id()];
    if (!o.now) return absl::OkStatus();
    std::vector<RunningClock> clocks;
    for (const auto& [id, k] : clocks_) {
      if (k.stored.ticket_id == e.ticket_id()) clocks.push_back(k.stored.clock);
    }
    AssignmentState s = *o.now;
    Core::RefreshDues(clocks, s);
    if (s.view.SerializeAsString() == o.now->view.SerializeAsString()) {
      return absl::OkStatus();  // the row would be written unchanged
    }
    o.now = std::move(s);
    o.changed = true;
    return absl::OkStatus();
  }

  Core* core_;
  std::map<std::string, Order> orders_;
  std::map<std::string, Clock> clocks_;  // by clock_id
  // Orders whose clocks are all held; clock ids looked up (held if stored).
  std::set<std::string> clock_tickets_;
  std::set<std::string> looked_up_;
  std::shared_ptr<const Directory> dir_;
  std::vector<v1::TicketEvent> emitted_;
};

std::unique_ptr<outbox::EventBatch> Core::NewEventBatch() {
  return std::make_unique<RoutingEventBatch>(this);
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
