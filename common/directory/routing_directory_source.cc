#include "common/directory/routing_directory_source.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/server/tls.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "hotline/v1/routing.grpc.pb.h"

ABSL_FLAG(std::string, routing, "",
          "host:port (replicas a|b) of hotline-routing's DirectoryService, for "
          "the services that read its directory (HOTLINE_ROUTING)");

namespace hotline::directory {
namespace {

class RoutingDirectorySource final : public DirectorySource {
 public:
  RoutingDirectorySource(std::shared_ptr<grpc::Channel> channel,
                         std::string token)
      : stub_(v1::DirectoryService::NewStub(std::move(channel))),
        token_(std::move(token)) {}

  absl::StatusOr<std::vector<UnitEntry>> ListUnits() override {
    std::vector<UnitEntry> units;
    // Every unit, retired ones included: they keep their names and places
    // in the tree for the history that names them.
    v1::ListUnitsRequest req;
    req.set_include_inactive(true);
    req.mutable_page()->set_page_size(500);
    do {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
      v1::ListUnitsResponse resp;
      grpc::Status s = stub_->ListUnits(&ctx, req, &resp);
      if (!s.ok()) {
        absl::Status st = FromGrpcStatus(s);
        return absl::Status(st.code(),
                            absl::StrCat("routing ListUnits: ", st.message()));
      }
      for (const v1::Unit& u : resp.units()) units.push_back(EntryOf(u));
      req.mutable_page()->set_page_token(resp.page().next_page_token());
    } while (!req.page().page_token().empty());
    return units;
  }

 private:
  std::unique_ptr<v1::DirectoryService::Stub> stub_;
  std::string token_;
};

}  // namespace

std::unique_ptr<DirectorySource> NewRoutingDirectorySource(
    const std::string& target,
    std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& token) {
  return NewRoutingDirectorySource(
      server::NewPeerChannel(target, "routing", std::move(credentials)), token);
}

std::unique_ptr<DirectorySource> NewRoutingDirectorySource(
    std::shared_ptr<grpc::Channel> channel, const std::string& token) {
  return std::make_unique<RoutingDirectorySource>(std::move(channel), token);
}

absl::StatusOr<std::string> RoutingAddress(const config::EnvLookup& env) {
  ASSIGN_OR_RETURN(std::string routing,
                   config::ResolveSetting({"routing", "HOTLINE_ROUTING"},
                                          absl::GetFlag(FLAGS_routing), env));
  if (routing.empty()) return routing;
  for (absl::string_view replica : absl::StrSplit(routing, '|')) {
    RETURN_IF_ERROR(
        config::ValidateHostPort("--routing (HOTLINE_ROUTING)", replica));
  }
  return config::ChannelTarget(routing);
}

absl::StatusOr<std::unique_ptr<DirectorySource>> SourceFromConfig(
    const config::EnvLookup& env,
    std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& token) {
  ASSIGN_OR_RETURN(std::string routing, RoutingAddress(env));
  if (routing.empty()) return nullptr;
  return NewRoutingDirectorySource(routing, std::move(credentials), token);
}

}  // namespace hotline::directory
