#pragma once

// The edge of every RPC handler: admit the call (service ready? who is the
// caller?), run the domain code, map its absl::Status one-to-one onto a
// grpc::Status. Handlers look like
//
//   grpc::Status Impl::Accept(grpc::ServerContext* ctx, const Req* req,
//                             Resp* resp) {
//     return Handle(gate_, ctx, [&](const auth::Principal& who) {
//       RETURN_IF_ERROR(auth::RequireRole(who, {auth::Role::kUnitStaff}));
//       ...
//     });
//   }

#include <atomic>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/auth.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"

namespace grpc {
class ServerContext;
}

namespace hotline::server {

// Thread-safe. Closed (UNAVAILABLE) until the host's readiness probe first
// passes, and again whenever it fails (e.g. the database is unreachable).
class CallGate {
 public:
  // `tokens` is not owned and must outlive the gate.
  explicit CallGate(const auth::TokenStore* tokens) : tokens_(tokens) {}

  // UNAVAILABLE while not ready; otherwise authenticates the call's
  // `authorization` metadata (UNAUTHENTICATED on failure). A SERVICE token
  // that names its service, presented over mutual TLS, must come with that
  // service's client certificate (its name as a subjectAltName or the common
  // name, as deploy/tls/make-certs.sh writes them; the same names clients
  // check servers by, tls.h NewPeerChannel): PERMISSION_DENIED otherwise, so
  // a stolen token is no use from another service's or an operator's
  // connection. Without a verified client certificate there is nothing to
  // compare (plaintext, or TLS without --tls_ca).
  //
  // A CHANNEL_GATEWAY principal is PERMISSION_DENIED here unless
  // `allow_channel_gateway` (HandleGatewayCall, used by exactly one RPC,
  // IntakeService.CreateTicket): a gateway can call nothing else, whatever a
  // handler's own role check says ("any authenticated principal" included).
  absl::StatusOr<auth::Principal> Admit(
      grpc::ServerContext* context, bool allow_channel_gateway = false) const;

  void SetReady(bool ready, absl::string_view reason = "");
  bool ready() const { return ready_.load(std::memory_order_acquire); }

 private:
  const auth::TokenStore* tokens_;
  std::atomic<bool> ready_{false};
  mutable absl::Mutex mu_;
  std::string not_ready_reason_ ABSL_GUARDED_BY(mu_) = "starting";
};

template <typename F>
grpc::Status Handle(const CallGate& gate, grpc::ServerContext* context,
                    F&& body) {
  absl::StatusOr<auth::Principal> who = gate.Admit(context);
  if (!who.ok()) return ToGrpcStatus(who.status());
  return ToGrpcStatus(body(*who));
}

// Handle for the one RPC a CHANNEL_GATEWAY may call (CreateTicket); the body
// still checks roles itself.
template <typename F>
grpc::Status HandleGatewayCall(const CallGate& gate,
                               grpc::ServerContext* context, F&& body) {
  absl::StatusOr<auth::Principal> who = gate.Admit(context, true);
  if (!who.ok()) return ToGrpcStatus(who.status());
  return ToGrpcStatus(body(*who));
}

}  // namespace hotline::server
