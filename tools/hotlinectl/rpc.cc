#include "tools/hotlinectl/rpc.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <algorithm>
#include <cstdlib>
#include <future>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/server/tls.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace hotline::ctl {

Client::Client(Connection connection) : connection_(std::move(connection)) {}

std::string Client::Address(const std::string& service) const {
  if (auto it = connection_.address_flags.find(service);
      it != connection_.address_flags.end() && !it->second.empty()) {
    return it->second;
  }
  const std::string env_name =
      absl::StrCat("HOTLINE_", absl::AsciiStrToUpper(service), "_ADDR");
  if (const char* env = std::getenv(env_name.c_str()); env && *env) {
    return std::string(absl::StripAsciiWhitespace(env));
  }
  for (int i = 0; i < 4; ++i) {
    if (service == kServices[i]) return absl::StrCat("127.0.0.1:", 7101 + i);
  }
  return service;  // an address given directly
}

std::shared_ptr<grpc::Channel> Client::ChannelTo(
    const std::string& service) const {
  const bool named = std::find(std::begin(kServices), std::end(kServices),
                               service) != std::end(kServices);
  return server::NewPeerChannel(Address(service), named ? service : "",
                                connection_.credentials);
}

void Client::Prepare(grpc::ClientContext* context,
                     double timeout_seconds) const {
  const double seconds =
      timeout_seconds > 0 ? timeout_seconds : connection_.timeout_seconds;
  context->set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
  // Checked by BuildMetadata: gRPC aborts on a value it cannot send.
  for (const auto& [key, value] : connection_.metadata) {
    context->AddMetadata(key, value);
  }
}

grpc::Status Client::Call(const std::string& service,
                          const google::protobuf::MethodDescriptor* method,
                          const google::protobuf::Message& request,
                          google::protobuf::Message* response,
                          double timeout_seconds) const {
  grpc::GenericStub stub(ChannelTo(service));
  grpc::ClientContext context;
  Prepare(&context, timeout_seconds);
  grpc::ByteBuffer request_buffer, response_buffer;
  bool own = false;
  grpc::Status s = grpc::GenericSerialize<grpc::ProtoBufferWriter,
                                          google::protobuf::Message>(
      request, &request_buffer, &own);
  if (!s.ok()) return s;
  std::promise<grpc::Status> done;
  stub.UnaryCall(
      &context,
      absl::StrCat("/", method->service()->full_name(), "/", method->name()),
      grpc::StubOptions(), &request_buffer, &response_buffer,
      [&done](grpc::Status status) { done.set_value(status); });
  s = done.get_future().get();
  if (!s.ok()) return s;
  return grpc::GenericDeserialize<grpc::ProtoBufferReader,
                                  google::protobuf::Message>(&response_buffer,
                                                             response);
}

std::string Client::Health(const std::string& service) const {
  auto stub = grpc::health::v1::Health::NewStub(ChannelTo(service));
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::ClientContext context;
  Prepare(&context, 0);
  grpc::Status s = stub->Check(&context, request, &response);
  if (!s.ok()) {
    return absl::StrCat("UNREACHABLE (", CodeName(s.error_code()), ")");
  }
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
      response.status());
}

std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

}  // namespace hotline::ctl
