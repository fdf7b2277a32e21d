#pragma once

// hotline-deadline: see DESIGN.md §4 for what it owns. The gRPC edge of the
// DeadlineService (NewDeadlineService) and the service definition the
// runtime builds and runs (Definition, edge/deadline_definition.cc).

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "common/clock/clock.h"
#include "common/runtime/service_runtime.h"
#include "common/server/call_gate.h"
#include "services/deadline/core/deadline_core.h"
#include "services/deadline/core/deadline_core_queries.h"
#include "services/deadline/core/deadline_core_requests.h"

// Service-specific settings (flag, else environment variable):
//   --routing         HOTLINE_ROUTING         routing's DirectoryService
//                                             (the unit tree of subtrees,
//                                             liaison, duty roster)
//   --notify_webhook  HOTLINE_NOTIFY_WEBHOOK  JSON POST target for notices
//   --ladder_scanner  (bool, default true)    run the scanner thread
ABSL_DECLARE_FLAG(std::string, notify_webhook);
ABSL_DECLARE_FLAG(bool, ladder_scanner);

namespace grpc {
class Service;
}

namespace hotline::deadline {

// The service as the runtime builds and runs it. Thread-compatible: call
// once at start.
runtime::ServiceDefinition Definition();

// What the DeadlineService edge uses; none is owned, all must outlive it.
struct DeadlineServiceDeps {
  const server::CallGate* gate = nullptr;
  DeadlineQueries* queries = nullptr;  // the list and get calls
  Clock* clock = nullptr;
  ClockEngine* engine = nullptr;
  RequestRunner* runner = nullptr;  // the state-changing calls' transaction
};

// The DeadlineService edge (thread-safe, as gRPC calls it from many
// threads): wire checks (INVALID_ARGUMENT naming the field), roles and
// subtrees (UNAUTHENTICATED/PERMISSION_DENIED), the core's calls, absl codes
// mapped to gRPC codes.
std::unique_ptr<grpc::Service> NewDeadlineService(
    const DeadlineServiceDeps& deps);

}  // namespace hotline::deadline
