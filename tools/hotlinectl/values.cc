#include "tools/hotlinectl/values.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "tools/hotlinectl/deadline_format.h"

namespace hotline::ctl {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

bool IsType(const FieldDescriptor* f, const char* type) {
  return f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
         f->message_type()->full_name() == type;
}

// Signed changes print their sign: +3, -1.5.
bool IsChange(const FieldDescriptor* f) {
  return absl::StrContains(f->name(), "change");
}

template <typename T>
std::string Signed(const FieldDescriptor* f, T v, const std::string& text) {
  return IsChange(f) && v > 0 ? "+" + text : text;
}

std::string DurationText(const Message& m) {
  const auto* d = m.GetDescriptor();
  const auto* r = m.GetReflection();
  const absl::Duration duration =
      absl::Seconds(r->GetInt64(m, d->FindFieldByName("seconds"))) +
      absl::Nanoseconds(r->GetInt32(m, d->FindFieldByName("nanos")));
  return absl::FormatDuration(duration);
}

}  // namespace

std::string EnumShortName(const google::protobuf::EnumValueDescriptor* v) {
  std::string prefix;
  for (char c : v->type()->name()) {
    if (isupper(static_cast<unsigned char>(c)) && !prefix.empty()) {
      prefix += '_';
    }
    prefix += static_cast<char>(toupper(static_cast<unsigned char>(c)));
  }
  prefix += '_';
  if (absl::StartsWith(v->name(), prefix)) {
    return v->name().substr(prefix.size());
  }
  return v->name();
}

bool IsTimestampType(const FieldDescriptor* f) {
  return IsType(f, "google.protobuf.Timestamp");
}

bool IsRatioType(const FieldDescriptor* f) {
  return IsType(f, "hotline.v1.Ratio");
}

bool IsOneValueMessage(const FieldDescriptor* f) {
  return IsTimestampType(f) || IsRatioType(f) ||
         IsType(f, "google.protobuf.Duration");
}

std::string FormatNumber(double v) {
  std::string s = absl::StrFormat("%.2f", v);
  while (absl::EndsWith(s, "0")) s.pop_back();
  if (absl::EndsWith(s, ".")) s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string RatioText(const Message& ratio) {
  const auto* d = ratio.GetDescriptor();
  const Reflection* r = ratio.GetReflection();
  const int64_t numerator = r->GetInt64(ratio, d->FindFieldByName("numerator"));
  const int64_t denominator =
      r->GetInt64(ratio, d->FindFieldByName("denominator"));
  const double value = r->GetDouble(ratio, d->FindFieldByName("value"));
  const bool not_applicable =
      r->GetBool(ratio, d->FindFieldByName("not_applicable"));
  if (not_applicable || denominator == 0) {
    return absl::StrCat("不适用/n/a (", numerator, "/", denominator, ")");
  }
  return absl::StrCat(numerator, "/", denominator, " (",
                      FormatNumber(value * 100), "%)");
}

std::string CompactText(const Message& m) {
  std::vector<std::string> parts;
  const auto* d = m.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    // Flags and zero values say nothing on one line.
    if (f->is_repeated() || f->cpp_type() == FieldDescriptor::CPPTYPE_BOOL ||
        !m.GetReflection()->HasField(m, f)) {
      continue;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !IsOneValueMessage(f)) {
      continue;
    }
    std::string text = FieldText(m, f);
    if (!text.empty()) parts.push_back(std::move(text));
  }
  return absl::StrJoin(parts, " ");
}

std::string FieldText(const Message& m, const FieldDescriptor* f, int index) {
  const Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  if (rep && index < 0) index = 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string v =
          rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      if (f->type() == FieldDescriptor::TYPE_BYTES && !v.empty()) {
        return absl::StrCat("<", v.size(), " bytes>");
      }
      return v;
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      const int32_t v =
          rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
      return Signed(f, v, absl::StrCat(v));
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t v =
          rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f);
      return Signed(f, v, absl::StrCat(v));
    }
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r->GetRepeatedUInt32(m, f, index)
                              : r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(m, f, index)
                              : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      const double v =
          rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
      return Signed(f, v, FormatNumber(v));
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      const float v =
          rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f);
      return Signed(f, v, FormatNumber(v));
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "yes"
                                                                        : "no";
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* v = rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f);
      return v->number() == 0 ? "" : EnumShortName(v);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  if (!rep && !r->HasField(m, f)) {
    // An absent rate is 0/0: not applicable, still worth a line.
    return IsRatioType(f) ? RatioText(r->GetMessage(m, f)) : "";
  }
  const Message& v =
      rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f);
  if (IsTimestampType(f)) return FormatTimestamp(f, v);
  if (IsRatioType(f)) return RatioText(v);
  if (f->message_type()->full_name() == "google.protobuf.Duration") {
    return DurationText(v);
  }
  return CompactText(v);
}

}  // namespace hotline::ctl
