#pragma once

// Storage of hotline-deadline (schema/010_deadline.sql): the per-order chain,
// clocks, ladder rungs and steps, notices, extensions, calendar years and the
// idempotency log. No business rules here: ClockEngine, Scanner and the gRPC
// services decide, the store persists. Implementation: MysqlDeadlineStore.
//
// Every method runs on a connection the caller holds: inside the caller's
// transaction when the call is part of a state change (an event from routing,
// an extension, LoadYear, a scanner batch), so that the change and its outbox
// events commit together. Errors: UNAVAILABLE when the database is
// unreachable, ABORTED on deadlock or lock wait timeout (retry).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/domain/calendar_state.h"
#include "services/deadline/domain/clock_rules.h"

namespace hotline::db {
class Connection;
}

namespace hotline::deadline {

// The act a clock awaits the center on.
enum class Pending : int { kNone = 0, kReply = 1, kDispute = 2 };

struct ClockRow {
  int64_t clock_id = 0;
  std::string ticket_id;
  std::string ticket_number;
  v1::ClockKind kind = v1::CLOCK_KIND_UNSPECIFIED;
  std::string unit_id;
  int dispatch_round = 0;
  bool running = true;
  v1::ClockOutcome outcome = v1::CLOCK_OUTCOME_UNSPECIFIED;
  absl::Time started_at;
  int working_days = 0;
  std::string rule;
  absl::Time due;
  absl::Time original_due;
  std::optional<absl::Time> stopped_at;
  int overdue_working_days = 0;
  v1::LadderStep ladder_step = v1::LADDER_STEP_UNSPECIFIED;
  // The due is a fixed date (a dated limit or an approved extension), kept
  // when the calendar changes.
  bool fixed_due = false;
  std::string calendar_version;
  std::string policy_version;
  bool calendar_incomplete = false;
  v1::Explanation explanation;
  // docs/clocks.md: the act awaiting the center, how the clock was judged,
  // and the lateness it has reported (ClockOverdue).
  std::optional<absl::Time> pending_since;
  Pending pending = Pending::kNone;
  std::optional<absl::Time> judged_at;
  std::string stop_cause;
  std::optional<absl::Time> overdue_since;
  std::optional<absl::CivilDay> overdue_counted_through;
  int elapsed_working_days = 0;

  ClockFacts Facts() const { return {due, overdue_since, pending_since}; }
  OverdueState Overdue() const {
    return {overdue_since, overdue_counted_through, overdue_working_days};
  }
  v1::Clock ToProto() const;
};

// The lateness a clock has reported, written back after ClockOverdue events.
struct OverdueUpdate {
  int64_t clock_id = 0;
  OverdueState state;
};

struct TicketInfo {
  std::string ticket_id;
  std::string ticket_number;
  v1::RequestType request_type = v1::REQUEST_TYPE_UNSPECIFIED;
  int dispatch_round = 0;
  std::string first_unit_id;
  std::string handling_rule;
  int handling_days = 0;
  // When the current round was dispatched (unset for rows written before
  // migration 012).
  std::optional<absl::Time> dispatched_at;
};

// One unit's holding of an order within a round (table holding).
struct Holding {
  std::string unit_id;
  absl::Time arrived_at;
  std::optional<absl::Time> left_at;
  std::string arrived_by;  // "dispatched", "forwarded", "returned"
};

// A ladder rung waiting to fire: one per running clock (its next rung).
struct LadderDue {
  int64_t clock_id = 0;
  v1::LadderStep step = v1::LADDER_STEP_UNSPECIFIED;
  absl::Time due_at;
};

// Step 0 of ladder_due: a clock's overdue watch (schema/012_verdicts.sql).
inline constexpr v1::LadderStep kOverdueWatch = v1::LADDER_STEP_UNSPECIFIED;

// A rung claimed by the scanner, with its clock.
struct DueRung {
  LadderDue rung;
  ClockRow clock;
};

struct NoticeRow {
  int64_t notice_id = 0;
  int64_t step_id = 0;
  std::string ticket_id;
  std::string ticket_number;
  v1::LadderStep step = v1::LADDER_STEP_UNSPECIFIED;
  v1::RecipientKind recipient_kind = v1::RECIPIENT_KIND_UNSPECIFIED;
  std::string recipient_unit;
  std::string name;
  bool resolved = false;
  v1::NoticeChannel channel = v1::NOTICE_CHANNEL_UNSPECIFIED;
  std::string address;
  std::string text;
  absl::Time created_at;
  v1::NoticeDelivery delivery = v1::NOTICE_DELIVERY_PENDING;
  int attempts = 0;
  absl::Time next_attempt_at;
  std::optional<absl::Time> delivered_at;

  v1::Notice ToProto() const;
};

struct ExtensionRow {
  v1::Extension ext;  // ids as strings, times set
  int64_t extension_id = 0;
  int64_t clock_id = 0;
};

// One notice of a fired step: a recipient and one of its channels.
struct NoticeTarget {
  v1::RecipientKind kind = v1::RECIPIENT_KIND_UNSPECIFIED;
  std::string unit_id;  // empty: the step's unit (the unit chased)
  std::string name;
  bool resolved = false;
  v1::NoticeChannel channel = v1::NOTICE_CHANNEL_UNSPECIFIED;
};

struct FiredStep {
  // step_id is set by RecordLadderBatch; act_id (numeric) marks a step
  // recorded by a SupervisionAct.
  v1::LadderStepRecord record;
  std::string text;  // the text of each of its notices
};

// What one scanner batch fires, recorded in the caller's transaction.
struct LadderBatch {
  std::string fired_by;            // the replica
  std::vector<LadderDue> claimed;  // deleted (fired or not)
  std::vector<FiredStep> steps;    // immutable records
  // The notices of every step of a kind, in order; each is stored PENDING,
  // created and due for delivery at the step's fired_at.
  std::map<v1::LadderStep, std::vector<NoticeTarget>> notices;
  std::vector<LadderDue> next;  // the rungs that follow
  // Lateness reported by the batch's ClockOverdue events.
  std::vector<OverdueUpdate> overdue;
};

struct StepFilter {
  std::string ticket_id;               // empty: any
  std::string unit_root;               // empty: any
  std::vector<int> steps;              // empty: any
  std::vector<int> deliveries;         // notices only
  std::optional<absl::Time> from, to;  // [from, to)
  int64_t offset = 0;
  int limit = 50;
};

struct ExtensionFilter {
  std::string unit_root;    // "center" or empty: all
  std::string ticket_id;    // empty: any
  std::vector<int> states;  // empty: any
  bool caller_not_informed = false;
  int64_t offset = 0;
  int limit = 50;
};

// A special inspection or district-wide notice as stored.
struct SupervisionActRow {
  v1::SupervisionAct act;  // act_id set by InsertSupervisionAct
  // (ticket, unit, step_id) of each item.
  struct Item {
    std::string ticket_id;
    std::string unit_id;
    int64_t step_id = 0;
  };
  std::vector<Item> items;
};

struct ActFilter {
  int step = 0;                        // 0: both
  std::string unit_root;               // "center" or empty: all
  std::string ticket_id;               // empty: any
  std::optional<absl::Time> from, to;  // [from, to) of recorded_at
  int64_t offset = 0;
  int limit = 50;
};

struct DueFilter {
  std::string unit_root;  // "center" or empty: all
  absl::Time due_before;
  std::optional<absl::Time> not_before;  // exclude overdue: due >= this
  std::vector<int> kinds;
  int64_t offset = 0;
  int limit = 50;
};

class DeadlineStore {
 public:
  virtual ~DeadlineStore() = default;

  // --- per-order chain
  // Locks the row (FOR UPDATE).
  virtual absl::StatusOr<std::optional<TicketInfo>> GetTicketInfo(
      db::Connection& conn, const std::string& ticket_id) = 0;
  virtual absl::Status PutTicketInfo(db::Connection& conn,
                                     const TicketInfo& info) = 0;
  // Records that `parent` passed the order to `unit` (path derived from the
  // parent's path; "/center/<unit>/" when parent is the center).
  virtual absl::Status PutChainLink(db::Connection& conn,
                                    const std::string& ticket_id,
                                    const std::string& unit,
                                    const std::string& parent) = 0;
  // The unit that passed the order to `unit`; "center" if unknown.
  virtual absl::StatusOr<std::string> ParentOf(db::Connection& conn,
                                               const std::string& ticket_id,
                                               const std::string& unit) = 0;
  // Whether `root`'s subtree holds or held the order.
  virtual absl::StatusOr<bool> SubtreeTouched(db::Connection& conn,
                                              const std::string& ticket_id,
                                              const std::string& root) = 0;
  // Whether some order's chain shows `unit` below `root`.
  virtual absl::StatusOr<bool> UnitBelow(db::Connection& conn,
                                         const std::string& unit,
                                         const std::string& root) = 0;

  // --- holdings within a round
  // Closes the round's open holding (if any) at `at` and opens one for
  // `unit` arriving at `at` by `arrived_by`.
  virtual absl::Status MoveHolding(db::Connection& conn,
                                   const std::string& ticket_id, int round,
                                   const std::string& unit, absl::Time at,
                                   const std::string& arrived_by) = 0;
  // Closes the round's open holding (if any) at `at`.
  virtual absl::Status CloseHolding(db::Connection& conn,
                                    const std::string& ticket_id, int round,
                                    absl::Time at) = 0;
  // The round's holdings, oldest first.
  virtual absl::StatusOr<std::vector<Holding>> Holdings(
      db::Connection& conn, const std::string& ticket_id, int round) = 0;

  // --- clocks
  // Inserts a running clock; sets row->clock_id.
  virtual absl::Status InsertClock(db::Connection& conn, ClockRow* row) = 0;
  // Ordered by round, start, id.
  virtual absl::StatusOr<std::vector<ClockRow>> ClocksOfTicket(
      db::Connection& conn, const std::string& ticket_id, bool running_only,
      bool for_update) = 0;
  virtual absl::StatusOr<std::optional<ClockRow>> GetClock(db::Connection& conn,
                                                           int64_t clock_id,
                                                           bool for_update) = 0;
  // Stops it as `row` says (outcome, stopped_at, judged_at, stop_cause,
  // overdue and elapsed working days), drops its pending ladder rungs and
  // lapses pending extensions.
  virtual absl::Status StopClock(db::Connection& conn, const ClockRow& row) = 0;
  // Sets (or, with nullopt, clears) the act a running clock awaits the
  // center on. Setting it drops the clock's pending rungs (it is not chased
  // while the center decides).
  virtual absl::Status SetPending(db::Connection& conn, int64_t clock_id,
                                  std::optional<absl::Time> since,
                                  Pending kind) = 0;
  // Writes reported lateness (overdue_since, counted-through day, working
  // days), in one statement.
  virtual absl::Status RecordOverdue(db::Connection& conn,
                                     const std::vector<OverdueUpdate>& u) = 0;
  virtual absl::Status SetClockUnit(db::Connection& conn, int64_t clock_id,
                                    const std::string& unit_id) = 0;
  // Writes kind, rule and explanation (a clock that changes role, e.g.
  // HANDLING → LEAD_UNIT, keeping its id, rungs and extensions).
  virtual absl::Status SetClockKind(db::Connection& conn,
                                    const ClockRow& row) = 0;
  // Writes due, fixed_due, calendar version and completeness, working days
  // and explanation.
  virtual absl::Status MoveClock(db::Connection& conn, const ClockRow& row) = 0;
  // Running clocks that depend on `year`: started in it, or whose last day
  // (the local day before `due`) lies in it.
  virtual absl::StatusOr<int64_t> CountRunningClocksInYear(db::Connection& conn,
                                                           int year) = 0;
  // Those of them not fixed by an approved extension, locked for update.
  virtual absl::StatusOr<std::vector<ClockRow>> RunningClocksInYear(
      db::Connection& conn, int year) = 0;

  // --- ladder
  // Inserts the rung, or moves it to `due.due_at` if the clock has it.
  virtual absl::Status ScheduleRung(db::Connection& conn,
                                    const LadderDue& due) = 0;
  // The instant of a clock's pending rung `step`, if it has one.
  virtual absl::StatusOr<std::optional<absl::Time>> RungDueAt(
      db::Connection& conn, int64_t clock_id, v1::LadderStep step) = 0;
  // Drops every pending rung of the clock.
  virtual absl::Status DropRungs(db::Connection& conn, int64_t clock_id) = 0;
  // Claims up to `limit` rungs due at or before `now`, earliest first, and
  // locks their clocks, in one statement. A rung whose row or clock row
  // another transaction holds is skipped (FOR UPDATE SKIP LOCKED): another
  // replica is firing it, or an event is changing its clock; a later tick
  // sees the outcome.
  virtual absl::StatusOr<std::vector<DueRung>> ClaimDueRungs(
      db::Connection& conn, absl::Time now, int limit) = 0;
  // Deletes the claimed rungs, inserts the steps (setting each record's
  // step_id) and their notices, sets each fired clock's ladder_step to its
  // step (never lowering it), writes the reported lateness and schedules
  // the next rungs. ALREADY_EXISTS when a step was already recorded for its
  // (clock, step).
  virtual absl::Status RecordLadderBatch(db::Connection& conn,
                                         LadderBatch* batch) = 0;

  // --- special inspections and district-wide notices
  // Inserts the act (without its items); sets act->act_id.
  virtual absl::Status InsertSupervisionAct(db::Connection& conn,
                                            v1::SupervisionAct* act) = 0;
  // Inserts the items of a stored act (act.act_id set).
  virtual absl::Status InsertSupervisionActItems(
      db::Connection& conn, const SupervisionActRow& act) = 0;
  // Newest first, with their items' orders, units and step ids.
  virtual absl::StatusOr<std::vector<v1::SupervisionAct>> ListSupervisionActs(
      db::Connection& conn, const ActFilter& f) = 0;
  // Orders with a running completion or re-handling clock and at least
  // `min_automatic` REMINDER/SUPERVISION steps; with `need_inspection`, only
  // those with a SPECIAL_INSPECTION step and no DISTRICT_NOTICE, else those
  // without a SPECIAL_INSPECTION step. Oldest first step first; ticket ids.
  // `unit_root` keeps orders chased in that subtree.
  virtual absl::StatusOr<std::vector<std::string>> EscalationCandidates(
      db::Connection& conn, bool need_inspection, int min_automatic,
      const std::string& unit_root, int64_t offset, int limit) = 0;

  // --- notice delivery
  // Claims up to `limit` PENDING notices whose next attempt is due by
  // pushing their next attempt to `lease_until` (FOR UPDATE SKIP LOCKED).
  virtual absl::StatusOr<std::vector<NoticeRow>> LeasePendingNotices(
      db::Connection& conn, absl::Time now, absl::Time lease_until,
      int limit) = 0;
  // Writes name, resolved, address, delivery, attempts, next attempt and
  // delivered_at.
  virtual absl::Status UpdateNotice(db::Connection& conn,
                                    const NoticeRow& n) = 0;

  // --- extensions
  // Returns the new extension_id.
  virtual absl::StatusOr<int64_t> InsertExtension(db::Connection& conn,
                                                  const ExtensionRow& row) = 0;
  virtual absl::StatusOr<std::optional<ExtensionRow>> GetExtension(
      db::Connection& conn, int64_t id, bool for_update) = 0;
  virtual absl::StatusOr<bool> HasPendingExtension(db::Connection& conn,
                                                   int64_t clock_id) = 0;
  // Writes the decision (state, approved date, due after, reason, who, when,
  // decided after due).
  virtual absl::Status DecideExtension(db::Connection& conn,
                                       const ExtensionRow& row) = 0;
  // Writes the caller-informed record (contact, when, note, who).
  virtual absl::Status RecordCallerInformed(db::Connection& conn,
                                            const ExtensionRow& row) = 0;
  virtual absl::StatusOr<std::vector<v1::Extension>> ExtensionsOfTicket(
      db::Connection& conn, const std::string& ticket_id) = 0;
  // Newest first.
  virtual absl::StatusOr<std::vector<v1::Extension>> ListExtensions(
      db::Connection& conn, const ExtensionFilter& f) = 0;

  // --- queries
  // Oldest first, with recipients and notice ids.
  virtual absl::StatusOr<std::vector<v1::LadderStepRecord>> StepsOfTicket(
      db::Connection& conn, const std::string& ticket_id) = 0;
  // Newest first, with recipients and notice ids.
  virtual absl::StatusOr<std::vector<v1::LadderStepRecord>> ListSteps(
      db::Connection& conn, const StepFilter& f) = 0;
  // Newest first.
  virtual absl::StatusOr<std::vector<NoticeRow>> ListNotices(
      db::Connection& conn, const StepFilter& f) = 0;
  // Running clocks by due, earliest first.
  virtual absl::StatusOr<std::vector<ClockRow>> ListDueClocks(
      db::Connection& conn, const DueFilter& f) = 0;

  // --- calendar years loaded at run time
  // Ascending by year.
  virtual absl::StatusOr<std::vector<PersistedYear>> LoadCalendarYears(
      db::Connection& conn) = 0;
  // Inserts or replaces one year.
  virtual absl::Status SaveCalendarYear(
      db::Connection& conn, const PersistedYear& year,
      const std::string& calendar_version) = 0;

  // --- idempotency
  // The stored response of `request_id` (locking its row) if it was recorded
  // for the same rpc and fingerprint; ALREADY_EXISTS if it was recorded for
  // another request; nullopt if unknown.
  virtual absl::StatusOr<std::optional<std::string>> LookupRequest(
      db::Connection& conn, const std::string& request_id,
      const std::string& rpc, uint64_t fingerprint) = 0;
  virtual absl::Status RecordRequest(db::Connection& conn,
                                     const std::string& request_id,
                                     const std::string& rpc,
                                     uint64_t fingerprint,
                                     const std::string& response,
                                     absl::Time now) = 0;
};

}  // namespace hotline::deadline
