#include "services/routing/routing_service.h"

#include "hotline/v1/routing.grpc.pb.h"

namespace hotline::routing {
namespace {

// Registers the contract's services. Their RPCs answer UNIMPLEMENTED until the
// issue that implements them lands; nothing pretends to work.
class RoutingComponent final : public runtime::Component {
 public:
  explicit RoutingComponent(runtime::Context& ctx) {
    ctx.host.AddService(&routing_service_, "hotline.v1.RoutingService");
    ctx.host.AddService(&directory_service_, "hotline.v1.DirectoryService");
  }

 private:
  v1::RoutingService::Service routing_service_;
  v1::DirectoryService::Service directory_service_;
};

const std::vector<db::Migration>& NoMigrations() {
  static const auto* const kNone = new std::vector<db::Migration>();
  return *kNone;
}

}  // namespace

runtime::ServiceDefinition Definition() {
  runtime::ServiceDefinition d;
  d.name = "routing";
  d.migrations = NoMigrations;
  d.build = [](runtime::Context& ctx)
      -> absl::StatusOr<std::unique_ptr<runtime::Component>> {
    return std::make_unique<RoutingComponent>(ctx);
  };
  return d;
}

}  // namespace hotline::routing
