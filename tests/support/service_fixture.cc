#include "tests/support/service_fixture.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/db/connection.h"
#include "common/db/migrations.h"
#include "common/status/status.h"

namespace hotline::testing {

const char* ServiceTokenOf(absl::string_view service) {
  if (service == "intake") return kIntakeServiceToken;
  if (service == "routing") return kRoutingServiceToken;
  if (service == "deadline") return kDeadlineServiceToken;
  if (service == "assessment") return kAssessmentServiceToken;
  return kServiceToken;
}

std::string StandardTokenLines() {
  return absl::StrCat(
      kCenterToken, " CENTER_STAFF\n", kAgentToken, " CALL_AGENT\n",
      kEvaluatorToken, " EVALUATOR\n", kAuditorToken, " AUDITOR\n",
      kGatewayToken, " CHANNEL_GATEWAY\n", kServiceToken, " SERVICE\n",
      kIntakeServiceToken, " SERVICE intake\n", kRoutingServiceToken,
      " SERVICE routing\n", kDeadlineServiceToken, " SERVICE deadline\n",
      kAssessmentServiceToken, " SERVICE assessment\n");
}

absl::StatusOr<std::unique_ptr<ServiceUnderTest>> ServiceUnderTest::Start(
    const runtime::ServiceDefinition& definition, ServiceOptions options) {
  std::unique_ptr<ServiceUnderTest> s(new ServiceUnderTest());
  ASSIGN_OR_RETURN(s->schema_, TestSchema::Create(definition.name));
  if (options.before_start) RETURN_IF_ERROR(options.before_start(*s->schema_));
  ASSIGN_OR_RETURN(db::ConnectionConfig user,
                   s->schema_->CreateUser(definition.name, "密码-Pw-1"));

  char path[] = "/tmp/hotline-tokens-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return absl::InternalError("mkstemp failed");
  close(fd);
  s->tokens_path_ = path;
  {
    std::ofstream out(s->tokens_path_);
    out << StandardTokenLines() << options.extra_tokens << "\n";
  }

  config::ServiceConfig config;
  config.service_name = definition.name;
  config.listen = "127.0.0.1:0";
  config.mysql_url = user.Url();
  config.tokens_file = s->tokens_path_;
  config.clock_mode = config::ClockMode::kManual;
  config.clock_start = options.clock_start;
  config.subscribers = options.subscribers;
  config.service_token = ServiceTokenOf(definition.name);
  config.tls_cert = options.tls.cert;
  config.tls_key = options.tls.key;
  config.tls_ca = options.tls.ca;
  ASSIGN_OR_RETURN(s->instance_, runtime::ServiceInstance::Create(
                                     definition, config, options.instance));
  RETURN_IF_ERROR(s->instance_->Start());
  if (!s->instance_->host().serving()) {
    return absl::UnavailableError(
        absl::StrCat(definition.name, " did not become ready"));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const server::Tls> tls,
                   server::Tls::Load(options.tls));
  s->channel_ = grpc::CreateChannel(s->address(),
                                    server::ChannelCredentialsFor(tls.get()));
  return s;
}

absl::Status MigrateBelow(TestSchema& schema,
                          const runtime::ServiceDefinition& definition,
                          int version, int shared_below) {
  std::vector<db::Migration> earlier;
  for (const db::Migration& m : runtime::AllMigrations(definition)) {
    const int below = m.version < 10 ? shared_below : version;
    if (m.version < below) earlier.push_back(m);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<db::ConnectionPool> pool,
                   db::ConnectionPool::Create(schema.config()));
  return db::ApplyMigrations(*pool, earlier);
}

ServiceUnderTest::~ServiceUnderTest() {
  if (instance_) instance_->Shutdown();
  instance_.reset();
  if (!tokens_path_.empty()) std::remove(tokens_path_.c_str());
}

std::string ServiceUnderTest::address() const {
  return absl::StrCat("127.0.0.1:", instance_->port());
}

void ServiceUnderTest::Authorize(grpc::ClientContext* ctx,
                                 const std::string& token) {
  ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

}  // namespace hotline::testing
