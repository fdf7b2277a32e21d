#pragma once

// Renders a response for people. A message prints as "field: value" lines
// in declaration order, nested messages indented; numbers and flags print
// even when zero (a Ratio is one value, "0/1 (0%)"), empty text and unset
// enums and instants are left out. Lists of messages print as tables whose
// columns columns.h chooses; a response that is one list prints just its
// table, or says in words that there is nothing ("no orders match").
// Instants and dues print as deadline_format.h says; CJK characters count
// two columns wide. A scorecard's indicators print as one table: this
// period, the previous one, and what each counts.

#include <string>

#include "absl/status/status.h"
#include "tools/hotlinectl/columns.h"

namespace google::protobuf {
class Descriptor;
class Message;
}  // namespace google::protobuf

namespace hotline::ctl {

struct RenderOptions {
  ColumnChoice columns;  // -o wide, --columns
  ExtraValues extra;     // values computed outside the response
};

std::string RenderHuman(const google::protobuf::Message& message,
                        const RenderOptions& options = {});

// INVALID_ARGUMENT unless some table of a `response` accepts every name of
// --columns (checked before the call is made).
absl::Status CheckColumns(const google::protobuf::Descriptor* response,
                          const ColumnChoice& choice);

// proto3 JSON, pretty-printed, fields with default values included.
std::string RenderJson(const google::protobuf::Message& message);

// Display width of UTF-8 text in a terminal.
int DisplayWidth(const std::string& text);

}  // namespace hotline::ctl
