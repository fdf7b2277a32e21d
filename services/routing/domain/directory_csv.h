#pragma once

// The directory file in CSV (DirectoryFormat CSV): units and their liaisons,
// one unit per row. Plain code: no gRPC, no SQL.
//
//   # comment lines start with '#'; blank lines are ignored
//   unit_id,name,short_name,kind,parent_unit_id,liaison_name,liaison_title,liaison_mobile,liaison_office_phone,liaison_email,active,sort_order
//   center,大足区政务服务管理办公室,区政务办,CENTER,,张三,主任,13800000000,02343720000,,1,0
//
// Fields are separated by commas; a field containing a comma, quote or line
// break is written in double quotes with quotes doubled (RFC 4180), as is one
// with leading or trailing spaces, which unquoted fields lose. `kind` is
// CENTER, TOWN_STREET, DEPARTMENT, VILLAGE_COMMUNITY or SECTION; `active` is
// 1/0 (empty means 1); `sort_order` an integer (empty means 0). The header
// line is required and must list exactly these columns in this order. Rows
// may come in any order (a parent need not precede its children).

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "hotline/v1/routing.pb.h"

namespace hotline::routing {

inline constexpr char kDirectoryCsvHeader[] =
    "unit_id,name,short_name,kind,parent_unit_id,liaison_name,liaison_title,"
    "liaison_mobile,liaison_office_phone,liaison_email,active,sort_order";

struct CsvUnit {
  int line = 0;  // 1-based line number in the file
  v1::Unit unit;
};

struct CsvParseResult {
  std::vector<CsvUnit> units;
  std::vector<std::string> errors;  // "line 12: kind: ..."
};

// Parses the file; syntax errors are collected (up to 100), not thrown.
CsvParseResult ParseDirectoryCsv(absl::string_view text);

// Writes `units` (in the order given) with the header line first.
std::string WriteDirectoryCsv(const std::vector<const v1::Unit*>& units);

// Splits one CSV record into its fields; exposed for tests. An unquoted field
// is trimmed of ASCII whitespace; a quoted one keeps what stands between its
// quotes (spaces too) and loses only whitespace after its closing quote.
std::vector<std::string> SplitCsvLine(absl::string_view line, bool* ok);

}  // namespace hotline::routing
