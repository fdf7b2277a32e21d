#pragma once

// The clocks of hotline-deadline (docs/clocks.md is the contract): started,
// judged and stopped by routing's events (Apply, inside the inbox
// transaction), moved by approved extensions, forced calendar changes and the
// lead unit's cap, reported overdue and chased by the ladder (Scanner), and
// the acts of people on top of the ladder (special inspections, district-wide
// notices).
//
// Every start, stop, move and overdue report appends its event (ClockStarted,
// ClockStopped, ClockMoved, ClockOverdue) to the outbox in the same
// transaction. Lateness is never erased: a clock past its due with nothing
// pending is reported overdue at once and stops MISSED whatever stops it.
//
// The events of one applied event (Apply) are appended together at its end
// (Outbox::AppendAll), in the order they were emitted — those of a whole
// delivered batch at the batch's end (NewEventBatch); every other path
// appends each event as it is emitted.
//
// Where an event goes is explicit: every transition runs in a Tx (its
// connection, and the holder of a delivered event's events when there is
// one), so Emit appends or holds by what it is given.
//
// Thread-safe: no mutable state of its own.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/clock/clock.h"
#include "common/db/connection.h"
#include "common/outbox/outbox.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/core/notifier.h"
#include "services/deadline/domain/calendar_state.h"
#include "services/deadline/domain/clock_rules.h"
#include "services/deadline/domain/policy.h"
#include "services/deadline/domain/unit_scope.h"
#include "services/deadline/store/deadline_store.h"

namespace hotline::deadline {

class ClockEngine {
 public:
  // None is owned; all must outlive the engine.
  ClockEngine(DeadlineStore* store, CalendarState* state, const Policy* policy,
              const outbox::Outbox* outbox, Clock* clock)
      : store_(store),
        state_(state),
        policy_(policy),
        outbox_(outbox),
        clock_(clock) {}

  // The inbox handler: applies one event of routing or intake
  // (docs/clocks.md says what each does to each clock).
  absl::Status Apply(db::Connection& conn, const v1::TicketEvent& event);
  // The inbox's EventBatch: each event of a transaction applied as Apply
  // does, and the events all of them emitted appended together at its end
  // (one AppendAll, in the order emitted: the same events, seqs and order as
  // Apply one by one). The dispatches of orders new here are not written one
  // by one: their rows are kept and written in multi-row statements at the
  // end, or before an event that could read them or start a clock
  // (deadline_core_batch.cc) — the same rows as Apply one by one.
  std::unique_ptr<outbox::EventBatch> NewEventBatch();
  // Apply's handling with the events it emits added to `*held` (not
  // appended).
  absl::Status ApplyHolding(db::Connection& conn, const v1::TicketEvent& event,
                            std::vector<v1::TicketEvent>* held);
  // Appends `held` (one Append or one AppendAll) and empties it.
  absl::Status AppendHeld(db::Connection& conn,
                          std::vector<v1::TicketEvent>* held);

  // LoadYear with force: recomputes the running clocks depending on `year`
  // with `next`; emits ClockMoved for each clock whose due changed.
  absl::StatusOr<int> Recompute(db::Connection& conn,
                                const calendar::Calendar& next, int year);

  // Extensions [6(3)] (deadline_core_extensions.cc). Inside the caller's
  // transaction; inputs already validated (dates parsed, texts bounded). Errors
  // as in deadline.proto.
  absl::StatusOr<v1::Extension> RequestExtension(
      db::Connection& conn, const auth::Principal& who,
      const v1::RequestExtensionRequest& req, absl::CivilDay proposed);
  absl::StatusOr<v1::DecideExtensionResponse> DecideExtension(
      db::Connection& conn, const auth::Principal& who,
      const v1::DecideExtensionRequest& req,
      std::optional<absl::CivilDay> approved);
  absl::StatusOr<v1::Extension> RecordCallerInformed(
      db::Connection& conn, const auth::Principal& who,
      const v1::RecordCallerInformedRequest& req);

  // Who may make these calls on this object now (run before the request id
  // is looked up, server/idempotency.h, so a replay is judged like a first
  // call). PERMISSION_DENIED, or NOT_FOUND for an unknown object.
  //  - RequestExtension: the unit a running handling clock of the order runs
  //    against (with none running, a unit some clock of it ran against).
  //  - DecideExtension: CENTER_STAFF for the center's extensions, else a
  //    UNIT_LEAD of the approver unit.
  //  - RecordCallerInformed: the unit that asked for the extension.
  absl::Status MayRequestExtension(db::Connection& conn,
                                   const auth::Principal& who,
                                   const std::string& ticket_id);
  absl::Status MayDecideExtension(db::Connection& conn,
                                  const auth::Principal& who,
                                  const std::string& extension_id);
  absl::Status MayRecordCallerInformed(db::Connection& conn,
                                       const auth::Principal& who,
                                       const std::string& extension_id);

  // Special inspections and district-wide notices [7]
  // (deadline_core_ladder.cc). The orders that qualify for `step` now, with
  // their evidence.
  absl::StatusOr<std::vector<v1::EscalationCandidate>> EscalationCandidates(
      db::Connection& conn, v1::LadderStep step, const UnitScope& units,
      int64_t offset, int limit);
  // Records an act (inputs validated: step, distinct non-empty ids, text);
  // inside the caller's transaction.
  absl::StatusOr<v1::SupervisionAct> RecordSupervisionAct(
      db::Connection& conn, const auth::Principal& who,
      const v1::RecordSupervisionActRequest& req);

  // Fires claimed rungs (see Scanner) in the caller's transaction: overdue
  // watches report lateness (ClockOverdue), REMINDER and SUPERVISION rungs
  // fire their step; one DeadlineStore::RecordLadderBatch and one outbox
  // append for the batch. Rungs of stopped or pending clocks are dropped.
  // `after_step` (may be empty) is called after each step's event with the
  // number fired so far; returning true abandons the batch (test hook).
  // Returns the number of steps fired.
  absl::StatusOr<int> FireBatch(db::Connection& conn,
                                const std::vector<DueRung>& due, absl::Time now,
                                const std::string& replica,
                                const std::function<bool(int)>& after_step);

  // Raises a notice that found nobody (no liaison, no leader on duty) to the
  // center: a DutyGap event, in the caller's transaction.
  absl::Status RaiseDutyGap(db::Connection& conn, const NoticeRow& notice);

  // A running clock's overdue working days as of `now` (reported and not yet
  // reported), as GetClocks and ListDue show it.
  int OverdueSoFar(const ClockRow& row, absl::Time now) const;
  // The holdings of a RETURN clock's round up to its judged instant (or
  // now), as evidence.
  absl::StatusOr<std::vector<v1::HoldingSpan>> HoldingSpans(
      db::Connection& conn, const ClockRow& row, absl::Time now);

  DeadlineStore& store() const { return *store_; }
  const Policy& policy() const { return *policy_; }
  CalendarState& state() const { return *state_; }

 private:
  // A delivered batch's dispatches of new orders, not yet written
  // (deadline_core_internal.h).
  struct Deferred;
  // The transaction a transition runs in: its connection, and where the
  // events it emits go (Emit).
  struct Tx {
    db::Connection& conn;
    // Null: each event is appended to the outbox on `conn` as it is emitted
    // (requests, the scanner, a calendar's recompute). Set (Apply, the
    // inbox's batch: ApplyHolding): each is added here, and the caller
    // appends them together (AppendHeld).
    std::vector<v1::TicketEvent>* held = nullptr;
    // Set (the inbox's batch, for a Dispatched of an order of which nothing
    // is stored yet): the dispatch's rows (ticket_info, chain links, its
    // holding, its clocks and their rungs) are added here instead of written,
    // its ClockStarted events held without their clock ids; the batch
    // writes them all later in multi-row statements (FlushDeferred).
    Deferred* deferred = nullptr;
  };
  // The inbox's EventBatch (deadline_core_batch.cc).
  class Batch;
  // Writes what `d` holds (multi-row statements), patches the clock ids into
  // the held ClockStarted events of `held`, and empties `d`.
  absl::Status FlushDeferred(db::Connection& conn, Deferred& d,
                             std::vector<v1::TicketEvent>& held);
  // What one event does, with the order's state loaded
  // (deadline_core_events.cc).
  struct Event;
  absl::Status Dispatch(Tx& tx, const v1::TicketEvent& ev,
                        const v1::Dispatched& d);
  absl::Status OnForwarded(Tx& tx, Event& e);
  absl::Status OnReturned(Tx& tx, Event& e);
  absl::Status OnReplied(Tx& tx, Event& e);
  absl::Status OnReviewed(Tx& tx, Event& e);
  absl::Status OnCoUnitsAdded(Tx& tx, Event& e);
  absl::Status OnDisputeDecided(Tx& tx, Event& e);
  // Judges the response clock of `unit` (if running) at the event.
  absl::Status Responded(Tx& tx, Event& e, const std::string& unit);
  // Stops every clock still running: the round ended by `cause`.
  absl::Status EndRound(Tx& tx, Event& e, const std::string& cause);
  // A RETURN clock running in the round ended below the center.
  absl::Status ClimbEnded(Tx& tx, Event& e);
  // Starts the response clock of each co-unit and its co-opinion clock.
  absl::Status StartCoUnits(Tx& tx, const v1::TicketEvent& ev, int round,
                            const std::vector<std::string>& co_units,
                            absl::Time at);

  absl::StatusOr<ClockRow> Start(Tx& tx, const v1::TicketEvent& ev,
                                 v1::ClockKind kind, const std::string& unit,
                                 int round, const Period& period,
                                 absl::Time start);
  // One clock to start (StartAll).
  struct StartSpec {
    v1::ClockKind kind;
    std::string unit;
    Period period;
    absl::Time start;
  };
  // Starts the clocks of `specs` as Start would one after the other (their
  // ClockStarted events in that order), with one insert for the clocks and
  // one for their rungs. Returns the rows in the order of `specs`.
  absl::StatusOr<std::vector<ClockRow>> StartAll(
      Tx& tx, const v1::TicketEvent& ev, int round,
      const std::vector<StartSpec>& specs);
  // The rungs of a running clock at max(due, from), as ScheduleRungs writes
  // them.
  static void AddRungs(const ClockRow& row, absl::Time from,
                       std::vector<LadderDue>* rungs);
  // Stops `row` with verdict `v` at `at`: reports lateness still owed (the
  // first ClockOverdue of every MISSED clock, accruals up to the judged
  // instant), writes the stop and emits ClockStopped.
  absl::Status Stop(Tx& tx, ClockRow row, const Verdict& v, absl::Time at);
  // The clock awaits the center on an act at `since` (reply, dispute): its
  // lateness up to then is reported; it is not chased meanwhile.
  absl::Status Suspend(Tx& tx, ClockRow& row, absl::Time since, Pending kind);
  // The center refused the pending act at `at`: the clock runs again,
  // overdue at once (from `at`) if past its due.
  absl::Status Resume(Tx& tx, ClockRow& row, absl::Time at,
                      const std::string& cause);
  // Emits the ClockOverdue events `row` owes as of `until` (first report at
  // max(due, overdue_from)) and writes its lateness.
  absl::Status ReportOverdue(Tx& tx, ClockRow& row, absl::Time overdue_from,
                             absl::Time until, const std::string& cause);
  // Schedules a running clock's rungs at max(due, from): its automatic step
  // if not fired yet, and its overdue watch.
  absl::Status ScheduleRungs(db::Connection& conn, const ClockRow& row,
                             absl::Time from);
  // Moves a running clock's due (extension, calendar, cap) and emits
  // ClockMoved; `moved` is filled as the caller needs it.
  absl::Status MoveDue(Tx& tx, ClockRow& row, const v1::Explanation& ex,
                       bool fixed, v1::ClockMoveCause cause,
                       const v1::Actor* actor, const std::string& extension_id);

  // Sets the envelope (ticket, number, now, actor "system" if unset).
  void Stamp(const std::string& ticket_id, const std::string& ticket_number,
             v1::TicketEvent* ev) const;
  // Stamps `ev` and appends it to the outbox on tx.conn, or, when tx.held
  // is set (Apply, the inbox's batch), adds it there for the caller to
  // append with the others (its event_id and seq are then not set on `ev`).
  absl::Status Emit(Tx& tx, const std::string& ticket_id,
                    const std::string& ticket_number, v1::TicketEvent* ev);
  // Apply's handling of one event; its events go where `tx` says.
  absl::Status ApplyEvent(Tx& tx, const v1::TicketEvent& ev);

  DeadlineStore* store_;
  CalendarState* state_;
  const Policy* policy_;
  const outbox::Outbox* outbox_;
  Clock* clock_;
};

// The ClockOverdue event of one report (envelope left to the caller).
v1::TicketEvent OverdueEvent(const ClockRow& row, const OverdueReport& r,
                             const std::string& cause);

// The ladder's scanner. Any number of replicas on one schema: each claims due
// rungs and their clocks with SELECT … FOR UPDATE SKIP LOCKED in batches, and
// in the same transaction deletes the rungs, records the immutable steps and
// their notices, reports lateness, appends the events and schedules the next
// rungs. A replica that dies mid-batch rolls back: its rungs stay due and
// another replica fires them, so each step fires exactly once. A rung whose
// clock an event is changing is left to the next tick. A tick reads only due
// rows through the due_at index: its cost follows the due rungs, not the open
// clocks.
class Scanner {
 public:
  Scanner(db::ConnectionPool* pool, ClockEngine* engine, std::string replica,
          int batch_size = 500)
      : pool_(pool),
        engine_(engine),
        replica_(std::move(replica)),
        batch_size_(batch_size) {}

  // Fires every rung due at `now`. Returns the number of steps fired.
  absl::StatusOr<int> ScanOnce(absl::Time now);

  // One pass over pending notices: resolves recipients through `directory`
  // (may be null) and delivers through `notifier`. A notice that has nobody
  // to go to (no liaison registered, no leader on duty that day) is not
  // sent: it becomes NO_RECIPIENT and a DutyGap event raises the gap to the
  // center. Returns the number handled.
  absl::StatusOr<int> DeliverNotices(absl::Time now, Directory* directory,
                                     Notifier* notifier);

  // Test hook, called inside the batch transaction after each fired step
  // with the number fired so far in the batch; returning true abandons the
  // batch as if the process had died there: the transaction rolls back and
  // ScanOnce returns INTERNAL "replica died".
  void SetDieHookForTest(std::function<bool(int)> hook) {
    die_hook_ = std::move(hook);
  }

 private:
  std::function<bool(int)> die_hook_;
  db::ConnectionPool* pool_;
  ClockEngine* engine_;
  std::string replica_;
  int batch_size_;
};

// The service's background pass, every 200 ms of real time on its own
// thread: fires the rungs due (Scanner::ScanOnce, never judging past the
// producers' watermark), delivers pending notices, picks up calendar years
// other replicas loaded, and once a local day checks next year's calendar.
// Start/Stop from one thread; the pass itself touches only its own state.
// Owns nothing (all pointers must outlive it).
class LadderLoop {
 public:
  // `directory` may be null (recipients stay unresolved). A producer silent
  // for longer than `judge_lag_limit` no longer holds the ladder back.
  LadderLoop(db::ConnectionPool* pool, DeadlineStore* store,
             CalendarState* state, Scanner* scanner, Clock* clock,
             Directory* directory, Notifier* notifier,
             absl::Duration judge_lag_limit)
      : pool_(pool),
        store_(store),
        state_(state),
        scanner_(scanner),
        clock_(clock),
        directory_(directory),
        notifier_(notifier),
        judge_lag_limit_(judge_lag_limit) {}
  ~LadderLoop() { Stop(); }

  // Loads the persisted calendar years over the builtin data (before
  // serving). UNAVAILABLE when the database is unreachable; the calendar's
  // error for an inconsistent year.
  absl::Status Prepare();
  // Starts the thread (once); Stop joins it. Stop is idempotent.
  void Start();
  void Stop();

 private:
  void Loop();
  // How far clocks may be judged: now, but never past the producers'
  // watermark — an event that happened before a due and is still on its
  // way must not be judged late.
  absl::Time JudgeUntil(absl::Time now);
  // Years loaded through another replica (rows appear in calendar_year).
  void RefreshCalendar();

  db::ConnectionPool* pool_;
  DeadlineStore* store_;
  CalendarState* state_;
  Scanner* scanner_;
  Clock* clock_;
  Directory* directory_;
  Notifier* notifier_;
  absl::Duration judge_lag_limit_;
  size_t persisted_years_ = 0;
  bool lagging_ = false;        // the thread's: waiting for a watermark
  absl::CivilDay checked_day_;  // the thread's: last CheckNextYear
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hotline::deadline
