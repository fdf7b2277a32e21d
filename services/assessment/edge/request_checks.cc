#include "services/assessment/edge/request_checks.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hotline::assessment {

bool ValidId(absl::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
          c == '_' || c == ':' || c == '-')) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<bool> CallbackReached(const v1::RecordEvaluationRequest& req) {
  switch (req.callback()) {
    case v1::CALLBACK_OUTCOME_REACHED:
      return true;
    case v1::CALLBACK_OUTCOME_NOT_REACHED:
      if (req.reached()) {
        return absl::InvalidArgumentError(
            "reached: true contradicts callback NOT_REACHED");
      }
      return false;
    case v1::CALLBACK_OUTCOME_UNSPECIFIED:
      if (req.reached()) return true;  // clients from before `callback`
      return absl::InvalidArgumentError(
          "callback: required — REACHED (with satisfaction) or NOT_REACHED");
    default:
      return absl::InvalidArgumentError("callback: unknown value");
  }
}

bool ValidCode(absl::string_view s, size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

bool ValidUnitId(absl::string_view s) { return ValidCode(s, 32); }

bool ValidText(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    int len = c < 0x80         ? 1
              : (c >> 5) == 6  ? 2
              : (c >> 4) == 14 ? 3
              : (c >> 3) == 30 ? 4
                               : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (len == 1 && (c < 0x20 || c == 0x7f) && c != '\n' && c != '\t') {
      return false;
    }
    i += len;
  }
  return true;
}

std::string Fnv64(absl::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return absl::StrCat(absl::Hex(h, absl::kZeroPad16));
}

absl::Status CheckRequestType(absl::string_view field, int t) {
  if (!v1::RequestType_IsValid(t)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": unknown value"));
  }
  return absl::OkStatus();
}

}  // namespace hotline::assessment
