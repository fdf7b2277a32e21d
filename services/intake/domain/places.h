#pragma once

// The places of the district as intake reads them from routing's directory
// (DESIGN.md §4) and the catalog (matter taxonomy and places) requests are
// checked against; free of gRPC and SQL. A unit and its subtree is the
// directory's tree: directory::Directory (InSubtree, SubtreeForQuery) of
// intake's copy, never the ids.

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/directory/directory.h"
#include "hotline/v1/intake.pb.h"
#include "hotline/v1/routing.pb.h"

namespace hotline::intake {

// The places of the district a location may name: towns/streets (镇街) and
// the villages/communities (村社区) below them, as routing's directory has
// them (unit ids), derived from intake's copy of the directory
// (common/directory). Before intake has read the directory, only the towns
// it was installed with are known and communities are checked for form only.
struct Places {
  absl::flat_hash_map<std::string, std::string> towns;        // code → name
  absl::flat_hash_map<std::string, std::string> communities;  // → town code
  // Every unit of the directory (any kind, active or not) → its official
  // name, for the caller-facing progress.
  absl::flat_hash_map<std::string, std::string> names;
  bool operator==(const Places& o) const {
    return towns == o.towns && communities == o.communities && names == o.names;
  }
};

// The active towns/streets and villages/communities among `units` (any
// order, other kinds ignored); a community under another community is
// resolved to the town/street above them. `names` has every unit.
Places PlacesFromUnits(const std::vector<v1::Unit>& units);
// The same from intake's copy of the directory.
Places PlacesFromDirectory(const directory::Directory& directory);

// The matter taxonomy and the places, loaded from intake's tables.
struct Catalog {
  std::vector<v1::MatterCategory> categories;  // parents before children
  std::string version;
  Places places;
  bool HasCategory(const std::string& code) const;
};

// The catalog in use, replaced as a whole when the directory changes;
// readers keep the snapshot they took. Thread-safe.
class CatalogHolder {
 public:
  std::shared_ptr<const Catalog> Get() const {
    absl::MutexLock lock(&mu_);
    return catalog_;
  }
  void Set(Catalog catalog) {
    auto next = std::make_shared<const Catalog>(std::move(catalog));
    absl::MutexLock lock(&mu_);
    catalog_ = std::move(next);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Catalog> catalog_ ABSL_GUARDED_BY(mu_) =
      std::make_shared<const Catalog>();
};

// Whether the catalog knows the town and community `loc` names (empty codes
// are known); false means the directory may have grown since it was read.
bool KnowsPlaces(const Catalog& catalog, const v1::Location& loc);

}  // namespace hotline::intake
