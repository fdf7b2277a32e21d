#include "services/intake/intake_service.h"

#include "hotline/v1/intake.grpc.pb.h"

namespace hotline::intake {
namespace {

// Registers the contract's services. Their RPCs answer UNIMPLEMENTED until the
// issue that implements them lands; nothing pretends to work.
class IntakeComponent final : public runtime::Component {
 public:
  explicit IntakeComponent(runtime::Context& ctx) {
    ctx.host.AddService(&intake_service_, "hotline.v1.IntakeService");
    ctx.host.AddService(&knowledge_service_, "hotline.v1.KnowledgeService");
  }

 private:
  v1::IntakeService::Service intake_service_;
  v1::KnowledgeService::Service knowledge_service_;
};

const std::vector<db::Migration>& NoMigrations() {
  static const auto* const kNone = new std::vector<db::Migration>();
  return *kNone;
}

}  // namespace

runtime::ServiceDefinition Definition() {
  runtime::ServiceDefinition d;
  d.name = "intake";
  d.migrations = NoMigrations;
  d.build = [](runtime::Context& ctx)
      -> absl::StatusOr<std::unique_ptr<runtime::Component>> {
    return std::make_unique<IntakeComponent>(ctx);
  };
  return d;
}

}  // namespace hotline::intake
