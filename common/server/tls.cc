#include "common/server/tls.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hotline::server {
namespace {

absl::StatusOr<std::string> ReadPem(const char* what, const std::string& path,
                                    const char* begin) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": cannot read ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (!absl::StrContains(text.str(), begin)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", path, " holds no ", begin, "… block"));
  }
  return text.str();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Tls>> Tls::Load(const TlsFiles& files) {
  if (files.cert.empty() && files.key.empty() && files.ca.empty()) {
    return std::shared_ptr<const Tls>();
  }
  if (files.cert.empty() != files.key.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert (HOTLINE_TLS_CERT) and --tls_key (HOTLINE_TLS_KEY) go "
        "together");
  }
  auto tls = std::make_shared<Tls>();
  if (!files.cert.empty()) {
    auto cert = ReadPem("--tls_cert (HOTLINE_TLS_CERT)", files.cert,
                        "-----BEGIN CERTIFICATE-----");
    if (!cert.ok()) return cert.status();
    auto key = ReadPem("--tls_key (HOTLINE_TLS_KEY)", files.key, "-----BEGIN ");
    if (!key.ok()) return key.status();
    if (!absl::StrContains(*key, "PRIVATE KEY-----")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--tls_key (HOTLINE_TLS_KEY): ", files.key, " holds no private key"));
    }
    tls->cert_ = *std::move(cert);
    tls->key_ = *std::move(key);
  }
  if (!files.ca.empty()) {
    auto ca = ReadPem("--tls_ca (HOTLINE_TLS_CA)", files.ca,
                      "-----BEGIN CERTIFICATE-----");
    if (!ca.ok()) return ca.status();
    tls->ca_ = *std::move(ca);
  }
  return std::shared_ptr<const Tls>(std::move(tls));
}

std::shared_ptr<grpc::ServerCredentials> Tls::ServerCredentials() const {
  grpc::SslServerCredentialsOptions options(
      verifies_clients()
          ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
          : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_root_certs = ca_;
  options.pem_key_cert_pairs.push_back({key_, cert_});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> Tls::ChannelCredentials() const {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_;  // empty: the system's roots
  options.pem_private_key = key_;
  options.pem_cert_chain = cert_;
  return grpc::SslCredentials(options);
}

std::shared_ptr<grpc::Channel> NewPeerChannel(
    const std::string& target, const std::string& peer,
    std::shared_ptr<grpc::ChannelCredentials> credentials,
    grpc::ChannelArguments args) {
  if (!peer.empty()) args.SetSslTargetNameOverride(peer);
  return grpc::CreateCustomChannel(target, std::move(credentials), args);
}

std::shared_ptr<grpc::Channel> NewPeerChannel(
    const std::string& target, const std::string& peer,
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  return NewPeerChannel(target, peer, std::move(credentials),
                        grpc::ChannelArguments());
}

std::shared_ptr<grpc::ServerCredentials> ServerCredentialsFor(const Tls* tls) {
  return tls != nullptr && tls->can_serve() ? tls->ServerCredentials()
                                            : grpc::InsecureServerCredentials();
}

std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(
    const Tls* tls) {
  return tls != nullptr ? tls->ChannelCredentials()
                        : grpc::InsecureChannelCredentials();
}

}  // namespace hotline::server
