#pragma once

// The escalation ladder of hotline-deadline: pending rungs (ladder_due),
// fired steps (ladder_step) and their notices (notice).
//
// Every method runs on a connection the caller holds, inside the caller's
// transaction when the call is part of a state change. Implementations are
// stateless and thread-safe (MysqlDeadlineStore). Errors of every method:
// UNAVAILABLE when the database is unreachable, ABORTED on deadlock or lock
// wait timeout (retry); other results are named on the method.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/store/deadline_rows.h"

namespace hotline::db {
class Connection;
}

namespace hotline::deadline {

// LadderStore: see the file comment. Thread-safe; owns nothing.
class LadderStore {
 public:
  virtual ~LadderStore() = default;

  // --- ladder
  // Inserts each rung, or moves it to its due_at if the clock has it, in
  // one statement (at most one entry per (clock, step)). Nothing to do for
  // none.
  virtual absl::Status ScheduleRungs(db::Connection& conn,
                                     const std::vector<LadderDue>& dues) = 0;
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
};

}  // namespace hotline::deadline
