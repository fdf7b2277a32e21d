#pragma once

// Names of the matter categories (事项分类) for the bulletin and hot topics.
// The taxonomy is intake's data (services/intake/store/schema/
// 011_directory_data.sql, table matter_category); its rows are embedded here
// at configure time, so the names follow intake's migration without a copy to
// keep in step. A code the table does not know (a category added after this
// build) is shown with its nearest known ancestor's name and the code.

#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace hotline::assessment {

// code → name of every row of every `INSERT INTO matter_category` statement
// of `sql` (tuples `('code', 'name', …)`; '' inside a quoted string is a
// quote). Rows that are not of that shape are skipped.
std::map<std::string, std::string> ParseCategoryNames(absl::string_view sql);

// The embedded taxonomy (parsed once).
const std::map<std::string, std::string>& MatterCategoryNames();

// Said of a category code the taxonomy does not know, nor any ancestor of.
inline constexpr char kUnknownCategory[] = "未列入分类目录";

// The category's name: its own, else "<ancestor name>（code）", else
// "未列入分类目录（code）" ("" for "").
std::string CategoryName(const std::string& code);

}  // namespace hotline::assessment
