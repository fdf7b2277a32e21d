#include "services/deadline/deadline_service.h"

#include "hotline/v1/deadline.grpc.pb.h"

namespace hotline::deadline {
namespace {

// Registers the contract's services. Their RPCs answer UNIMPLEMENTED until the
// issue that implements them lands; nothing pretends to work.
class DeadlineComponent final : public runtime::Component {
 public:
  explicit DeadlineComponent(runtime::Context& ctx) {
    ctx.host.AddService(&calendar_service_, "hotline.v1.CalendarService");
    ctx.host.AddService(&deadline_service_, "hotline.v1.DeadlineService");
  }

 private:
  v1::CalendarService::Service calendar_service_;
  v1::DeadlineService::Service deadline_service_;
};

const std::vector<db::Migration>& NoMigrations() {
  static const auto* const kNone = new std::vector<db::Migration>();
  return *kNone;
}

}  // namespace

runtime::ServiceDefinition Definition() {
  runtime::ServiceDefinition d;
  d.name = "deadline";
  d.migrations = NoMigrations;
  d.build = [](runtime::Context& ctx)
      -> absl::StatusOr<std::unique_ptr<runtime::Component>> {
    return std::make_unique<DeadlineComponent>(ctx);
  };
  return d;
}

}  // namespace hotline::deadline
