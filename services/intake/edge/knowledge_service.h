#pragma once

// KnowledgeService handlers (intake.proto).

#include <memory>

#include "common/runtime/service_runtime.h"
#include "services/intake/domain/places.h"
#include "services/intake/store/knowledge_store.h"

namespace grpc {
class Service;
}

namespace hotline::intake {

// `store` and `catalog` are not owned and must outlive the service.
std::unique_ptr<grpc::Service> NewKnowledgeService(
    runtime::Context& ctx, KnowledgeStore* store, const CatalogHolder* catalog);

}  // namespace hotline::intake
