#include "tools/hotlinectl/request_builder.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "tools/hotlinectl/verbs.h"

namespace hotline::ctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status Bad(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
}

const FieldDescriptor* FindField(const Descriptor* d, absl::string_view name) {
  const std::string n(name);
  if (const FieldDescriptor* f = d->FindFieldByName(n)) return f;
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == n) return d->field(i);
  }
  return nullptr;
}

absl::StatusOr<std::string> ReadValue(absl::string_view value) {
  if (!absl::StartsWith(value, "@")) return std::string(value);
  const std::string path(value.substr(1));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<absl::Time> ParseInstant(absl::string_view path,
                                        absl::string_view v) {
  const std::string s(v);
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, s, &t, &err)) return t;
  const absl::TimeZone cst = calendar::ChinaStandardTime();
  for (const char* format : {"%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                             "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"}) {
    if (absl::ParseTime(format, s, cst, &t, &err)) return t;
  }
  return Bad(path, absl::StrCat("\"", v,
                                "\" is not a time (RFC 3339, or YYYY-MM-DD "
                                "[HH:MM[:SS]] in China Standard Time)"));
}

const EnumValueDescriptor* FindEnum(const FieldDescriptor* f,
                                    absl::string_view v) {
  const auto* e = f->enum_type();
  if (const auto* exact = e->FindValueByName(std::string(v))) return exact;
  const std::string want = absl::AsciiStrToUpper(v);
  if (const auto* upper = e->FindValueByName(want)) return upper;
  int number = 0;
  if (absl::SimpleAtoi(v, &number)) return e->FindValueByNumber(number);
  // The type's own prefix first: SATISFIED is SATISFACTION_SATISFIED, not
  // SATISFACTION_BASICALLY_SATISFIED.
  const std::string& first = e->value(0)->name();
  if (absl::EndsWith(first, "_UNSPECIFIED")) {
    const std::string prefix =
        first.substr(0, first.size() - std::string("UNSPECIFIED").size());
    if (const auto* prefixed = e->FindValueByName(prefix + want)) {
      return prefixed;
    }
  }
  for (int i = 0; i < e->value_count(); ++i) {
    const std::string& name = e->value(i)->name();
    if (absl::EndsWith(name, absl::StrCat("_", want))) return e->value(i);
  }
  return nullptr;
}

absl::Status SetScalar(Message* m, const FieldDescriptor* f,
                       absl::string_view path, absl::string_view raw) {
  const Reflection* r = m->GetReflection();
  const bool rep = f->is_repeated();
  auto bad_number = [&] {
    return Bad(path, absl::StrCat("\"", raw, "\" is not a valid ",
                                  f->cpp_type_name()));
  };
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      ASSIGN_OR_RETURN(std::string v, ReadValue(raw));
      rep ? r->AddString(m, f, v) : r->SetString(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(raw, &v)) return bad_number();
      rep ? r->AddInt32(m, f, v) : r->SetInt32(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(raw, &v)) return bad_number();
      rep ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(raw, &v)) return bad_number();
      rep ? r->AddUInt32(m, f, v) : r->SetUInt32(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(raw, &v)) return bad_number();
      rep ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v;
      if (!absl::SimpleAtod(raw, &v)) return bad_number();
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        rep ? r->AddFloat(m, f, v) : r->SetFloat(m, f, v);
      } else {
        rep ? r->AddDouble(m, f, v) : r->SetDouble(m, f, v);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (!absl::SimpleAtob(raw, &v)) return bad_number();
      rep ? r->AddBool(m, f, v) : r->SetBool(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* v = FindEnum(f, raw);
      if (v == nullptr) {
        std::string names;
        for (int i = 0; i < f->enum_type()->value_count(); ++i) {
          absl::StrAppend(&names, i ? ", " : "",
                          f->enum_type()->value(i)->name());
        }
        return Bad(path, absl::StrCat("\"", raw, "\" is none of ", names));
      }
      rep ? r->AddEnum(m, f, v) : r->SetEnum(m, f, v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  // Well-known message types written as one value.
  Message* target = rep ? r->AddMessage(m, f) : r->MutableMessage(m, f);
  const std::string& type = f->message_type()->full_name();
  if (type == "google.protobuf.Timestamp") {
    ASSIGN_OR_RETURN(absl::Time t, ParseInstant(path, raw));
    *static_cast<google::protobuf::Timestamp*>(target) = ToProto(t);
    return absl::OkStatus();
  }
  if (type == "google.protobuf.Duration") {
    absl::Duration d;
    if (!absl::ParseDuration(std::string(raw), &d)) {
      return Bad(path, absl::StrCat("\"", raw, "\" is not a duration (1h30m)"));
    }
    auto* du = static_cast<google::protobuf::Duration*>(target);
    du->set_seconds(absl::ToInt64Seconds(d));
    du->set_nanos(static_cast<int32_t>(
        absl::ToInt64Nanoseconds(d - absl::Seconds(absl::ToInt64Seconds(d)))));
    return absl::OkStatus();
  }
  // Any other message: JSON.
  ASSIGN_OR_RETURN(std::string json, ReadValue(raw));
  return ApplyJson(json, target);
}

}  // namespace

absl::Status ApplyAssignment(absl::string_view word, Message* message) {
  const size_t eq = word.find('=');
  if (eq == absl::string_view::npos || eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", word, "\": expected field=value"));
  }
  const absl::string_view path = word.substr(0, eq);
  const absl::string_view value = word.substr(eq + 1);
  std::vector<absl::string_view> parts = absl::StrSplit(path, '.');
  Message* m = message;
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* f = FindField(m->GetDescriptor(), parts[i]);
    if (f == nullptr) {
      std::string fields;
      const Descriptor* d = m->GetDescriptor();
      for (int k = 0; k < d->field_count(); ++k) {
        absl::StrAppend(&fields, k ? ", " : "", d->field(k)->name());
      }
      std::vector<std::string> names;
      for (int k = 0; k < d->field_count(); ++k) {
        names.push_back(d->field(k)->name());
      }
      return Bad(path, absl::StrCat(d->name(), " has no field \"", parts[i],
                                    "\"", DidYouMean(parts[i], names),
                                    " (fields: ", fields, ")"));
    }
    if (i + 1 == parts.size()) return SetScalar(m, f, path, value);
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
      return Bad(path, absl::StrCat("\"", parts[i],
                                    "\" is not a singular message field"));
    }
    m = m->GetReflection()->MutableMessage(m, f);
  }
  return absl::OkStatus();
}

absl::Status ApplyAssignments(const std::vector<std::string>& words,
                              Message* message) {
  for (const std::string& w : words)
    RETURN_IF_ERROR(ApplyAssignment(w, message));
  return absl::OkStatus();
}

absl::Status ApplyJson(absl::string_view json, Message* message) {
  std::unique_ptr<Message> part(message->New());
  google::protobuf::util::JsonParseOptions options;
  auto status = google::protobuf::util::JsonStringToMessage(
      std::string(json), part.get(), options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(message->GetDescriptor()->name(),
                     " JSON: ", status.message().ToString()));
  }
  message->MergeFrom(*part);
  return absl::OkStatus();
}

}  // namespace hotline::ctl
