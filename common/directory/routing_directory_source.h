#pragma once

// The DirectorySource of production: routing's DirectoryService.ListUnits.

#include <memory>
#include <string>

#include "common/directory/directory_follower.h"

namespace grpc {
class ChannelCredentials;
}

namespace hotline::directory {

// routing's DirectoryService at `target` (a gRPC target, see
// config::ChannelTarget / config::ResolveRouting) over `credentials`
// (runtime::Context::channel_credentials: TLS with the caller's certificate,
// routing's name checked, or plaintext), as the SERVICE principal of
// `token`. Reads every page, inactive units included.
std::unique_ptr<DirectorySource> NewRoutingDirectorySource(
    const std::string& target,
    std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& token);

}  // namespace hotline::directory
