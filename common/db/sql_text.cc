#include "common/db/sql_text.h"

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

}  // namespace hotline::db
