#include "common/db/sql_text.h"

#include <algorithm>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hotline::db {

std::string SqlTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone());
}

absl::Time ParseSqlTime(const std::string& s) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime("%Y-%m-%d %H:%M:%E*S", s, absl::UTCTimeZone(), &t,
                      &err)) {
    return t;
  }
  return absl::UnixEpoch();
}

std::string SqlQuote(absl::string_view s) {
  std::string out = "'";
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\0':
        out += "\\0";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\x1a':
        out += "\\Z";
        break;
      default:
        out += c;
    }
  }
  out += '\'';
  return out;
}

std::string SqlHex(absl::string_view bytes) {
  return absl::StrCat("X'", absl::BytesToHexString(bytes), "'");
}

std::string SqlRows(absl::string_view row, size_t rows) {
  return absl::StrJoin(std::vector<absl::string_view>(rows, row), ", ");
}

size_t RowsInNextChunk(size_t remaining, size_t max_rows) {
  if (remaining <= 16) return remaining;
  size_t chunk = max_rows;
  while (chunk > remaining) chunk /= 2;
  return chunk;
}

size_t PowerOfTwoAtLeast(size_t n) {
  size_t p = 1;
  while (p < n) p *= 2;
  return p;
}

std::vector<std::vector<std::string>> PaddedIdChunks(
    std::vector<std::string> ids, size_t max_ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<std::vector<std::string>> out;
  for (size_t first = 0; first < ids.size(); first += max_ids) {
    std::vector<std::string> chunk(
        ids.begin() + first,
        ids.begin() + std::min(ids.size(), first + max_ids));
    chunk.resize(PowerOfTwoAtLeast(chunk.size()), chunk.back());
    out.push_back(std::move(chunk));
  }
  return out;
}

}  // namespace hotline::db
