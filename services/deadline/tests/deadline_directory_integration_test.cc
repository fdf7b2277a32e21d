// "A unit and its subtree" in deadline is routing's directory (issue 14,
// DESIGN.md §4), as in intake and assessment: an order the center dispatched
// straight to 南山社区 lies in 龙水镇's subtree because the directory puts
// the community under the town, whatever the order's dispatch chain says.
// Deadline follows routing's DirectoryService (a fake routing here) and,
// without routing, its stored copy.

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/directory/routing_directory_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "services/deadline/tests/deadline_test_util.h"

namespace hotline::deadline {
namespace {

using ::hotline::testing::kCenterToken;
using ::hotline::testing::ServiceUnderTest;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using namespace testutil;  // NOLINT

// routing's DirectoryService.ListUnits: TestUnits, one page.
class FakeRoutingDirectory final : public v1::DirectoryService::Service {
 public:
  grpc::Status ListUnits(grpc::ServerContext* ctx,
                         const v1::ListUnitsRequest* req,
                         v1::ListUnitsResponse* resp) override {
    auto it = ctx->client_metadata().find("authorization");
    if (it == ctx->client_metadata().end() ||
        std::string(it->second.data(), it->second.size()) !=
            absl::StrCat("Bearer ", hotline::testing::kDeadlineServiceToken)) {
      return {grpc::StatusCode::UNAUTHENTICATED, "token"};
    }
    ++reads;
    for (const directory::UnitEntry& e : TestUnits()) {
      v1::Unit* u = resp->add_units();
      u->set_unit_id(e.unit_id);
      u->set_parent_unit_id(e.parent_unit_id);
      u->set_kind(e.kind);
      u->set_name(e.name);
      u->set_short_name(e.short_name);
      u->set_active(e.active);
    }
    return grpc::Status::OK;
  }
  std::atomic<int> reads{0};
};

// The orders' ids of a ListDue answer.
std::vector<std::string> Tickets(const v1::ListDueResponse& r) {
  std::vector<std::string> out;
  for (const v1::DueItem& i : r.items()) out.push_back(i.clock().ticket_id());
  return out;
}
std::vector<std::string> Tickets(const v1::ListLadderStepsResponse& r) {
  std::vector<std::string> out;
  for (const v1::LadderStepRecord& s : r.steps()) out.push_back(s.ticket_id());
  return out;
}

class DirectoryScopeTest : public DeadlineTest {
 protected:
  grpc::Status ListDue(const std::string& token, const std::string& unit,
                       v1::ListDueResponse* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::ListDueRequest req;
    req.set_unit_id(unit);
    *req.mutable_due_before() = ToProto(Local(2024, 12, 31));
    return stub_->ListDue(&ctx, req, resp);
  }
  grpc::Status Steps(const std::string& token, const std::string& unit,
                     v1::ListLadderStepsResponse* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::ListLadderStepsRequest req;
    req.set_unit_id(unit);
    return stub_->ListLadderSteps(&ctx, req, resp);
  }
  grpc::Status GetClocks(const std::string& token, const std::string& ticket) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::GetClocksRequest req;
    req.set_ticket_id(ticket);
    v1::GetClocksResponse resp;
    return stub_->GetClocks(&ctx, req, &resp);
  }

  // The center dispatches a consultation straight to 南山社区 (t-000090)
  // and one to 龙岗街道 (t-000091), Thu 2024-02-08 16:00.
  void DispatchBoth() {
    AdvanceTo(Local(2024, 2, 8, 16));
    routing_->Publish(routing_->Dispatched("t-000090", "comm.longshui.nanshan",
                                           v1::REQUEST_TYPE_CONSULTATION));
    routing_->Publish(routing_->Dispatched("t-000091", "town.longgang",
                                           v1::REQUEST_TYPE_CONSULTATION));
  }

  // The town sees its community's clocks and may ask about the community;
  // the other town neither sees them nor may ask.
  void ExpectTownSeesItsCommunity() {
    v1::ListDueResponse due;
    ASSERT_TRUE(ListDue(kStaffLongshui, "", &due).ok());
    EXPECT_THAT(Tickets(due), Not(IsEmpty()));
    EXPECT_THAT(Tickets(due), Each(std::string("t-000090")));
    for (const v1::DueItem& i : due.items()) {
      EXPECT_EQ(i.clock().unit_id(), "comm.longshui.nanshan");
    }
    ASSERT_TRUE(ListDue(kStaffLongshui, "comm.longshui.nanshan", &due).ok());
    EXPECT_THAT(Tickets(due), Not(IsEmpty()));
    EXPECT_THAT(Tickets(due), Each(std::string("t-000090")));
    EXPECT_TRUE(GetClocks(kStaffLongshui, "t-000090").ok());

    ASSERT_TRUE(ListDue(kStaffLonggang, "", &due).ok());
    EXPECT_THAT(Tickets(due), Not(IsEmpty()));
    EXPECT_THAT(Tickets(due), Each(std::string("t-000091")));
    EXPECT_EQ(
        ListDue(kStaffLonggang, "comm.longshui.nanshan", &due).error_code(),
        grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(GetClocks(kStaffLonggang, "t-000090").error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    // And the community does not see its town's other orders.
    EXPECT_EQ(GetClocks(kStaffLongshui, "t-000091").error_code(),
              grpc::StatusCode::PERMISSION_DENIED);

    // The center sees both.
    ASSERT_TRUE(ListDue(kCenterToken, "", &due).ok());
    std::vector<std::string> all = Tickets(due);
    EXPECT_NE(std::find(all.begin(), all.end(), "t-000090"), all.end());
    EXPECT_NE(std::find(all.begin(), all.end(), "t-000091"), all.end());
  }
};

// Deadline follows routing's directory (no stored copy before it starts).
class FollowsRoutingTest : public DirectoryScopeTest {
 protected:
  void SetUp() override {
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(&routing_directory_);
    routing_server_ = b.BuildAndStart();
    absl::SetFlag(&FLAGS_routing, absl::StrCat("127.0.0.1:", port));
    absl::SetFlag(&FLAGS_ladder_scanner, false);
    testing::ServiceOptions o;
    o.extra_tokens = UnitTokens();
    auto svc = testing::ServiceUnderTest::Start(Definition(), o);
    ASSERT_TRUE(svc.ok()) << svc.status();
    svc_ = *std::move(svc);
    stub_ = v1::DeadlineService::NewStub(svc_->channel());
    routing_ = std::make_unique<Routing>(svc_->channel(), &svc_->clock());
    scan_ = std::make_unique<TestScanner>(svc_->instance(), "test-replica");
  }
  void TearDown() override {
    svc_.reset();
    routing_server_->Shutdown();
    absl::SetFlag(&FLAGS_routing, "");
    DeadlineTest::TearDown();
  }

  FakeRoutingDirectory routing_directory_;
  std::unique_ptr<grpc::Server> routing_server_;
};

TEST_F(FollowsRoutingTest, TownStaffSeeTheClocksOfTheirCommunity) {
  EXPECT_GE(routing_directory_.reads.load(), 1);
  DispatchBoth();
  ExpectTownSeesItsCommunity();
  // The copy read is stored for a restart while routing is away.
  auto conn = svc_->instance().pool().Acquire();
  ASSERT_TRUE(conn.ok());
  auto rs = (*conn)->Query(
      "SELECT parent_unit_id FROM directory_unit WHERE unit_id = "
      "'comm.longshui.nanshan'");
  ASSERT_TRUE(rs.ok());
  ASSERT_TRUE((*rs)->next());
  EXPECT_EQ((*rs)->getString(1), "town.longshui");
}

TEST_F(FollowsRoutingTest, TheCommunitysOverdueStepsAreTheTownsToSee) {
  DispatchBoth();
  // The response clocks run out at 02-10 00:00: a REMINDER each.
  AdvanceTo(Local(2024, 2, 10, 8));
  EXPECT_EQ(Scan(), 2);
  v1::ListLadderStepsResponse steps;
  ASSERT_TRUE(Steps(kStaffLongshui, "", &steps).ok());
  EXPECT_THAT(Tickets(steps), ElementsAre("t-000090"));
  EXPECT_EQ(steps.steps(0).unit_id(), "comm.longshui.nanshan");
  EXPECT_EQ(steps.steps(0).step(), v1::LADDER_STEP_REMINDER);
  ASSERT_TRUE(Steps(kStaffLongshui, "comm.longshui.nanshan", &steps).ok());
  EXPECT_THAT(Tickets(steps), ElementsAre("t-000090"));
  ASSERT_TRUE(Steps(kStaffLonggang, "", &steps).ok());
  EXPECT_THAT(Tickets(steps), ElementsAre("t-000091"));
  EXPECT_EQ(Steps(kStaffLonggang, "comm.longshui.nanshan", &steps).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Its clocks past due (response, forward) are on the town's list, not on
  // the other town's.
  v1::ListDueResponse due;
  ASSERT_TRUE(ListDue(kStaffLongshui, "", &due).ok());
  EXPECT_THAT(Tickets(due), Each(std::string("t-000090")));
  int past_due = 0;
  for (const v1::DueItem& i : due.items()) {
    if (FromProto(i.clock().due()) < svc_->clock().Now()) ++past_due;
  }
  EXPECT_GE(past_due, 1);
  ASSERT_TRUE(ListDue(kStaffLonggang, "", &due).ok());
  EXPECT_THAT(Tickets(due), Each(std::string("t-000091")));
}

// Without routing, the stored copy (DeadlineTest's fixture) is the tree.
using StoredCopyTest = DirectoryScopeTest;

TEST_F(StoredCopyTest, TownStaffSeeTheClocksOfTheirCommunity) {
  DispatchBoth();
  ExpectTownSeesItsCommunity();
}

}  // namespace
}  // namespace hotline::deadline
