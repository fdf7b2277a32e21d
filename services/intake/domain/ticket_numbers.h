#pragma once

// Ticket numbers and the local (CST) days they are counted by, free of gRPC
// and SQL.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hotline::intake {

// Local (CST) date of `t` as YYYYMMDD and as YYYY-MM-DD.
std::string LocalDayCompact(absl::Time t);
std::string LocalDay(absl::Time t);
// "DZ" + YYYYMMDD + "-" + at least 6 digits.
std::string TicketNumber(absl::string_view day_compact, int64_t n);
bool IsTicketNumberPrefix(absl::string_view s);  // "DZ"+8 digits[+...]
// Parses a local date "YYYY-MM-DD" (2000–2099): the instant 00:00 CST.
absl::StatusOr<absl::Time> ParseLocalDate(absl::string_view field,
                                          absl::string_view date);

}  // namespace hotline::intake
