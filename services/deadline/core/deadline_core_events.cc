// ClockEngine: routing's and intake's events applied to the clocks
// (docs/clocks.md, the table of what each event does to each clock): the
// inbox handler Apply and one handler per event.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/deadline/core/deadline_core.h"
#include "services/deadline/core/deadline_core_internal.h"
#include "services/deadline/domain/clock_rules.h"

namespace hotline::deadline {

// ------------------------------------------------------------ events

absl::Status ClockEngine::StartCoUnits(Tx& tx, const v1::TicketEvent& ev,
                                       int round,
                                       const std::vector<std::string>& co_units,
                                       absl::Time at) {
  db::Connection& conn = tx.conn;
  if (co_units.empty()) return absl::OkStatus();
  // The co-opinion is never due after the lead unit's answer.
  std::optional<absl::CivilDay> lead_last;
  std::vector<ClockRow> running;
  if (tx.deferred != nullptr) {
    // A new order's dispatch: its clocks are those kept, none stored.
    for (const ClockRow& c : tx.deferred->clocks) {
      if (c.ticket_id == ev.ticket_id()) running.push_back(c);
    }
  } else {
    ASSIGN_OR_RETURN(running,
                     store_->ClocksOfTicket(conn, ev.ticket_id(), true, false));
  }
  for (const ClockRow& c : running) {
    if (IsCompletionKind(c.kind)) lead_last = LastDay(c.due);
  }
  std::vector<StartSpec> specs;
  for (const std::string& co : co_units) {
    if (tx.deferred != nullptr) {
      tx.deferred->links.push_back(
          {ev.ticket_id(), co, directory::kCenterUnitId});
    } else {
      RETURN_IF_ERROR(store_->PutChainLink(conn, ev.ticket_id(), co,
                                           directory::kCenterUnitId));
    }
    specs.push_back(
        {v1::CLOCK_KIND_RESPONSE, co, ResponsePeriod(*policy_), at});
    specs.push_back({v1::CLOCK_KIND_CO_OPINION, co,
                     CoOpinionPeriod(*policy_, lead_last), at});
  }
  return StartAll(tx, ev, round, specs).status();
}

absl::Status ClockEngine::Dispatch(Tx& tx, const v1::TicketEvent& ev,
                                   const v1::Dispatched& d) {
  db::Connection& conn = tx.conn;
  const absl::Time start = FromProto(ev.occurred_at());
  const int round = std::max(1, d.dispatch_round());
  if (tx.deferred != nullptr) {
    // Nothing of the order is stored: no holding to close, this one the
    // round's first.
    tx.deferred->tickets.insert(ev.ticket_id());
    tx.deferred->links.push_back(
        {ev.ticket_id(), d.unit_id(), directory::kCenterUnitId});
    tx.deferred->holdings.push_back(
        {ev.ticket_id(), round, 1, d.unit_id(), start, "dispatched"});
  } else {
    RETURN_IF_ERROR(store_->PutChainLink(conn, ev.ticket_id(), d.unit_id(),
                                         directory::kCenterUnitId));
    RETURN_IF_ERROR(store_->MoveHolding(conn, ev.ticket_id(), round,
                                        d.unit_id(), start, "dispatched"));
  }
  Period handling = HandlingPeriod(*policy_, d.request_type(),
                                   d.has_limit() ? &d.limit() : nullptr);
  if (d.co_unit_ids_size() > 0) {
    ASSIGN_OR_RETURN(handling,
                     LeadUnitPeriod(*state_->Get(), *policy_, d.request_type(),
                                    handling, start));
  }
  TicketInfo info;
  info.ticket_id = ev.ticket_id();
  info.ticket_number = ev.ticket_number();
  info.request_type = d.request_type();
  info.dispatch_round = round;
  info.first_unit_id = d.unit_id();
  info.handling_rule = handling.rule;
  info.handling_days =
      handling.last_day.has_value() ? 0 : handling.working_days;
  info.dispatched_at = start;
  if (tx.deferred != nullptr) {
    tx.deferred->infos.push_back(info);
  } else {
    RETURN_IF_ERROR(store_->PutTicketInfo(conn, info));
  }

  v1::ClockKind kind = v1::CLOCK_KIND_HANDLING;
  if (d.co_unit_ids_size() > 0) {
    kind = v1::CLOCK_KIND_LEAD_UNIT;
    handling.rule = absl::StrCat("lead_unit.", handling.rule);
  }
  RETURN_IF_ERROR(StartAll(tx, ev, round,
                           {{v1::CLOCK_KIND_RESPONSE, d.unit_id(),
                             ResponsePeriod(*policy_), start},
                            {v1::CLOCK_KIND_FORWARD, d.unit_id(),
                             ForwardPeriod(*policy_), start},
                            {kind, d.unit_id(), handling, start}})
                      .status());
  return StartCoUnits(
      tx, ev, round,
      std::vector<std::string>(d.co_unit_ids().begin(), d.co_unit_ids().end()),
      start);
}

absl::Status ClockEngine::Responded(Tx& tx, Event& e, const std::string& unit) {
  for (ClockRow* c : e.Running(v1::CLOCK_KIND_RESPONSE, unit)) {
    RETURN_IF_ERROR(
        Stop(tx, *c, JudgedBy(c->Facts(), e.at, "responded"), e.at));
    c->running = false;
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::ClimbEnded(Tx& tx, Event& e) {
  for (ClockRow* c : e.Running(v1::CLOCK_KIND_RETURN)) {
    Verdict v;
    v.outcome = v1::CLOCK_OUTCOME_CANCELLED;
    v.cause = "climb_ended_below_center";
    RETURN_IF_ERROR(Stop(tx, *c, v, e.at));
    c->running = false;
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::EndRound(Tx& tx, Event& e, const std::string& cause) {
  db::Connection& conn = tx.conn;
  std::vector<Holding> holdings;
  for (ClockRow& c : e.running) {
    if (!c.running) continue;
    Verdict v = Superseded(c.Facts(), e.at, cause);
    if (c.kind == v1::CLOCK_KIND_FORWARD) {
      // The holder below the first level, reached by forward, counts as the
      // unit that handles the order; otherwise there was nothing to reach.
      ASSIGN_OR_RETURN(holdings,
                       store_->Holdings(conn, c.ticket_id, c.dispatch_round));
      std::optional<absl::Time> arrival;
      if (!holdings.empty() && !holdings.back().left_at.has_value()) {
        const std::string& holder = holdings.back().unit_id;
        for (const Holding& h : holdings) {
          if (h.unit_id == holder && h.arrived_by == "forwarded") {
            arrival = h.arrived_at;
            break;
          }
        }
      }
      if (arrival.has_value()) {
        v = JudgedBy(c.Facts(), *arrival, "handling_unit_reached");
      } else {
        v = Verdict{v1::CLOCK_OUTCOME_CANCELLED, std::nullopt, cause};
      }
    } else if (c.kind == v1::CLOCK_KIND_RETURN) {
      // Not a return that reached the center: not the limit of 6(1).
      v = Verdict{v1::CLOCK_OUTCOME_CANCELLED, std::nullopt, cause};
    }
    RETURN_IF_ERROR(Stop(tx, c, v, e.at));
    c.running = false;
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::OnForwarded(Tx& tx, Event& e) {
  db::Connection& conn = tx.conn;
  const v1::Forwarded& f = e.ev.forwarded();
  const std::string& ticket = e.ev.ticket_id();
  RETURN_IF_ERROR(Responded(tx, e, f.from_unit_id()));
  RETURN_IF_ERROR(ClimbEnded(tx, e));
  RETURN_IF_ERROR(
      store_->PutChainLink(conn, ticket, f.to_unit_id(), f.from_unit_id()));
  RETURN_IF_ERROR(store_->MoveHolding(conn, ticket, e.info.dispatch_round,
                                      f.to_unit_id(), e.at, "forwarded"));
  for (ClockRow& c : e.running) {
    if (c.running && IsHandlingKind(c.kind)) {
      RETURN_IF_ERROR(store_->SetClockUnit(conn, c.clock_id, f.to_unit_id()));
    }
  }
  return Start(tx, e.ev, v1::CLOCK_KIND_RESPONSE, f.to_unit_id(),
               e.info.dispatch_round, ResponsePeriod(*policy_), e.at)
      .status();
}

absl::Status ClockEngine::OnReturned(Tx& tx, Event& e) {
  db::Connection& conn = tx.conn;
  const v1::Returned& r = e.ev.returned();
  const std::string& ticket = e.ev.ticket_id();
  const int round = e.info.dispatch_round;
  RETURN_IF_ERROR(Responded(tx, e, r.from_unit_id()));
  std::vector<ClockRow*> climb = e.Running(v1::CLOCK_KIND_RETURN);
  ClockRow started;
  if (climb.empty()) {
    // One RETURN clock per climb, its period running from the dispatch: the
    // 2 working days of 6(1) are counted over every level (a first-level
    // unit's direct return included).
    const absl::Time from = e.info.dispatched_at.value_or(e.at);
    ASSIGN_OR_RETURN(
        started, Start(tx, e.ev, v1::CLOCK_KIND_RETURN, e.info.first_unit_id,
                       round, ReturnPeriod(*policy_), from));
    e.running.push_back(started);
    climb = e.Running(v1::CLOCK_KIND_RETURN);
  }
  if (!r.reached_center()) {
    RETURN_IF_ERROR(store_->MoveHolding(conn, ticket, round, r.to_unit_id(),
                                        e.at, "returned"));
    for (ClockRow& c : e.running) {
      if (c.running && IsHandlingKind(c.kind)) {
        RETURN_IF_ERROR(store_->SetClockUnit(conn, c.clock_id, r.to_unit_id()));
      }
    }
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(store_->CloseHolding(conn, ticket, round, e.at));
  for (ClockRow* c : climb) {
    RETURN_IF_ERROR(
        Stop(tx, *c, JudgedBy(c->Facts(), e.at, "reached_center"), e.at));
    c->running = false;
  }
  return EndRound(tx, e, "reached_center");
}

absl::Status ClockEngine::OnReplied(Tx& tx, Event& e) {
  db::Connection& conn = tx.conn;
  const v1::Replied& r = e.ev.replied();
  RETURN_IF_ERROR(Responded(tx, e, r.unit_id()));
  RETURN_IF_ERROR(ClimbEnded(tx, e));
  for (ClockRow* c : e.Running(v1::CLOCK_KIND_FORWARD)) {
    Verdict v{v1::CLOCK_OUTCOME_CANCELLED, std::nullopt,
              "handled_at_first_level"};
    if (r.unit_id() != e.info.first_unit_id) {
      // Judged at the handling unit's first arrival by forward this round.
      ASSIGN_OR_RETURN(std::vector<Holding> hs,
                       store_->Holdings(conn, c->ticket_id, c->dispatch_round));
      absl::Time arrival = e.at;
      for (const Holding& h : hs) {
        if (h.unit_id == r.unit_id() && h.arrived_by == "forwarded") {
          arrival = h.arrived_at;
          break;
        }
      }
      v = JudgedBy(c->Facts(), arrival, "handling_unit_reached");
    }
    RETURN_IF_ERROR(Stop(tx, *c, v, e.at));
    c->running = false;
  }
  for (ClockRow& c : e.running) {
    if (c.running && IsHandlingKind(c.kind) && !c.pending_since.has_value()) {
      RETURN_IF_ERROR(Suspend(tx, c, e.at, Pending::kReply));
    }
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::OnReviewed(Tx& tx, Event& e) {
  db::Connection& conn = tx.conn;
  const v1::Reviewed& r = e.ev.reviewed();
  if (!r.approved()) {
    bool rehandling = false;
    for (ClockRow& c : e.running) {
      if (!c.running || !IsHandlingKind(c.kind)) continue;
      rehandling = rehandling || c.kind == v1::CLOCK_KIND_REHANDLING;
      if (c.pending == Pending::kReply) {
        RETURN_IF_ERROR(Resume(tx, c, e.at, "review_rejected"));
      }
    }
    if (!rehandling) {
      // The first rejection of the round: re-handling is chased after the
      // policy's days; no fresh limit for completion (docs/clocks.md).
      RETURN_IF_ERROR(Start(tx, e.ev, v1::CLOCK_KIND_REHANDLING, r.unit_id(),
                            e.info.dispatch_round,
                            RehandlingPeriod(*policy_, e.info.request_type,
                                             e.info.handling_days),
                            e.at)
                          .status());
    }
    // Co-units give their input again, except those the center released.
    ASSIGN_OR_RETURN(
        std::vector<ClockRow> all,
        store_->ClocksOfTicket(conn, e.ev.ticket_id(), false, false));
    std::vector<std::string> co_units;
    for (const ClockRow& c : all) {
      if (c.kind != v1::CLOCK_KIND_CO_OPINION ||
          c.dispatch_round != e.info.dispatch_round) {
        continue;
      }
      auto it = std::find(co_units.begin(), co_units.end(), c.unit_id);
      const bool released = c.stop_cause == "co_unit_released";
      if (released && it != co_units.end()) co_units.erase(it);
      if (!released && it == co_units.end()) co_units.push_back(c.unit_id);
    }
    std::optional<absl::CivilDay> last;
    ASSIGN_OR_RETURN(
        std::vector<ClockRow> now_running,
        store_->ClocksOfTicket(conn, e.ev.ticket_id(), true, false));
    for (const ClockRow& c : now_running) {
      if (c.kind == v1::CLOCK_KIND_REHANDLING) last = LastDay(c.due);
    }
    for (const std::string& co : co_units) {
      RETURN_IF_ERROR(Start(tx, e.ev, v1::CLOCK_KIND_CO_OPINION, co,
                            e.info.dispatch_round,
                            CoOpinionPeriod(*policy_, last), e.at)
                          .status());
    }
    return absl::OkStatus();
  }
  // Approved: the re-handling clock is judged first; missing it makes the
  // completion missed (docs/clocks.md).
  bool rehandling_missed = false;
  for (ClockRow* c : e.Running(v1::CLOCK_KIND_REHANDLING)) {
    if (!c->pending_since.has_value()) continue;
    const Verdict v =
        JudgedBy(c->Facts(), *c->pending_since, "reviewed.approved");
    rehandling_missed = v.outcome == v1::CLOCK_OUTCOME_MISSED;
    RETURN_IF_ERROR(Stop(tx, *c, v, e.at));
    c->running = false;
  }
  for (ClockRow& c : e.running) {
    if (!c.running || !IsCompletionKind(c.kind) || !c.pending_since) continue;
    Verdict v = JudgedBy(c.Facts(), *c.pending_since, "reviewed.approved");
    if (rehandling_missed && v.outcome == v1::CLOCK_OUTCOME_MET) {
      v.outcome = v1::CLOCK_OUTCOME_MISSED;
      v.cause = "rehandling_missed";
    }
    RETURN_IF_ERROR(Stop(tx, c, v, e.at));
    c.running = false;
  }
  return EndRound(tx, e, "reviewed.approved");
}

absl::Status ClockEngine::OnCoUnitsAdded(Tx& tx, Event& e) {
  db::Connection& conn = tx.conn;
  const v1::CoUnitsAdded& a = e.ev.co_units_added();
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  for (ClockRow& c : e.running) {
    if (!c.running || c.kind != v1::CLOCK_KIND_HANDLING) continue;
    // The handling clock becomes the lead unit's (6(2)) in place: same id,
    // its fired steps, pending extension and lateness kept.
    const std::string own_rule = c.rule;
    const bool extended = c.explanation.rule() == "extension.approved";
    c.kind = v1::CLOCK_KIND_LEAD_UNIT;
    c.rule = absl::StrCat("lead_unit.", c.rule);
    if (!extended) c.explanation.set_rule(c.rule);
    RETURN_IF_ERROR(store_->SetClockKind(conn, c));
    // The lead unit's cap applies to an own limit however late the co-units
    // came (an approved extension stands).
    if (own_rule != "handling.own_limit" || extended) continue;
    Period own{own_rule, c.explanation.article(), c.working_days, std::nullopt};
    if (c.fixed_due) own.last_day = LastDay(c.original_due);
    ASSIGN_OR_RETURN(
        Period capped,
        LeadUnitPeriod(*cal, *policy_, e.info.request_type, own, c.started_at));
    if (capped.rule == own.rule) continue;
    capped.rule = c.rule;
    ASSIGN_OR_RETURN(v1::Explanation ex,
                     Explain(*cal, *policy_, capped, c.started_at));
    if (FromProto(ex.due()) >= c.due) continue;
    RETURN_IF_ERROR(MoveDue(tx, c, ex, false,
                            v1::CLOCK_MOVE_CAUSE_LEAD_UNIT_CAP, nullptr, ""));
    // A cap that leaves the clock past its due makes it overdue now.
    if (e.at >= c.due && !c.pending_since.has_value()) {
      RETURN_IF_ERROR(ReportOverdue(tx, c, e.at, e.at, "lead_unit_cap"));
    }
  }
  return StartCoUnits(
      tx, e.ev, e.info.dispatch_round,
      std::vector<std::string>(a.co_unit_ids().begin(), a.co_unit_ids().end()),
      e.at);
}

absl::Status ClockEngine::OnDisputeDecided(Tx& tx, Event& e) {
  if (e.ev.dispute_decided().outcome() == v1::DISPUTE_OUTCOME_DISPUTE_GRANTED) {
    // Judged at the dispute: inside the limit when raised before the due.
    return EndRound(tx, e, "dispute_granted");
  }
  for (ClockRow& c : e.running) {
    if (c.running && c.pending == Pending::kDispute) {
      RETURN_IF_ERROR(Resume(tx, c, e.at, "dispute_upheld"));
    }
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::ApplyEvent(Tx& tx, const v1::TicketEvent& ev) {
  db::Connection& conn = tx.conn;
  switch (ev.payload_case()) {
    case v1::TicketEvent::kDispatched:
      return Dispatch(tx, ev, ev.dispatched());
    case v1::TicketEvent::kRedispatched:
    case v1::TicketEvent::kClosed:
    case v1::TicketEvent::kAccepted:
    case v1::TicketEvent::kForwarded:
    case v1::TicketEvent::kReturned:
    case v1::TicketEvent::kDisputeRaised:
    case v1::TicketEvent::kDisputeDecided:
    case v1::TicketEvent::kCoUnitsAdded:
    case v1::TicketEvent::kCoOpinionSubmitted:
    case v1::TicketEvent::kCoUnitReleased:
    case v1::TicketEvent::kReplied:
    case v1::TicketEvent::kReviewed:
      break;
    default:
      return absl::OkStatus();  // not a clock event
  }
  ASSIGN_OR_RETURN(std::optional<TicketInfo> info,
                   store_->GetTicketInfo(conn, ev.ticket_id()));
  if (!info.has_value()) return absl::OkStatus();  // never dispatched here
  // Clocks stop when the event happened, not when it reached this service
  // (the relay may have been behind, or this service down).
  Event e{ev,
          ev.has_occurred_at() ? FromProto(ev.occurred_at()) : clock_->Now(),
          *info,
          {}};
  ASSIGN_OR_RETURN(e.running,
                   store_->ClocksOfTicket(conn, ev.ticket_id(), true, true));
  switch (ev.payload_case()) {
    case v1::TicketEvent::kRedispatched:
      RETURN_IF_ERROR(EndRound(tx, e, "redispatched"));
      RETURN_IF_ERROR(store_->CloseHolding(conn, ev.ticket_id(),
                                           info->dispatch_round, e.at));
      return Dispatch(tx, ev, ev.redispatched().dispatch());
    case v1::TicketEvent::kClosed:
      return EndRound(tx, e,
                      ev.closed().reason() == v1::CLOSE_REASON_MERGED
                          ? "merged"
                          : "closed");
    case v1::TicketEvent::kAccepted:
      RETURN_IF_ERROR(Responded(tx, e, ev.accepted().unit_id()));
      // A holder on the way up that takes the order back ends the climb.
      if (!ev.accepted().as_co_unit()) return ClimbEnded(tx, e);
      return absl::OkStatus();
    case v1::TicketEvent::kForwarded:
      return OnForwarded(tx, e);
    case v1::TicketEvent::kReturned:
      return OnReturned(tx, e);
    case v1::TicketEvent::kDisputeRaised:
      RETURN_IF_ERROR(Responded(tx, e, ev.dispute_raised().unit_id()));
      for (ClockRow& c : e.running) {
        if (c.running && IsCompletionKind(c.kind) && !c.pending_since) {
          RETURN_IF_ERROR(Suspend(tx, c, e.at, Pending::kDispute));
        }
      }
      return absl::OkStatus();
    case v1::TicketEvent::kDisputeDecided:
      return OnDisputeDecided(tx, e);
    case v1::TicketEvent::kCoUnitsAdded:
      return OnCoUnitsAdded(tx, e);
    case v1::TicketEvent::kCoOpinionSubmitted: {
      const std::string& co = ev.co_opinion_submitted().co_unit_id();
      RETURN_IF_ERROR(Responded(tx, e, co));
      for (ClockRow* c : e.Running(v1::CLOCK_KIND_CO_OPINION, co)) {
        RETURN_IF_ERROR(
            Stop(tx, *c, JudgedBy(c->Facts(), e.at, "co_opinion"), e.at));
        c->running = false;
      }
      return absl::OkStatus();
    }
    case v1::TicketEvent::kCoUnitReleased: {
      const std::string& co = ev.co_unit_released().co_unit_id();
      for (ClockRow& c : e.running) {
        if (c.running && c.unit_id == co &&
            (c.kind == v1::CLOCK_KIND_RESPONSE ||
             c.kind == v1::CLOCK_KIND_CO_OPINION)) {
          RETURN_IF_ERROR(Stop(
              tx, c, Superseded(c.Facts(), e.at, "co_unit_released"), e.at));
          c.running = false;
        }
      }
      return absl::OkStatus();
    }
    case v1::TicketEvent::kReplied:
      return OnReplied(tx, e);
    case v1::TicketEvent::kReviewed:
      return OnReviewed(tx, e);
    default:
      return absl::OkStatus();
  }
}

}  // namespace hotline::deadline
