#pragma once

// Bytes and digests of protobuf messages that must be equal in every process
// and release for equal content: the inputs of request hashes (idempotency,
// an order's request fingerprint, a reveal's audit) and of page-token tags.
// Protobuf only, no gRPC (domain libraries use it). Thread-safe.

#include <string>

#include "absl/strings/string_view.h"

namespace google::protobuf {
class Message;
}

namespace hotline::server {

// Appends `m` serialized deterministically (map entries in key order) to
// `*out`.
void AppendDeterministic(const google::protobuf::Message& m, std::string* out);

// `m` serialized deterministically.
std::string DeterministicBytes(const google::protobuf::Message& m);

// `m` without its field named `field` (when it has one; e.g. "request_id",
// "page"), serialized deterministically.
std::string DeterministicBytesWithout(const google::protobuf::Message& m,
                                      absl::string_view field);

// SHA-256 of `bytes`: 32 raw bytes.
std::string Sha256(absl::string_view bytes);

}  // namespace hotline::server
