#include "tools/hotlinectl/proto_text.h"

#include <google/protobuf/descriptor.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/hotlinectl/proto_docs.h"

namespace hotline::ctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

void AppendComment(const std::string& comment, const std::string& indent,
                   std::string* out) {
  if (comment.empty()) return;
  for (absl::string_view line : absl::StrSplit(comment, '\n')) {
    absl::StrAppend(out, indent, line.empty() ? "//" : "// ", line, "\n");
  }
}

// A type as the file that uses it would write it: short within its own
// package, full otherwise.
std::string TypeName(const std::string& full_name, const std::string& package) {
  const std::string prefix = package + ".";
  if (!package.empty() && full_name.rfind(prefix, 0) == 0) {
    return full_name.substr(prefix.size());
  }
  return full_name;
}

std::string FieldLine(const FieldDescriptor* f) {
  const std::string& package = f->file()->package();
  std::string type;
  if (f->is_map()) {
    type = absl::StrCat("map<", FieldLine(f->message_type()->map_key()), ", ",
                        FieldLine(f->message_type()->map_value()), ">");
  } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    type = TypeName(f->message_type()->full_name(), package);
  } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    type = TypeName(f->enum_type()->full_name(), package);
  } else {
    type = f->type_name();
  }
  const bool repeated = f->is_repeated() && !f->is_map();
  return absl::StrCat(repeated ? "repeated " : "", type, " ", f->name(), " = ",
                      f->number(), ";");
}

void AppendField(const FieldDescriptor* f, const std::string& indent,
                 std::string* out) {
  AppendComment(ProtoDocs::Embedded().Comment(f), indent, out);
  absl::StrAppend(out, indent, FieldLine(f), "\n");
}

void AppendEnum(const EnumDescriptor* e, const std::string& indent,
                std::string* out) {
  AppendComment(ProtoDocs::Embedded().Comment(e), indent, out);
  absl::StrAppend(out, indent, "enum ", e->name(), " {\n");
  for (int i = 0; i < e->value_count(); ++i) {
    AppendComment(ProtoDocs::Embedded().Comment(e->value(i)), indent + "  ",
                  out);
    absl::StrAppend(out, indent, "  ", e->value(i)->name(), " = ",
                    e->value(i)->number(), ";\n");
  }
  absl::StrAppend(out, indent, "}\n");
}

void AppendMessage(const Descriptor* d, const std::string& indent,
                   std::string* out) {
  AppendComment(ProtoDocs::Embedded().Comment(d), indent, out);
  absl::StrAppend(out, indent, "message ", d->name(), " {\n");
  const std::string inner = indent + "  ";
  for (int i = 0; i < d->nested_type_count(); ++i) {
    if (d->nested_type(i)->map_key() != nullptr) continue;  // a map entry
    AppendMessage(d->nested_type(i), inner, out);
  }
  for (int i = 0; i < d->enum_type_count(); ++i) {
    AppendEnum(d->enum_type(i), inner, out);
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    const auto* oneof = f->real_containing_oneof();
    if (oneof == nullptr) {
      AppendField(f, inner, out);
      continue;
    }
    if (oneof->field(0) != f) continue;  // printed with the first member
    AppendComment(ProtoDocs::Embedded().Comment(oneof), inner, out);
    absl::StrAppend(out, inner, "oneof ", oneof->name(), " {\n");
    for (int k = 0; k < oneof->field_count(); ++k) {
      AppendField(oneof->field(k), inner + "  ", out);
    }
    absl::StrAppend(out, inner, "}\n");
  }
  absl::StrAppend(out, indent, "}\n");
}

std::string MethodLine(const google::protobuf::MethodDescriptor* m) {
  const std::string& package = m->file()->package();
  return absl::StrCat(
      "rpc ", m->name(), "(", TypeName(m->input_type()->full_name(), package),
      ") returns (", TypeName(m->output_type()->full_name(), package), ");");
}

}  // namespace

std::string ProtoText(const Descriptor* message) {
  std::string out;
  AppendMessage(message, "", &out);
  return out;
}

std::string ProtoText(const EnumDescriptor* e) {
  std::string out;
  AppendEnum(e, "", &out);
  return out;
}

std::string ProtoText(const google::protobuf::ServiceDescriptor* service) {
  std::string out;
  AppendComment(ProtoDocs::Embedded().Comment(service), "", &out);
  absl::StrAppend(&out, "service ", service->name(), " {\n");
  for (int i = 0; i < service->method_count(); ++i) {
    if (i > 0) out += "\n";
    AppendComment(ProtoDocs::Embedded().Comment(service->method(i)), "  ",
                  &out);
    absl::StrAppend(&out, "  ", MethodLine(service->method(i)), "\n");
  }
  absl::StrAppend(&out, "}\n");
  return out;
}

std::string ProtoText(const google::protobuf::MethodDescriptor* method) {
  std::string out;
  AppendComment(ProtoDocs::Embedded().Comment(method), "", &out);
  absl::StrAppend(&out, MethodLine(method), "\n");
  return out;
}

std::string ProtoText(const FieldDescriptor* field) {
  std::string out;
  AppendField(field, "", &out);
  return out;
}

std::string ProtoText(const google::protobuf::EnumValueDescriptor* value) {
  std::string out;
  AppendComment(ProtoDocs::Embedded().Comment(value), "", &out);
  absl::StrAppend(&out, value->name(), " = ", value->number(), ";\n");
  return out;
}

}  // namespace hotline::ctl
