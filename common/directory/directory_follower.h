#pragma once

// A service's copy of routing's directory (DESIGN.md §4), followed the same
// way by every service that names units (intake, assessment):
//
//   - a DirectorySource reads the directory (routing's DirectoryService.
//     ListUnits over gRPC in production, routing_directory_source.h);
//   - a DirectoryStore keeps the last copy read in the service's own schema
//     (mysql_directory_store.h; the shared migration in schema/), so that a
//     restart while routing is away starts from it;
//   - the DirectoryFollower reads the stored copy when the service prepares,
//     asks the source when it starts, every `interval` after that, and at once
//     when a request names a unit the copy lacks (at most once per
//     `min_gap`). A changed directory is stored, then swapped in. While
//     routing is unreachable, or has no units yet, the copy in force stays.
//
// Readers take a snapshot (Snapshot(): a shared_ptr that a refresh replaces
// as a whole, never changes) and keep it for the length of their work.

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/directory/directory.h"

namespace hotline::directory {

class DirectorySource {
 public:
  virtual ~DirectorySource() = default;
  // Every unit of the directory, inactive ones included. UNAVAILABLE (or
  // another error) when the source cannot be read.
  virtual absl::StatusOr<std::vector<UnitEntry>> ListUnits() = 0;
};

// The stored copy of the directory.
class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;
  // The stored copy; empty before the directory was first stored.
  virtual absl::StatusOr<Directory> Load() = 0;
  // Replaces the stored copy with `directory`, in one transaction.
  virtual absl::Status Save(const Directory& directory) = 0;
};

// The snapshot in force. Thread-safe.
class DirectoryHolder {
 public:
  std::shared_ptr<const Directory> Get() const {
    absl::MutexLock lock(&mu_);
    return directory_;
  }
  void Set(std::shared_ptr<const Directory> directory) {
    absl::MutexLock lock(&mu_);
    directory_ = std::move(directory);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Directory> directory_ ABSL_GUARDED_BY(mu_) =
      std::make_shared<const Directory>();
};

struct FollowerOptions {
  absl::Duration interval = absl::Seconds(60);  // background refresh
  absl::Duration min_gap = absl::Seconds(10);   // between on-demand reads
  // Whether a directory read is complete enough to replace the copy in
  // force (e.g. intake: it has towns/streets); a read it refuses counts as
  // "no units yet" (NOT_FOUND). Null: any non-empty directory.
  std::function<bool(const Directory&)> usable;
};

class DirectoryFollower {
 public:
  // Called with each new snapshot (from LoadStored and Refresh, under the
  // follower's lock: keep it short, do not call back into the follower).
  using Listener = std::function<void(std::shared_ptr<const Directory>)>;

  // `source` may be null (no routing to follow: the stored copy stays).
  // `store` is not owned and must outlive the follower.
  DirectoryFollower(std::unique_ptr<DirectorySource> source,
                    DirectoryStore* store, FollowerOptions options,
                    Listener on_change = nullptr);
  ~DirectoryFollower();
  DirectoryFollower(const DirectoryFollower&) = delete;
  DirectoryFollower& operator=(const DirectoryFollower&) = delete;

  // When the service prepares: installs the stored copy, then reads the
  // source once (its failure is logged and leaves the stored copy in force).
  // Errors: the store's only.
  absl::Status Prime();
  // Installs the stored copy unless a copy was read from the source already.
  absl::Status LoadStored();
  // One read of the source: stores and swaps in the directory when it
  // changed. Returns whether it changed; the source's error otherwise
  // (NOT_FOUND when it has no units yet), with the copy in force kept.
  absl::StatusOr<bool> Refresh();
  // For a request naming a unit the snapshot lacks: Refresh unless one was
  // attempted less than min_gap ago or one is running now (the caller never
  // waits for another's read). Returns the snapshot in force after.
  std::shared_ptr<const Directory> RefreshForUnknownUnit();

  std::shared_ptr<const Directory> Snapshot() const { return holder_.Get(); }
  // The snapshot in force, after RefreshForUnknownUnit when it lacks one of
  // `units` (empty ids are skipped): for a request that names units routing
  // may have added since the copy was read.
  std::shared_ptr<const Directory> SnapshotKnowing(
      const std::vector<std::string>& units);

  // The background refresh every `interval` (the first read is Prime's);
  // Stop() before destruction
  // (the destructor stops it too).
  void Start();
  void Stop();

 private:
  // As Refresh; `*store_failed` (when not null) tells an error of the store
  // from one of the source.
  absl::StatusOr<bool> RefreshLocked(bool* store_failed = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Install(std::shared_ptr<const Directory> next)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::unique_ptr<DirectorySource> source_;
  DirectoryStore* store_;
  const FollowerOptions options_;
  Listener on_change_;
  DirectoryHolder holder_;

  absl::Mutex mu_;  // one refresh at a time
  absl::Time last_attempt_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool failing_ ABSL_GUARDED_BY(mu_) = false;  // log once per outage

  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hotline::directory
