#include "common/server/call_gate.h"

#include <grpcpp/security/auth_context.h>
#include <grpcpp/server_context.h>

#include <array>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hotline::server {
namespace {

// The records of the calls in flight, sharded by context address so that
// concurrent calls seldom share a lock.
class CallRecords {
 public:
  static CallRecords& Get() {
    static CallRecords* records = new CallRecords();
    return *records;
  }
  void Add(const void* key, CallRecord* record) {
    Shard& s = ShardOf(key);
    absl::MutexLock lock(&s.mu);
    s.records[key] = record;
  }
  void Remove(const void* key, CallRecord* record) {
    Shard& s = ShardOf(key);
    absl::MutexLock lock(&s.mu);
    auto it = s.records.find(key);
    if (it != s.records.end() && it->second == record) s.records.erase(it);
  }
  template <typename F>
  void With(const void* key, F&& f) {
    Shard& s = ShardOf(key);
    absl::MutexLock lock(&s.mu);
    auto it = s.records.find(key);
    if (it != s.records.end()) f(*it->second);
  }

 private:
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<const void*, CallRecord*> records ABSL_GUARDED_BY(mu);
  };
  Shard& ShardOf(const void* key) {
    return shards_[(reinterpret_cast<uintptr_t>(key) >> 6) % shards_.size()];
  }
  std::array<Shard, 16> shards_;
};

}  // namespace

CallRecord::CallRecord(const grpc::ServerContextBase* context)
    : context_(context) {
  CallRecords::Get().Add(context_, this);
}

CallRecord::~CallRecord() { CallRecords::Get().Remove(context_, this); }

absl::string_view CallRecord::role() const {
  const int role = role_.load(std::memory_order_acquire);
  return role < 0 ? "-" : auth::RoleName(static_cast<auth::Role>(role));
}

void CallRecord::NoteRole(const grpc::ServerContextBase* context,
                          auth::Role role) {
  CallRecords::Get().With(context, [role](CallRecord& record) {
    record.role_.store(static_cast<int>(role), std::memory_order_release);
  });
}

absl::StatusOr<auth::Principal> CallGate::Admit(
    grpc::ServerContext* context, bool allow_channel_gateway) const {
  absl::StatusOr<auth::Principal> who =
      Authenticate(context, allow_channel_gateway);
  if (who.ok()) {
    CallRecord::NoteRole(static_cast<grpc::ServerContextBase*>(context),
                         who->role);
  }
  return who;
}

absl::StatusOr<auth::Principal> CallGate::Authenticate(
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
