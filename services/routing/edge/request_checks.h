#pragma once

// The field checks routing's gRPC edge applies to a request before it reads
// anything (routing_service.cc): identifiers, text, unit references, dates
// and limits, and one function per transition request. Plain functions of
// the request and "now", free of the database, so that they can be tested
// and fuzzed alone (tests/fuzz). INVALID_ARGUMENT "<field>: why".

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "hotline/v1/routing.pb.h"

namespace hotline::routing {

// INVALID_ARGUMENT "<field>: <why>".
absl::Status Bad(absl::string_view field, absl::string_view why);

// request_id / ticket_id / rule_id rule: 1–64 chars of [A-Za-z0-9._:-].
absl::Status CheckId(absl::string_view field, const std::string& v);

// Valid UTF-8 (structurally), no control characters except \n \t when
// multi-line, at most `max` bytes; `required` rejects empty/whitespace.
absl::Status CheckText(absl::string_view field, const std::string& v,
                       size_t max, bool required, bool multiline);

// A required, well-formed unit id (IsValidUnitId).
absl::Status CheckUnitRef(absl::string_view field, const std::string& v);

// A handling limit: working days 1–3650 or a due date not before today
// (UTC+8), and its legal basis.
absl::Status CheckLimit(absl::string_view field, const v1::HandlingLimit& l,
                        absl::Time now);

// The fields of each transition request beyond request_id and ticket_id,
// which every transition checks first with CheckId (Accept has no others).
absl::Status CheckDispatchRequest(const v1::DispatchRequest& req,
                                  absl::Time now);
absl::Status CheckForwardRequest(const v1::ForwardRequest& req);
absl::Status CheckReturnRequest(const v1::ReturnRequest& req);
absl::Status CheckDisputeRequest(const v1::DisputeRequest& req);
absl::Status CheckDecideDisputeRequest(const v1::DecideDisputeRequest& req);
absl::Status CheckAddCoUnitsRequest(const v1::AddCoUnitsRequest& req);
absl::Status CheckSubmitCoOpinionRequest(const v1::SubmitCoOpinionRequest& req);
absl::Status CheckReleaseCoUnitRequest(const v1::ReleaseCoUnitRequest& req);
// Returns contacted_at.
absl::StatusOr<absl::Time> CheckReplyRequest(const v1::ReplyRequest& req,
                                             absl::Time now);
absl::Status CheckReviewRequest(const v1::ReviewRequest& req);

}  // namespace hotline::routing
