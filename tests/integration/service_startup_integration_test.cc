// Every service starts against its own fresh schema, migrates it, reports
// SERVING over the gRPC health protocol, and follows its database: NOT_SERVING
// with one clear log line when the database is unreachable or refuses the
// password, SERVING again by itself when it comes back.

#include <grpcpp/grpcpp.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "hotline/v1/admin.grpc.pb.h"
#include "hotline/v1/assessment.grpc.pb.h"
#include "hotline/v1/deadline.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "services/assessment/assessment_service.h"
#include "services/deadline/deadline_service.h"
#include "services/intake/intake_service.h"
#include "services/routing/routing_service.h"
#include "tests/support/service_fixture.h"

namespace hotline {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

// hotline-intake refuses to start without its caller key file
// (HOTLINE_CALLER_KEY_FILE, services/intake/caller_crypto.h): give it one.
class CallerKeyEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (getenv("HOTLINE_CALLER_KEY_FILE") != nullptr) return;
    char path[] = "/tmp/hotline-startup-keys-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = path;
    std::ofstream(path_)
        << "k1 "
           "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
        << "hmac "
           "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n";
    setenv("HOTLINE_CALLER_KEY_FILE", path_.c_str(), 1);
  }
  void TearDown() override {
    if (!path_.empty()) std::remove(path_.c_str());
  }

 private:
  std::string path_;
};
const auto* const kCallerKeys =
    ::testing::AddGlobalTestEnvironment(new CallerKeyEnvironment);

HealthCheckResponse::ServingStatus Check(std::shared_ptr<grpc::Channel> ch,
                                         const std::string& service) {
  HealthCheckRequest req;
  req.set_service(service);
  HealthCheckResponse resp;
  grpc::ClientContext ctx;
  grpc::Status s = Health::NewStub(ch)->Check(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp.status();
}

struct Case {
  runtime::ServiceDefinition (*definition)();
  const char* health_name;
};

class ServiceStartupTest : public ::testing::TestWithParam<Case> {};

TEST_P(ServiceStartupTest, MigratesAndServes) {
  auto svc = testing::ServiceUnderTest::Start(GetParam().definition());
  ASSERT_TRUE(svc.ok()) << svc.status();
  EXPECT_EQ(Check((*svc)->channel(), ""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check((*svc)->channel(), GetParam().health_name),
            HealthCheckResponse::SERVING);
  EXPECT_EQ(Check((*svc)->channel(), "hotline.v1.ClockAdmin"),
            HealthCheckResponse::SERVING);
  // The shared event tables are in place (migration 1).
  auto conn = (*svc)->instance().pool().Acquire();
  ASSERT_TRUE(conn.ok());
  auto rs = (*conn)->Query(
      "SELECT COUNT(*) FROM schema_migrations WHERE version = 1");
  ASSERT_TRUE(rs.ok()) << rs.status();
  (*rs)->next();
  EXPECT_EQ((*rs)->getInt64(1), 1);
}

INSTANTIATE_TEST_SUITE_P(
    AllServices, ServiceStartupTest,
    ::testing::Values(Case{intake::Definition, "hotline.v1.IntakeService"},
                      Case{routing::Definition, "hotline.v1.RoutingService"},
                      Case{deadline::Definition, "hotline.v1.DeadlineService"},
                      Case{assessment::Definition,
                           "hotline.v1.AssessmentService"}),
    [](const auto& info) {
      std::vector<std::string> parts =
          absl::StrSplit(info.param.health_name, '.');
      return parts.back();
    });

// A service whose database refuses its password (or is down) starts anyway,
// reports NOT_SERVING with one clear log line, answers UNAVAILABLE, and
// recovers by itself once the database lets it in.
class DatabaseOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = testing::PrivateMariaDb::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    ASSERT_TRUE(db_->Sql("CREATE DATABASE hotline_assessment "
                         "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; "
                         "CREATE USER 'assessment'@'127.0.0.1' "
                         "IDENTIFIED BY 'right-password'; "
                         "GRANT ALL ON hotline_assessment.* TO "
                         "'assessment'@'127.0.0.1';")
                    .ok());
    tokens_ = "/tmp/hotline-outage-tokens-" + std::to_string(getpid());
    FILE* f = fopen(tokens_.c_str(), "w");
    fprintf(f, "%s CENTER_STAFF\n", testing::kCenterToken);
    fclose(f);
  }
  void TearDown() override { std::remove(tokens_.c_str()); }

  config::ServiceConfig Config(const std::string& password) {
    config::ServiceConfig c;
    c.service_name = "assessment";
    c.listen = "127.0.0.1:0";
    c.mysql_url =
        absl::StrCat("mysql://assessment:", password,
                     "@127.0.0.1:", db_->port(), "/hotline_assessment");
    c.tokens_file = tokens_;
    c.clock_mode = config::ClockMode::kManual;
    c.clock_start = absl::FromUnixSeconds(1707350400);
    return c;
  }

  std::unique_ptr<testing::PrivateMariaDb> db_;
  std::string tokens_;
};

int CountLines(const std::string& text, const std::string& needle) {
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, needle)) ++n;
  }
  return n;
}

TEST_F(DatabaseOutageTest, WrongPasswordThenFixed) {
  runtime::InstanceOptions options;
  options.probe_interval = absl::Hours(1);  // the test probes explicitly
  auto instance = runtime::ServiceInstance::Create(
      assessment::Definition(), Config("wrong-password"), options);
  ASSERT_TRUE(instance.ok()) << instance.status();
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE((*instance)->Start().ok());
  (*instance)->host().ProbeNow();
  (*instance)->host().ProbeNow();
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(CountLines(log, "health.not_serving"), 1) << log;
  EXPECT_THAT(log, HasSubstr("ccess denied for user"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr("wrong-password")));

  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*instance)->port()),
                          grpc::InsecureChannelCredentials());
  EXPECT_EQ(Check(channel, ""), HealthCheckResponse::NOT_SERVING);
  {  // calls are refused while the database is out of reach
    v1::GetTimeRequest req;
    v1::GetTimeResponse resp;
    grpc::ClientContext ctx;
    testing::ServiceUnderTest::Authorize(&ctx, testing::kCenterToken);
    grpc::Status s =
        v1::ClockAdmin::NewStub(channel)->GetTime(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(s.error_message(), HasSubstr("not ready"));
  }

  // The operator fixes the password; the service notices by itself.
  ASSERT_TRUE(db_->Sql("ALTER USER 'assessment'@'127.0.0.1' "
                       "IDENTIFIED BY 'wrong-password';")
                  .ok());
  (*instance)->host().ProbeNow();
  EXPECT_EQ(Check(channel, ""), HealthCheckResponse::SERVING);
  (*instance)->Shutdown();
}

TEST_F(DatabaseOutageTest, DatabaseDownThenBack) {
  runtime::InstanceOptions options;
  options.probe_interval = absl::Hours(1);
  auto instance = runtime::ServiceInstance::Create(
      assessment::Definition(), Config("right-password"), options);
  ASSERT_TRUE(instance.ok()) << instance.status();
  ASSERT_TRUE((*instance)->Start().ok());
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*instance)->port()),
                          grpc::InsecureChannelCredentials());
  EXPECT_EQ(Check(channel, ""), HealthCheckResponse::SERVING);

  ASSERT_TRUE(db_->Stop().ok());
  (*instance)->host().ProbeNow();
  EXPECT_EQ(Check(channel, ""), HealthCheckResponse::NOT_SERVING);

  ASSERT_TRUE(db_->Start().ok());
  (*instance)->host().ProbeNow();
  EXPECT_EQ(Check(channel, ""), HealthCheckResponse::SERVING);
  (*instance)->Shutdown();
}

}  // namespace
}  // namespace hotline
