#pragma once

// Small helpers shared by the deadline store code: instants as DATETIME(6)
// text in UTC, request fingerprints, request-id checks.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hotline::deadline {

// "YYYY-MM-DD HH:MM:SS.ffffff" in UTC.
std::string SqlTime(absl::Time t);
// Parses what SqlTime wrote (and what the server returns for DATETIME(6)).
absl::Time ParseSqlTime(const std::string& s);

// FNV-1a 64 of `a`, a NUL, and `b`.
uint64_t Fingerprint(absl::string_view a, absl::string_view b);

// INVALID_ARGUMENT "request_id: ..." unless 1–64 chars of [A-Za-z0-9._:-].
absl::Status ValidateRequestId(absl::string_view id);

}  // namespace hotline::deadline

namespace hotline::deadline {
// 's' as a MySQL string literal (quotes included), escaping \ ' " NUL \n \r
// and ^Z as mysql_real_escape_string does; safe for utf8mb4 sessions.
std::string SqlQuote(absl::string_view s);
}  // namespace hotline::deadline
