// Every service starts against its own fresh schema, migrates it, reports
// SERVING over the gRPC health protocol, and follows its database: NOT_SERVING
// with one clear log line when the database is unreachable or refuses the
// password, SERVING again by itself when it comes back.

#include <grpcpp/grpcpp.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/server/tls.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "hotline/v1/admin.grpc.pb.h"
#include "hotline/v1/assessment.grpc.pb.h"
#include "hotline/v1/deadline.grpc.pb.h"
#include "hotline/v1/events.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "services/assessment/edge/assessment_service.h"
#include "services/deadline/edge/deadline_service.h"
#include "services/intake/edge/intake_service.h"
#include "services/routing/edge/routing_service.h"
#include "tests/support/service_fixture.h"

namespace hotline {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

// hotline-intake refuses to start without its caller key file
// (HOTLINE_CALLER_KEY_FILE, services/intake/domain/caller_crypto.h): give it
// one.
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

// TLS on every port (server/tls.h), with the PKI of deploy/tls/make-certs.sh:
// a service with --tls_ca accepts only clients holding a certificate of that
// CA, and its outbox delivers to subscribers over the same mutual TLS.
class TransportSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char dir[] = "/tmp/hotline-pki-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = new std::string(dir);
    const std::string script =
        absl::StrCat(HOTLINE_SOURCE_DIR, "/deploy/tls/make-certs.sh");
    ASSERT_EQ(std::system(absl::StrCat("bash ", script, " ", *dir_,
                                       "/pki intake routing operator "
                                       ">/dev/null")
                              .c_str()),
              0);
    ASSERT_EQ(std::system(absl::StrCat("bash ", script, " ", *dir_,
                                       "/rogue operator >/dev/null")
                              .c_str()),
              0);
  }
  static void TearDownTestSuite() {
    std::system(absl::StrCat("rm -rf ", *dir_).c_str());
    delete dir_;
  }

  static server::TlsFiles Files(const std::string& pki,
                                const std::string& name) {
    const std::string base = absl::StrCat(*dir_, "/", pki, "/");
    return {base + name + ".crt", base + name + ".key", base + "ca.crt"};
  }

  static grpc::StatusCode HealthOver(
      const std::string& address,
      std::shared_ptr<grpc::ChannelCredentials> credentials) {
    auto channel = grpc::CreateChannel(address, credentials);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(5));
    HealthCheckResponse resp;
    return Health::NewStub(channel)
        ->Check(&ctx, HealthCheckRequest(), &resp)
        .error_code();
  }

  static std::string* dir_;
};
std::string* TransportSecurityTest::dir_ = nullptr;

TEST_F(TransportSecurityTest, OnlyClientsWithACertificateOfTheCaGetIn) {
  testing::ServiceOptions options;
  options.tls = Files("pki", "routing");
  auto svc = testing::ServiceUnderTest::Start(routing::Definition(), options);
  ASSERT_TRUE(svc.ok()) << svc.status();
  const std::string address = (*svc)->address();

  auto load = [](const server::TlsFiles& f) {
    auto tls = server::Tls::Load(f);
    EXPECT_TRUE(tls.ok()) << tls.status();
    return server::ChannelCredentialsFor(tls.ok() ? tls->get() : nullptr);
  };
  EXPECT_EQ(HealthOver(address, load(Files("pki", "operator"))),
            grpc::StatusCode::OK);
  EXPECT_EQ(HealthOver(address, grpc::InsecureChannelCredentials()),
            grpc::StatusCode::UNAVAILABLE);
  server::TlsFiles no_cert = Files("pki", "operator");
  no_cert.cert.clear();
  no_cert.key.clear();
  EXPECT_EQ(HealthOver(address, load(no_cert)), grpc::StatusCode::UNAVAILABLE);
  server::TlsFiles rogue = Files("rogue", "operator");
  EXPECT_EQ(HealthOver(address, load(rogue)), grpc::StatusCode::UNAVAILABLE);
  rogue.ca = Files("pki", "operator").ca;  // trusts the server, but is foreign
  EXPECT_EQ(HealthOver(address, load(rogue)), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TransportSecurityTest, EventsCrossServicesOverMutualTls) {
  testing::ServiceOptions routing_options;
  routing_options.tls = Files("pki", "routing");
  auto routing =
      testing::ServiceUnderTest::Start(routing::Definition(), routing_options);
  ASSERT_TRUE(routing.ok()) << routing.status();
  testing::ServiceOptions intake_options;
  intake_options.tls = Files("pki", "intake");
  intake_options.subscribers = {{"routing", (*routing)->address()}};
  auto intake =
      testing::ServiceUnderTest::Start(intake::Definition(), intake_options);
  ASSERT_TRUE(intake.ok()) << intake.status();

  v1::CreateTicketRequest req;
  req.set_request_id("tls-order-1");
  req.set_channel(v1::CHANNEL_PHONE);
  req.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  req.set_category_code("eco.noise");
  req.mutable_location()->set_town_code("town.longgang");
  req.set_title("夜间施工噪声扰民");
  req.set_content("工地每晚十一点后仍在施工，噪声很大。");
  req.mutable_caller()->set_name("李女士");
  req.mutable_caller()->set_phone("13912345678");
  v1::CreateTicketResponse created;
  {
    grpc::ClientContext ctx;
    testing::ServiceUnderTest::Authorize(&ctx, testing::kAgentToken);
    grpc::Status s = v1::IntakeService::NewStub((*intake)->channel())
                         ->CreateTicket(&ctx, req, &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  // The relay delivers over mTLS; routing then has the order.
  auto routing_stub = v1::RoutingService::NewStub((*routing)->channel());
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  for (int i = 0; i < 200 && code != grpc::StatusCode::OK; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    grpc::ClientContext ctx;
    testing::ServiceUnderTest::Authorize(&ctx, testing::kCenterToken);
    v1::GetAssignmentRequest get;
    get.set_ticket_id(created.ticket().ticket_id());
    v1::GetAssignmentResponse resp;
    code = routing_stub->GetAssignment(&ctx, get, &resp).error_code();
  }
  EXPECT_EQ(code, grpc::StatusCode::OK);
}

// Issue 13: over mutual TLS a SERVICE token that names its service must come
// with that service's certificate; a stolen token is no use from another
// service's or an operator's connection. An unnamed SERVICE token is bound to
// no certificate.
TEST_F(TransportSecurityTest, ANamedServiceTokenNeedsItsOwnCertificate) {
  testing::ServiceOptions options;
  options.tls = Files("pki", "routing");
  auto svc = testing::ServiceUnderTest::Start(routing::Definition(), options);
  ASSERT_TRUE(svc.ok()) << svc.status();
  auto publish_as = [&](const std::string& cert, const std::string& token) {
    auto tls = server::Tls::Load(Files("pki", cert));
    EXPECT_TRUE(tls.ok()) << tls.status();
    auto channel = grpc::CreateChannel(
        (*svc)->address(),
        server::ChannelCredentialsFor(tls.ok() ? tls->get() : nullptr));
    v1::PublishRequest req;
    req.set_source_service("intake");  // a heartbeat of intake's
    v1::PublishResponse resp;
    grpc::ClientContext ctx;
    testing::ServiceUnderTest::Authorize(&ctx, token);
    return v1::EventSink::NewStub(channel)->Publish(&ctx, req, &resp);
  };
  EXPECT_TRUE(publish_as("intake", testing::kIntakeServiceToken).ok());
  grpc::Status s = publish_as("operator", testing::kIntakeServiceToken);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), HasSubstr("client certificate"));
  EXPECT_EQ(publish_as("routing", testing::kIntakeServiceToken).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The unnamed token reaches what it may (no events, though).
  EXPECT_EQ(publish_as("operator", testing::kServiceToken).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  auto tls = server::Tls::Load(Files("pki", "operator"));
  ASSERT_TRUE(tls.ok());
  auto channel = grpc::CreateChannel((*svc)->address(),
                                     server::ChannelCredentialsFor(tls->get()));
  grpc::ClientContext ctx;
  testing::ServiceUnderTest::Authorize(&ctx, testing::kServiceToken);
  v1::GetTimeRequest get;
  v1::GetTimeResponse now;
  EXPECT_TRUE(v1::ClockAdmin::NewStub(channel)->GetTime(&ctx, get, &now).ok());
}

TEST(TlsSettingsTest, MisconfigurationIsRefusedNamingTheSetting) {
  auto half = server::Tls::Load({"/etc/hostname", "", ""});
  EXPECT_TRUE(absl::IsInvalidArgument(half.status()));
  EXPECT_THAT(half.status().message(), HasSubstr("--tls_key"));
  auto not_pem = server::Tls::Load({"/etc/hostname", "/etc/hostname", ""});
  EXPECT_THAT(not_pem.status().message(),
              HasSubstr("--tls_cert (HOTLINE_TLS_CERT): /etc/hostname"));
  auto missing = server::Tls::Load({"", "", "/nonexistent/ca.crt"});
  EXPECT_THAT(missing.status().message(), HasSubstr("cannot read"));
  auto none = server::Tls::Load({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);
}

}  // namespace
}  // namespace hotline
