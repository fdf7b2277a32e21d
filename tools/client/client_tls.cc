#include "tools/client/client_tls.h"

#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "common/server/tls.h"

ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA certificate(s) that signed the services' certificates: TLS "
          "(default: $HOTLINE_TLS_CA)");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM client certificate, for services that require one (default: "
          "$HOTLINE_TLS_CERT)");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key of --tls_cert (default: $HOTLINE_TLS_KEY)");

namespace hotline::tools {
namespace {

std::string FlagOrEnv(const absl::Flag<std::string>& flag, const char* env) {
  std::string v = absl::GetFlag(flag);
  if (v.empty()) {
    if (const char* e = std::getenv(env); e != nullptr) v = e;
  }
  return v;
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>>
ClientCredentialsFromFlags() {
  auto tls = server::Tls::Load({FlagOrEnv(FLAGS_tls_cert, "HOTLINE_TLS_CERT"),
                                FlagOrEnv(FLAGS_tls_key, "HOTLINE_TLS_KEY"),
                                FlagOrEnv(FLAGS_tls_ca, "HOTLINE_TLS_CA")});
  if (!tls.ok()) return tls.status();
  return server::ChannelCredentialsFor(tls->get());
}

}  // namespace hotline::tools
