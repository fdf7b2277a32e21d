#include "common/directory/directory_follower.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status.h"

namespace hotline::directory {

DirectoryFollower::DirectoryFollower(std::unique_ptr<DirectorySource> source,
                                     DirectoryStore* store,
                                     FollowerOptions options,
                                     Listener on_change)
    : source_(std::move(source)),
      store_(store),
      options_(options),
      on_change_(std::move(on_change)) {}

DirectoryFollower::~DirectoryFollower() { Stop(); }

void DirectoryFollower::Install(std::shared_ptr<const Directory> next) {
  holder_.Set(next);
  if (on_change_) on_change_(std::move(next));
}

absl::Status DirectoryFollower::LoadStored() {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Directory stored, store_->Load());
  // A copy already read from the source is newer than the stored one.
  if (!holder_.Get()->empty()) return absl::OkStatus();
  Install(std::make_shared<const Directory>(std::move(stored)));
  return absl::OkStatus();
}

absl::Status DirectoryFollower::Prime() {
  RETURN_IF_ERROR(LoadStored());
  if (source_ != nullptr) {
    absl::MutexLock lock(&mu_);
    bool store_failed = false;
    absl::StatusOr<bool> read = RefreshLocked(&store_failed);
    // Whatever routing answers (away, empty, failing), the stored copy
    // serves until it answers well. A failure to store what was read is the
    // database's, and so ours.
    if (!read.ok() && store_failed) return read.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> DirectoryFollower::Refresh() {
  absl::MutexLock lock(&mu_);
  return RefreshLocked();
}

std::shared_ptr<const Directory> DirectoryFollower::RefreshForUnknownUnit() {
  // A read in progress answers for this one too: the caller takes the copy
  // in force rather than queue behind it.
  if (source_ == nullptr || !mu_.TryLock()) return holder_.Get();
  if (absl::Now() - last_attempt_ >= options_.min_gap) {
    (void)RefreshLocked();  // a failure is logged; the copy in force stays
  }
  mu_.Unlock();
  return holder_.Get();
}

std::shared_ptr<const Directory> DirectoryFollower::SnapshotKnowing(
    const std::vector<std::string>& units) {
  std::shared_ptr<const Directory> d = holder_.Get();
  for (const std::string& unit : units) {
    if (!unit.empty() && !d->Has(unit)) return RefreshForUnknownUnit();
  }
  return d;
}

absl::StatusOr<bool> DirectoryFollower::RefreshLocked(bool* store_failed) {
  if (source_ == nullptr) {
    return absl::FailedPreconditionError("no directory source to follow");
  }
  last_attempt_ = absl::Now();
  absl::StatusOr<std::vector<UnitEntry>> units = source_->ListUnits();
  if (units.ok() && units->empty()) {
    units = absl::NotFoundError("the directory has no units yet");
  }
  if (!units.ok()) {
    // An empty directory is not an outage: the copy in force stays.
    const bool outage = !absl::IsNotFound(units.status());
    if (outage && !failing_) {
      log::Warning("directory.unreachable",
                   {{"error", std::string(units.status().message())}});
    }
    failing_ = outage;
    return units.status();
  }
  if (failing_) log::Info("directory.reachable", {});
  failing_ = false;
  auto next = std::make_shared<const Directory>(*std::move(units));
  if (options_.usable && !options_.usable(*next)) {
    return absl::NotFoundError("the directory is not complete enough yet");
  }
  if (*next == *holder_.Get()) return false;
  if (absl::Status saved = store_->Save(*next); !saved.ok()) {
    if (store_failed != nullptr) *store_failed = true;
    return saved;
  }
  log::Info("directory.changed", {{"units", absl::StrCat(next->size())}});
  Install(std::move(next));
  return true;
}

void DirectoryFollower::Start() {
  if (source_ == nullptr || thread_.joinable()) return;
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.interval)) {
      (void)Refresh();
    }
  });
}

void DirectoryFollower::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hotline::directory
