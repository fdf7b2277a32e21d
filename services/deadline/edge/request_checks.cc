#include "services/deadline/edge/request_checks.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "google/protobuf/unknown_field_set.h"
#include "services/deadline/edge/request_id.h"

namespace hotline::deadline {
namespace {

absl::Status RejectUnknownAt(const google::protobuf::Message& m,
                             const std::string& path) {
  const google::protobuf::Reflection* r = m.GetReflection();
  const google::protobuf::UnknownFieldSet& unknown = r->GetUnknownFields(m);
  if (!unknown.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.empty() ? "request" : path, ": unknown field ",
                     unknown.field(0).number()));
  }
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const auto* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    const std::string sub =
        path.empty() ? f->name() : absl::StrCat(path, ".", f->name());
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(m, f); ++i) {
        RETURN_IF_ERROR(RejectUnknownAt(r->GetRepeatedMessage(m, f, i),
                                        absl::StrCat(sub, "[", i, "]")));
      }
    } else {
      RETURN_IF_ERROR(RejectUnknownAt(r->GetMessage(m, f), sub));
    }
  }
  return absl::OkStatus();
}

const char* WeekdayName(absl::Weekday w) {
  switch (w) {
    case absl::Weekday::monday:
      return "Monday";
    case absl::Weekday::tuesday:
      return "Tuesday";
    case absl::Weekday::wednesday:
      return "Wednesday";
    case absl::Weekday::thursday:
      return "Thursday";
    case absl::Weekday::friday:
      return "Friday";
    case absl::Weekday::saturday:
      return "Saturday";
    case absl::Weekday::sunday:
      return "Sunday";
  }
  return "";
}

}  // namespace

// A local date field: strict YYYY-MM-DD, year 2000–2099.
absl::Status ValidateText(absl::string_view field, const std::string& s,
                          size_t max, bool required) {
  if (required && absl::StripAsciiWhitespace(s).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  if (s.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than ", max, " bytes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<calendar::YearData> ValidateLoadYear(
    const v1::LoadYearRequest& req) {
  RETURN_IF_ERROR(ValidateRequestId(req.request_id()));
  if (req.year() < kMinRequestYear || req.year() > kMaxRequestYear) {
    return absl::InvalidArgumentError("year: outside 2000–2099");
  }
  if (absl::StripAsciiWhitespace(req.source()).empty()) {
    return absl::InvalidArgumentError("source: required");
  }
  if (req.source().size() > 256) {
    return absl::InvalidArgumentError("source: longer than 256 bytes");
  }
  if (req.holidays_size() > 60) {
    return absl::InvalidArgumentError("holidays: more than 60 dates");
  }
  if (req.workdays_size() > 20) {
    return absl::InvalidArgumentError("workdays: more than 20 dates");
  }
  calendar::YearData y;
  y.year = req.year();
  std::set<absl::CivilDay> holidays;
  for (int i = 0; i < req.holidays_size(); ++i) {
    const std::string field = absl::StrCat("holidays[", i, "]");
    ASSIGN_OR_RETURN(absl::CivilDay d,
                     calendar::ParseDateField(field, req.holidays(i)));
    if (d.year() != req.year()) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", req.holidays(i), " is outside ", req.year()));
    }
    if (!holidays.insert(d).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", req.holidays(i), " repeated"));
    }
    y.holidays.push_back(d);
  }
  std::set<absl::CivilDay> workdays;
  for (int i = 0; i < req.workdays_size(); ++i) {
    const std::string field = absl::StrCat("workdays[", i, "]");
    ASSIGN_OR_RETURN(absl::CivilDay d,
                     calendar::ParseDateField(field, req.workdays(i)));
    if (d.year() != req.year()) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", req.workdays(i), " is outside ", req.year()));
    }
    if (!workdays.insert(d).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", req.workdays(i), " repeated"));
    }
    if (holidays.count(d) > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", req.workdays(i), " is also listed as a holiday"));
    }
    const absl::Weekday w = absl::GetWeekday(d);
    if (w != absl::Weekday::saturday && w != absl::Weekday::sunday) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", req.workdays(i), " is a ", WeekdayName(w),
          "; an adjusted working day must be a Saturday or Sunday"));
    }
    y.workdays.push_back(d);
  }
  std::sort(y.holidays.begin(), y.holidays.end());
  std::sort(y.workdays.begin(), y.workdays.end());
  RETURN_IF_ERROR(calendar::ValidateYear(y));
  return y;
}

absl::Status RejectUnknownFields(const google::protobuf::Message& message) {
  return RejectUnknownAt(message, "");
}

absl::StatusOr<absl::CivilDay> ValidateRequestExtension(
    const v1::RequestExtensionRequest& req) {
  RETURN_IF_ERROR(RejectUnknownFields(req));
  RETURN_IF_ERROR(ValidateRequestId(req.request_id()));
  if (req.ticket_id().empty()) {
    return absl::InvalidArgumentError("ticket_id: required");
  }
  RETURN_IF_ERROR(ValidateText("reason", req.reason(), 2048, true));
  RETURN_IF_ERROR(
      ValidateText("progress_note", req.progress_note(), 2048, true));
  return calendar::ParseDateField("proposed_due_date", req.proposed_due_date());
}

absl::StatusOr<std::optional<absl::CivilDay>> ValidateDecideExtension(
    const v1::DecideExtensionRequest& req) {
  RETURN_IF_ERROR(RejectUnknownFields(req));
  RETURN_IF_ERROR(ValidateRequestId(req.request_id()));
  if (req.extension_id().empty()) {
    return absl::InvalidArgumentError("extension_id: required");
  }
  std::optional<absl::CivilDay> approved;
  if (req.approve() && !req.approved_due_date().empty()) {
    ASSIGN_OR_RETURN(
        approved,
        calendar::ParseDateField("approved_due_date", req.approved_due_date()));
  }
  RETURN_IF_ERROR(ValidateText("reason", req.reason(), 2048, !req.approve()));
  return approved;
}

absl::Status ValidateRecordCallerInformed(
    const v1::RecordCallerInformedRequest& req) {
  RETURN_IF_ERROR(RejectUnknownFields(req));
  RETURN_IF_ERROR(ValidateRequestId(req.request_id()));
  if (req.extension_id().empty()) {
    return absl::InvalidArgumentError("extension_id: required");
  }
  if (req.contact() == v1::REPLY_CONTACT_UNSPECIFIED ||
      !v1::ReplyContact_IsValid(req.contact())) {
    return absl::InvalidArgumentError(
        "contact: required (how the caller was told)");
  }
  if (!req.has_informed_at()) {
    return absl::InvalidArgumentError("informed_at: required");
  }
  RETURN_IF_ERROR(
      ParseTimestampField("informed_at", req.informed_at()).status());
  return ValidateText("note", req.note(), 2048, true);
}

}  // namespace hotline::deadline
