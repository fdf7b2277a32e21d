#pragma once

// One way to build and run a service: a gRPC server with the health protocol
// (grpc.health.v1), server reflection, per-method Prometheus metrics and access
// logs, a readiness probe that gates calls and health while the database is
// unreachable, and graceful shutdown.
//
// Lifecycle: construct, AddService(...) and SetReadinessProbe(...), Start(),
// then Wait() or Shutdown(). Not copyable. Methods are not thread-safe against
// each other except ProbeNow(), Shutdown() and the accessors.

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/server/call_gate.h"
#include "common/server/tls.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc
namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace hotline::server {

class RpcMetrics;

struct HostOptions {
  std::string service_name;    // "intake", ...: metrics and log label
  std::string listen;          // host:port; port 0 picks a free port
  std::string metrics_listen;  // host:port; empty: no metrics endpoint
  // Not owned; required. A TokenFile's reloads apply to the next call.
  const auth::Authenticator* tokens = nullptr;
  absl::Duration probe_interval = absl::Seconds(1);
  // TLS of the gRPC port (tls.h); null: plaintext.
  std::shared_ptr<const Tls> tls;
};

class ServiceHost {
 public:
  explicit ServiceHost(HostOptions options);
  ~ServiceHost();  // Shutdown() if still running
  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  // Registers a service before Start(). `health_name` is its fully qualified
  // name ("hotline.v1.IntakeService") as reported by the health protocol.
  // Not owned; must outlive the host.
  void AddService(grpc::Service* service, std::string health_name);

  // Runs at Start() and every probe_interval after it on a background thread.
  // OK → SERVING and the gate open; an error → NOT_SERVING, calls answer
  // UNAVAILABLE, and the reason is logged once per transition.
  void SetReadinessProbe(std::function<absl::Status()> probe);

  // Binds and starts serving. Fails only if the address cannot be bound.
  absl::Status Start();

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  CallGate& gate() { return gate_; }
  prometheus::Registry& registry() { return *registry_; }
  bool serving() const { return gate_.ready(); }

  // Runs the probe now and applies its result (tests use it instead of
  // waiting for the next interval).
  void ProbeNow();

  // Stops accepting calls, lets calls in flight finish within `grace`.
  void Shutdown(absl::Duration grace = absl::Seconds(5));
  // Blocks until the server has shut down.
  void Wait();

 private:
  void ApplyProbe();
  void ProbeLoop();

  HostOptions options_;
  CallGate gate_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<RpcMetrics> metrics_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::function<absl::Status()> probe_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  int metrics_port_ = 0;

  absl::Mutex probe_mu_;  // serialises probe runs
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool last_ready_ ABSL_GUARDED_BY(mu_) = false;
  bool probed_once_ ABSL_GUARDED_BY(mu_) = false;
  std::thread probe_thread_;
};

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (call first thing
// in main, before any thread starts, so every thread inherits the mask), then
// WaitForTerminationSignal() returns SIGTERM or SIGINT when one arrives; each
// SIGHUP before it runs `on_hangup` (if any) on the waiting thread.
void BlockTerminationSignals();
int WaitForTerminationSignal(const std::function<void()>& on_hangup = {});

}  // namespace hotline::server
