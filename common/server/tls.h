#pragma once

// Transport security of every port (DESIGN.md §6). Caller names and phone
// numbers travel in CreateTicket and RevealCaller, so production runs TLS on
// every port:
//
//   cert + key        the service's server certificate (TLS); clients verify
//                     it against their CA file
//   cert + key + ca   mutual TLS: the server also requires a client
//                     certificate signed by `ca`, and the service presents its
//                     own certificate when it calls other services
//   ca only           a client (hotlinectl, loadgen) that verifies servers
//                     but has no certificate of its own
//   nothing           plaintext (tests, the loopback-only local run)
//
// Bearer tokens still name the principal (auth.h); mTLS decides who may
// connect at all. Files are PEM; read once at start-up.

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace grpc {
class Channel;
class ChannelArguments;
class ChannelCredentials;
class ServerCredentials;
}  // namespace grpc

namespace hotline::server {

struct TlsFiles {
  std::string cert;  // certificate chain, PEM
  std::string key;   // its private key, PEM
  std::string ca;    // CA certificate(s) that sign peers, PEM
};

class Tls {
 public:
  // Null when no file is named (plaintext). INVALID_ARGUMENT for a cert
  // without its key (or the reverse), a file that cannot be read or is not
  // PEM, naming the setting.
  static absl::StatusOr<std::shared_ptr<const Tls>> Load(const TlsFiles& files);

  // For a server: requires cert and key (FAILED_PRECONDITION otherwise).
  bool can_serve() const { return !cert_.empty(); }
  bool verifies_clients() const { return !ca_.empty(); }

  std::shared_ptr<grpc::ServerCredentials> ServerCredentials() const;
  std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials() const;

 private:
  std::string cert_, key_, ca_;
};

// A channel to `target` over `credentials` whose server, when TLS is on,
// must present a certificate for `peer`: the service's name ("routing"),
// which deploy/tls/make-certs.sh writes into each service's certificate.
// Checking the name, not the address, keeps replica lists ("ipv4:a,b") and
// DNS targets verifiable. `args` are passed on.
std::shared_ptr<grpc::Channel> NewPeerChannel(
    const std::string& target, const std::string& peer,
    std::shared_ptr<grpc::ChannelCredentials> credentials,
    grpc::ChannelArguments args);
std::shared_ptr<grpc::Channel> NewPeerChannel(
    const std::string& target, const std::string& peer,
    std::shared_ptr<grpc::ChannelCredentials> credentials);

// Credentials for `tls`, or plaintext when it is null.
std::shared_ptr<grpc::ServerCredentials> ServerCredentialsFor(const Tls* tls);
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(const Tls* tls);

}  // namespace hotline::server
