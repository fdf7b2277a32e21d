#pragma once

// Builds a protobuf request from command-line words, by reflection, so one
// mechanism covers every RPC of the contracts:
//
//   ticket_id=T1 unit_id=town-longshui          scalar fields
//   location.town_code=longshui                 nested message fields
//   co_unit_ids=a co_unit_ids=b                 repeated fields: repeat the key
//   request_type=complaint                      enums: full name, or the part
//                                               after the type's prefix, any
//                                               case
//   start=2024-02-08T16:00:00+08:00             Timestamp: RFC 3339, or local
//   start=2024-02-08 / start="2024-02-08 16:00"   (China Standard Time)
//   date/time by=36h                                      Duration: 1h30m, 90s,
//   ... content=@notes.txt                          string/bytes from a file
//
// A message may also be given whole as JSON first (ApplyJson), then words
// override single fields.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace google::protobuf {
class Message;
}

namespace hotline::ctl {

// Applies one "path=value" word to `message`. INVALID_ARGUMENT naming the
// field when the path or value does not fit.
absl::Status ApplyAssignment(absl::string_view word,
                             google::protobuf::Message* message);

// Applies every word in order.
absl::Status ApplyAssignments(const std::vector<std::string>& words,
                              google::protobuf::Message* message);

// Merges a JSON object (proto3 JSON mapping) into `message`.
absl::Status ApplyJson(absl::string_view json,
                       google::protobuf::Message* message);

}  // namespace hotline::ctl
