#pragma once

// Wire checks of the assessment edge (edge/assessment_service.cc): ids,
// codes, text, enums, and the request digest that keys idempotency (page
// sizes and tokens: common/server/paging.h). Each refusal is INVALID_ARGUMENT
// naming the field. Pure functions; thread-safe.

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hotline/v1/assessment.pb.h"

namespace hotline::assessment {

// 1–64 chars of [A-Za-z0-9._:-] (request and ticket ids).
bool ValidId(absl::string_view s);

// Whether the evaluation says the caller was reached: `callback`, or the
// older `reached = true`. A request that states neither is refused rather
// than recorded as "not reached", which would be final. INVALID_ARGUMENT
// naming callback (or reached when they contradict).
absl::StatusOr<bool> CallbackReached(const v1::RecordEvaluationRequest& req);

// Lower-case [a-z0-9][a-z0-9._-]*, 1–max_len chars (unit ids, category
// codes).
bool ValidCode(absl::string_view s, size_t max_len);
// A unit id: ValidCode of at most 32 chars.
bool ValidUnitId(absl::string_view s);

// Valid UTF-8 without control characters other than \n and \t.
bool ValidText(absl::string_view s);

// FNV-1a 64 of `s` as 16 hex digits.
std::string Fnv64(absl::string_view s);

// INVALID_ARGUMENT "<field>: unknown value" unless `t` is a RequestType.
absl::Status CheckRequestType(absl::string_view field, int t);

}  // namespace hotline::assessment
