#pragma once

// Wire checks of the assessment edge (edge/assessment_service.cc): ids,
// codes, text, enums, page sizes and page tokens, and the request digest
// that keys idempotency and page tokens. Each refusal is INVALID_ARGUMENT
// naming the field. Pure functions; thread-safe.

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/status/status.h"
#include "google/protobuf/message.h"
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
// `m` serialized deterministically (the input of request digests).
std::string Deterministic(const google::protobuf::Message& m);

// page.page_size, 0 = 50; INVALID_ARGUMENT outside 0–500.
absl::StatusOr<int> PageSize(const v1::PageRequest& p);

// INVALID_ARGUMENT "<field>: unknown value" unless `t` is a RequestType.
absl::Status CheckRequestType(absl::string_view field, int t);

// A page of a list computed whole: the token is "OFFSET:FILTER", FILTER the
// digest of the request without its page, so a token of another query is
// refused.
struct OffsetPage {
  size_t offset = 0;
  int size = 0;
  std::string filter;

  // The next page's token when `total` items go past this page, else "".
  std::string NextToken(size_t total) const {
    return offset + size < total ? absl::StrCat(offset + size, ":", filter)
                                 : "";
  }
};

template <typename Request>
absl::StatusOr<OffsetPage> ParseOffsetPage(const Request& req) {
  OffsetPage page;
  ASSIGN_OR_RETURN(page.size, PageSize(req.page()));
  Request key = req;
  key.clear_page();
  page.filter = Fnv64(Deterministic(key));
  if (!req.page().page_token().empty()) {
    std::vector<std::string> parts =
        absl::StrSplit(req.page().page_token(), ':');
    if (parts.size() != 2 || parts[1] != page.filter ||
        !absl::SimpleAtoi(parts[0], &page.offset)) {
      return absl::InvalidArgumentError(
          "page.page_token: not a token of this query");
    }
  }
  return page;
}

}  // namespace hotline::assessment
