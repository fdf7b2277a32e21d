#pragma once

// Helpers for routing's integration tests: a running routing service with the
// Dazu sample directory loaded, unit principals, and calls over gRPC.

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"
#include "gtest/gtest.h"
#include "hotline/v1/events.grpc.pb.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "services/routing/edge/routing_service.h"
#include "tests/support/service_fixture.h"

namespace hotline::routing::testing {

using hotline::testing::kAgentToken;
using hotline::testing::kAuditorToken;
using hotline::testing::kCenterToken;
using hotline::testing::kServiceToken;
using hotline::testing::ServiceUnderTest;

// Unit principals ("TOKEN ROLE UNIT").
inline constexpr char kLongshuiStaff[] = "staff-longshui-01";
inline constexpr char kLongshuiLead[] = "lead-longshui-001";
inline constexpr char kNanshanStaff[] = "staff-nanshan-001";
inline constexpr char kLonggangStaff[] = "staff-longgang-01";
inline constexpr char kUrbanStaff[] = "staff-urban-00001";
inline constexpr char kShirongStaff[] = "staff-shirong-001";
inline constexpr char kHousingStaff[] = "staff-housing-001";
inline constexpr char kTransportStaff[] = "staff-transport-1";

inline std::string ExtraTokens() {
  return absl::StrCat(kLongshuiStaff, " UNIT_STAFF town.longshui\n",
                      kLongshuiLead, " UNIT_LEAD town.longshui\n",
                      kNanshanStaff, " UNIT_STAFF comm.longshui.nanshan\n",
                      kLonggangStaff, " UNIT_STAFF town.longgang\n",
                      kUrbanStaff, " UNIT_STAFF dept.urban\n", kShirongStaff,
                      " UNIT_STAFF sec.urban.shirong\n", kHousingStaff,
                      " UNIT_STAFF dept.housing\n", kTransportStaff,
                      " UNIT_STAFF dept.transport\n");
}

inline std::string SampleDirectory() {
  std::ifstream in(std::string(HOTLINE_SOURCE_DIR) +
                   "/data/directory/dazu_sample.csv");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class RoutingClient {
 public:
  explicit RoutingClient(std::shared_ptr<grpc::Channel> ch)
      : routing(v1::RoutingService::NewStub(ch)),
        directory(v1::DirectoryService::NewStub(ch)),
        sink(v1::EventSink::NewStub(ch)) {}

  // Calls `method` on `stub` with `token`.
  template <typename Stub, typename Req, typename Resp>
  grpc::Status Call(Stub* stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                 const Req&, Resp*),
                    const std::string& token, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    return (stub->*method)(&ctx, req, resp);
  }

  grpc::Status Publish(const std::vector<v1::TicketEvent>& events,
                       const std::string& source) {
    v1::PublishRequest req;
    req.set_source_service(source);
    for (const auto& e : events) *req.add_events() = e;
    v1::PublishResponse resp;
    return Call(sink.get(), &v1::EventSink::Stub::Publish,
                std::string(hotline::testing::ServiceTokenOf(source)), req,
                &resp);
  }

  std::unique_ptr<v1::RoutingService::Stub> routing;
  std::unique_ptr<v1::DirectoryService::Stub> directory;
  std::unique_ptr<v1::EventSink::Stub> sink;
};

inline v1::TicketEvent Created(const std::string& ticket, int n,
                               const std::string& category,
                               const std::string& town, absl::Time at,
                               v1::Urgency urgency = v1::URGENCY_NORMAL) {
  v1::TicketEvent e;
  e.set_event_id(absl::StrCat("intake-", ticket));
  e.set_ticket_id(ticket);
  e.set_seq(1);
  *e.mutable_occurred_at() = ToProto(at);
  e.set_producer("intake");
  e.set_ticket_number(absl::StrCat("DZ20240208-", 100000 + n));
  auto* c = e.mutable_ticket_created();
  c->set_channel(v1::CHANNEL_PHONE);
  c->set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  c->set_category_code(category);
  c->set_urgency(urgency);
  c->mutable_location()->set_town_code(town);
  c->set_title("小区电梯长期故障");
  c->set_content("南山小区3栋电梯停运一周，物业不予维修，老人上下楼困难。");
  *c->mutable_received_at() = ToProto(at);
  return e;
}

}  // namespace hotline::routing::testing
