#pragma once

// hotline-assessment: see DESIGN.md §4 for what it owns.

#include <string>

#include "absl/flags/declare.h"
#include "common/runtime/service_runtime.h"

// --producer_batches / HOTLINE_ASSESSMENT_PRODUCER_BATCHES: how the batches
// of assessment's three producers are applied, one_at_a_time (the default)
// or per_producer (README.md, Settings).
ABSL_DECLARE_FLAG(std::string, producer_batches);
// --rebuild_chunk / HOTLINE_ASSESSMENT_REBUILD_CHUNK: how many facts
// RebuildRollups reads at a time (10000 by default; README.md, Settings).
ABSL_DECLARE_FLAG(std::string, rebuild_chunk);

namespace hotline::assessment {

// The service as the runtime builds and runs it.
runtime::ServiceDefinition Definition();

}  // namespace hotline::assessment
