#pragma once

// hotlinectl's transport: a channel per service (by name, with TLS verified
// for that name, or an address given directly), the metadata of every call
// (metadata.h) and a deadline per call.

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>

#include "tools/hotlinectl/metadata.h"

namespace google::protobuf {
class Message;
class MethodDescriptor;
}  // namespace google::protobuf

namespace hotline::ctl {

inline constexpr const char* kServices[] = {"intake", "routing", "deadline",
                                            "assessment"};

struct Connection {
  // --intake, --routing, ... as given (empty: $HOTLINE_<SERVICE>_ADDR, then
  // 127.0.0.1:7101–7104).
  std::map<std::string, std::string> address_flags;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  Metadata metadata;
  double timeout_seconds = 15;
};

class Client {
 public:
  explicit Client(Connection connection);

  // The address of a service name, or `service` itself when it is an
  // address.
  std::string Address(const std::string& service) const;

  // Calls `method` on `service` (a name or an address); `timeout_seconds`
  // of 0 means the connection's.
  grpc::Status Call(const std::string& service,
                    const google::protobuf::MethodDescriptor* method,
                    const google::protobuf::Message& request,
                    google::protobuf::Message* response,
                    double timeout_seconds = 0) const;

  // The standard health check: SERVING, NOT_SERVING, … or
  // "UNREACHABLE (CODE)".
  std::string Health(const std::string& service) const;

 private:
  std::shared_ptr<grpc::Channel> ChannelTo(const std::string& service) const;
  void Prepare(grpc::ClientContext* context, double timeout_seconds) const;

  Connection connection_;
};

// gRPC and absl share the numeric codes, and so their names.
std::string CodeName(grpc::StatusCode code);

}  // namespace hotline::ctl
