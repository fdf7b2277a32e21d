#pragma once

// The directory (units as a UnitTree) and the dispatch catalogue (rules)
// held in memory and shared by every call of one process, checked against
// the store's directory stamp (store/routing_store.h, DirectoryStamp) on
// every use: a one-row read instead of reading every unit and rule. Any
// write of units or rules — through this process, another replica on the
// same schema, or an import — changes the stamp in its own transaction, so:
//  - a change committed anywhere is seen by the next Get (its stamp differs);
//  - a transaction's own uncommitted writes are seen inside it (it reads its
//    own stamp) and, if it rolls back, never served again (that stamp was
//    random and is never committed);
//  - another transaction's uncommitted writes are never seen (READ
//    COMMITTED), as when reading the tables.
// Thread-safe.

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/connection.h"
#include "hotline/v1/routing.pb.h"
#include "services/routing/domain/unit_tree.h"
#include "services/routing/store/routing_store.h"

namespace hotline::routing {

// One committed state of the directory and the catalogue. Immutable.
struct Directory {
  DirectoryStamp stamp;
  UnitTree tree;
  // By priority descending, then rule_id (as RoutingStore::LoadRules).
  std::vector<v1::DispatchRule> rules;
};

class DirectoryCache {
 public:
  // Does not own `store`, which must outlive the cache.
  explicit DirectoryCache(RoutingStore& store) : store_(store) {}

  // The directory as `c` sees it now: the held copy when the stored stamp
  // is unchanged, else read afresh (units and rules) and held. Errors: the
  // store's.
  absl::StatusOr<std::shared_ptr<const Directory>> Get(db::Connection& c);

  // How many times Get read the units and rules (for tests).
  int64_t loads() const;

 private:
  RoutingStore& store_;
  mutable std::mutex mu_;
  std::shared_ptr<const Directory> held_;  // guarded by mu_
  int64_t loads_ = 0;                      // guarded by mu_
};

}  // namespace hotline::routing
