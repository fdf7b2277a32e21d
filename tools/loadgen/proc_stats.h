#pragma once

// CPU time and memory of processes on this machine, read from /proc (Linux):
// what the pipeline benchmark charges each order.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace hotline::loadgen {

struct ProcessRef {
  std::string name;  // e.g. "hotline-routing", "mariadbd"
  pid_t pid = 0;
};

// Processes whose command name (/proc/PID/comm) is one of `names`, in the
// order of `names` (several per name when replicas run).
std::vector<ProcessRef> FindProcesses(const std::vector<std::string>& names);

// The processes of deploy/local/run.sh's state folder `dir`: the four
// services (run/<service>.pid) and its MariaDB (mariadb/mysqld.pid).
std::vector<ProcessRef> ProcessesOfStateDir(const std::string& dir);

struct ProcessSample {
  double cpu_seconds = 0;  // user + system since the process started
  double peak_rss_mb = 0;  // VmHWM
  double rss_mb = 0;       // VmRSS now
};

// nullopt when the process is gone or /proc cannot be read.
std::optional<ProcessSample> Sample(pid_t pid);

}  // namespace hotline::loadgen
