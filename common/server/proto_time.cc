#include "common/server/proto_time.h"

#include "absl/strings/str_cat.h"

namespace hotline {

absl::StatusOr<absl::Time> ParseTimestampField(
    absl::string_view field, const google::protobuf::Timestamp& ts) {
  // 2000-01-01T00:00:00Z and 2200-01-01T00:00:00Z.
  constexpr int64_t kMin = 946684800;
  constexpr int64_t kMax = 7258118400;
  if (ts.seconds() < kMin || ts.seconds() >= kMax || ts.nanos() < 0 ||
      ts.nanos() > 999999999) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": must be a timestamp between 2000 and 2200 (got seconds=",
        ts.seconds(), ", nanos=", ts.nanos(), ")"));
  }
  return FromProto(ts);
}

}  // namespace hotline
