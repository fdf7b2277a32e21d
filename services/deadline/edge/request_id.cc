#include "services/deadline/edge/request_id.h"

#include "absl/strings/ascii.h"

namespace hotline::deadline {

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
