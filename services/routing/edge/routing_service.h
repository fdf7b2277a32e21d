#pragma once

// hotline-routing: see DESIGN.md §4 for what it owns.

#include "common/runtime/service_runtime.h"

namespace hotline::routing {

// The service as the runtime builds and runs it.
runtime::ServiceDefinition Definition();

}  // namespace hotline::routing
