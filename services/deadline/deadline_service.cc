#include "services/deadline/deadline_service.h"

#include "common/db/transaction.h"
#include "common/status/status.h"
#include "hotline/v1/deadline.grpc.pb.h"
#include "hotline_deadline_SchemaMigrations.h"
#include "services/deadline/calendar_service.h"
#include "services/deadline/calendar_state.h"
#include "services/deadline/calendar_store.h"
#include "services/deadline/policy.h"

namespace hotline::deadline {
namespace {

class DeadlineComponent final : public runtime::Component {
 public:
  explicit DeadlineComponent(runtime::Context& ctx)
      : ctx_(ctx), state_(&ctx.host.registry()) {
    CalendarServiceDeps deps;
    deps.gate = &ctx.host.gate();
    deps.clock = &ctx.clock;
    deps.pool = &ctx.pool;
    deps.state = &state_;
    deps.policy = &Policy::Builtin();
    deps.after_commit = [&relay = ctx.relay] { relay.Wake(); };
    calendar_service_ = NewCalendarService(std::move(deps));
    ctx.host.AddService(calendar_service_.get(), "hotline.v1.CalendarService");
    ctx.host.AddService(&deadline_service_, "hotline.v1.DeadlineService");
  }

  // Loads the persisted calendar years over the builtin data.
  absl::Status Prepare() override {
    ASSIGN_OR_RETURN(db::PooledConnection conn, ctx_.pool.Acquire());
    ASSIGN_OR_RETURN(std::vector<PersistedYear> years,
                     LoadCalendarYears(*conn));
    conn.Release();
    RETURN_IF_ERROR(state_.Init(years));
    state_.CheckNextYear(ctx_.clock.Now());
    return absl::OkStatus();
  }

 private:
  runtime::Context& ctx_;
  CalendarState state_;
  std::unique_ptr<grpc::Service> calendar_service_;
  v1::DeadlineService::Service deadline_service_;
};

}  // namespace

runtime::ServiceDefinition Definition() {
  runtime::ServiceDefinition d;
  d.name = "deadline";
  d.migrations = SchemaMigrations;
  d.build = [](runtime::Context& ctx)
      -> absl::StatusOr<std::unique_ptr<runtime::Component>> {
    return std::make_unique<DeadlineComponent>(ctx);
  };
  return d;
}

}  // namespace hotline::deadline
