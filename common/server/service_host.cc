#include "common/server/service_host.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <signal.h>

#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"

namespace hotline::server {

// Request counts, errors and latencies by method and code.
class RpcMetrics {
 public:
  RpcMetrics(prometheus::Registry& registry, const std::string& service)
      : requests_(prometheus::BuildCounter()
                      .Name("hotline_rpc_requests_total")
                      .Help("RPCs handled, by method and status code")
                      .Labels({{"service", service}})
                      .Register(registry)),
        errors_(prometheus::BuildCounter()
                    .Name("hotline_rpc_errors_total")
                    .Help("RPCs that ended with a non-OK code")
                    .Labels({{"service", service}})
                    .Register(registry)),
        latency_(prometheus::BuildHistogram()
                     .Name("hotline_rpc_duration_seconds")
                     .Help("RPC latency by method")
                     .Labels({{"service", service}})
                     .Register(registry)),
        ready_(prometheus::BuildGauge()
                   .Name("hotline_ready")
                   .Help("1 while the service is SERVING (database reachable)")
                   .Labels({{"service", service}})
                   .Register(registry)
                   .Add({})) {}

  void Record(const std::string& method, grpc::StatusCode code,
              absl::Duration elapsed) {
    const std::string code_name = CodeName(code);
    requests_.Add({{"method", method}, {"code", code_name}}).Increment();
    if (code != grpc::StatusCode::OK) {
      errors_.Add({{"method", method}, {"code", code_name}}).Increment();
    }
    static const prometheus::Histogram::BucketBoundaries kBuckets = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
        0.1,    0.25,  0.5,    1,     2.5,  5,     10};
    latency_.Add({{"method", method}}, kBuckets)
        .Observe(absl::ToDoubleSeconds(elapsed));
  }

  void SetReady(bool ready) { ready_.Set(ready ? 1 : 0); }

  // gRPC and absl share the numeric codes, and so their names.
  static std::string CodeName(grpc::StatusCode code) {
    return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  }

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Gauge& ready_;
};

namespace {

using grpc::experimental::InterceptionHookPoints;

// Records metrics and one access-log line per RPC, at info level whatever
// its outcome: method, code, latency and the role of the principal the gate
// admitted ("-" when none). Never logs request or response bodies, metadata
// or tokens. Health checks are counted but not logged (probes every second).
class AccessInterceptor : public grpc::experimental::Interceptor {
 public:
  AccessInterceptor(grpc::experimental::ServerRpcInfo* info,
                    RpcMetrics* metrics)
      : method_(info->method()),
        metrics_(metrics),
        start_(absl::Now()),
        record_(info->server_context()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const absl::Duration elapsed = absl::Now() - start_;
      metrics_->Record(method_, status.error_code(), elapsed);
      if (method_.rfind("/grpc.health.", 0) != 0) {
        log::Info("rpc",
                  {{"method", method_},
                   {"code", RpcMetrics::CodeName(status.error_code())},
                   {"ms", absl::StrCat(absl::ToDoubleMilliseconds(elapsed))},
                   {"role", std::string(record_.role())}});
      }
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  RpcMetrics* metrics_;
  absl::Time start_;
  CallRecord record_;  // the gate notes the role in it
};

class AccessInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AccessInterceptorFactory(RpcMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new AccessInterceptor(info, metrics_);
  }

 private:
  RpcMetrics* metrics_;
};

}  // namespace

ServiceHost::ServiceHost(HostOptions options)
    : options_(std::move(options)),
      gate_(options_.tokens),
      registry_(std::make_shared<prometheus::Registry>()),
      metrics_(
          std::make_unique<RpcMetrics>(*registry_, options_.service_name)) {}

ServiceHost::~ServiceHost() { Shutdown(absl::Seconds(1)); }

void ServiceHost::AddService(grpc::Service* service, std::string health_name) {
  services_.emplace_back(service, std::move(health_name));
}

void ServiceHost::SetReadinessProbe(std::function<absl::Status()> probe) {
  probe_ = std::move(probe);
}

absl::Status ServiceHost::Start() {
  static std::once_flag once;
  std::call_once(once, [] {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  });

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen,
                           ServerCredentialsFor(options_.tls.get()), &port_);
  // Requests up to kMaxMessageBytes are read and judged by the codec
  // (common/wire/wire_codec.h: INVALID_ARGUMENT naming what is wrong, "message"
  // for the size); the transport refuses only above twice that.
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(2 * hotline::wire::kMaxMessageBytes));
  for (auto& [service, name] : services_) builder.RegisterService(service);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(
      std::make_unique<AccessInterceptorFactory>(metrics_.get()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen));
  }

  if (!options_.metrics_listen.empty()) {
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(options_.metrics_listen);
      exposer_->RegisterCollectable(registry_);
      metrics_port_ = exposer_->GetListeningPorts().front();
    } catch (const std::exception& e) {
      server_->Shutdown();
      return absl::UnavailableError(absl::StrCat(
          "cannot serve metrics on ", options_.metrics_listen, ": ", e.what()));
    }
  }

  // NOT_SERVING until the first probe says otherwise.
  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus(false);
  ApplyProbe();
  probe_thread_ = std::thread([this] { ProbeLoop(); });
  log::Info("server.started", {{"port", absl::StrCat(port_)},
                               {"metrics_port", absl::StrCat(metrics_port_)},
                               {"serving", gate_.ready() ? "true" : "false"}});
  return absl::OkStatus();
}

void ServiceHost::ProbeNow() { ApplyProbe(); }

void ServiceHost::ApplyProbe() {
  absl::MutexLock probe_lock(&probe_mu_);
  const absl::Status status = probe_ ? probe_() : absl::OkStatus();
  const bool ready = status.ok();
  absl::MutexLock lock(&mu_);
  if (stopping_ || server_ == nullptr) return;
  gate_.SetReady(ready, status.message());
  metrics_->SetReady(ready);
  server_->GetHealthCheckService()->SetServingStatus(ready);
  for (auto& [service, name] : services_) {
    server_->GetHealthCheckService()->SetServingStatus(name, ready);
  }
  if (!probed_once_ || ready != last_ready_) {
    if (ready) {
      log::Info("health.serving");
    } else {
      log::Error("health.not_serving",
                 {{"reason", std::string(status.message())}});
    }
  }
  probed_once_ = true;
  last_ready_ = ready;
}

void ServiceHost::ProbeLoop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                           options_.probe_interval);
      if (stopping_) return;
    }
    ApplyProbe();
  }
}

void ServiceHost::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ || server_ == nullptr) {
      stopping_ = true;
      return;
    }
    stopping_ = true;
  }
  if (probe_thread_.joinable()) probe_thread_.join();
  gate_.SetReady(false, "shutting down");
  server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMicroseconds(grace));
  exposer_.reset();  // civetweb takes ~2 s to stop its listener
  log::Info("server.stopped");
}

void ServiceHost::Wait() {
  if (server_ != nullptr) server_->Wait();
}

namespace {
sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}
}  // namespace

void BlockTerminationSignals() {
  const sigset_t set = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForTerminationSignal(const std::function<void()>& on_hangup) {
  const sigset_t set = HandledSignals();
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig != SIGHUP) return sig;
    if (on_hangup) on_hangup();
  }
}

}  // namespace hotline::server
