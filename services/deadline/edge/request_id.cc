#include "services/deadline/edge/request_id.h"

#include "absl/strings/ascii.h"

namespace hotline::deadline {

uint64_t Fingerprint(absl::string_view a, absl::string_view b) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (unsigned char c : a) mix(c);
  mix(0);
  for (unsigned char c : b) mix(c);
  return h;
}

absl::Status ValidateRequestId(absl::string_view id) {
  if (id.empty()) return absl::InvalidArgumentError("request_id: required");
  if (id.size() > 64) {
    return absl::InvalidArgumentError("request_id: longer than 64 characters");
  }
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      return absl::InvalidArgumentError(
          "request_id: only [A-Za-z0-9._:-] allowed");
    }
  }
  return absl::OkStatus();
}

}  // namespace hotline::deadline
