#pragma once

// The field checks deadline's gRPC edge applies to a request before it reads
// anything: unknown fields, request ids, texts, dates, the year a LoadYear
// brings, and the extension requests. Plain functions of the request, free
// of the database, so that they can be tested and fuzzed alone (tests/fuzz).
// INVALID_ARGUMENT naming the field.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/calendar/calendar.h"
#include "hotline/v1/deadline.pb.h"

namespace google::protobuf {
class Message;
}

namespace hotline::deadline {

// The years a request may name (dates, LoadYear).
inline constexpr int kMinRequestYear = 2000;
inline constexpr int kMaxRequestYear = 2099;

// INVALID_ARGUMENT "<path>: unknown field N" when `message` or any message
// field set in it carries fields this build does not know.
absl::Status RejectUnknownFields(const google::protobuf::Message& message);

// At most `max` bytes; `required` rejects empty or whitespace-only text.
absl::Status ValidateText(absl::string_view field, const std::string& s,
                          size_t max, bool required);

// LoadYear's request (but its unknown fields): request id, year, source, and
// the dates, each inside the year, none repeated, no workday also a holiday,
// every workday a Saturday or Sunday; the year then passes
// calendar::ValidateYear. Dates come back sorted.
absl::StatusOr<calendar::YearData> ValidateLoadYear(
    const v1::LoadYearRequest& req);

// RequestExtension's request: its proposed due date.
absl::StatusOr<absl::CivilDay> ValidateRequestExtension(
    const v1::RequestExtensionRequest& req);

// DecideExtension's request: the approved due date, if one is given with an
// approval (approving without one grants the date the unit asked for).
absl::StatusOr<std::optional<absl::CivilDay>> ValidateDecideExtension(
    const v1::DecideExtensionRequest& req);

// RecordCallerInformed's request.
absl::Status ValidateRecordCallerInformed(
    const v1::RecordCallerInformedRequest& req);

}  // namespace hotline::deadline
