#include "common/server/service_host.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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
    WriteTokens(kTokens);
    auto tokens = auth::TokenFile::Open(tokens_path_);
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    tokens_ = *std::move(tokens);
    HostOptions options;
    options.service_name = "test";
    options.listen = "127.0.0.1:0";
    options.metrics_listen = MetricsListen();
    options.tokens = tokens_.get();
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

  void TearDown() override { std::remove(tokens_path_.c_str()); }

  // Replaces the token file the way an operator should: a new file renamed
  // into place.
  void WriteTokens(const std::string& text) {
    const std::string next = tokens_path_ + ".new";
    std::ofstream(next) << text;
    ASSERT_EQ(std::rename(next.c_str(), tokens_path_.c_str()), 0);
  }

  const std::string tokens_path_ = absl::StrCat(
      ::testing::TempDir(), "/service-host-tokens-", getpid(), "-",
      ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::unique_ptr<auth::TokenFile> tokens_;
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

TEST_F(ServiceHostTest, ReloadedTokensApplyToTheNextCall) {
  v1::AdvanceClockResponse resp;
  ASSERT_TRUE(AdvanceBy(absl::Hours(1), "center-token-0001", &resp).ok());
  // 第二位中心审核员 joins, the first one leaves.
  WriteTokens(
      "center-token-0002 CENTER_STAFF   # 第二位审核员\n"
      "agent-token-00001 CALL_AGENT\n");
  EXPECT_EQ(*tokens_->ReloadIfChanged(), true);
  EXPECT_TRUE(AdvanceBy(absl::Hours(1), "center-token-0002", &resp).ok());
  EXPECT_EQ(AdvanceBy(absl::Hours(1), "center-token-0001", &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // A broken file is refused; the calls go on with the tokens in use.
  WriteTokens("center-token-0003 CENTER_STAFF\nshort ROLE\n");
  EXPECT_FALSE(tokens_->ReloadIfChanged().ok());
  EXPECT_TRUE(AdvanceBy(absl::Hours(1), "center-token-0002", &resp).ok());
  EXPECT_EQ(AdvanceBy(absl::Hours(1), "center-token-0003", &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// One access-log line per call at info level, OK ones included: method,
// code, latency and the admitted principal's role; never the token.
TEST_F(ServiceHostTest, AccessLogHasOneLinePerCallWithTheRole) {
  v1::AdvanceClockResponse resp;
  ::testing::internal::CaptureStderr();
  const bool ok = AdvanceBy(absl::Hours(1), "center-token-0001", &resp).ok();
  (void)AdvanceBy(absl::Hours(1), "wrong-token-xx", &resp);
  (void)AdvanceBy(absl::Hours(1), "agent-token-00001", &resp);
  (void)Health("");
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(ok);
  std::vector<std::string> rpc_lines;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, "\"event\":\"rpc\"")) {
      rpc_lines.emplace_back(line);
    }
  }
  ASSERT_EQ(rpc_lines.size(), 3u) << log;  // health checks are not logged
  for (const std::string& line : rpc_lines) {
    EXPECT_THAT(line, HasSubstr("\"level\":\"info\""));
    EXPECT_THAT(
        line, HasSubstr("\"method\":\"/hotline.v1.ClockAdmin/AdvanceClock\""));
    EXPECT_THAT(line, ::testing::ContainsRegex("\"ms\":\"[0-9.e-]+\""));
  }
  EXPECT_THAT(rpc_lines[0], HasSubstr("\"code\":\"OK\""));
  EXPECT_THAT(rpc_lines[0], HasSubstr("\"role\":\"CENTER_STAFF\""));
  EXPECT_THAT(rpc_lines[1], HasSubstr("\"code\":\"UNAUTHENTICATED\""));
  EXPECT_THAT(rpc_lines[1], HasSubstr("\"role\":\"-\""));
  EXPECT_THAT(rpc_lines[2], HasSubstr("\"code\":\"PERMISSION_DENIED\""));
  EXPECT_THAT(rpc_lines[2], HasSubstr("\"role\":\"CALL_AGENT\""));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("token-0")));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("Bearer")));
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
