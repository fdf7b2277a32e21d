#pragma once

// hotline-intake's gRPC edge: see DESIGN.md §4 for what it owns. IntakeService,
// KnowledgeService and EventSink (status from routing, deadline and
// assessment events).
//
// Settings: --caller_key_file / HOTLINE_CALLER_KEY_FILE (required; see
// caller_crypto.h), --repeat_window_days / HOTLINE_REPEAT_WINDOW_DAYS (30),
// --repeat_similarity / HOTLINE_REPEAT_SIMILARITY (0.5); the directory:
// --routing / HOTLINE_ROUTING (routing's address; empty: the stored copy
// only), --directory_refresh (5m), --directory_min_gap (10s); see
// common/directory/directory_follower.h.

#include "absl/flags/declare.h"
#include "absl/time/time.h"
#include "common/runtime/service_runtime.h"

ABSL_DECLARE_FLAG(absl::Duration, directory_min_gap);

namespace hotline::intake {

// The service as the runtime builds and runs it.
runtime::ServiceDefinition Definition();

}  // namespace hotline::intake
