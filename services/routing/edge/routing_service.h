#pragma once

// hotline-routing: see DESIGN.md §4 for what it owns.

#include "common/runtime/service_runtime.h"

namespace hotline::routing {

// The service as the runtime builds and runs it: name "routing", its schema
// migrations (store/schema), and the component wiring store, core and edge.
// Thread-safe; each call returns a fresh definition.
runtime::ServiceDefinition Definition();

}  // namespace hotline::routing
