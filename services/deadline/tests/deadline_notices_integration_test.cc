// Ladder notices: recipients resolved from routing's roster over gRPC
// (DirectoryService.GetUnit/GetDuty, a fake routing here), "unresolved" and
// retried while routing is unreachable, delivery through the JSON webhook
// with retries, and the service's own scanner thread firing by itself.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "common/directory/routing_directory_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "services/deadline/tests/deadline_test_util.h"

namespace hotline::deadline {
namespace {

using ::hotline::testing::kCenterToken;
using ::hotline::testing::kServiceToken;
using ::hotline::testing::ServiceUnderTest;
using ::testing::HasSubstr;
using namespace testutil;  // NOLINT

// routing's DirectoryService as deadline sees it.
class FakeDirectory final : public v1::DirectoryService::Service {
 public:
  grpc::Status GetUnit(grpc::ServerContext* ctx, const v1::GetUnitRequest* req,
                       v1::GetUnitResponse* resp) override {
    if (!Authorized(ctx)) return {grpc::StatusCode::UNAUTHENTICATED, "token"};
    if (unknown) {
      return {grpc::StatusCode::NOT_FOUND,
              absl::StrCat("unit ", req->unit_id(), " not found")};
    }
    v1::Unit* u = resp->mutable_unit();
    u->set_unit_id(req->unit_id());
    u->set_name("龙水镇人民政府");
    u->mutable_liaison()->set_name("王联络");
    u->mutable_liaison()->set_mobile("13800000001");
    return grpc::Status::OK;
  }
  grpc::Status GetDuty(grpc::ServerContext* ctx, const v1::GetDutyRequest* req,
                       v1::GetDutyResponse* resp) override {
    if (!Authorized(ctx)) return {grpc::StatusCode::UNAUTHENTICATED, "token"};
    dates.push_back(req->from_date());
    if (no_leader) return grpc::Status::OK;
    v1::DutyEntry* e = resp->add_entries();
    e->set_date(req->from_date());
    e->mutable_leader()->set_name("李值班");
    e->mutable_leader()->set_mobile("13900000002");
    return grpc::Status::OK;
  }
  // The directory's units (TestUnits), one page.
  grpc::Status ListUnits(grpc::ServerContext* ctx,
                         const v1::ListUnitsRequest* req,
                         v1::ListUnitsResponse* resp) override {
    if (!Authorized(ctx)) return {grpc::StatusCode::UNAUTHENTICATED, "token"};
    for (const directory::UnitEntry& e : TestUnits()) {
      v1::Unit* u = resp->add_units();
      u->set_unit_id(e.unit_id);
      u->set_parent_unit_id(e.parent_unit_id);
      u->set_kind(e.kind);
      u->set_name(e.name);
      u->set_active(e.active);
    }
    return grpc::Status::OK;
  }
  std::vector<std::string> dates;
  bool unknown = false;    // GetUnit answers NOT_FOUND
  bool no_leader = false;  // nobody is on duty

 private:
  static bool Authorized(grpc::ServerContext* ctx) {
    auto it = ctx->client_metadata().find("authorization");
    if (it == ctx->client_metadata().end()) return false;
    // The test's own clients present kServiceToken; the service under test
    // presents its own named token (issue 13: each service names itself).
    const std::string got(it->second.data(), it->second.size());
    return got == absl::StrCat("Bearer ", kServiceToken) ||
           got ==
               absl::StrCat("Bearer ", hotline::testing::kDeadlineServiceToken);
  }
};

// A one-thread HTTP server answering `fail_first` requests with 503.
class Webhook {
 public:
  explicit Webhook(int fail_first) : fail_first_(fail_first) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Webhook() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url() const {
    return absl::StrCat("http://127.0.0.1:", port_, "/sms/notices");
  }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> l(mu_);
    return bodies_;
  }
  int requests() const { return requests_.load(); }

 private:
  void Serve() {
    while (!stop_) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      size_t need = std::string::npos;
      while (need == std::string::npos || req.size() < need) {
        const ssize_t k = recv(c, buf, sizeof buf, 0);
        if (k <= 0) break;
        req.append(buf, static_cast<size_t>(k));
        const size_t hdr = req.find("\r\n\r\n");
        if (hdr != std::string::npos && need == std::string::npos) {
          const size_t cl = req.find("Content-Length: ");
          need = hdr + 4 + std::stoul(req.substr(cl + 16));
        }
      }
      const int n = ++requests_;
      const bool fail = n <= fail_first_;
      if (!fail) {
        std::lock_guard<std::mutex> l(mu_);
        bodies_.push_back(req.substr(req.find("\r\n\r\n") + 4));
      }
      const std::string resp =
          fail ? "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"
               : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
      send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      close(c);
    }
  }
  int fail_first_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::vector<std::string> bodies_;
  std::thread thread_;
};

class NoticesTest : public ::testing::Test {
 protected:
  void StartService(bool scanner_thread) {
    absl::SetFlag(&FLAGS_ladder_scanner, scanner_thread);
    auto svc = ServiceUnderTest::Start(Definition());
    ASSERT_TRUE(svc.ok()) << svc.status();
    svc_ = *std::move(svc);
    routing_ = std::make_unique<Routing>(svc_->channel(), &svc_->clock());
    scan_ = std::make_unique<TestScanner>(svc_->instance(), "test-replica");
    stub_ = v1::DeadlineService::NewStub(svc_->channel());
  }
  void TearDown() override {
    absl::SetFlag(&FLAGS_ladder_scanner, true);
    absl::SetFlag(&FLAGS_routing, "");
  }

  std::string StartDirectory() {
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(&directory_);
    directory_server_ = b.BuildAndStart();
    return absl::StrCat("127.0.0.1:", port);
  }

  // A consultation dispatched Thu 2024-02-08 16:00 whose response clock
  // runs out at 02-10 00:00: REMINDER, 4 notices (liaison and duty leader,
  // phone and SMS).
  void FireReminder() {
    ASSERT_TRUE(svc_->clock().AdvanceTo(Local(2024, 2, 8, 16)).ok());
    routing_->Publish(routing_->Dispatched("t-000100", "town.longshui",
                                           v1::REQUEST_TYPE_CONSULTATION));
    ASSERT_TRUE(svc_->clock().AdvanceTo(Local(2024, 2, 10, 8)).ok());
    absl::StatusOr<int> n = scan_->scanner.ScanOnce(svc_->clock().Now());
    ASSERT_TRUE(n.ok()) << n.status();
    ASSERT_EQ(*n, 1);
  }

  std::vector<v1::Notice> Notices() {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    v1::ListNoticesRequest req;
    req.set_ticket_id("t-000100");
    v1::ListNoticesResponse resp;
    grpc::Status s = stub_->ListNotices(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.notices().begin(), resp.notices().end()};
  }

  FakeDirectory directory_;
  std::unique_ptr<grpc::Server> directory_server_;
  std::unique_ptr<ServiceUnderTest> svc_;
  std::unique_ptr<Routing> routing_;
  std::unique_ptr<TestScanner> scan_;
  std::unique_ptr<v1::DeadlineService::Stub> stub_;
};

TEST_F(NoticesTest, RecipientsComeFromRoutingsRosterAndWaitWhileItIsDown) {
  StartService(false);
  FireReminder();
  std::unique_ptr<Notifier> log = NewLogNotifier();
  // Routing unreachable: the notices stay PENDING, recipient "unresolved".
  std::unique_ptr<Directory> down = NewGrpcDirectory(
      "127.0.0.1:1", grpc::InsecureChannelCredentials(), kServiceToken);
  absl::Time now = svc_->clock().Now();
  ASSERT_TRUE(scan_->scanner.DeliverNotices(now, down.get(), log.get()).ok());
  std::vector<v1::Notice> notices = Notices();
  ASSERT_EQ(notices.size(), 4u);
  for (const auto& n : notices) {
    EXPECT_EQ(n.delivery(), v1::NOTICE_DELIVERY_PENDING);
    EXPECT_EQ(n.recipient().name(), "unresolved");
    EXPECT_EQ(n.attempts(), 1);
  }
  // Routing is back; after the backoff the roster resolves them.
  std::unique_ptr<Directory> up = NewGrpcDirectory(
      StartDirectory(), grpc::InsecureChannelCredentials(), kServiceToken);
  ASSERT_TRUE(scan_->scanner.DeliverNotices(now, up.get(), log.get()).ok());
  EXPECT_EQ(Notices()[0].delivery(), v1::NOTICE_DELIVERY_PENDING);  // backoff
  ASSERT_TRUE(svc_->clock().Advance(absl::Minutes(2)).ok());
  now = svc_->clock().Now();
  ASSERT_TRUE(scan_->scanner.DeliverNotices(now, up.get(), log.get()).ok());
  notices = Notices();
  int liaison = 0, leader = 0;
  for (const auto& n : notices) {
    EXPECT_EQ(n.delivery(), v1::NOTICE_DELIVERY_STORED);
    if (n.recipient().kind() == v1::RECIPIENT_KIND_LIAISON) {
      ++liaison;
      EXPECT_EQ(n.recipient().name(), "王联络");
      EXPECT_EQ(n.address(), "13800000001");
    } else {
      ++leader;
      EXPECT_EQ(n.recipient().kind(), v1::RECIPIENT_KIND_DUTY_LEADER);
      EXPECT_EQ(n.recipient().name(), "李值班");
      EXPECT_EQ(n.address(), "13900000002");
    }
  }
  EXPECT_EQ(liaison, 2);
  EXPECT_EQ(leader, 2);
  // The duty roster of the day the step fired.
  ASSERT_FALSE(directory_.dates.empty());
  EXPECT_EQ(directory_.dates[0], "2024-02-10");
}

// A day without a leader on duty (第八条 值守制度): the leader's notices are
// not sent to an empty address; the gap is raised to the center (DutyGap,
// 10(2)) and the liaison's notices go out as usual.
TEST_F(NoticesTest, ANoticeWithNobodyOnDutyIsRaisedAsARosterGap) {
  StartService(false);
  FireReminder();
  directory_.no_leader = true;
  std::unique_ptr<Directory> up = NewGrpcDirectory(
      StartDirectory(), grpc::InsecureChannelCredentials(), kServiceToken);
  std::unique_ptr<Notifier> log = NewLogNotifier();
  ASSERT_TRUE(
      scan_->scanner.DeliverNotices(svc_->clock().Now(), up.get(), log.get())
          .ok());
  int gaps = 0, sent = 0;
  for (const auto& n : Notices()) {
    if (n.recipient().kind() == v1::RECIPIENT_KIND_DUTY_LEADER) {
      EXPECT_EQ(n.delivery(), v1::NOTICE_DELIVERY_NO_RECIPIENT);
      EXPECT_EQ(n.address(), "");
      EXPECT_EQ(n.recipient().name(), "（当日无值班领导）");
      ++gaps;
    } else {
      EXPECT_EQ(n.delivery(), v1::NOTICE_DELIVERY_STORED);
      ++sent;
    }
  }
  EXPECT_EQ(gaps, 2);
  EXPECT_EQ(sent, 2);
  // One DutyGap event per notice that found nobody, naming unit and day.
  auto conn = svc_->instance().pool().Acquire();
  ASSERT_TRUE(conn.ok());
  auto rs = (*conn)->Query("SELECT event FROM outbox ORDER BY id");
  ASSERT_TRUE(rs.ok());
  int events = 0;
  while ((*rs)->next()) {
    std::unique_ptr<std::istream> blob((*rs)->getBlob(1));
    v1::TicketEvent e;
    e.ParseFromIstream(blob.get());
    if (!e.has_duty_gap()) continue;
    ++events;
    EXPECT_EQ(e.duty_gap().unit_id(), "town.longshui");
    EXPECT_EQ(e.duty_gap().date(), "2024-02-10");
    EXPECT_EQ(e.duty_gap().recipient_kind(), v1::RECIPIENT_KIND_DUTY_LEADER);
    EXPECT_EQ(e.duty_gap().step(), v1::LADDER_STEP_REMINDER);
  }
  EXPECT_EQ(events, 2);
}

// A unit routing no longer knows will never resolve: its notices fail at
// once instead of waiting for ever.
TEST_F(NoticesTest, NoticesOfAUnitRoutingDoesNotKnowFail) {
  StartService(false);
  FireReminder();
  directory_.unknown = true;
  std::unique_ptr<Notifier> log = NewLogNotifier();
  std::unique_ptr<Directory> up = NewGrpcDirectory(
      StartDirectory(), grpc::InsecureChannelCredentials(), kServiceToken);
  ASSERT_TRUE(
      scan_->scanner.DeliverNotices(svc_->clock().Now(), up.get(), log.get())
          .ok());
  std::vector<v1::Notice> notices = Notices();
  ASSERT_EQ(notices.size(), 4u);
  for (const auto& n : notices) {
    EXPECT_EQ(n.delivery(), v1::NOTICE_DELIVERY_FAILED);
    EXPECT_EQ(n.attempts(), 1);
  }
  // Nothing is left to deliver.
  ASSERT_TRUE(svc_->clock().Advance(absl::Hours(2)).ok());
  absl::StatusOr<int> n =
      scan_->scanner.DeliverNotices(svc_->clock().Now(), up.get(), log.get());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

TEST_F(NoticesTest, WebhookDeliveryIsRetriedUntilAcknowledged) {
  StartService(false);
  FireReminder();
  Webhook hook(/*fail_first=*/4);
  absl::StatusOr<std::unique_ptr<Notifier>> notifier =
      NewWebhookNotifier(hook.url());
  ASSERT_TRUE(notifier.ok()) << notifier.status();
  absl::Time now = svc_->clock().Now();
  ASSERT_TRUE(
      scan_->scanner.DeliverNotices(now, nullptr, notifier->get()).ok());
  for (const auto& n : Notices()) {
    EXPECT_EQ(n.delivery(), v1::NOTICE_DELIVERY_PENDING);
    EXPECT_EQ(n.attempts(), 1);
  }
  ASSERT_TRUE(svc_->clock().Advance(absl::Minutes(2)).ok());
  ASSERT_TRUE(scan_->scanner
                  .DeliverNotices(svc_->clock().Now(), nullptr, notifier->get())
                  .ok());
  for (const auto& n : Notices()) {
    EXPECT_EQ(n.delivery(), v1::NOTICE_DELIVERY_SENT);
    EXPECT_TRUE(n.has_delivered_at());
  }
  EXPECT_EQ(hook.requests(), 8);
  std::vector<std::string> bodies = hook.bodies();
  ASSERT_EQ(bodies.size(), 4u);
  EXPECT_THAT(bodies[0], HasSubstr("\"ticket_number\":\"DZ20240208-000100\""));
  EXPECT_THAT(bodies[0], HasSubstr("\"step\":\"REMINDER\""));
  EXPECT_THAT(bodies[0], HasSubstr("催办"));
  // Bad webhook settings are refused naming the flag.
  EXPECT_THAT(NewWebhookNotifier("ftp://x").status().message(),
              HasSubstr("--notify_webhook"));
}

// Deadline reads routing's directory (the unit tree) and its roster (who is
// on duty) over one channel, as the service's wiring hands it to both
// (deadline_definition.cc): each client holds that channel, and both answer
// over it.
TEST_F(NoticesTest, TheDirectoryAndTheRosterShareOneChannelToRouting) {
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(StartDirectory(), grpc::InsecureChannelCredentials());
  std::unique_ptr<directory::DirectorySource> units =
      directory::NewRoutingDirectorySource(channel, kServiceToken);
  std::unique_ptr<Directory> roster = NewGrpcDirectory(channel, kServiceToken);
  EXPECT_EQ(channel.use_count(), 3);  // the test's, the source's, the roster's

  absl::StatusOr<std::vector<directory::UnitEntry>> listed = units->ListUnits();
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), TestUnits().size());
  for (size_t i = 0; i < listed->size(); ++i) {
    EXPECT_EQ((*listed)[i].unit_id, TestUnits()[i].unit_id);
    EXPECT_EQ((*listed)[i].parent_unit_id, TestUnits()[i].parent_unit_id);
  }

  absl::StatusOr<UnitContacts> who =
      roster->Lookup("town.longshui", absl::CivilDay(2024, 2, 10));
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(who->liaison_name, "王联络");
  EXPECT_EQ(who->leader_name, "李值班");
  EXPECT_THAT(directory_.dates, ::testing::ElementsAre("2024-02-10"));
}

TEST_F(NoticesTest, TheServicesOwnScannerThreadFiresAndDelivers) {
  absl::SetFlag(&FLAGS_routing, StartDirectory());
  StartService(true);
  ASSERT_TRUE(svc_->clock().AdvanceTo(Local(2024, 2, 8, 16)).ok());
  routing_->Publish(routing_->Dispatched("t-000100", "town.longshui",
                                         v1::REQUEST_TYPE_CONSULTATION));
  ASSERT_TRUE(svc_->clock().AdvanceTo(Local(2024, 2, 10, 8)).ok());
  // The thread polls the (manual) clock every 200 ms of real time: wait for
  // its work, not for simulated time.
  std::vector<v1::Notice> notices;
  for (int i = 0; i < 100; ++i) {
    notices = Notices();
    if (notices.size() == 4 &&
        notices[0].delivery() == v1::NOTICE_DELIVERY_STORED &&
        notices[3].delivery() == v1::NOTICE_DELIVERY_STORED) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_EQ(notices.size(), 4u);
  for (const auto& n : notices) {
    EXPECT_EQ(n.delivery(), v1::NOTICE_DELIVERY_STORED);
    EXPECT_NE(n.recipient().name(), "unresolved");
  }
}

}  // namespace
}  // namespace hotline::deadline
