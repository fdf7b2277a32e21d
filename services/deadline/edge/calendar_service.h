#pragma once

// CalendarService (proto/hotline/v1/deadline.proto): working-day arithmetic
// over the calendar in force, and LoadYear, which persists a year in
// calendar_year and publishes a new calendar version. The gRPC edge only:
// wire checks (INVALID_ARGUMENT naming the field), roles, and the calls of
// the calendar in force; LoadYear's transaction is CalendarLoader's (core).

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "common/calendar/calendar.h"
#include "common/clock/clock.h"
#include "common/server/call_gate.h"
#include "services/deadline/core/deadline_core_requests.h"
#include "services/deadline/domain/calendar_state.h"
#include "services/deadline/domain/policy.h"
#include "services/deadline/edge/request_checks.h"  // RejectUnknownFields

namespace grpc {
class Service;
}
namespace google::protobuf {
class Message;
}

namespace hotline::deadline {

// What the service uses; none is owned, all must outlive the service.
struct CalendarServiceDeps {
  const server::CallGate* gate = nullptr;
  Clock* clock = nullptr;
  CalendarState* state = nullptr;
  const Policy* policy = nullptr;
  CalendarLoader* loader = nullptr;  // LoadYear's transaction
};

// The CalendarService (thread-safe, as gRPC calls it from many threads).
// Errors map absl codes to gRPC codes (server::Handle).
std::unique_ptr<grpc::Service> NewCalendarService(CalendarServiceDeps deps);

}  // namespace hotline::deadline
