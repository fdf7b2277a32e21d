#include "tests/e2e/cluster.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/runtime/topology.h"
#include "common/server/proto_time.h"
#include "common/server/tls.h"
#include "common/status/status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "hotline/v1/admin.grpc.pb.h"
#include "tests/support/read_file.h"
#include "tests/support/service_fixture.h"

extern char** environ;

namespace hotline::testing {
namespace {

absl::StatusOr<int> FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::InternalError("bind failed");
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Cluster>> Cluster::Start(
    ClusterOptions options) {
  std::unique_ptr<Cluster> c(new Cluster());
  c->options_ = options;
  c->now_ = options.clock_start;
  char dir[] = "/tmp/hotline-e2e-XXXXXX";
  if (mkdtemp(dir) == nullptr) return absl::InternalError("mkdtemp failed");
  c->dir_ = dir;
  {
    std::ofstream tokens(c->dir_ + "/tokens");
    // Each service presents its own named SERVICE token (auth.h).
    tokens << StandardTokenLines() << options.extra_tokens << "\n";
    std::ofstream keys(c->dir_ + "/caller.keys");
    keys << "k1 " << std::string(64, 'a') << "\nhmac " << std::string(64, 'b')
         << "\n";
  }
  c->credentials_ = grpc::InsecureChannelCredentials();
  if (options.tls) {
    const std::string pki = c->dir_ + "/pki";
    const std::string cmd = absl::StrCat(
        "bash ", HOTLINE_SOURCE_DIR, "/deploy/tls/make-certs.sh ", pki,
        " intake routing deadline assessment operator >/dev/null");
    if (system(cmd.c_str()) != 0) {
      return absl::InternalError("deploy/tls/make-certs.sh failed");
    }
    ASSIGN_OR_RETURN(
        auto tls, server::Tls::Load({pki + "/operator.crt",
                                     pki + "/operator.key", pki + "/ca.crt"}));
    c->credentials_ = server::ChannelCredentialsFor(tls.get());
  }
  // Ports first, so that every process can be told where the others are.
  for (const char* service : kServiceNames) {
    for (int r = 0; r < options.replicas; ++r) {
      Process p;
      p.service = service;
      p.replica = r;
      ASSIGN_OR_RETURN(p.port, FreePort());
      p.log = absl::StrCat(c->dir_, "/", service, "-", r, ".log");
      c->processes_.push_back(p);
    }
  }
  auto addresses = [&](const std::string& service) {
    std::vector<std::string> out;
    for (const Process& p : c->processes_) {
      if (p.service == service)
        out.push_back(absl::StrCat("127.0.0.1:", p.port));
    }
    return out;
  };
  // Who receives whose events: deploy/topology.txt. Each service is one
  // subscriber whose address lists every replica (a|b, balanced
  // round-robin): an entry per replica would deliver every event to each.
  ASSIGN_OR_RETURN(runtime::Topology topology,
                   runtime::LoadTopology(absl::StrCat(HOTLINE_SOURCE_DIR,
                                                      "/deploy/topology.txt")));
  for (const char* service : kServiceNames) {
    ASSIGN_OR_RETURN(c->schemas_[service], TestSchema::Create(service));
  }
  for (Process& p : c->processes_) {
    ASSIGN_OR_RETURN(db::ConnectionConfig user,
                     c->schemas_[p.service]->CreateUser(
                         absl::StrCat(p.service, p.replica), "e2e-密码"));
    // Replicas share one schema and one user.
    std::vector<std::string> subs;
    for (const std::string& to : topology.SubscribersOf(p.service)) {
      subs.push_back(absl::StrCat(to, "=", absl::StrJoin(addresses(to), "|")));
    }
    std::vector<std::string> env = {
        absl::StrCat("HOTLINE_LISTEN=127.0.0.1:", p.port),
        "HOTLINE_METRICS_LISTEN=off",
        absl::StrCat("HOTLINE_MYSQL=", user.Url()),
        absl::StrCat("HOTLINE_TOKENS=", c->dir_, "/tokens"),
        "HOTLINE_CLOCK=manual",
        absl::StrCat("HOTLINE_CLOCK_START=",
                     absl::FormatTime(absl::RFC3339_full, options.clock_start,
                                      absl::UTCTimeZone())),
        absl::StrCat("HOTLINE_SUBSCRIBERS=", absl::StrJoin(subs, ",")),
        absl::StrCat("HOTLINE_SERVICE_TOKEN=", ServiceTokenOf(p.service)),
        absl::StrCat("HOTLINE_CALLER_KEY_FILE=", c->dir_, "/caller.keys"),
        absl::StrCat("HOTLINE_ROUTING=",
                     absl::StrJoin(addresses("routing"), "|")),
    };
    if (options.tls) {
      const std::string pki = c->dir_ + "/pki/";
      env.push_back(absl::StrCat("HOTLINE_TLS_CERT=", pki, p.service, ".crt"));
      env.push_back(absl::StrCat("HOTLINE_TLS_KEY=", pki, p.service, ".key"));
      env.push_back(absl::StrCat("HOTLINE_TLS_CA=", pki, "ca.crt"));
    }
    p.env = env;
    RETURN_IF_ERROR(c->Spawn(p, env));
  }
  // Wait until every process reports SERVING (bounded).
  for (const Process& p : c->processes_) {
    RETURN_IF_ERROR(c->WaitServing(p));
  }
  return c;
}

absl::Status Cluster::WaitServing(const Process& p) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", p.port), credentials_));
  bool serving = false;
  for (int attempt = 0; attempt < 300 && !serving; ++attempt) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::milliseconds(500));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    serving = stub->Check(&ctx, req, &resp).ok() &&
              resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
    if (!serving) usleep(100 * 1000);  // waiting for start-up, not for time
    int status;
    if (waitpid(p.pid, &status, WNOHANG) == p.pid) {
      return absl::InternalError(absl::StrCat(
          p.service, " exited during start-up:\n", testing::ReadFile(p.log)));
    }
  }
  if (!serving) {
    return absl::UnavailableError(absl::StrCat(
        p.service, " never reported SERVING:\n", testing::ReadFile(p.log)));
  }
  return absl::OkStatus();
}

absl::Status Cluster::Restart(const std::string& service, int replica) {
  for (Process& p : processes_) {
    if (p.service != service || p.replica != replica) continue;
    if (p.pid > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(service, "/", replica, " is running"));
    }
    std::vector<std::string> env = p.env;
    for (std::string& e : env) {
      if (e.rfind("HOTLINE_CLOCK_START=", 0) == 0) {
        e = absl::StrCat(
            "HOTLINE_CLOCK_START=",
            absl::FormatTime(absl::RFC3339_full, now_, absl::UTCTimeZone()));
      }
    }
    RETURN_IF_ERROR(Spawn(p, env));
    return WaitServing(p);
  }
  return absl::NotFoundError(
      absl::StrCat("no process ", service, "/", replica));
}

absl::Status Cluster::Spawn(Process& p, const std::vector<std::string>& env) {
  const std::string binary = absl::StrCat(HOTLINE_BINARY_DIR, "/services/",
                                          p.service, "/hotline-", p.service);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind("HOTLINE_", 0) != 0) env_strings.push_back(*e);
  }
  for (const std::string& e : env) env_strings.push_back(e);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string arg0 = binary;
  char* argv[] = {arg0.data(), nullptr};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, p.log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const int rc =
      posix_spawn(&p.pid, binary.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("cannot start ", binary));
  }
  return absl::OkStatus();
}

Cluster::~Cluster() {
  for (Process& p : processes_) {
    if (p.pid > 0) kill(p.pid, SIGTERM);
  }
  for (Process& p : processes_) {
    if (p.pid > 0) waitpid(p.pid, nullptr, 0);
  }
  if (!dir_.empty() && std::getenv("HOTLINE_E2E_KEEP") == nullptr) {
    const std::string cmd = absl::StrCat("rm -rf '", dir_, "'");
    (void)!system(cmd.c_str());
  }
}

std::shared_ptr<grpc::Channel> Cluster::channel(const std::string& service) {
  auto& ch = channels_[service];
  if (ch == nullptr) {
    std::vector<std::string> addresses;
    for (const Process& p : processes_) {
      if (p.service == service) {
        addresses.push_back(absl::StrCat("127.0.0.1:", p.port));
      }
    }
    grpc::ChannelArguments args;
    args.SetLoadBalancingPolicyName("round_robin");
    ch = server::NewPeerChannel(
        absl::StrCat("ipv4:", absl::StrJoin(addresses, ",")), service,
        credentials_, args);
  }
  return ch;
}

std::string Cluster::address(const std::string& service, int replica) const {
  for (const Process& p : processes_) {
    if (p.service == service && p.replica == replica) {
      return absl::StrCat("127.0.0.1:", p.port);
    }
  }
  return "";
}

absl::Status Cluster::Advance(absl::Duration by) {
  now_ += by;
  for (const Process& p : processes_) {
    if (p.pid <= 0) continue;
    auto stub = v1::ClockAdmin::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", p.port), credentials_));
    v1::AdvanceClockRequest req;
    *req.mutable_to() = ToProto(now_);
    v1::AdvanceClockResponse resp;
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kServiceToken);
    grpc::Status s = stub->AdvanceClock(&ctx, req, &resp);
    if (!s.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "advance ", p.service, "/", p.replica, ": ", s.error_message()));
    }
  }
  return absl::OkStatus();
}

void Cluster::Kill(const std::string& service, int replica, int signal) {
  for (Process& p : processes_) {
    if (p.service == service && p.replica == replica && p.pid > 0) {
      kill(p.pid, signal);
      waitpid(p.pid, nullptr, 0);
      p.pid = -1;
    }
  }
}

std::string Cluster::Logs() const {
  std::string out;
  for (const Process& p : processes_) {
    absl::StrAppend(&out, "==== ", p.service, "/", p.replica, "\n",
                    testing::ReadFile(p.log));
  }
  return out;
}

}  // namespace hotline::testing
