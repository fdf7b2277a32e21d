#include "services/routing/domain/directory_csv.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hotline::routing {
namespace {

constexpr int kColumns = 12;
constexpr size_t kMaxErrors = 100;

const char* const kKinds[] = {
    "", "CENTER", "TOWN_STREET", "DEPARTMENT", "VILLAGE_COMMUNITY", "SECTION"};

// Quotes a field with a comma, quote or line break, and one with leading or
// trailing whitespace, which an unquoted field loses (ParseDirectoryCsv).
std::string Quote(const std::string& s) {
  const bool edge_space =
      !s.empty() &&
      (absl::ascii_isspace(static_cast<unsigned char>(s.front())) ||
       absl::ascii_isspace(static_cast<unsigned char>(s.back())));
  if (!edge_space && s.find_first_of(",\"\n\r") == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::vector<std::string> SplitCsvLine(absl::string_view line, bool* ok) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;      // inside quotes
  bool was_quoted = false;  // the field began with a quote
  size_t kept = 0;          // bytes of `cur` read between the quotes
  *ok = true;
  auto finish = [&] {
    if (was_quoted) {
      std::string tail = cur.substr(kept);
      cur.resize(kept);
      absl::StrAppend(&cur, absl::StripTrailingAsciiWhitespace(tail));
      out.push_back(std::move(cur));
    } else {
      out.emplace_back(absl::StripAsciiWhitespace(cur));
    }
    cur.clear();
    was_quoted = false;
    kept = 0;
  };
  size_t i = 0;
  bool field_start = true;
  while (i < line.size()) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
          kept = cur.size();
        }
      } else {
        cur += c;
      }
    } else if (c == '"' && field_start) {
      quoted = true;
      was_quoted = true;
    } else if (c == ',') {
      finish();
      field_start = true;
      ++i;
      continue;
    } else {
      cur += c;
    }
    field_start = false;
    ++i;
  }
  if (quoted) *ok = false;
  finish();
  return out;
}

CsvParseResult ParseDirectoryCsv(absl::string_view text) {
  CsvParseResult result;
  auto error = [&](int line, const std::string& msg) {
    if (result.errors.size() < kMaxErrors) {
      result.errors.push_back(absl::StrCat("line ", line, ": ", msg));
    }
  };
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  bool header_seen = false;
  for (size_t n = 0; n < lines.size(); ++n) {
    const int line_no = static_cast<int>(n) + 1;
    absl::string_view line = lines[n];
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (n == 0 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    if (absl::StripAsciiWhitespace(line).empty() || line[0] == '#') continue;
    if (!header_seen) {
      if (absl::StripAsciiWhitespace(line) != kDirectoryCsvHeader) {
        error(line_no,
              absl::StrCat("header: expected \"", kDirectoryCsvHeader, "\""));
        return result;
      }
      header_seen = true;
      continue;
    }
    bool ok = true;
    std::vector<std::string> f = SplitCsvLine(line, &ok);
    if (!ok) {
      error(line_no, "unterminated quoted field");
      continue;
    }
    if (f.size() != kColumns) {
      error(line_no, absl::StrCat(f.size(), " fields, expected ", kColumns));
      continue;
    }
    CsvUnit cu;
    cu.line = line_no;
    v1::Unit& u = cu.unit;
    u.set_unit_id(f[0]);
    u.set_name(f[1]);
    u.set_short_name(f[2]);
    int kind = 0;
    for (int k = 1; k <= 5; ++k) {
      if (f[3] == kKinds[k]) kind = k;
    }
    if (kind == 0) {
      error(line_no, absl::StrCat("kind: \"", f[3],
                                  "\" is not CENTER, TOWN_STREET, DEPARTMENT, "
                                  "VILLAGE_COMMUNITY or SECTION"));
      continue;
    }
    u.set_kind(static_cast<v1::UnitKind>(kind));
    u.set_parent_unit_id(f[4]);
    if (!f[5].empty() || !f[7].empty() || !f[6].empty() || !f[8].empty() ||
        !f[9].empty()) {
      auto* c = u.mutable_liaison();
      c->set_name(f[5]);
      c->set_title(f[6]);
      c->set_mobile(f[7]);
      c->set_office_phone(f[8]);
      c->set_email(f[9]);
    }
    if (f[10].empty() || f[10] == "1" || f[10] == "true") {
      u.set_active(true);
    } else if (f[10] == "0" || f[10] == "false") {
      u.set_active(false);
    } else {
      error(line_no, "active: 1 or 0");
      continue;
    }
    int sort = 0;
    if (!f[11].empty() && !absl::SimpleAtoi(f[11], &sort)) {
      error(line_no, "sort_order: not an integer");
      continue;
    }
    u.set_sort_order(sort);
    result.units.push_back(std::move(cu));
  }
  if (!header_seen) error(1, "header: missing");
  return result;
}

std::string WriteDirectoryCsv(const std::vector<const v1::Unit*>& units) {
  std::string out = absl::StrCat(kDirectoryCsvHeader, "\n");
  for (const v1::Unit* u : units) {
    const int kind = static_cast<int>(u->kind());
    std::vector<std::string> f = {u->unit_id(),
                                  u->name(),
                                  u->short_name(),
                                  (kind >= 1 && kind <= 5) ? kKinds[kind] : "",
                                  u->parent_unit_id(),
                                  u->liaison().name(),
                                  u->liaison().title(),
                                  u->liaison().mobile(),
                                  u->liaison().office_phone(),
                                  u->liaison().email(),
                                  u->active() ? "1" : "0",
                                  absl::StrCat(u->sort_order())};
    for (auto& s : f) s = Quote(s);
    // A row that starts with '#' would be read back as a comment line.
    if (absl::StartsWith(f[0], "#")) f[0] = absl::StrCat("\"", f[0], "\"");
    absl::StrAppend(&out, absl::StrJoin(f, ","), "\n");
  }
  return out;
}

}  // namespace hotline::routing
