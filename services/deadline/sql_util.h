#pragma once

// Small helpers shared by the deadline store code: instants as DATETIME(6)
// text in UTC, request fingerprints, request-id checks.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db/sql_text.h"

namespace hotline::deadline {

// DATETIME(6) text and string literals (common/db/sql_text.h).
using db::ParseSqlTime;
using db::SqlQuote;
using db::SqlTime;

// FNV-1a 64 of `a`, a NUL, and `b`.
uint64_t Fingerprint(absl::string_view a, absl::string_view b);

// INVALID_ARGUMENT "request_id: ..." unless 1–64 chars of [A-Za-z0-9._:-].
absl::Status ValidateRequestId(absl::string_view id);

}  // namespace hotline::deadline
