#include "common/server/clock_admin.h"

#include "common/server/proto_time.h"
#include "hotline/v1/admin.grpc.pb.h"

namespace hotline::server {
namespace {

class ClockAdminImpl final : public v1::ClockAdmin::Service {
 public:
  ClockAdminImpl(ManualClock* clock, const CallGate* gate)
      : clock_(clock), gate_(gate) {}

  grpc::Status GetTime(grpc::ServerContext* ctx, const v1::GetTimeRequest*,
                       v1::GetTimeResponse* resp) override {
    return Handle(*gate_, ctx, [&](const auth::Principal& who) {
      RETURN_IF_ERROR(Allowed(who));
      *resp->mutable_now() = ToProto(clock_->Now());
      return absl::OkStatus();
    });
  }

  grpc::Status AdvanceClock(grpc::ServerContext* ctx,
                            const v1::AdvanceClockRequest* req,
                            v1::AdvanceClockResponse* resp) override {
    return Handle(*gate_, ctx, [&](const auth::Principal& who) {
      RETURN_IF_ERROR(Allowed(who));
      switch (req->target_case()) {
        case v1::AdvanceClockRequest::kBy:
          RETURN_IF_ERROR(
              clock_->Advance(absl::Seconds(req->by().seconds()) +
                              absl::Nanoseconds(req->by().nanos())));
          break;
        case v1::AdvanceClockRequest::kTo: {
          ASSIGN_OR_RETURN(absl::Time to, ParseTimestampField("to", req->to()));
          RETURN_IF_ERROR(clock_->AdvanceTo(to));
          break;
        }
        default:
          return absl::InvalidArgumentError("target: give by or to");
      }
      *resp->mutable_now() = ToProto(clock_->Now());
      return absl::OkStatus();
    });
  }

 private:
  static absl::Status Allowed(const auth::Principal& who) {
    return auth::RequireRole(who,
                             {auth::Role::kService, auth::Role::kCenterStaff});
  }

  ManualClock* clock_;
  const CallGate* gate_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewClockAdminService(ManualClock* clock,
                                                    const CallGate* gate) {
  return std::make_unique<ClockAdminImpl>(clock, gate);
}

}  // namespace hotline::server
