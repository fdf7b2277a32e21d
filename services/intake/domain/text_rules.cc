#include "services/intake/domain/text_rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace hotline::intake {

size_t DecodeUtf8(absl::string_view s, size_t i, uint32_t* cp) {
  const auto c0 = static_cast<unsigned char>(s[i]);
  if (c0 < 0x80) {
    *cp = c0;
    return 1;
  }
  size_t n;
  uint32_t v;
  if ((c0 & 0xE0) == 0xC0) {
    n = 2;
    v = c0 & 0x1F;
  } else if ((c0 & 0xF0) == 0xE0) {
    n = 3;
    v = c0 & 0x0F;
  } else if ((c0 & 0xF8) == 0xF0) {
    n = 4;
    v = c0 & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    v = (v << 6) | (c & 0x3F);
  }
  if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) ||
      (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
      (v >= 0xD800 && v <= 0xDFFF)) {
    return 0;
  }
  *cp = v;
  return n;
}

bool IsCjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF);
}

std::vector<std::string> CodePoints(absl::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) n = 1;
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

absl::Status CheckText(absl::string_view field, absl::string_view value,
                       const TextRule& rule) {
  if (!IsValidUtf8(value)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": invalid UTF-8"));
  }
  if (rule.max_bytes > 0 && value.size() > rule.max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": longer than ",
                                                   rule.max_bytes, " bytes (",
                                                   value.size(), ")"));
  }
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      if (rule.multi_line && (c == '\n' || c == '\t' || c == '\r')) continue;
      return absl::InvalidArgumentError(
          absl::StrCat(field, rule.multi_line ? ": control character"
                                              : ": must be a single line"));
    }
  }
  if (rule.required && absl::StripAsciiWhitespace(value).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  return absl::OkStatus();
}

absl::Status CheckId(absl::string_view field, absl::string_view value,
                     bool required) {
  if (value.empty()) {
    return required
               ? absl::InvalidArgumentError(absl::StrCat(field, ": required"))
               : absl::OkStatus();
  }
  if (value.size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than 64 characters"));
  }
  for (char c : value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != ':' && c != '-') {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": only [A-Za-z0-9._:-] allowed"));
    }
  }
  return absl::OkStatus();
}

bool IsCode(absl::string_view value, size_t max_len) {
  if (value.empty() || value.size() > max_len) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (i == 0 ? !alnum : !(alnum || c == '.' || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace hotline::intake
