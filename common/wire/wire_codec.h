#pragma once

// How every hotline binary turns gRPC payloads into protobuf messages: the
// serialization traits gRPC uses for all generated messages
// (grpc::SerializationTraits<MessageLite>), replaced so that a request that
// does not parse is INVALID_ARGUMENT naming the field instead of gRPC's
// INTERNAL with an empty message (common.proto, conventions):
//
//   caller.name: invalid UTF-8
//   events[0].actor: nested deeper than 64 messages
//   field 7: groups (wire type 3) are not accepted
//   message: 5000000 bytes, more than 4194304
//
// Limits: a message of at most kMaxMessageBytes (4 MiB; the server's gRPC
// transport refuses above twice that with RESOURCE_EXHAUSTED before reading
// it), messages nested at most kMaxNesting deep, proto3 strings valid UTF-8,
// no groups (no hotline message has any). Valid payloads parse exactly as
// before: the explanation is worked out only for one that failed.
//
// This header is force-included (-include) into every translation unit that
// links hotline_proto (proto/CMakeLists.txt), so that the explicit
// specialization below is seen before any use, in every TU alike. It only
// declares; common/wire/wire_codec.cc defines (one definition in the
// program). It must stay free of includes that would slow every TU down.

namespace google {
namespace protobuf {
class MessageLite;
class Descriptor;
}  // namespace protobuf
}  // namespace google

namespace grpc {
class ByteBuffer;
class Status;

template <class T, class Enable>
class SerializationTraits;

template <>
class SerializationTraits<::google::protobuf::MessageLite, void> {
 public:
  static Status Serialize(const ::google::protobuf::MessageLite& msg,
                          ByteBuffer* bb, bool* own_buffer);
  static Status Deserialize(ByteBuffer* buffer,
                            ::google::protobuf::MessageLite* msg);
};

}  // namespace grpc

namespace hotline::wire {

inline constexpr unsigned long kMaxMessageBytes = 4u << 20;  // 4 MiB
inline constexpr int kMaxNesting = 64;

// Why `bytes` is not a valid `type` message within the limits above: "" when
// it is, else "path: reason" (the first problem found). Exposed for tests.
// Declared with plain pointers so that this header needs no include.
bool ExplainInvalid(const ::google::protobuf::Descriptor* type,
                    const char* data, unsigned long size, char* out,
                    unsigned long out_size);

}  // namespace hotline::wire
