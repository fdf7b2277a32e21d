#pragma once

// The transport of the command-line tools (hotlinectl, hotline-loadgen):
// --tls_ca, --tls_cert, --tls_key (env HOTLINE_TLS_CA, HOTLINE_TLS_CERT,
// HOTLINE_TLS_KEY), as the services take them (common/server/tls.h): a CA
// alone verifies the servers; with a certificate and key the tool also
// presents them (mutual TLS). None: plaintext.

#include <memory>

#include "absl/status/statusor.h"

namespace grpc {
class ChannelCredentials;
}

namespace hotline::tools {

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
ClientCredentialsFromFlags();

}  // namespace hotline::tools
