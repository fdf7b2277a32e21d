#pragma once

// One hotline service running in-process for an integration test: a fresh
// schema on the shared test MariaDB (as a least-privilege user, like
// production), port 0, a manual clock, and a token file with one principal
// per role. The test talks to it over real gRPC.
//
//   auto svc = ServiceUnderTest::Start(hotline::intake::Definition());
//   auto stub = v1::IntakeService::NewStub(svc->channel());
//   grpc::ClientContext ctx;
//   svc->Authorize(&ctx, kAgentToken);
//
// Tokens: kCenterToken (CENTER_STAFF), kAgentToken (CALL_AGENT),
// kEvaluatorToken, kAuditorToken, kGatewayToken (CHANNEL_GATEWAY),
// kServiceToken (a SERVICE line without a name, as old token files have it:
// no events), one named SERVICE token per service (ServiceTokenOf("routing")
// — publish a producer's events with its token; the service under test
// presents its own to others), plus whatever `extra_tokens` lines the
// options add (e.g. "staff-longshui-01 UNIT_STAFF town-longshui").

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/runtime/service_runtime.h"
#include "common/server/tls.h"
#include "tests/support/test_db.h"

namespace hotline::testing {

inline constexpr char kCenterToken[] = "center-token-0001";
inline constexpr char kAgentToken[] = "agent-token-00001";
inline constexpr char kEvaluatorToken[] = "evaluator-token-01";
inline constexpr char kAuditorToken[] = "auditor-token-0001";
inline constexpr char kServiceToken[] = "service-token-0001";
inline constexpr char kGatewayToken[] = "gateway-token-0001";
inline constexpr char kIntakeServiceToken[] = "svc-intake-token-01";
inline constexpr char kRoutingServiceToken[] = "svc-routing-token-01";
inline constexpr char kDeadlineServiceToken[] = "svc-deadline-token-01";
inline constexpr char kAssessmentServiceToken[] = "svc-assessment-token-01";

// The named SERVICE token of `service` ("intake", …); kServiceToken for any
// other name.
const char* ServiceTokenOf(absl::string_view service);

// Token-file lines of every token above (CENTER_STAFF, CALL_AGENT, …, the
// four named services).
std::string StandardTokenLines();

struct ServiceOptions {
  // 2024-02-08T08:00:00+08:00 (a Thursday before Spring Festival) by default.
  absl::Time clock_start = absl::FromUnixSeconds(1707350400);
  std::vector<config::Subscriber> subscribers;
  std::string extra_tokens;  // token-file lines
  // TLS of the service (server/tls.h); channel() then uses the same files.
  server::TlsFiles tls;
  runtime::InstanceOptions instance;
  // Runs on the fresh schema (admin connection) before the service starts
  // and migrates it: e.g. to lay down the schema and rows a pre-upgrade
  // release left (PreUpgrade below). Its error fails Start.
  std::function<absl::Status(TestSchema&)> before_start;
};

// Applies to `schema` the migrations of `definition` (runtime::AllMigrations)
// that a release without the later ones had: the service's own (10+) below
// `version`, and the shared ones (1–9) below `shared_below` — by default the
// event tables (1–2) alone, as every release before the shared request log
// (4) and directory copy (6) left a schema. A service started on it then
// applies the rest, as an upgrade does.
absl::Status MigrateBelow(TestSchema& schema,
                          const runtime::ServiceDefinition& definition,
                          int version, int shared_below = 3);

class ServiceUnderTest {
 public:
  static absl::StatusOr<std::unique_ptr<ServiceUnderTest>> Start(
      const runtime::ServiceDefinition& definition,
      ServiceOptions options = {});
  ~ServiceUnderTest();

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  std::string address() const;
  ManualClock& clock() { return *instance_->manual_clock(); }
  runtime::ServiceInstance& instance() { return *instance_; }
  TestSchema& schema() { return *schema_; }

  // Adds "authorization: Bearer <token>" to `ctx`.
  static void Authorize(grpc::ClientContext* ctx, const std::string& token);

 private:
  ServiceUnderTest() = default;
  std::unique_ptr<TestSchema> schema_;
  std::string tokens_path_;
  std::unique_ptr<runtime::ServiceInstance> instance_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace hotline::testing
