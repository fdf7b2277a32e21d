// The ladder [7]: the scanner's batches (overdue watches and the automatic
// steps 催办/督办), the acts of people above them (专项督查, 全区通报), and the
// delivery of their notices.

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/db/transaction.h"
#include "common/log/log.h"
#include "common/server/actor.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/deadline/core/deadline_core.h"
#include "services/deadline/domain/ladder_rules.h"

namespace hotline::deadline {
namespace {

// The LadderStepFired event of a recorded step.
v1::TicketEvent StepEvent(const v1::LadderStepRecord& rec, absl::Time due) {
  v1::TicketEvent ev;
  v1::LadderStepFired* f = ev.mutable_ladder_step_fired();
  f->set_step_id(rec.step_id());
  f->set_step(rec.step());
  f->set_clock_id(rec.clock_id());
  f->set_clock_kind(rec.clock_kind());
  f->set_unit_id(rec.unit_id());
  *f->mutable_due() = ToProto(due);
  for (const RecipientPlan& plan : PlanFor(rec.step())) {
    const NoticeTarget who = RecipientOf(plan.kind);
    v1::NoticeRecipient* r = f->add_recipients();
    r->set_kind(plan.kind);
    r->set_unit_id(who.unit_id.empty() ? rec.unit_id() : who.unit_id);
    r->set_name(who.name);
    for (v1::NoticeChannel ch : plan.channels) r->add_channels(ch);
  }
  f->set_act_id(rec.act_id());
  f->set_act_text(rec.act_text());
  return ev;
}

FiredStep MakeStep(const ClockRow& c, v1::LadderStep step, absl::Time at,
                   const std::string& act_id, const std::string& act_text) {
  FiredStep s;
  v1::LadderStepRecord& rec = s.record;
  rec.set_ticket_id(c.ticket_id);
  rec.set_ticket_number(c.ticket_number);
  rec.set_step(step);
  rec.set_clock_id(absl::StrCat(c.clock_id));
  rec.set_clock_kind(c.kind);
  rec.set_unit_id(c.unit_id);
  *rec.mutable_due() = ToProto(c.due);
  *rec.mutable_fired_at() = ToProto(at);
  rec.set_act_id(act_id);
  rec.set_act_text(act_text);
  s.text = NoticeText(step, c.ticket_number, c.due, act_text);
  return s;
}

}  // namespace

absl::StatusOr<int> ClockEngine::FireBatch(
    db::Connection& conn, const std::vector<DueRung>& due, absl::Time now,
    const std::string& replica, const std::function<bool(int)>& after_step) {
  if (due.empty()) return 0;
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  LadderBatch batch;
  batch.fired_by = replica;
  std::vector<v1::TicketEvent> overdue_events;
  std::vector<const ClockRow*> fired;
  // Lateness is reported before the steps it causes.
  std::vector<const DueRung*> order;
  for (const DueRung& d : due) order.push_back(&d);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) {
    return a->rung.step < b->rung.step;
  });
  std::map<int64_t, OverdueState> states;
  for (const DueRung* d : order) {
    const LadderDue& r = d->rung;
    const ClockRow& c = d->clock;
    batch.claimed.push_back(r);
    switch (DecideRung(r.step, c.running, c.pending_since.has_value(), c.due,
                       c.ladder_step, now)) {
      case RungAction::kDrop:
      case RungAction::kFired:
        continue;
      case RungAction::kReschedule:
        batch.next.push_back({c.clock_id, r.step, c.due});
        continue;
      case RungAction::kWatch: {
        auto [it, fresh] = states.emplace(c.clock_id, c.Overdue());
        OverdueState& state = it->second;
        for (const OverdueReport& rep :
             OverdueReports(*cal, c.kind, c.due, r.due_at, now, &state)) {
          overdue_events.push_back(OverdueEvent(c, rep, "due_passed"));
          Stamp(c.ticket_id, c.ticket_number, &overdue_events.back());
        }
        if (IsCompletionKind(c.kind)) {
          batch.next.push_back(
              {c.clock_id, kOverdueWatch, NextWorkingDayStart(*cal, now)});
        }
        continue;
      }
      case RungAction::kFire:
        break;
    }
    batch.steps.push_back(MakeStep(c, r.step, now, "", ""));
    std::vector<NoticeTarget>& notices = batch.notices[r.step];
    if (notices.empty()) notices = TargetsOf(r.step);
    fired.push_back(&c);
  }
  for (const auto& [id, state] : states) batch.overdue.push_back({id, state});
  // Drops the rungs of stopped clocks too.
  RETURN_IF_ERROR(store_->RecordLadderBatch(conn, &batch));

  std::vector<v1::TicketEvent> events = std::move(overdue_events);
  for (size_t i = 0; i < batch.steps.size(); ++i) {
    events.push_back(StepEvent(batch.steps[i].record, fired[i]->due));
    Stamp(fired[i]->ticket_id, fired[i]->ticket_number, &events.back());
  }
  if (events.empty()) return 0;
  // The batch's events in one append (a few round trips, not four each).
  std::vector<v1::TicketEvent*> batch_events;
  for (v1::TicketEvent& e : events) batch_events.push_back(&e);
  RETURN_IF_ERROR(outbox_->AppendAll(conn, batch_events));
  for (size_t i = 0; i < batch.steps.size(); ++i) {
    if (after_step && after_step(static_cast<int>(i + 1))) {
      return absl::InternalError("replica died (test hook)");
    }
  }
  return static_cast<int>(batch.steps.size());
}

absl::StatusOr<int> Scanner::ScanOnce(absl::Time now) {
  int fired_total = 0;
  while (true) {
    int claimed = 0;
    int fired = 0;
    RETURN_IF_ERROR(
        db::RunInTransaction(*pool_, [&](db::Connection& conn) -> absl::Status {
          claimed = 0;
          fired = 0;
          ASSIGN_OR_RETURN(
              std::vector<DueRung> rungs,
              engine_->store().ClaimDueRungs(conn, now, batch_size_));
          claimed = static_cast<int>(rungs.size());
          ASSIGN_OR_RETURN(
              fired, engine_->FireBatch(conn, rungs, now, replica_, die_hook_));
          return absl::OkStatus();
        }));
    fired_total += fired;
    if (claimed < batch_size_) break;
  }
  return fired_total;
}

// ------------------------------------------------------------ acts

absl::StatusOr<std::vector<v1::EscalationCandidate>>
ClockEngine::EscalationCandidates(db::Connection& conn, v1::LadderStep step,
                                  const UnitScope& units, int64_t offset,
                                  int limit) {
  // Which orders qualify ("督办2次仍未办结"; a notice after an inspection) is
  // the domain's rule; the store runs it as one query.
  ASSIGN_OR_RETURN(EscalationCriteria criteria, EscalationCriteriaFor(step));
  ASSIGN_OR_RETURN(
      std::vector<std::string> tickets,
      store_->EscalationCandidates(conn, criteria, units, offset, limit));
  std::vector<v1::EscalationCandidate> out;
  const absl::Time now = clock_->Now();
  for (const std::string& t : tickets) {
    v1::EscalationCandidate& c = out.emplace_back();
    c.set_ticket_id(t);
    ASSIGN_OR_RETURN(std::vector<v1::LadderStepRecord> steps,
                     store_->StepsOfTicket(conn, t));
    std::set<std::string> units, acts;
    for (v1::LadderStepRecord& s : steps) {
      c.set_ticket_number(s.ticket_number());
      units.insert(s.unit_id());
      if (!s.act_id().empty() && acts.insert(s.act_id()).second) {
        c.add_act_ids(s.act_id());
      }
      *c.add_steps() = std::move(s);
    }
    for (const std::string& u : units) c.add_unit_ids(u);
    ASSIGN_OR_RETURN(std::vector<ClockRow> running,
                     store_->ClocksOfTicket(conn, t, true, false));
    for (const ClockRow& r : running) {
      if (!r.overdue_since.has_value() && now < r.due) continue;
      if (r.pending_since.has_value()) continue;
      v1::Clock* clock = c.add_overdue_clocks();
      *clock = r.ToProto();
      clock->set_overdue_working_days(OverdueSoFar(r, now));
    }
  }
  return out;
}

absl::StatusOr<v1::SupervisionAct> ClockEngine::RecordSupervisionAct(
    db::Connection& conn, const auth::Principal& who,
    const v1::RecordSupervisionActRequest& req) {
  const v1::LadderStep step = req.step();
  const absl::Time now = clock_->Now();
  SupervisionActRow row;
  v1::SupervisionAct& act = row.act;
  act.set_step(step);
  act.set_text(req.text());
  for (const std::string& p : req.district_office_participants()) {
    act.add_district_office_participants(p);
  }
  *act.mutable_recorded_by() = server::ActorOf(who);
  *act.mutable_recorded_at() = ToProto(now);
  // The act is stored first: its id goes on every step.
  RETURN_IF_ERROR(store_->InsertSupervisionAct(conn, &act));

  LadderBatch batch;
  batch.fired_by = who.id;
  batch.notices[step] = TargetsOf(step);
  std::vector<ClockRow> chased;
  std::set<std::string> named_somewhere;
  for (int i = 0; i < req.ticket_ids_size(); ++i) {
    const std::string& t = req.ticket_ids(i);
    ASSIGN_OR_RETURN(std::vector<ClockRow> clocks,
                     store_->ClocksOfTicket(conn, t, false, true));
    if (clocks.empty()) {
      return absl::NotFoundError(
          absl::StrCat("ticket_ids[", i, "]: no clocks for ", t));
    }
    // The order must qualify now (the same rule as the candidates' list).
    ASSIGN_OR_RETURN(std::vector<v1::LadderStepRecord> steps,
                     store_->StepsOfTicket(conn, t));
    std::vector<v1::LadderStep> fired_steps;
    for (const auto& s : steps) fired_steps.push_back(s.step());
    OrderLadder ladder = CountSteps(fired_steps);
    for (const ClockRow& c : clocks) {
      ladder.open = ladder.open || (c.running && IsHandlingKind(c.kind));
    }
    RETURN_IF_ERROR(CheckActQualifies(step, ladder,
                                      absl::StrCat("ticket_ids[", i, "]"),
                                      clocks.front().ticket_number));
    for (const std::string& unit : req.unit_ids()) {
      // The unit's latest clock on the order carries the step.
      const ClockRow* clock = nullptr;
      for (const ClockRow& c : clocks) {
        if (c.unit_id == unit && (clock == nullptr || IsHandlingKind(c.kind) ||
                                  !IsHandlingKind(clock->kind))) {
          clock = &c;
        }
      }
      if (clock == nullptr) continue;
      named_somewhere.insert(unit);
      batch.steps.push_back(
          MakeStep(*clock, step, now, act.act_id(), req.text()));
      chased.push_back(*clock);
      row.items.push_back({t, unit, 0});
    }
  }
  for (int i = 0; i < req.unit_ids_size(); ++i) {
    if (!named_somewhere.count(req.unit_ids(i))) {
      return absl::FailedPreconditionError(absl::StrCat(
          "unit_ids[", i, "]: ", req.unit_ids(i), " held none of the orders"));
    }
  }
  RETURN_IF_ERROR(store_->RecordLadderBatch(conn, &batch));
  std::vector<v1::TicketEvent> events;
  for (size_t i = 0; i < batch.steps.size(); ++i) {
    const v1::LadderStepRecord& rec = batch.steps[i].record;
    row.items[i].step_id = std::stoll(rec.step_id());
    act.add_step_ids(rec.step_id());
    events.push_back(StepEvent(rec, chased[i].due));
    *events.back().mutable_actor() = act.recorded_by();
    Stamp(chased[i].ticket_id, chased[i].ticket_number, &events.back());
  }
  for (const auto& t : req.ticket_ids()) act.add_ticket_ids(t);
  for (const auto& u : req.unit_ids()) act.add_unit_ids(u);
  RETURN_IF_ERROR(store_->InsertSupervisionActItems(conn, row));

  std::vector<v1::TicketEvent*> ptrs;
  for (v1::TicketEvent& e : events) ptrs.push_back(&e);
  RETURN_IF_ERROR(outbox_->AppendAll(conn, ptrs));
  return act;
}

// ------------------------------------------------------------ notices

absl::Status ClockEngine::RaiseDutyGap(db::Connection& conn,
                                       const NoticeRow& n) {
  Tx tx{conn};  // its events appended as emitted
  v1::TicketEvent ev;
  v1::DutyGap* g = ev.mutable_duty_gap();
  g->set_unit_id(n.recipient_unit);
  g->set_date(calendar::FormatDate(calendar::LocalDay(n.created_at)));
  g->set_recipient_kind(n.recipient_kind);
  g->set_step_id(absl::StrCat(n.step_id));
  g->set_step(n.step);
  g->set_notice_id(absl::StrCat(n.notice_id));
  return Emit(tx, n.ticket_id, n.ticket_number, &ev);
}

absl::StatusOr<int> Scanner::DeliverNotices(absl::Time now,
                                            Directory* directory,
                                            Notifier* notifier) {
  std::vector<NoticeRow> batch;
  RETURN_IF_ERROR(
      db::RunInTransaction(*pool_, [&](db::Connection& conn) -> absl::Status {
        ASSIGN_OR_RETURN(batch, engine_->store().LeasePendingNotices(
                                    conn, now, now + absl::Seconds(60), 100));
        return absl::OkStatus();
      }));
  if (batch.empty()) return 0;
  std::map<std::string, absl::StatusOr<UnitContacts>> cache;
  // Another attempt after a backoff, or FAILED (ladder_rules.h).
  auto retry_later = [&](NoticeRow& n, bool give_up) {
    const NoticeRetry r = RetryLater(n.attempts, give_up, now);
    n.attempts = r.attempts;
    n.delivery = r.delivery;
    n.next_attempt_at = r.next_attempt_at;
  };
  auto update = [&](const NoticeRow& n, bool gap) {
    return db::RunInTransaction(*pool_, [&](db::Connection& conn) {
      RETURN_IF_ERROR(engine_->store().UpdateNotice(conn, n));
      return gap ? engine_->RaiseDutyGap(conn, n) : absl::OkStatus();
    });
  };
  int gaps = 0;
  for (NoticeRow& n : batch) {
    if (!n.resolved && directory != nullptr) {
      const std::string key =
          absl::StrCat(n.recipient_unit, "@",
                       calendar::FormatDate(calendar::LocalDay(n.created_at)));
      auto it = cache.find(key);
      if (it == cache.end()) {
        it = cache
                 .emplace(key,
                          directory->Lookup(n.recipient_unit,
                                            calendar::LocalDay(n.created_at)))
                 .first;
      }
      if (!it->second.ok()) {
        // Routing down: try again later. A unit routing does not know (gone
        // from the directory) will not resolve: the notice fails at once,
        // as one does after the last attempt.
        log::Warning("notice.unresolved",
                     {{"notice_id", absl::StrCat(n.notice_id)},
                      {"unit_id", n.recipient_unit},
                      {"error", std::string(it->second.status().message())}});
        retry_later(n, absl::IsNotFound(it->second.status()));
        RETURN_IF_ERROR(update(n, false));
        continue;
      }
      const UnitContacts& u = *it->second;
      const bool leader = n.recipient_kind == v1::RECIPIENT_KIND_DUTY_LEADER;
      n.name = leader ? u.leader_name : u.liaison_name;
      n.resolved = true;
      if (n.name.empty()) {
        // Nobody to tell: a gap in the roster, raised to the center [8,
        // 10(2)]; nothing is sent to an empty address.
        n.name = leader ? "（当日无值班领导）" : "（未登记联络员）";
        n.delivery = v1::NOTICE_DELIVERY_NO_RECIPIENT;
        RETURN_IF_ERROR(update(n, true));
        ++gaps;
        continue;
      }
      if (n.channel != v1::NOTICE_CHANNEL_SUPERVISION_LETTER) {
        n.address = leader ? u.leader_phone : u.liaison_phone;
      }
    }
    absl::Status sent = notifier->Deliver(n);
    if (sent.ok()) {
      n.delivery = notifier->external() ? v1::NOTICE_DELIVERY_SENT
                                        : v1::NOTICE_DELIVERY_STORED;
      n.delivered_at = now;
    } else {
      retry_later(n, /*give_up=*/false);
      log::Warning("notice.delivery_failed",
                   {{"notice_id", absl::StrCat(n.notice_id)},
                    {"attempts", absl::StrCat(n.attempts)},
                    {"error", std::string(sent.message())}});
    }
    RETURN_IF_ERROR(update(n, false));
  }
  return static_cast<int>(batch.size());
}

}  // namespace hotline::deadline
