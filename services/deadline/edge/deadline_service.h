#pragma once

// hotline-deadline: see DESIGN.md §4 for what it owns.

#include <string>

#include "absl/flags/declare.h"
#include "common/runtime/service_runtime.h"

// Service-specific settings (flag, else environment variable):
//   --routing         HOTLINE_ROUTING         routing's DirectoryService
//                                             (liaison, duty roster)
//   --notify_webhook  HOTLINE_NOTIFY_WEBHOOK  JSON POST target for notices
//   --ladder_scanner  (bool, default true)    run the scanner thread
ABSL_DECLARE_FLAG(std::string, notify_webhook);
ABSL_DECLARE_FLAG(bool, ladder_scanner);

namespace hotline::deadline {

// The service as the runtime builds and runs it.
runtime::ServiceDefinition Definition();

}  // namespace hotline::deadline
