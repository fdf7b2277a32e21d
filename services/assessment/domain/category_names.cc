#include "services/assessment/domain/category_names.h"

#include "absl/strings/str_cat.h"

namespace hotline::assessment {

extern const char kEmbeddedCategorySql[];

namespace {

// Reads a single-quoted SQL string at s[*i] (which must be '\'');
// advances past it. False when unterminated.
bool ReadQuoted(absl::string_view s, size_t* i, std::string* out) {
  out->clear();
  size_t p = *i + 1;
  while (p < s.size()) {
    if (s[p] == '\'') {
      if (p + 1 < s.size() && s[p + 1] == '\'') {
        out->push_back('\'');
        p += 2;
        continue;
      }
      *i = p + 1;
      return true;
    }
    out->push_back(s[p++]);
  }
  return false;
}

void SkipSpace(absl::string_view s, size_t* i) {
  while (*i < s.size() &&
         (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\n' || s[*i] == '\r')) {
    ++*i;
  }
}

}  // namespace

std::map<std::string, std::string> ParseCategoryNames(absl::string_view sql) {
  std::map<std::string, std::string> out;
  constexpr absl::string_view kInsert = "INSERT INTO matter_category";
  size_t pos = 0;
  while ((pos = sql.find(kInsert, pos)) != absl::string_view::npos) {
    size_t i = pos + kInsert.size();
    // Up to the statement's end: a ';' outside quotes.
    while (i < sql.size() && sql[i] != ';') {
      if (sql[i] == '\'') {
        std::string skipped;
        if (!ReadQuoted(sql, &i, &skipped)) return out;
        continue;
      }
      if (sql[i] != '(') {
        ++i;
        continue;
      }
      ++i;
      SkipSpace(sql, &i);
      std::string code, name;
      if (i < sql.size() && sql[i] == '\'' && ReadQuoted(sql, &i, &code)) {
        SkipSpace(sql, &i);
        if (i < sql.size() && sql[i] == ',') {
          ++i;
          SkipSpace(sql, &i);
          if (i < sql.size() && sql[i] == '\'' && ReadQuoted(sql, &i, &name) &&
              !code.empty() && !name.empty()) {
            out[code] = name;
          }
        }
      }
      // Past the tuple.
      while (i < sql.size() && sql[i] != ')' && sql[i] != ';') {
        if (sql[i] == '\'') {
          std::string skipped;
          if (!ReadQuoted(sql, &i, &skipped)) return out;
          continue;
        }
        ++i;
      }
    }
    pos = i;
  }
  return out;
}

const std::map<std::string, std::string>& MatterCategoryNames() {
  static const auto* names = new std::map<std::string, std::string>(
      ParseCategoryNames(kEmbeddedCategorySql));
  return *names;
}

std::string CategoryName(const std::string& code) {
  const auto& names = MatterCategoryNames();
  if (auto it = names.find(code); it != names.end()) return it->second;
  for (size_t dot = code.rfind('.'); dot != std::string::npos && dot > 0;
       dot = code.rfind('.', dot - 1)) {
    if (auto it = names.find(code.substr(0, dot)); it != names.end()) {
      return absl::StrCat(it->second, "（", code, "）");
    }
    if (dot == 0) break;
  }
  if (code.empty()) return code;
  // Not in the taxonomy at all (retired, or from before it): say so, and keep
  // the code to trace it.
  return absl::StrCat(kUnknownCategory, "（", code, "）");
}

}  // namespace hotline::assessment
