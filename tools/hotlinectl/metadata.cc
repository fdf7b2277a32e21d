#include "tools/hotlinectl/metadata.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace hotline::ctl {

std::string TrimToken(absl::string_view token) {
  return std::string(absl::StripAsciiWhitespace(token));
}

bool ValidMetadataValue(absl::string_view value) {
  for (unsigned char c : value) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

absl::StatusOr<Metadata> BuildMetadata(const TokenInput& input) {
  const std::string token = TrimToken(input.value);
  if (token.empty()) return Metadata{};
  const std::string source = input.source.empty() ? "token" : input.source;
  for (size_t i = 0; i < token.size(); ++i) {
    const unsigned char c = token[i];
    if (c >= 0x21 && c <= 0x7E) continue;
    if (c == '\n' || c == '\r') {
      return absl::InvalidArgumentError(absl::StrCat(
          source,
          " holds more than one line (several tokens?); give exactly one "
          "token (awk '...{print $1; exit}' stops at the first match)"));
    }
    std::string what;
    if (c == ' ' || c == '\t') {
      what = "whitespace inside it";
    } else if (c < 0x20 || c == 0x7F) {
      what = absl::StrFormat("a control character (byte 0x%02X)", c);
    } else {
      what = absl::StrFormat("a non-ASCII byte (0x%02X)", c);
    }
    return absl::InvalidArgumentError(
        absl::StrCat(source, " has ", what, " at position ", i + 1,
                     "; a token is printable ASCII only"));
  }
  return Metadata{{"authorization", absl::StrCat("Bearer ", token)}};
}

}  // namespace hotline::ctl
