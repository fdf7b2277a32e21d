#include "tools/loadgen/proc_stats.h"

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hotline::loadgen {
namespace {

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<ProcessRef> FindProcesses(const std::vector<std::string>& names) {
  std::vector<ProcessRef> found;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return found;
  std::vector<ProcessRef> all;
  while (dirent* e = readdir(dir)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(e->d_name, &pid)) continue;
    std::optional<std::string> comm =
        ReadFile(std::string("/proc/") + e->d_name + "/comm");
    if (!comm.has_value()) continue;
    all.push_back(
        {std::string(absl::StripTrailingAsciiWhitespace(*comm)), pid});
  }
  closedir(dir);
  for (const std::string& n : names) {
    // /proc/PID/comm keeps the first 15 bytes of the name.
    const std::string short_name = n.substr(0, 15);
    for (const ProcessRef& p : all) {
      if (p.name == short_name) found.push_back({n, p.pid});
    }
  }
  return found;
}

std::vector<ProcessRef> ProcessesOfStateDir(const std::string& dir) {
  std::vector<ProcessRef> out;
  auto add = [&](const std::string& name, const std::string& file) {
    std::optional<std::string> text = ReadFile(dir + "/" + file);
    pid_t pid = 0;
    if (text.has_value() &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &pid)) {
      out.push_back({name, pid});
    }
  };
  for (const char* s : {"intake", "routing", "deadline", "assessment"}) {
    add(std::string("hotline-") + s, std::string("run/") + s + ".pid");
  }
  add("mariadbd", "mariadb/mysqld.pid");
  return out;
}

std::optional<ProcessSample> Sample(pid_t pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  std::optional<std::string> stat = ReadFile(base + "/stat");
  std::optional<std::string> status = ReadFile(base + "/status");
  if (!stat.has_value() || !status.has_value()) return std::nullopt;
  // Fields after the command (which may hold spaces) follow its ')'.
  const size_t close = stat->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::vector<std::string> f =
      absl::StrSplit(stat->substr(close + 2), ' ', absl::SkipEmpty());
  // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
  if (f.size() < 13) return std::nullopt;
  double utime = 0, stime = 0;
  if (!absl::SimpleAtod(f[11], &utime) || !absl::SimpleAtod(f[12], &stime)) {
    return std::nullopt;
  }
  ProcessSample s;
  s.cpu_seconds = (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  for (absl::string_view line : absl::StrSplit(*status, '\n')) {
    double kb = 0;
    auto value = [&](absl::string_view key) {
      if (!absl::ConsumePrefix(&line, key)) return false;
      line = absl::StripAsciiWhitespace(absl::StripSuffix(line, "kB"));
      return absl::SimpleAtod(absl::StripAsciiWhitespace(line), &kb);
    };
    if (value("VmHWM:")) s.peak_rss_mb = kb / 1024;
    if (value("VmRSS:")) s.rss_mb = kb / 1024;
  }
  return s;
}

}  // namespace hotline::loadgen
