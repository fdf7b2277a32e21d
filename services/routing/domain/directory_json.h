#pragma once

// The directory file in JSON (DirectoryFormat JSON): units, the duty roster
// and the dispatch catalogue in one document, field names in protobuf's
// lowerCamelCase JSON mapping:
//
//   {"units": [Unit, ...],
//    "duty":  [{"unitId": "town.longshui", "entries": [DutyEntry, ...]}, ...],
//    "rules": [DispatchRule, ...]}          // rule_id required in files
//
// Each key is optional. Unit.version/updatedAt and DispatchRule.version are
// ignored on import (the server keeps its own). Plain code: no gRPC, no SQL.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "hotline/v1/routing.pb.h"
#include "services/routing/domain/directory_csv.h"

namespace hotline::routing {

struct DutyRow {
  std::string unit_id;
  v1::DutyEntry entry;
};

struct DirectoryDocument {
  std::vector<CsvUnit> units;  // `line` is the 1-based index in "units"
  std::vector<DutyRow> duty;
  std::vector<v1::DispatchRule> rules;
  std::vector<std::string> errors;  // e.g. "units[3]: ..."
};

DirectoryDocument ParseDirectoryJson(absl::string_view text);

std::string WriteDirectoryJson(const std::vector<const v1::Unit*>& units,
                               const std::vector<DutyRow>& duty,
                               const std::vector<v1::DispatchRule>& rules);

}  // namespace hotline::routing
