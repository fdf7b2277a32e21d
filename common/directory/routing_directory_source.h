#pragma once

// The DirectorySource of production: routing's DirectoryService.ListUnits,
// at the address of --routing / HOTLINE_ROUTING.

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "common/config/config.h"
#include "common/directory/directory_follower.h"

ABSL_DECLARE_FLAG(std::string, routing);

namespace grpc {
class Channel;
class ChannelCredentials;
}  // namespace grpc

namespace hotline::directory {

// routing's DirectoryService at `target` (a gRPC target, see
// config::ChannelTarget / RoutingAddress below) over `credentials`
// (runtime::Context::channel_credentials: TLS with the caller's certificate,
// routing's name checked, or plaintext), as the SERVICE principal of
// `token`. Reads every page, inactive units included.
std::unique_ptr<DirectorySource> NewRoutingDirectorySource(
    const std::string& target,
    std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& token);

// The same over `channel`, a channel to routing the caller already has and
// may share with its other clients of routing (hotline-deadline's roster).
std::unique_ptr<DirectorySource> NewRoutingDirectorySource(
    std::shared_ptr<grpc::Channel> channel, const std::string& token);

// --routing / HOTLINE_ROUTING as a gRPC target (config::ChannelTarget:
// replicas a|b), or empty when neither is set; INVALID_ARGUMENT naming the
// setting for an address that is no host:port.
absl::StatusOr<std::string> RoutingAddress(const config::EnvLookup& env);

// The source the service's configuration names: routing at RoutingAddress,
// or null without one (the service then keeps its stored copy).
absl::StatusOr<std::unique_ptr<DirectorySource>> SourceFromConfig(
    const config::EnvLookup& env,
    std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& token);

}  // namespace hotline::directory
