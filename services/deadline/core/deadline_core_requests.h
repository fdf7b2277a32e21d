#pragma once

// The transactions the edge's calls of hotline-deadline start: each
// state-changing call once per request id (RequestRunner), and LoadYear,
// which persists a calendar year, recomputes the clocks it moves and
// publishes the new calendar (CalendarLoader). The gRPC edge validates and
// authorizes the wire; these own the transaction.

#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/auth.h"
#include "common/calendar/calendar.h"
#include "common/clock/clock.h"
#include "common/db/connection.h"
#include "common/server/idempotency.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/domain/calendar_state.h"
#include "services/deadline/store/deadline_store.h"

namespace google::protobuf {
class Message;
}

namespace hotline::deadline {

// Runs the edge's state-changing calls once per request id, over the shared
// request log (common/server/idempotency.h). Thread-safe; owns nothing (all
// pointers must outlive it).
class RequestRunner {
 public:
  RequestRunner(db::ConnectionPool* pool, const server::RequestLog* log)
      : pool_(pool), log_(log) {}

  // In one transaction: `authorize` (the caller's right on the object now;
  // its error is the answer), then the answer stored for `request_id` if
  // it was recorded for the same `rpc` and request (server::KeyOf; a replay
  // fills *response), else `body` fills *response, which is recorded.
  // Errors: those of authorize and body (nothing stored), ALREADY_EXISTS
  // when the id answered another request, UNAVAILABLE/ABORTED from the
  // database.
  absl::Status Run(const std::string& rpc, const std::string& request_id,
                   const google::protobuf::Message& request,
                   std::function<absl::Status(db::Connection&)> authorize,
                   std::function<absl::Status(db::Connection&)> body,
                   google::protobuf::Message* response);

 private:
  db::ConnectionPool* pool_;
  const server::RequestLog* log_;
};

// Called inside LoadYear's transaction when `force` replaces a year that
// running clocks depend on: recomputes those clocks with `next` (emitting
// ClockMoved) and returns how many moved.
using RecomputeClocksFn = std::function<absl::StatusOr<int>(
    db::Connection&, const calendar::Calendar& next, int year)>;

// LoadYear: one year of the working-day calendar, persisted in
// calendar_year and published. Thread-safe: one LoadYear at a time in the
// process (the new version derives from the one in force). Owns nothing.
class CalendarLoader {
 public:
  // `recompute` may be empty.
  CalendarLoader(db::ConnectionPool* pool, DeadlineStore* store,
                 const server::RequestLog* log, CalendarState* state,
                 Clock* clock, RecomputeClocksFn recompute)
      : pool_(pool),
        store_(store),
        log_(log),
        state_(state),
        clock_(clock),
        recompute_(std::move(recompute)) {}

  // Loads `year` (validated from `req`) as `who` did, once per request id
  // (the shared request log, rpc "LoadYear"): unchanged data answers
  // changed=false; a year running clocks depend on is replaced only with
  // req.force() (FAILED_PRECONDITION "year: ... set force" otherwise),
  // recomputing them. Publishes the new calendar after the commit (not on a
  // replay). Errors: ALREADY_EXISTS for a request id of another request, the
  // calendar's INVALID_ARGUMENT, UNAVAILABLE/ABORTED from the database.
  absl::Status LoadYear(const auth::Principal& who,
                        const v1::LoadYearRequest& req,
                        const calendar::YearData& year,
                        v1::LoadYearResponse* resp);

 private:
  db::ConnectionPool* pool_;
  DeadlineStore* store_;
  const server::RequestLog* log_;
  CalendarState* state_;
  Clock* clock_;
  RecomputeClocksFn recompute_;
  absl::Mutex load_mu_;
};

}  // namespace hotline::deadline
