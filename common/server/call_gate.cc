#include "common/server/call_gate.h"

#include <grpcpp/server_context.h>

#include "absl/strings/str_cat.h"

namespace hotline::server {

absl::StatusOr<auth::Principal> CallGate::Admit(
    grpc::ServerContext* context) const {
  if (!ready()) {
    absl::MutexLock lock(&mu_);
    return absl::UnavailableError(
        absl::StrCat("service not ready: ", not_ready_reason_));
  }
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return tokens_->Authenticate(std::nullopt);
  return tokens_->Authenticate(
      absl::string_view(it->second.data(), it->second.size()));
}

void CallGate::SetReady(bool ready, absl::string_view reason) {
  {
    absl::MutexLock lock(&mu_);
    not_ready_reason_ = std::string(reason);
  }
  ready_.store(ready, std::memory_order_release);
}

}  // namespace hotline::server
