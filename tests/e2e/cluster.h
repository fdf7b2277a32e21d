#pragma once

// The whole suite as real processes for end-to-end tests: four schemas (each
// with its own least-privilege user) on the shared test MariaDB, and N
// replicas of each of hotline-intake, -routing, -deadline and -assessment
// started from this build with manual clocks on free loopback ports, their
// event subscribers wired to every replica. Tests talk to it over gRPC only.

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/test_db.h"

namespace hotline::testing {

inline constexpr const char* kServiceNames[] = {"intake", "routing", "deadline",
                                                "assessment"};

struct ClusterOptions {
  int replicas = 1;
  // Every process's manual clock starts here.
  absl::Time clock_start = absl::FromUnixSeconds(1707350400);
  // Token-file lines added to the standard tokens (service_fixture.h).
  std::string extra_tokens;
  // Mutual TLS on every port (deploy/tls/make-certs.sh): each process gets
  // its own certificate, the test's channels the operator's.
  bool tls = false;
};

class Cluster {
 public:
  static absl::StatusOr<std::unique_ptr<Cluster>> Start(ClusterOptions options);
  ~Cluster();  // SIGTERM to every process, then drops the schemas

  // A channel balancing round-robin over every replica of `service`.
  std::shared_ptr<grpc::Channel> channel(const std::string& service);
  std::string address(const std::string& service, int replica = 0) const;

  // Advances the manual clock of every process by `by`.
  absl::Status Advance(absl::Duration by);
  absl::Time now() const { return now_; }

  // Sends `signal` to one replica (e.g. SIGKILL to test replica failure).
  void Kill(const std::string& service, int replica, int signal);
  // Starts a killed replica again: same port, settings and database, its
  // manual clock at now(). Returns once it reports SERVING (bounded).
  absl::Status Restart(const std::string& service, int replica);

  // The database of a service (admin), for assertions that count rows.
  TestSchema& schema(const std::string& service) { return *schemas_[service]; }
  // Everything the processes logged, for failure messages and privacy checks.
  std::string Logs() const;

 private:
  struct Process {
    std::string service;
    int replica = 0;
    int port = 0;
    pid_t pid = -1;
    std::string log;
    std::vector<std::string> env;  // as first started (Restart)
  };
  Cluster() = default;
  absl::Status Spawn(Process& p, const std::vector<std::string>& env);
  absl::Status WaitServing(const Process& p);

  ClusterOptions options_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_;
  std::string dir_;
  std::map<std::string, std::unique_ptr<TestSchema>> schemas_;
  std::vector<Process> processes_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
  absl::Time now_;
};

}  // namespace hotline::testing
