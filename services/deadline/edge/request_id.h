#pragma once

// Idempotent requests: request-id checks and request fingerprints.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace hotline::deadline {

// FNV-1a 64 of `a`, a NUL, and `b`.
uint64_t Fingerprint(absl::string_view a, absl::string_view b);

// INVALID_ARGUMENT "request_id: ..." unless 1–64 chars of [A-Za-z0-9._:-].
absl::Status ValidateRequestId(absl::string_view id);

}  // namespace hotline::deadline
