#include "tools/hotlinectl/deadline_format.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/strings/match.h"
#include "common/calendar/calendar.h"

namespace hotline::ctl {

std::string FormatInstant(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M", t, calendar::ChinaStandardTime());
}

std::string FormatDeadline(absl::Time t) {
  const absl::TimeZone cst = calendar::ChinaStandardTime();
  const absl::CivilSecond local = absl::ToCivilSecond(t, cst);
  const bool midnight = local.hour() == 0 && local.minute() == 0 &&
                        local.second() == 0 &&
                        t == absl::FromCivil(local, cst);  // no sub-second
  if (!midnight) return FormatInstant(t);
  const absl::CivilDay last_day = absl::CivilDay(local) - 1;
  return absl::FormatCivilTime(last_day) + " 24:00";
}

bool IsDeadlineField(const google::protobuf::FieldDescriptor* field) {
  const std::string& name = field->name();
  return name == "due" || absl::EndsWith(name, "_due") ||
         absl::StartsWith(name, "due_");
}

std::string FormatTimestamp(const google::protobuf::FieldDescriptor* field,
                            const google::protobuf::Message& timestamp) {
  const auto* d = timestamp.GetDescriptor();
  const auto* r = timestamp.GetReflection();
  const int64_t seconds = r->GetInt64(timestamp, d->FindFieldByName("seconds"));
  const int32_t nanos = r->GetInt32(timestamp, d->FindFieldByName("nanos"));
  if (seconds == 0 && nanos == 0) return "";
  const absl::Time t =
      absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
  return field != nullptr && IsDeadlineField(field) ? FormatDeadline(t)
                                                    : FormatInstant(t);
}

}  // namespace hotline::ctl
