#include "services/routing/core/directory_cache.h"

#include <utility>

#include "common/status/status.h"

namespace hotline::routing {

absl::StatusOr<std::shared_ptr<const Directory>> DirectoryCache::Get(
    db::Connection& c) {
  ASSIGN_OR_RETURN(DirectoryStamp stamp, store_.GetDirectoryStamp(c));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (held_ != nullptr && held_->stamp == stamp) return held_;
  }
  // Read after the stamp: what is read is at least as new as `stamp` (a
  // writer that commits in between changes the stamp again, so the copy held
  // under the older stamp is replaced at the next Get that sees the newer
  // one).
  ASSIGN_OR_RETURN(auto units, store_.LoadUnits(c));
  ASSIGN_OR_RETURN(auto rules, store_.LoadRules(c));
  auto fresh = std::make_shared<Directory>();
  fresh->stamp = stamp;
  fresh->tree = UnitTree(units);
  fresh->rules = std::move(rules);
  std::shared_ptr<const Directory> out = std::move(fresh);
  std::lock_guard<std::mutex> lock(mu_);
  ++loads_;
  held_ = out;
  return out;
}

int64_t DirectoryCache::loads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loads_;
}

}  // namespace hotline::routing
