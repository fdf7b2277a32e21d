#pragma once

// One way of printing instants, everywhere hotlinectl prints text (tables,
// field lines, help): local time in China Standard Time (UTC+8, no DST), to
// the minute. A due instant follows the regulation's wording, "24:00 of the
// last working day": the due 2026-12-08T00:00:00+08:00 prints as
// "2026-12-07 24:00". --json output is protobuf JSON and keeps RFC 3339.

#include <string>

#include "absl/time/time.h"

namespace google::protobuf {
class FieldDescriptor;
class Message;
}  // namespace google::protobuf

namespace hotline::ctl {

// "2026-12-07 15:30" local.
std::string FormatInstant(absl::Time t);

// A due instant: 00:00 local prints as 24:00 of the day before
// ("2026-12-07 24:00"); any other instant as FormatInstant does.
std::string FormatDeadline(absl::Time t);

// True for fields that hold a due instant: "due", "*_due", "due_*"
// (handling_due, next_due, original_due, due_before, due_after, ...).
bool IsDeadlineField(const google::protobuf::FieldDescriptor* field);

// A google.protobuf.Timestamp message held in `field` (which decides the
// style); "" when unset (0).
std::string FormatTimestamp(const google::protobuf::FieldDescriptor* field,
                            const google::protobuf::Message& timestamp);

}  // namespace hotline::ctl
