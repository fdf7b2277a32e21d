#pragma once

// hotline-loadgen --pipeline: every order through all four services.
//
// Offers CreateTicket at a fixed rate (or as fast as the clients go) for a
// fixed time against a running system whose dispatch catalogue sends the
// load's categories to departments automatically (the benchmark upserts the
// rules it needs). For every order it takes the instant intake acknowledged
// it (the client's), routing dispatched it (the Dispatched event's
// occurred_at), deadline started its handling clock (the ClockStarted
// event's occurred_at) and assessment recorded that fact (its recorded_at),
// all from the events themselves (AssessmentService.ListFacts, read once
// the pipeline is quiet). It prints the sustained end-to-end rate, the lag
// of each stage (p50, p99, max), the CPU seconds per order of each process
// (the services and MariaDB, from /proc) and each process's peak RSS.

#include <memory>
#include <string>

#include "absl/time/time.h"

namespace grpc {
class ChannelCredentials;
}

namespace hotline::loadgen {

struct PipelineOptions {
  std::string intake = "127.0.0.1:7101";
  std::string routing = "127.0.0.1:7102";
  std::string assessment = "127.0.0.1:7104";
  std::string agent_token;   // CALL_AGENT (or CENTER_STAFF): CreateTicket
  std::string center_token;  // CENTER_STAFF: the catalogue, the facts
  double rate = 200;         // orders/s offered; 0: as fast as clients go
  absl::Duration duration = absl::Seconds(60);
  int concurrency = 16;
  // How long to wait for the pipeline to finish after the load.
  absl::Duration settle_timeout = absl::Seconds(180);
  std::string run_id;    // request id prefix (default: time)
  std::string json_out;  // also write the figures as JSON here
  // deploy/local/run.sh's state folder: the processes are read from its pid
  // files (run/<service>.pid, mariadb/mysqld.pid). Empty: found by name.
  std::string state_dir;
  std::shared_ptr<grpc::ChannelCredentials> credentials;  // null: plaintext
};

// Runs the benchmark and prints its figures. Returns the process exit code:
// 0, 1 when orders failed or never reached every service, 2 on bad setup.
int RunPipeline(const PipelineOptions& options);

}  // namespace hotline::loadgen
