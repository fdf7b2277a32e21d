#include "common/server/proto_digest.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>
#include <openssl/sha.h>

#include <memory>

namespace hotline::server {

void AppendDeterministic(const google::protobuf::Message& m, std::string* out) {
  google::protobuf::io::StringOutputStream stream(out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
}

std::string DeterministicBytes(const google::protobuf::Message& m) {
  std::string out;
  AppendDeterministic(m, &out);
  return out;
}

std::string DeterministicBytesWithout(const google::protobuf::Message& m,
                                      absl::string_view field) {
  const google::protobuf::FieldDescriptor* f =
      m.GetDescriptor()->FindFieldByName(std::string(field));
  if (f == nullptr) return DeterministicBytes(m);
  std::unique_ptr<google::protobuf::Message> copy(m.New());
  copy->CopyFrom(m);
  copy->GetReflection()->ClearField(copy.get(), f);
  return DeterministicBytes(*copy);
}

std::string Sha256(absl::string_view bytes) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         md);
  return std::string(reinterpret_cast<const char*>(md), SHA256_DIGEST_LENGTH);
}

}  // namespace hotline::server
