#pragma once

// Where ladder notices go, and who they go to.
//
// Notifier: LogNotifier (the default) records nothing beyond the notice row
// and writes one log line per notice (ids, step, channel; never text or
// caller data) — delivery STORED. WebhookNotifier POSTs each notice as JSON
// to a configured http:// URL (an SMS gateway); a non-2xx answer or a
// network error is retried with backoff by the delivery pass, up to
// kMaxAttempts, then FAILED. Delivery is at least once: a replica that dies
// after the POST and before recording SENT leaves the notice to be sent
// again after its lease expires.
//
// Directory: who the liaison and the leader on duty of a unit are on a date.
// Routing owns the roster; GrpcDirectory asks routing's DirectoryService
// (GetUnit, GetDuty) with the service token. While routing is unreachable the
// notice keeps recipient "unresolved" and the delivery pass retries the
// resolution later (backoff); without --routing the notice is stored with
// recipient "unresolved".

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "services/deadline/store/deadline_store.h"

namespace grpc {
class Channel;
class ChannelCredentials;
}  // namespace grpc

namespace hotline::deadline {

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual absl::Status Deliver(const NoticeRow& notice) = 0;
  // True when delivery leaves the process (SENT); false for STORED.
  virtual bool external() const = 0;
};

std::unique_ptr<Notifier> NewLogNotifier();
// `url`: http://host:port/path. INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<std::unique_ptr<Notifier>> NewWebhookNotifier(
    const std::string& url);

struct UnitContacts {
  std::string liaison_name;
  std::string liaison_phone;
  std::string leader_name;  // empty when nobody is on duty that date
  std::string leader_phone;
};

class Directory {
 public:
  virtual ~Directory() = default;
  virtual absl::StatusOr<UnitContacts> Lookup(const std::string& unit_id,
                                              absl::CivilDay date) = 0;
};

// routing's DirectoryService at `target` (a gRPC target) over `credentials`
// (runtime::Context), authenticated with `service_token`.
std::unique_ptr<Directory> NewGrpcDirectory(
    const std::string& target,
    std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& service_token);
// The same over `channel`, a channel to routing the caller already has (the
// service shares one with its directory follower, deadline_definition.cc).
std::unique_ptr<Directory> NewGrpcDirectory(
    std::shared_ptr<grpc::Channel> channel, const std::string& service_token);

}  // namespace hotline::deadline
