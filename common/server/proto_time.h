#pragma once

// Conversions between google.protobuf.Timestamp and absl::Time, and the
// validation every handler applies to incoming timestamps.

#include <google/protobuf/timestamp.pb.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hotline {

inline google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t s = absl::ToUnixSeconds(t);
  ts.set_seconds(s);
  ts.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(s))));
  return ts;
}

inline absl::Time FromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

// INVALID_ARGUMENT naming `field` unless `ts` is a valid instant between years
// 2000 and 2200 (a work order outside that range is a client bug).
absl::StatusOr<absl::Time> ParseTimestampField(
    absl::string_view field, const google::protobuf::Timestamp& ts);

}  // namespace hotline
