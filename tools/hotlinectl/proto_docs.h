#pragma once

// The comments of the contracts. Compiled descriptors carry no comments, so
// the build embeds a FileDescriptorSet with source info
// (proto/CMakeLists.txt: protoc --include_source_info) in hotlinectl; this
// class reads it into a pool of its own and answers, for an element of the
// generated pool, the comment written above (and after) it in the .proto
// file. The generated pool stays the one requests and responses are made of.

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace google::protobuf {
class Descriptor;
class DescriptorPool;
class EnumDescriptor;
class EnumValueDescriptor;
class FieldDescriptor;
class MethodDescriptor;
class OneofDescriptor;
class ServiceDescriptor;
}  // namespace google::protobuf

namespace hotline::ctl {

class ProtoDocs {
 public:
  // The set embedded at build time.
  static const ProtoDocs& Embedded();

  // From a serialized FileDescriptorSet (files in dependency order, as
  // protoc --include_imports writes them). Files that do not build are left
  // out; an empty or broken set yields no comments, never an error.
  explicit ProtoDocs(absl::string_view serialized_set);
  ~ProtoDocs();

  // Leading and trailing comments of the element of the same full name,
  // without the comment markers; "" when it has none. Lines are joined with
  // "\n".
  std::string Comment(const google::protobuf::Descriptor* d) const;
  std::string Comment(const google::protobuf::FieldDescriptor* d) const;
  std::string Comment(const google::protobuf::OneofDescriptor* d) const;
  std::string Comment(const google::protobuf::EnumDescriptor* d) const;
  std::string Comment(const google::protobuf::EnumValueDescriptor* d) const;
  std::string Comment(const google::protobuf::ServiceDescriptor* d) const;
  std::string Comment(const google::protobuf::MethodDescriptor* d) const;

  // Files the set held and the pool accepted.
  int file_count() const { return file_count_; }

 private:
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  int file_count_ = 0;
};

}  // namespace hotline::ctl
