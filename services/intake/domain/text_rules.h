#pragma once

// Field rules of the contract (common.proto FIELD RULES), free of gRPC and
// SQL: UTF-8, text length and lines, ids and codes; and the UTF-8 reading
// the masking and the text model share.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace hotline::intake {

// Valid UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(absl::string_view s);

struct TextRule {
  bool required = false;
  size_t max_bytes = 0;     // 0: no limit
  bool multi_line = false;  // allows \n and \t
};
// INVALID_ARGUMENT "<field>: ..." unless `value` obeys `rule`.
absl::Status CheckText(absl::string_view field, absl::string_view value,
                       const TextRule& rule);
// request_id / server id rule: 1–64 chars of [A-Za-z0-9._:-].
absl::Status CheckId(absl::string_view field, absl::string_view value,
                     bool required = true);
// unit_id / category_code rule: lower-case [a-z0-9][a-z0-9._-]*, 1..max.
bool IsCode(absl::string_view value, size_t max_len);

// Decodes one code point at s[i]; returns its length or 0 when invalid.
size_t DecodeUtf8(absl::string_view s, size_t i, uint32_t* cp);
// Whether `cp` is a CJK ideograph (the text model's characters).
bool IsCjk(uint32_t cp);
// The code points of `s`, each as its UTF-8 bytes.
std::vector<std::string> CodePoints(absl::string_view s);

}  // namespace hotline::intake
