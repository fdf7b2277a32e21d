#include "common/wire/wire_codec.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/message.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace hotline::wire {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::io::CodedInputStream;

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool ValidUtf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const unsigned char* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int n = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (end - p <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= n; ++i) {
      if (p[i] < 0x80 || p[i] > 0xBF) return false;
    }
    p += n + 1;
  }
  return true;
}

std::string Join(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

// The first problem of `data` as a `type` message at `path`, or "".
std::string Walk(const Descriptor* type, const std::string& data,
                 const std::string& path, int depth) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(data.data()),
                      static_cast<int>(data.size()));
  std::map<int, int> seen;  // field number → occurrences so far
  const std::string where = path.empty() ? "message" : path;
  while (true) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) {
      return in.ConsumedEntireMessage() ||
                     in.CurrentPosition() == static_cast<int>(data.size())
                 ? ""
                 : where + ": malformed (bad tag)";
    }
    const int number = static_cast<int>(tag >> 3);
    const int wire_type = static_cast<int>(tag & 7);
    const FieldDescriptor* field =
        type == nullptr ? nullptr : type->FindFieldByNumber(number);
    std::string name =
        field == nullptr ? "field " + std::to_string(number) : field->name();
    if (field != nullptr && field->is_repeated()) {
      name += "[" + std::to_string(seen[number]++) + "]";
    }
    name = Join(path, name);
    switch (wire_type) {
      case 0: {
        uint64_t v;
        if (!in.ReadVarint64(&v)) return name + ": malformed varint";
        break;
      }
      case 1: {
        uint64_t v;
        if (!in.ReadLittleEndian64(&v)) return name + ": truncated";
        break;
      }
      case 5: {
        uint32_t v;
        if (!in.ReadLittleEndian32(&v)) return name + ": truncated";
        break;
      }
      case 2: {
        uint32_t length;
        if (!in.ReadVarint32(&length) ||
            length > data.size() - static_cast<size_t>(in.CurrentPosition())) {
          return name + ": truncated";
        }
        std::string bytes;
        if (!in.ReadString(&bytes, static_cast<int>(length))) {
          return name + ": truncated";
        }
        if (field == nullptr) break;
        if (field->type() == FieldDescriptor::TYPE_STRING &&
            !ValidUtf8(bytes)) {
          return name + ": invalid UTF-8";
        }
        if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
          if (depth + 1 > kMaxNesting) {
            return name + ": nested deeper than " +
                   std::to_string(kMaxNesting) + " messages";
          }
          std::string inner =
              Walk(field->message_type(), bytes, name, depth + 1);
          if (!inner.empty()) return inner;
        }
        break;
      }
      case 3:
      case 4:
        return name + ": groups (wire type 3) are not accepted";
      default:
        return name + ": malformed (wire type " + std::to_string(wire_type) +
               ")";
    }
  }
}

}  // namespace

bool ExplainInvalid(const Descriptor* type, const char* data,
                    unsigned long size, char* out, unsigned long out_size) {
  std::string why;
  if (size > kMaxMessageBytes) {
    why = "message: " + std::to_string(size) + " bytes, more than " +
          std::to_string(kMaxMessageBytes);
  } else {
    why = Walk(type, std::string(data, size), "", 1);
  }
  if (out_size > 0) {
    const size_t n = std::min<size_t>(why.size(), out_size - 1);
    std::memcpy(out, why.data(), n);
    out[n] = '\0';
  }
  return !why.empty();
}

}  // namespace hotline::wire

namespace grpc {

Status SerializationTraits<::google::protobuf::MessageLite, void>::Serialize(
    const ::google::protobuf::MessageLite& msg, ByteBuffer* bb,
    bool* own_buffer) {
  return GenericSerialize<ProtoBufferWriter, ::google::protobuf::MessageLite>(
      msg, bb, own_buffer);
}

Status SerializationTraits<::google::protobuf::MessageLite, void>::Deserialize(
    ByteBuffer* buffer, ::google::protobuf::MessageLite* msg) {
  if (buffer == nullptr) return Status(StatusCode::INTERNAL, "No payload");
  std::vector<Slice> slices;
  Status dumped = buffer->Dump(&slices);
  if (!dumped.ok()) return dumped;
  std::string bytes;
  bytes.reserve(buffer->Length());
  for (const Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  buffer->Clear();
  const auto* full = dynamic_cast<const ::google::protobuf::Message*>(msg);
  const ::google::protobuf::Descriptor* type =
      full == nullptr ? nullptr : full->GetDescriptor();
  auto invalid = [&]() {
    char why[2048];
    if (!hotline::wire::ExplainInvalid(type, bytes.data(), bytes.size(), why,
                                       sizeof why)) {
      std::snprintf(why, sizeof why,
                    "message: not a valid %s (protobuf wire format)",
                    type == nullptr ? "message" : type->full_name().c_str());
    }
    return Status(StatusCode::INVALID_ARGUMENT, why);
  };
  if (bytes.size() > hotline::wire::kMaxMessageBytes) return invalid();
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  in.SetRecursionLimit(hotline::wire::kMaxNesting);
  if (!msg->ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
    msg->Clear();
    return invalid();
  }
  return Status::OK;
}

}  // namespace grpc
