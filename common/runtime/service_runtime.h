#pragma once

// The shape every hotline service shares, so that each main.cc is
//   int main(int argc, char** argv) {
//     return hotline::runtime::RunServiceMain(argc, argv,
//                                             hotline::intake::Definition());
//   }
//
// A ServiceInstance owns, for one service: its clock (system, or manual with
// the ClockAdmin RPC), its connection pool (as the service's own MySQL user),
// its schema migrations (the shared event tables and request log plus the
// service's own, AllMigrations), its
// outbox and relay, and a ServiceHost serving the service's gRPC services. It
// reports NOT_SERVING until the database is reachable and migrated and the
// service's components are prepared, and again while the database is down;
// it recovers by itself.
//
// Tests create instances in-process (port 0, manual clock); production runs
// RunServiceMain, which adds flag parsing, logging and SIGTERM handling.

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/auth/auth.h"
#include "common/clock/clock.h"
#include "common/config/config.h"
#include "common/db/connection.h"
#include "common/db/migrations.h"
#include "common/outbox/outbox.h"
#include "common/server/service_host.h"

namespace hotline::runtime {

// What a service builds itself from. References stay valid for the life of
// the instance.
struct Context {
  const config::ServiceConfig& config;
  Clock& clock;
  db::ConnectionPool& pool;
  server::ServiceHost& host;
  const auth::Authenticator& tokens;  // the token file, as last (re)loaded
  // Producer side of events: append in the transaction of each change; the
  // relay is woken once it commits (Outbox::SetAfterCommit).
  const outbox::Outbox& outbox;
  outbox::Relay& relay;
  // For the component's own calls to other services (server/tls.h): TLS
  // (with this service's certificate) or plaintext, as configured.
  std::shared_ptr<grpc::ChannelCredentials> channel_credentials;
  // The definition's `consumes`.
  const std::vector<v1::TicketEvent::PayloadCase>& consumes;

  // Consumer side of events: serves EventSink.Publish on `host`, records
  // every delivered event once and applies those of a kind in `consumes`
  // with `handler`, in the delivery's transaction (outbox::Inbox, named after
  // the service). Call at most once, from ServiceDefinition::build.
  void ServeEvents(outbox::EventHandler handler);
  // The same with an outbox::EventBatch per inbox transaction (handlers that
  // defer writes to the end of a delivered batch's transaction).
  // `concurrency`: whether batches of different producers are applied at the
  // same time (outbox::BatchConcurrency; only for batches that lock their
  // rows in an order that cannot deadlock).
  void ServeEventBatches(outbox::EventBatchFactory batches,
                         outbox::BatchConcurrency concurrency =
                             outbox::BatchConcurrency::kOneAtATime);

  // Set by ServeEvents.
  std::unique_ptr<outbox::Inbox> inbox;
  std::unique_ptr<grpc::Service> event_sink;
};

// The part of a service that lives in the instance: its gRPC services (which
// it registers on ctx.host while being built) and any background work.
class Component {
 public:
  virtual ~Component() = default;
  // Called once the schema is migrated, and again until it succeeds (e.g.
  // to load caches). The instance stays NOT_SERVING until it returns OK.
  virtual absl::Status Prepare() { return absl::OkStatus(); }
  // Background work (scanners); Stop() is called before destruction.
  virtual void Start() {}
  virtual void Stop() {}
};

struct ServiceDefinition {
  std::string name;  // "intake", "routing", "deadline", "assessment"
  // The service's own migrations (versions ≥ 10; 1–9 are shared: the event
  // tables of common/outbox, the request log of common/server).
  std::function<const std::vector<db::Migration>&()> migrations;
  // Builds the component and registers its gRPC services on ctx.host.
  std::function<absl::StatusOr<std::unique_ptr<Component>>(Context&)> build;
  // The event kinds the service acts on, given to its Inbox (other kinds are
  // recorded, not applied); empty for a service that consumes no events.
  // deploy/topology.txt must deliver each from its producer, and nothing
  // else (tests/integration/topology_test.cc).
  std::vector<v1::TicketEvent::PayloadCase> consumes;
};

struct InstanceOptions {
  absl::Duration probe_interval = absl::Seconds(1);
  // How often the token file is checked for a change (device, inode, size,
  // modification time) and re-read; zero: only on ReloadTokens() (SIGHUP).
  absl::Duration token_poll_interval = absl::Seconds(3);
  db::PoolOptions pool;
  outbox::RelayOptions relay;  // service_token is taken from the config
};

class ServiceInstance {
 public:
  // Builds everything; touches no database (so it succeeds while the database
  // is down). Errors: INVALID_ARGUMENT for bad configuration (mysql url,
  // token file), naming the setting.
  static absl::StatusOr<std::unique_ptr<ServiceInstance>> Create(
      const ServiceDefinition& definition, config::ServiceConfig config,
      InstanceOptions options = {});
  ~ServiceInstance();

  // Starts serving (NOT_SERVING until ready) and background work, and the
  // token file's poll.
  absl::Status Start();

  // Re-reads the token file now (SIGHUP). The new tokens apply to the next
  // call; a file that cannot be read or parsed keeps the old ones. Either
  // way the outcome is logged (tokens.reloaded / tokens.reload_failed).
  absl::Status ReloadTokens();
  // Re-reads the token file if it changed since the last attempt (what the
  // poll does every token_poll_interval). Returns whether it was read.
  absl::StatusOr<bool> ReloadTokensIfChanged();
  // Stops background work, then the server, letting calls finish.
  void Shutdown();
  void Wait();

  int port() const { return host_->port(); }
  server::ServiceHost& host() { return *host_; }
  db::ConnectionPool& pool() { return *pool_; }
  Clock& clock() { return *clock_; }
  // Non-null with --clock=manual.
  ManualClock* manual_clock() { return manual_clock_; }
  outbox::Relay& relay() { return *relay_; }
  const config::ServiceConfig& config() const { return config_; }

 private:
  ServiceInstance() = default;
  absl::Status Probe();

  ServiceDefinition definition_;
  config::ServiceConfig config_;
  InstanceOptions options_;
  void WatchTokens();

  std::unique_ptr<auth::TokenFile> tokens_;
  absl::Mutex watch_mu_;
  bool watch_stop_ ABSL_GUARDED_BY(watch_mu_) = false;
  std::thread token_watch_;
  std::shared_ptr<const server::Tls> tls_;
  std::unique_ptr<Clock> owned_clock_;
  Clock* clock_ = nullptr;
  ManualClock* manual_clock_ = nullptr;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<server::ServiceHost> host_;
  std::unique_ptr<grpc::Service> clock_admin_;
  std::unique_ptr<outbox::Outbox> outbox_;
  std::unique_ptr<outbox::Relay> relay_;
  std::unique_ptr<grpc::Service> event_admin_;  // EventAdmin over relay_
  std::unique_ptr<Context> context_;
  std::unique_ptr<Component> component_;
  std::vector<db::Migration> migrations_;
  bool migrated_ = false;  // touched by the probe only (serialised)
  bool prepared_ = false;
  bool started_ = false;
};

// The migrations an instance of `definition` applies to its schema: the
// shared ones (common/outbox's event tables, versions 1–2; common/server's
// request log, version 4) and then the service's own (10+).
std::vector<db::Migration> AllMigrations(const ServiceDefinition& definition);

// Parses flags (absl), loads the config (exits 2 with one line naming a bad
// setting), logs as JSON, runs the instance until SIGTERM/SIGINT.
int RunServiceMain(int argc, char** argv, const ServiceDefinition& definition);

}  // namespace hotline::runtime
