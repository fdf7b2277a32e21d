#pragma once

// Short names of protobuf enum values, for logs, facts and webhooks:
// ShortEnumName(v1::CLOCK_KIND_RESPONSE) == "RESPONSE". The prefix dropped
// is the one the type's zero value carries before "UNSPECIFIED" (the
// contracts' convention, common.proto); an unknown number is "UNSPECIFIED".
// Header-only, so domain libraries need only the generated code.

#include <string>

#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace hotline::server {

template <typename E>
std::string ShortEnumName(E value) {
  const google::protobuf::EnumDescriptor* type =
      google::protobuf::GetEnumDescriptor<E>();
  const google::protobuf::EnumValueDescriptor* v =
      type->FindValueByNumber(static_cast<int>(value));
  if (v == nullptr) return "UNSPECIFIED";
  absl::string_view prefix = type->value(0)->name();
  absl::ConsumeSuffix(&prefix, "UNSPECIFIED");
  absl::string_view name = v->name();
  absl::ConsumePrefix(&name, prefix);
  return std::string(name);
}

}  // namespace hotline::server
