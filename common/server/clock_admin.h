#pragma once

// ClockAdmin (proto/hotline/v1/admin.proto): moves a service's manual clock.
// Registered only when the service runs with --clock=manual.

#include <memory>

#include "common/clock/clock.h"
#include "common/server/call_gate.h"

namespace grpc {
class Service;
}

namespace hotline::server {

// `clock` and `gate` are not owned and must outlive the service.
std::unique_ptr<grpc::Service> NewClockAdminService(ManualClock* clock,
                                                    const CallGate* gate);

inline constexpr char kClockAdminServiceName[] = "hotline.v1.ClockAdmin";

}  // namespace hotline::server
