#pragma once

// KnowledgeService handlers (intake.proto).

#include <memory>

#include "common/directory/directory_follower.h"
#include "common/runtime/service_runtime.h"
#include "services/intake/domain/places.h"
#include "services/intake/store/knowledge_store.h"

namespace grpc {
class Service;
}

namespace hotline::intake {

// `store`, `catalog` and `directory` (whose snapshot is the unit tree: who
// may edit and see a unit's articles) are not owned and must outlive the
// service.
std::unique_ptr<grpc::Service> NewKnowledgeService(
    runtime::Context& ctx, KnowledgeStore* store, const CatalogHolder* catalog,
    const directory::DirectoryFollower* directory);

}  // namespace hotline::intake
