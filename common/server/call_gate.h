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
  // `authorization` metadata (UNAUTHENTICATED on failure).
  absl::StatusOr<auth::Principal> Admit(grpc::ServerContext* context) const;

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

}  // namespace hotline::server
