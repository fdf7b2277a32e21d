#pragma once

// The metadata hotlinectl sends with every call. gRPC aborts the process on
// a metadata value with control characters, so nothing reaches it unchecked:
// the token is trimmed of whitespace around it (a token read with
// $(awk ...) or from a file keeps its newline), and a token with a character
// that cannot travel in a header is an error naming where it came from.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotline::ctl {

using Metadata = std::vector<std::pair<std::string, std::string>>;

// The token, from --token when given, else $HOTLINE_TOKEN; `source` names
// which ("--token" or "$HOTLINE_TOKEN") for messages.
struct TokenInput {
  std::string value;
  std::string source;
};

// Whitespace (spaces, tabs, CR, LF) trimmed from both ends.
std::string TrimToken(absl::string_view token);

// {"authorization", "Bearer TOKEN"} for a non-empty token, nothing for an
// empty one. INVALID_ARGUMENT when the trimmed token holds a byte outside
// printable ASCII (0x21–0x7E): a line break inside (two tokens), a control
// character, a space, non-ASCII text.
absl::StatusOr<Metadata> BuildMetadata(const TokenInput& token);

// True when gRPC accepts `value` as the value of a text (non -bin) header.
bool ValidMetadataValue(absl::string_view value);

}  // namespace hotline::ctl
