#include "services/assessment/assessment_service.h"

#include "hotline/v1/assessment.grpc.pb.h"

namespace hotline::assessment {
namespace {

// Registers the contract's services. Their RPCs answer UNIMPLEMENTED until the
// issue that implements them lands; nothing pretends to work.
class AssessmentComponent final : public runtime::Component {
 public:
  explicit AssessmentComponent(runtime::Context& ctx) {
    ctx.host.AddService(&assessment_service_, "hotline.v1.AssessmentService");
  }

 private:
  v1::AssessmentService::Service assessment_service_;
};

const std::vector<db::Migration>& NoMigrations() {
  static const auto* const kNone = new std::vector<db::Migration>();
  return *kNone;
}

}  // namespace

runtime::ServiceDefinition Definition() {
  runtime::ServiceDefinition d;
  d.name = "assessment";
  d.migrations = NoMigrations;
  d.build = [](runtime::Context& ctx)
      -> absl::StatusOr<std::unique_ptr<runtime::Component>> {
    return std::make_unique<AssessmentComponent>(ctx);
  };
  return d;
}

}  // namespace hotline::assessment
