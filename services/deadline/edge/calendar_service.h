#pragma once

// CalendarService (proto/hotline/v1/deadline.proto): working-day arithmetic
// over the calendar in force, and LoadYear, which persists a year in
// calendar_year and publishes a new calendar version.

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "common/calendar/calendar.h"
#include "common/clock/clock.h"
#include "common/db/connection.h"
#include "common/server/call_gate.h"
#include "services/deadline/domain/calendar_state.h"
#include "services/deadline/domain/policy.h"
#include "services/deadline/edge/request_checks.h"  // RejectUnknownFields
#include "services/deadline/store/deadline_store.h"

namespace grpc {
class Service;
}
namespace google::protobuf {
class Message;
}

namespace hotline::deadline {

// Called inside LoadYear's transaction when `force` replaces a year that
// running clocks depend on: recomputes those clocks with `next` (emitting
// ClockMoved) and returns how many moved.
using RecomputeClocksFn = std::function<absl::StatusOr<int>(
    db::Connection&, const calendar::Calendar& next, int year)>;

struct CalendarServiceDeps {
  const server::CallGate* gate = nullptr;
  Clock* clock = nullptr;
  db::ConnectionPool* pool = nullptr;
  DeadlineStore* store = nullptr;
  CalendarState* state = nullptr;
  const Policy* policy = nullptr;
  RecomputeClocksFn recompute;         // may be empty (nothing recomputed)
  std::function<void()> after_commit;  // e.g. relay.Wake(); may be empty
};

std::unique_ptr<grpc::Service> NewCalendarService(CalendarServiceDeps deps);

}  // namespace hotline::deadline
