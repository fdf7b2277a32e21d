#pragma once

// Elements of the contracts printed as .proto text with their comments
// (leading and trailing comments both above the element), for
// `hotlinectl describe`, as grpcurl's describe prints them.

#include <string>

namespace google::protobuf {
class Descriptor;
class EnumDescriptor;
class EnumValueDescriptor;
class FieldDescriptor;
class MethodDescriptor;
class ServiceDescriptor;
}  // namespace google::protobuf

namespace hotline::ctl {

std::string ProtoText(const google::protobuf::Descriptor* message);
std::string ProtoText(const google::protobuf::EnumDescriptor* e);
std::string ProtoText(const google::protobuf::ServiceDescriptor* service);
std::string ProtoText(const google::protobuf::MethodDescriptor* method);
std::string ProtoText(const google::protobuf::FieldDescriptor* field);
std::string ProtoText(const google::protobuf::EnumValueDescriptor* value);

}  // namespace hotline::ctl
