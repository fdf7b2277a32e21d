#include "common/server/call_gate.h"

#include <grpcpp/security/auth_context.h>
#include <grpcpp/server_context.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hotline::server {

absl::StatusOr<auth::Principal> CallGate::Admit(
    grpc::ServerContext* context, bool allow_channel_gateway) const {
  if (!ready()) {
    absl::MutexLock lock(&mu_);
    return absl::UnavailableError(
        absl::StrCat("service not ready: ", not_ready_reason_));
  }
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return tokens_->Authenticate(std::nullopt);
  absl::StatusOr<auth::Principal> who = tokens_->Authenticate(
      absl::string_view(it->second.data(), it->second.size()));
  if (who.ok() && who->Is(auth::Role::kChannelGateway) &&
      !allow_channel_gateway) {
    return absl::PermissionDeniedError(
        "role CHANNEL_GATEWAY may only create orders "
        "(IntakeService.CreateTicket)");
  }
  if (!who.ok() || !who->Is(auth::Role::kService) || who->service.empty()) {
    return who;
  }
  std::shared_ptr<const grpc::AuthContext> peer = context->auth_context();
  if (peer == nullptr || !peer->IsPeerAuthenticated()) return who;
  std::vector<std::string> names;
  for (const char* property :
       {"x509_subject_alternative_name", "x509_common_name"}) {
    for (const grpc::string_ref& name : peer->FindPropertyValues(property)) {
      if (absl::string_view(name.data(), name.size()) == who->service) {
        return who;
      }
      names.emplace_back(name.data(), name.size());
    }
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "the SERVICE token of \"", who->service,
      "\" came with a client certificate for ", absl::StrJoin(names, ", ")));
}

void CallGate::SetReady(bool ready, absl::string_view reason) {
  {
    absl::MutexLock lock(&mu_);
    not_ready_reason_ = std::string(reason);
  }
  ready_.store(ready, std::memory_order_release);
}

}  // namespace hotline::server
