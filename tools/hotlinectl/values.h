#pragma once

// One value of a response as text, the same in table cells and in
// "field: value" lines: enums without their type prefix
// (REQUEST_TYPE_COMPLAINT → COMPLAINT), instants and dues as
// deadline_format.h prints them, a Ratio as "numerator/denominator (pct)"
// or "不适用/n/a (0/0)", bytes by their size, zero numbers as 0.

#include <string>

namespace google::protobuf {
class EnumValueDescriptor;
class FieldDescriptor;
class Message;
}  // namespace google::protobuf

namespace hotline::ctl {

// REQUEST_TYPE_COMPLAINT → COMPLAINT.
std::string EnumShortName(const google::protobuf::EnumValueDescriptor* v);

// Field `f` of `m` (element `index` when repeated) as text. Enums at 0
// (UNSPECIFIED, i.e. unset) and unset instants are ""; numbers and booleans
// always print (0, no). Messages other than the well-known ones print
// compactly (CompactText).
std::string FieldText(const google::protobuf::Message& m,
                      const google::protobuf::FieldDescriptor* f,
                      int index = -1);

// A hotline.v1.Ratio: "3/4 (75%)", "0/1 (0%)", "不适用/n/a (0/0)".
std::string RatioText(const google::protobuf::Message& ratio);

// A message's singular non-empty values on one line, space-separated
// ("LIAISON town.longshui 张三").
std::string CompactText(const google::protobuf::Message& m);

// A double with at most two decimals, trailing zeros dropped (87.5, 3).
std::string FormatNumber(double v);

// Message types printed as one value.
bool IsTimestampType(const google::protobuf::FieldDescriptor* f);
bool IsRatioType(const google::protobuf::FieldDescriptor* f);
bool IsOneValueMessage(const google::protobuf::FieldDescriptor* f);

}  // namespace hotline::ctl
