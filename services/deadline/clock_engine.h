#pragma once

// The clocks of hotline-deadline: started and stopped by routing's events
// (Apply, inside the inbox transaction), moved by approved extensions and
// forced calendar changes, and chased by the ladder (Scanner).
//
// Events consumed (DESIGN.md §2, §5):
//   Dispatched      RESPONSE (1 wd) [7], FORWARD (1 wd) [6(1)], HANDLING
//                   (statutory > own limit > 3/10 wd) [3, 6(2), 6(4)] — or
//                   LEAD_UNIT instead of HANDLING when co-units are named.
//   Redispatched    cancels every running clock, then as Dispatched (fresh set
//                   for the new round).
//   Accepted        stops RESPONSE.
//   Forwarded       stops RESPONSE, and FORWARD when the first-level unit
//                   passed it on; the handling clock follows the new holder.
//   Returned        starts the cumulative RETURN clock (2 wd) [6(1)] at the
//                   round's first return; reaching the center stops it and
//                   cancels the round's FORWARD and handling clocks.
//   Replied         stops RESPONSE, FORWARD and the handling clocks.
//   Reviewed        rejected → REHANDLING for the replying unit.
//   CoUnitsAdded    turns a running HANDLING clock into LEAD_UNIT (same due).
//   DisputeDecided  granted → cancels every running clock.
//   Closed          stops every running clock (MERGED → CANCELLED).
//   TicketMerged    cancels every running clock.
// Each start/stop/move appends ClockStarted/ClockStopped/ClockMoved to the
// outbox in the same transaction.
//
// Thread-safe: no mutable state of its own.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/auth/auth.h"
#include "common/clock/clock.h"
#include "common/db/connection.h"
#include "common/outbox/outbox.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/calendar_state.h"
#include "services/deadline/clock_rules.h"
#include "services/deadline/deadline_store.h"
#include "services/deadline/notifier.h"
#include "services/deadline/policy.h"

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

  // The inbox handler.
  absl::Status Apply(db::Connection& conn, const v1::TicketEvent& event);

  // LoadYear with force: recomputes the running clocks depending on `year`
  // with `next`; emits ClockMoved for each clock whose due changed.
  absl::StatusOr<int> Recompute(db::Connection& conn,
                                const calendar::Calendar& next, int year);

  // Extensions [6(3)]. Inside the caller's transaction; inputs already
  // validated (dates parsed). Errors as in deadline.proto.
  absl::StatusOr<v1::Extension> RequestExtension(
      db::Connection& conn, const auth::Principal& who,
      const v1::RequestExtensionRequest& req, absl::CivilDay proposed);
  absl::StatusOr<v1::DecideExtensionResponse> DecideExtension(
      db::Connection& conn, const auth::Principal& who,
      const v1::DecideExtensionRequest& req,
      std::optional<absl::CivilDay> approved);

  // Fires claimed rungs (see Scanner) in the caller's transaction: one
  // DeadlineStore::RecordLadderBatch and one outbox append for the batch.
  // Rungs of stopped clocks are dropped. `after_step` (may be empty) is
  // called after each step's event with the number fired so far; returning
  // true abandons the batch (test hook). Returns the number of steps fired.
  absl::StatusOr<int> FireBatch(db::Connection& conn,
                                const std::vector<DueRung>& due, absl::Time now,
                                const std::string& replica,
                                const std::function<bool(int)>& after_step);

  DeadlineStore& store() const { return *store_; }
  const Policy& policy() const { return *policy_; }
  CalendarState& state() const { return *state_; }

 private:
  absl::Status Dispatch(db::Connection& conn, const v1::TicketEvent& ev,
                        const v1::Dispatched& d);
  absl::StatusOr<ClockRow> Start(db::Connection& conn,
                                 const v1::TicketEvent& ev, v1::ClockKind kind,
                                 const std::string& unit, int round,
                                 const Period& period, absl::Time start);
  // Stops `row` as of `at` (the instant of the event that stopped it):
  // MET or MISSED by its due, or CANCELLED.
  absl::Status Stop(db::Connection& conn, const ClockRow& row, bool cancel,
                    absl::Time at);
  absl::Status StopAll(db::Connection& conn, const std::string& ticket_id,
                       bool cancel, absl::Time at);
  // An extension's new last day: after `last`, and at most the policy's
  // maximum of working days after it (INVALID_ARGUMENT naming `field`).
  absl::Status CheckExtensionDate(absl::string_view field,
                                  const calendar::Calendar& cal,
                                  absl::CivilDay last,
                                  absl::CivilDay date) const;
  // Sets the envelope (ticket, number, now, actor "system" if unset).
  void Stamp(const std::string& ticket_id, const std::string& ticket_number,
             v1::TicketEvent* ev) const;
  absl::Status Emit(db::Connection& conn, const std::string& ticket_id,
                    const std::string& ticket_number, v1::TicketEvent* ev);
  absl::Status RescheduleRungs(db::Connection& conn, const ClockRow& row);

  DeadlineStore* store_;
  CalendarState* state_;
  const Policy* policy_;
  const outbox::Outbox* outbox_;
  Clock* clock_;
};

// The ladder's scanner. Any number of replicas on one schema: each claims due
// rungs and their clocks with SELECT … FOR UPDATE SKIP LOCKED in batches, and
// in the same transaction deletes the rungs, records the immutable steps and
// their notices, appends LadderStepFired and schedules the next rungs. A
// replica that dies mid-batch rolls back: its rungs stay due and another
// replica fires them, so each step fires exactly once. A rung whose clock an
// event is changing is left to the next tick. A tick reads only due rows
// through the due_at index: its cost follows the due steps, not the open
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
  // (may be null) and delivers through `notifier`. Returns the number
  // handled.
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

}  // namespace hotline::deadline
