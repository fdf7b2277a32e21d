#pragma once

// Intake follows routing's directory: the towns/streets and villages/
// communities a location may name (DESIGN.md §2 rule 1, issue "location must
// name a known town/street of the directory once routing has it").
//
// It also keeps the name of every unit, so that the caller-facing progress
// names units ("已交办至龙水镇人民政府"), not their ids.
//
// PlacesFollower reads them from a PlacesSource (routing's
// DirectoryService.ListUnits over gRPC in production) when the service
// starts, every `interval` after that, and at once when a request names a
// place intake does not know (at most once per `min_gap`), so a community
// added to the directory is accepted on its first order. A changed
// directory is stored (IntakeStore::SavePlaces, so that a restart while
// routing is down keeps it) and swapped into the CatalogHolder. While
// routing is unreachable the last places read stay in force.

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/intake/domain/places.h"
#include "services/intake/store/intake_store.h"

namespace grpc {
class ChannelCredentials;
}

namespace hotline::intake {

class PlacesSource {
 public:
  virtual ~PlacesSource() = default;
  // The directory's places; NOT_FOUND when it has no units yet.
  virtual absl::StatusOr<Places> Fetch() = 0;
};

// routing's DirectoryService at `target` (a gRPC target, see
// config::ChannelTarget) over `credentials` (runtime::Context), as the SERVICE
// principal of `token`.
std::unique_ptr<PlacesSource> NewRoutingPlacesSource(
    const std::string& target,
    std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& token);

class PlacesFollower {
 public:
  // `store` and `catalog` are not owned and must outlive the follower.
  PlacesFollower(std::unique_ptr<PlacesSource> source, IntakeStore* store,
                 CatalogHolder* catalog, absl::Duration interval,
                 absl::Duration min_gap);
  ~PlacesFollower();

  // One read; stores and swaps in the places when they changed.
  absl::Status Refresh();
  // For a request naming an unknown place: Refresh unless one ran less than
  // min_gap ago.
  void RefreshForUnknownPlace();

  // The background refresh every `interval`.
  void Start();
  void Stop();

 private:
  absl::StatusOr<bool> RefreshLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::unique_ptr<PlacesSource> source_;
  IntakeStore* store_;
  CatalogHolder* catalog_;
  const absl::Duration interval_, min_gap_;

  absl::Mutex mu_;  // one refresh at a time
  absl::Time last_attempt_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool failing_ ABSL_GUARDED_BY(mu_) = false;  // log once per outage

  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hotline::intake
