#pragma once

// The clocks of hotline-deadline (table clock): insert, read, stop, move,
// the act a clock awaits, reported lateness, and the due list.
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

// ClockStore: see the file comment. Thread-safe; owns nothing.
class ClockStore {
 public:
  virtual ~ClockStore() = default;

  // --- clocks
  // Inserts running clocks, in order, in one statement; sets each row's
  // clock_id (and running). Nothing to do for none.
  virtual absl::Status InsertClocks(db::Connection& conn,
                                    std::vector<ClockRow>* rows) = 0;
  // Ordered by round, start, id.
  virtual absl::StatusOr<std::vector<ClockRow>> ClocksOfTicket(
      db::Connection& conn, const std::string& ticket_id, bool running_only,
      bool for_update) = 0;
  // The clock, nullopt if unknown; locked with `for_update`.
  virtual absl::StatusOr<std::optional<ClockRow>> GetClock(db::Connection& conn,
                                                           int64_t clock_id,
                                                           bool for_update) = 0;
  // Stops it as `row` says (outcome, stopped_at, judged_at, stop_cause,
  // overdue and elapsed working days) and drops its pending ladder rungs
  // (what becomes of its extensions is the core's: OnClockStopped).
  virtual absl::Status StopClock(db::Connection& conn, const ClockRow& row) = 0;
  // Sets (or, with nullopt, clears) the act a running clock awaits the
  // center on (the core drops its rungs: it is not chased meanwhile).
  virtual absl::Status SetPending(db::Connection& conn, int64_t clock_id,
                                  std::optional<absl::Time> since,
                                  Pending kind) = 0;
  // Writes reported lateness (overdue_since, counted-through day, working
  // days), in one statement.
  virtual absl::Status RecordOverdue(db::Connection& conn,
                                     const std::vector<OverdueUpdate>& u) = 0;
  // Moves a running clock to `unit_id` (a forward or a return).
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

  // Running clocks by due, earliest first.
  virtual absl::StatusOr<std::vector<ClockRow>> ListDueClocks(
      db::Connection& conn, const DueFilter& f) = 0;
};

}  // namespace hotline::deadline
