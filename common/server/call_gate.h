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
class ServerContextBase;
}  // namespace grpc

namespace hotline::server {

// What the access log (ServiceHost) learns about a call from the gate: the
// role of the principal once the call is admitted. The host's interceptor
// keeps one record per call, found by the call's ServerContext; Admit() notes
// the role in it. A handful of atomic operations and a short lock per call.
// Thread-safe.
class CallRecord {
 public:
  // Registers the record of the call whose context is `context`.
  explicit CallRecord(const grpc::ServerContextBase* context);
  ~CallRecord();
  CallRecord(const CallRecord&) = delete;
  CallRecord& operator=(const CallRecord&) = delete;

  // The admitted principal's role ("CENTER_STAFF", ...), or "-" when the
  // call was not admitted (no or unknown token, service not ready) or did
  // not pass the gate at all (health checks, reflection).
  absl::string_view role() const;

  // Notes `role` in the record of the call of `context`, if it has one.
  static void NoteRole(const grpc::ServerContextBase* context, auth::Role role);

 private:
  const grpc::ServerContextBase* const context_;
  std::atomic<int> role_{-1};
};

// Thread-safe. Closed (UNAVAILABLE) until the host's readiness probe first
// passes, and again whenever it fails (e.g. the database is unreachable).
class CallGate {
 public:
  // `tokens` (a TokenStore, or a TokenFile that is re-read while the
  // service runs) is not owned and must outlive the gate.
  explicit CallGate(const auth::Authenticator* tokens) : tokens_(tokens) {}

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
  //
  // An admitted principal's role is noted for the access log (CallRecord).
  absl::StatusOr<auth::Principal> Admit(
      grpc::ServerContext* context, bool allow_channel_gateway = false) const;

  void SetReady(bool ready, absl::string_view reason = "");
  bool ready() const { return ready_.load(std::memory_order_acquire); }

 private:
  absl::StatusOr<auth::Principal> Authenticate(
      grpc::ServerContext* context, bool allow_channel_gateway) const;

  const auth::Authenticator* tokens_;
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
