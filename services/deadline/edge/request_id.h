#pragma once

// Idempotent requests: request-id checks (the request log and its hash are
// common/server/idempotency.h).

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace hotline::deadline {

// INVALID_ARGUMENT "request_id: ..." unless 1–64 chars of [A-Za-z0-9._:-].
absl::Status ValidateRequestId(absl::string_view id);

}  // namespace hotline::deadline
