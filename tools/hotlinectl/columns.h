#pragma once

// Which columns a table of rows prints. Each list-like row type has a spec
// (columns.cc): the columns shown by default, those `-o wide` adds, and what
// to say when there are no rows. `-o wide` prints the spec's columns and then
// every other value of the row (one message level down); `--columns=a,b`
// chooses by column name or by field path (assignment.location.town_code).
// Rows without a spec show their non-empty values, at most nine.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace google::protobuf {
class Descriptor;
class FieldDescriptor;
class Message;
class OneofDescriptor;
}  // namespace google::protobuf

namespace hotline::ctl {

struct ColumnSpec {
  std::string name;   // the header, and what --columns takes
  std::string path;   // field path in the row; a oneof's name gives the case
  bool wide = false;  // only with -o wide
  // Key of a value computed outside the response (RenderOptions::extra),
  // looked up by the row's ticket_id; the field's value when none.
  std::string extra;
  // Printed for a 0 that means "none" (an unranked unit's rank: "—").
  std::string zero;
};

struct TableSpec {
  std::string row_type;  // e.g. hotline.v1.WorkItem
  std::vector<ColumnSpec> columns;
  std::string empty;  // said for no rows, e.g. "no orders match"
};

// Every spec (hotlinectl_test checks their paths).
const std::vector<TableSpec>& TableSpecs();

// The spec of a row type; null when it has none.
const TableSpec* FindTableSpec(absl::string_view row_type);

// What the command line asked for.
struct ColumnChoice {
  bool wide = false;               // -o wide
  std::vector<std::string> names;  // --columns; empty: default or wide
};

// A column resolved against a row type.
struct Column {
  struct Step {
    const google::protobuf::FieldDescriptor* field = nullptr;
    const google::protobuf::OneofDescriptor* oneof = nullptr;
  };
  std::string name;
  std::vector<Step> path;
  std::string extra;
  std::string zero;
};

// Values computed outside the response: extra key → ticket_id → text.
using ExtraValues = std::map<std::string, std::map<std::string, std::string>>;

// The columns for `row` under `choice`. Without --columns, rows without a
// spec keep the columns some row has a value in (`rows` decides). An unknown
// --columns name is INVALID_ARGUMENT listing the names there are.
absl::StatusOr<std::vector<Column>> ChooseColumns(
    const google::protobuf::Descriptor* row, const ColumnChoice& choice,
    const std::vector<const google::protobuf::Message*>& rows = {});

// Every column -o wide shows, by name (for messages and help).
std::vector<std::string> ColumnNames(const google::protobuf::Descriptor* row);

// The text of one cell.
std::string CellText(const google::protobuf::Message& row, const Column& column,
                     const ExtraValues& extra = {});

// Resolves a dotted path of field (or oneof) names from `row`;
// INVALID_ARGUMENT naming the part that does not fit.
absl::StatusOr<Column> ColumnForPath(const google::protobuf::Descriptor* row,
                                     const std::string& name,
                                     const std::string& path);

}  // namespace hotline::ctl
