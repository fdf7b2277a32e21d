#include "common/runtime/service_runtime.h"

#include <grpcpp/impl/codegen/service_type.h>

#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/db/config.h"
#include "common/log/log.h"
#include "common/server/clock_admin.h"
#include "common/status/status.h"
#include "hotline_outbox_EventMigrations.h"
#include "hotline_server_RequestLogMigrations.h"

ABSL_FLAG(std::string, relay_linger, "",
          "While busy, how long a woken relay waits before its next round, "
          "so that what is committed meanwhile goes in one batch "
          "(HOTLINE_RELAY_LINGER; default 200ms, from 0 to 1s)");

namespace hotline::runtime {

namespace {

// --relay_linger (outbox::RelayOptions::linger).
absl::StatusOr<absl::Duration> RelayLinger() {
  const std::string fallback =
      absl::FormatDuration(outbox::RelayOptions().linger);
  ASSIGN_OR_RETURN(
      std::string text,
      config::ResolveSetting({"relay_linger", "HOTLINE_RELAY_LINGER", false,
                              fallback, "a duration from 0 to 1s, e.g. 200ms"},
                             absl::GetFlag(FLAGS_relay_linger),
                             config::ProcessEnv()));
  absl::Duration linger;
  if (!absl::ParseDuration(text, &linger) || linger < absl::ZeroDuration() ||
      linger > absl::Seconds(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--relay_linger (HOTLINE_RELAY_LINGER): a duration from 0 to 1s, "
        "e.g. 200ms, got \"",
        text, "\""));
  }
  return linger;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServiceInstance>> ServiceInstance::Create(
    const ServiceDefinition& definition, config::ServiceConfig config,
    InstanceOptions options) {
  std::unique_ptr<ServiceInstance> s(new ServiceInstance());
  s->definition_ = definition;
  s->config_ = std::move(config);
  s->options_ = options;
  const config::ServiceConfig& c = s->config_;

  absl::StatusOr<db::ConnectionConfig> db_config =
      db::ConnectionConfig::ParseUrl(c.mysql_url);
  if (!db_config.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--mysql (HOTLINE_MYSQL): ", db_config.status().message()));
  }
  ASSIGN_OR_RETURN(s->tokens_, auth::TokenFile::Open(c.tokens_file));
  ASSIGN_OR_RETURN(s->tls_,
                   server::Tls::Load({c.tls_cert, c.tls_key, c.tls_ca}));
  if (s->tls_ != nullptr && !s->tls_->can_serve()) {
    return absl::InvalidArgumentError(
        "--tls_ca (HOTLINE_TLS_CA) needs --tls_cert and --tls_key: a service "
        "presents its own certificate");
  }

  if (c.clock_mode == config::ClockMode::kManual) {
    auto manual = std::make_unique<ManualClock>(c.clock_start);
    s->manual_clock_ = manual.get();
    s->owned_clock_ = std::move(manual);
    s->clock_ = s->owned_clock_.get();
  } else {
    s->clock_ = SystemClock::Get();
  }

  ASSIGN_OR_RETURN(s->pool_,
                   db::ConnectionPool::Create(*db_config, options.pool));

  server::HostOptions host;
  host.service_name = c.service_name;
  host.listen = c.listen;
  host.metrics_listen = c.metrics_listen;
  host.tokens = s->tokens_.get();
  host.probe_interval = options.probe_interval;
  host.tls = s->tls_;
  s->host_ = std::make_unique<server::ServiceHost>(host);
  if (s->manual_clock_ != nullptr) {
    s->clock_admin_ =
        server::NewClockAdminService(s->manual_clock_, &s->host_->gate());
    s->host_->AddService(s->clock_admin_.get(), server::kClockAdminServiceName);
  }

  std::vector<std::string> names;
  for (const config::Subscriber& sub : c.subscribers) names.push_back(sub.name);
  s->outbox_ = std::make_unique<outbox::Outbox>(c.service_name, names);
  // Credentials of this service's calls to its peers (relay, components).
  std::shared_ptr<grpc::ChannelCredentials> peer_credentials =
      server::ChannelCredentialsFor(s->tls_.get());
  outbox::RelayOptions relay = options.relay;
  relay.service_token = c.service_token;
  relay.credentials = peer_credentials;
  // Watermarks from this service's clock; a manual clock stands still while
  // a transaction runs, and moves only when told to: no skew, no wait.
  relay.clock = s->clock_;
  if (s->manual_clock_ != nullptr) {
    relay.watermark_skew = absl::ZeroDuration();
    relay.heartbeat_interval = absl::ZeroDuration();
  }
  relay.registry = &s->host_->registry();
  s->relay_ = std::make_unique<outbox::Relay>(s->pool_.get(), c.service_name,
                                              c.subscribers, relay);
  // Whatever commits an append wakes the relay: RPCs, consumer batches and
  // scanners alike.
  s->outbox_->SetAfterCommit([relay = s->relay_.get()] { relay->Wake(); });
  s->event_admin_ =
      outbox::NewEventAdminService(s->relay_.get(), &s->host_->gate());
  s->host_->AddService(s->event_admin_.get(), outbox::kEventAdminServiceName);

  s->migrations_ = AllMigrations(definition);

  s->context_.reset(new Context{s->config_, *s->clock_, *s->pool_, *s->host_,
                                *s->tokens_, *s->outbox_, *s->relay_,
                                peer_credentials, s->definition_.consumes});
  ASSIGN_OR_RETURN(s->component_, definition.build(*s->context_));
  s->host_->SetReadinessProbe([raw = s.get()] { return raw->Probe(); });
  return s;
}

std::vector<db::Migration> AllMigrations(const ServiceDefinition& definition) {
  std::vector<db::Migration> all = outbox::EventMigrations();
  for (const db::Migration& m : server::RequestLogMigrations()) {
    all.push_back(m);
  }
  if (definition.migrations) {
    for (const db::Migration& m : definition.migrations()) all.push_back(m);
  }
  return all;
}

void Context::ServeEvents(outbox::EventHandler handler) {
  inbox = std::make_unique<outbox::Inbox>(&pool, std::move(handler),
                                          config.service_name, consumes);
  event_sink = outbox::NewEventSinkService(inbox.get(), &host.gate());
  host.AddService(event_sink.get(), "hotline.v1.EventSink");
}

void Context::ServeEventBatches(outbox::EventBatchFactory batches,
                                outbox::BatchConcurrency concurrency) {
  inbox = std::make_unique<outbox::Inbox>(
      &pool, std::move(batches), config.service_name, consumes, concurrency);
  event_sink = outbox::NewEventSinkService(inbox.get(), &host.gate());
  host.AddService(event_sink.get(), "hotline.v1.EventSink");
}

ServiceInstance::~ServiceInstance() { Shutdown(); }

absl::Status ServiceInstance::Probe() {
  if (!migrated_) {
    absl::Status migrated = db::ApplyMigrations(*pool_, migrations_);
    if (!migrated.ok()) {
      return absl::Status(migrated.code(),
                          absl::StrCat("migrations: ", migrated.message()));
    }
    migrated_ = true;
    log::Info("db.migrated",
              {{"migrations", absl::StrCat(migrations_.size())}});
  }
  if (!prepared_) {
    RETURN_IF_ERROR(component_->Prepare());
    prepared_ = true;
  }
  return pool_->Ping();
}

absl::Status ServiceInstance::Start() {
  RETURN_IF_ERROR(host_->Start());
  relay_->Start();
  component_->Start();
  if (options_.token_poll_interval > absl::ZeroDuration()) {
    token_watch_ = std::thread([this] { WatchTokens(); });
  }
  started_ = true;
  return absl::OkStatus();
}

namespace {

void LogTokenReload(const auth::TokenFile& file, const absl::Status& status,
                    absl::string_view why) {
  if (status.ok()) {
    log::Info("tokens.reloaded", {{"path", file.path()},
                                  {"principals", absl::StrCat(file.size())},
                                  {"cause", std::string(why)}});
  } else {
    log::Error("tokens.reload_failed",
               {{"path", file.path()},
                {"error", std::string(status.message())},
                {"principals_kept", absl::StrCat(file.size())},
                {"cause", std::string(why)}});
  }
}

}  // namespace

absl::Status ServiceInstance::ReloadTokens() {
  absl::Status status = tokens_->Reload();
  LogTokenReload(*tokens_, status, "reload");
  return status;
}

absl::StatusOr<bool> ServiceInstance::ReloadTokensIfChanged() {
  absl::StatusOr<bool> changed = tokens_->ReloadIfChanged();
  if (!changed.ok() || *changed) {
    LogTokenReload(*tokens_, changed.status(), "changed");
  }
  return changed;
}

void ServiceInstance::WatchTokens() {
  while (true) {
    {
      absl::MutexLock lock(&watch_mu_);
      watch_mu_.AwaitWithTimeout(absl::Condition(&watch_stop_),
                                 options_.token_poll_interval);
      if (watch_stop_) return;
    }
    (void)ReloadTokensIfChanged();
  }
}

void ServiceInstance::Shutdown() {
  if (!started_) return;
  started_ = false;
  if (token_watch_.joinable()) {
    {
      absl::MutexLock lock(&watch_mu_);
      watch_stop_ = true;
    }
    token_watch_.join();
  }
  component_->Stop();
  relay_->Stop();
  host_->Shutdown();
}

void ServiceInstance::Wait() { host_->Wait(); }

int RunServiceMain(int argc, char** argv, const ServiceDefinition& definition) {
  server::BlockTerminationSignals();
  // Debian's Abseil is built with lock-order checking on: a debugging aid
  // that costs a graph update on every Mutex acquisition. Tests keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      absl::StrCat("hotline-", definition.name,
                   ": a service of the 12345 hotline work-order suite"));
  absl::ParseCommandLine(argc, argv);
  log::SetServiceName(definition.name);

  auto fail = [&](const absl::Status& status) {
    std::fprintf(stderr, "hotline-%s: %s\n", definition.name.c_str(),
                 std::string(status.message()).c_str());
    return 2;
  };
  absl::StatusOr<absl::Duration> linger = RelayLinger();
  if (!linger.ok()) return fail(linger.status());
  absl::StatusOr<config::ServiceConfig> config =
      config::LoadServiceConfig(definition.name, config::ProcessEnv());
  if (!config.ok()) return fail(config.status());
  InstanceOptions options;
  options.relay.linger = *linger;
  absl::StatusOr<std::unique_ptr<ServiceInstance>> instance =
      ServiceInstance::Create(definition, *config, options);
  if (!instance.ok()) return fail(instance.status());
  if (absl::Status started = (*instance)->Start(); !started.ok()) {
    return fail(started);
  }
  // SIGHUP re-reads the token file (as does a change to it, within
  // token_poll_interval).
  const int sig = server::WaitForTerminationSignal(
      [&] { (void)(*instance)->ReloadTokens(); });
  log::Info("server.signal", {{"signal", absl::StrCat(sig)}});
  (*instance)->Shutdown();
  (*instance)->Wait();
  return 0;
}

}  // namespace hotline::runtime
