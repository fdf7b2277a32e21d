#include "common/server/service_host.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "common/server/clock_admin.h"
#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "hotline/v1/admin.grpc.pb.h"

namespace hotline::server {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

constexpr char kTokens[] =
    "center-token-0001 CENTER_STAFF\n"
    "agent-token-00001 CALL_AGENT\n";

// Fetches http://127.0.0.1:port/metrics with a plain socket.
std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return "";
  }
  const std::string req =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: x\r\n\r\n");
  (void)!write(fd, req.data(), req.size());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, n);
  close(fd);
  return out;
}

class ServiceHostTest : public ::testing::Test {
 protected:
  // Off by default: the metrics server (civetweb) takes ~2 s to stop.
  virtual std::string MetricsListen() { return ""; }

  void SetUp() override {
    tokens_ = *auth::TokenStore::Parse(kTokens);
    HostOptions options;
    options.service_name = "test";
    options.listen = "127.0.0.1:0";
    options.metrics_listen = MetricsListen();
    options.tokens = &tokens_;
    options.probe_interval = absl::Hours(1);  // tests call ProbeNow()
    host_ = std::make_unique<ServiceHost>(options);
    clock_admin_ = NewClockAdminService(&clock_, &host_->gate());
    host_->AddService(clock_admin_.get(), kClockAdminServiceName);
    host_->SetReadinessProbe([this]() -> absl::Status {
      if (db_up_) return absl::OkStatus();
      return absl::UnavailableError("database unreachable");
    });
    ASSERT_TRUE(host_->Start().ok());
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", host_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  HealthCheckResponse::ServingStatus Health(const std::string& service) {
    HealthCheckRequest req;
    req.set_service(service);
    HealthCheckResponse resp;
    grpc::ClientContext ctx;
    grpc::Status s = Health::NewStub(channel_)->Check(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.status();
  }

  grpc::Status AdvanceBy(absl::Duration d, const std::string& token,
                         v1::AdvanceClockResponse* resp) {
    v1::AdvanceClockRequest req;
    req.mutable_by()->set_seconds(absl::ToInt64Seconds(d));
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    return v1::ClockAdmin::NewStub(channel_)->AdvanceClock(&ctx, req, resp);
  }

  auth::TokenStore tokens_;
  ManualClock clock_{absl::FromUnixSeconds(1707379200)};
  std::atomic<bool> db_up_{true};
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<grpc::Service> clock_admin_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServiceHostTest, HealthFollowsTheReadinessProbe) {
  EXPECT_EQ(Health(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(kClockAdminServiceName), HealthCheckResponse::SERVING);
  db_up_ = false;
  host_->ProbeNow();
  EXPECT_EQ(Health(""), HealthCheckResponse::NOT_SERVING);
  v1::AdvanceClockResponse resp;
  grpc::Status s = AdvanceBy(absl::Hours(1), "center-token-0001", &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(), HasSubstr("database unreachable"));
  db_up_ = true;
  host_->ProbeNow();
  EXPECT_EQ(Health(""), HealthCheckResponse::SERVING);
  EXPECT_TRUE(AdvanceBy(absl::Hours(1), "center-token-0001", &resp).ok());
}

TEST_F(ServiceHostTest, ClockAdminAuthenticatesAndAdvances) {
  v1::AdvanceClockResponse resp;
  EXPECT_EQ(AdvanceBy(absl::Hours(1), "", &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(AdvanceBy(absl::Hours(1), "wrong-token-xx", &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(AdvanceBy(absl::Hours(1), "agent-token-00001", &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(AdvanceBy(absl::Hours(-1), "center-token-0001", &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(AdvanceBy(absl::Hours(16), "center-token-0001", &resp).ok());
  EXPECT_EQ(FromProto(resp.now()),
            absl::FromUnixSeconds(1707379200) + absl::Hours(16));
  EXPECT_EQ(clock_.Now(), FromProto(resp.now()));
}

class ServiceHostMetricsTest : public ServiceHostTest {
 protected:
  std::string MetricsListen() override { return "127.0.0.1:0"; }
};

TEST_F(ServiceHostMetricsTest, MetricsCountRequestsByMethodAndCode) {
  v1::AdvanceClockResponse resp;
  ASSERT_TRUE(AdvanceBy(absl::Hours(1), "center-token-0001", &resp).ok());
  (void)AdvanceBy(absl::Hours(1), "", &resp);
  const std::string body = HttpGet(host_->metrics_port(), "/metrics");
  EXPECT_THAT(body, HasSubstr("hotline_rpc_requests_total"));
  EXPECT_THAT(body,
              HasSubstr("method=\"/hotline.v1.ClockAdmin/AdvanceClock\""));
  EXPECT_THAT(body, HasSubstr("code=\"UNAUTHENTICATED\""));
  EXPECT_THAT(body, HasSubstr("hotline_rpc_errors_total"));
  EXPECT_THAT(body, HasSubstr("hotline_rpc_duration_seconds_bucket"));
  EXPECT_THAT(body, HasSubstr("hotline_ready{service=\"test\"} 1"));
}

TEST_F(ServiceHostTest, ShutdownIsGraceful) {
  host_->Shutdown(absl::Seconds(1));
  host_->Wait();
  HealthCheckRequest req;
  HealthCheckResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  EXPECT_FALSE(Health::NewStub(channel_)->Check(&ctx, req, &resp).ok());
}

}  // namespace
}  // namespace hotline::server
