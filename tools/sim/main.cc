// hotline-sim: plays a month of Dazu District's hotline through the four
// running services (tools/sim/sim.h). The services must run with the manual
// clock (HOTLINE_CLOCK=manual); the sample directory and dispatch catalogue
// must be loaded (deploy/local/run.sh --sample-month does all of it).
//
//   hotline-sim --tokens .local/tokens --seed 7 --days 30 --orders_per_day 24
//   hotline-sim --tokens .local/tokens --add_unit_tokens
//       --directory_csv data/directory/dazu_sample.csv
//
// --add_unit_tokens appends a UNIT_STAFF and a UNIT_LEAD token of every unit
// of the directory CSV that has none to the token file (random, 32
// characters) and exits; the services read the file at start.

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "tools/client/client_tls.h"
#include "tools/sim/sim.h"

ABSL_FLAG(std::string, intake, "127.0.0.1:7101", "hotline-intake address");
ABSL_FLAG(std::string, routing, "127.0.0.1:7102", "hotline-routing address");
ABSL_FLAG(std::string, deadline, "127.0.0.1:7103", "hotline-deadline address");
ABSL_FLAG(std::string, assessment, "127.0.0.1:7104",
          "hotline-assessment address");
ABSL_FLAG(std::string, tokens, ".local/tokens",
          "the services' token file (TOKEN ROLE [UNIT_ID])");
ABSL_FLAG(uint32_t, seed, 1, "seed: the same seed plays the same month");
ABSL_FLAG(int, days, 30, "calendar days to play from the services' now");
ABSL_FLAG(int, orders_per_day, 24, "new orders per working day");
ABSL_FLAG(std::string, run_id, "", "prefix of request ids (default: time)");
ABSL_FLAG(bool, verbose, false, "print every action");
ABSL_FLAG(bool, quiet, false, "print only the summary");
ABSL_FLAG(bool, add_unit_tokens, false,
          "append UNIT_STAFF / UNIT_LEAD tokens of every unit of "
          "--directory_csv missing from --tokens, then exit");
ABSL_FLAG(std::string, directory_csv, "data/directory/dazu_sample.csv",
          "--add_unit_tokens: the directory whose units get tokens");

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string RandomToken() {
  static const char kChars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device dev;
  std::string t;
  for (int i = 0; i < 32; ++i) t += kChars[dev() % (sizeof(kChars) - 1)];
  return t;
}

int AddUnitTokens() {
  const std::string path = absl::GetFlag(FLAGS_tokens);
  auto units = hotline::sim::UnitsOfDirectoryCsv(
      ReadAll(absl::GetFlag(FLAGS_directory_csv)));
  if (!units.ok()) {
    std::cerr << "hotline-sim: " << units.status().message() << "\n";
    return 1;
  }
  const std::string lines = hotline::sim::UnitTokenLines(
      *units, ReadAll(path), [](int) { return RandomToken(); });
  if (lines.empty()) return 0;
  // Appended as the file is (mode 600 stays).
  const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
  if (fd < 0) {
    std::cerr << "hotline-sim: cannot write " << path << "\n";
    return 1;
  }
  const std::string text = absl::StrCat(
      "# hotline-sim: unit staff and leads of the sample\n", lines);
  const bool ok =
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_add_unit_tokens)) return AddUnitTokens();
  auto creds = hotline::tools::ClientCredentialsFromFlags();
  if (!creds.ok()) {
    std::cerr << "hotline-sim: " << creds.status().message() << "\n";
    return 1;
  }
  hotline::sim::Options o;
  o.intake = absl::GetFlag(FLAGS_intake);
  o.routing = absl::GetFlag(FLAGS_routing);
  o.deadline = absl::GetFlag(FLAGS_deadline);
  o.assessment = absl::GetFlag(FLAGS_assessment);
  o.credentials = *creds;
  o.tokens_file = absl::GetFlag(FLAGS_tokens);
  o.seed = absl::GetFlag(FLAGS_seed);
  o.days = absl::GetFlag(FLAGS_days);
  o.orders_per_day = absl::GetFlag(FLAGS_orders_per_day);
  o.run_id = absl::GetFlag(FLAGS_run_id);
  o.verbose = absl::GetFlag(FLAGS_verbose);
  if (!absl::GetFlag(FLAGS_quiet)) o.log = &std::cerr;
  if (o.days < 1 || o.orders_per_day < 0) {
    std::cerr << "hotline-sim: --days must be ≥ 1, --orders_per_day ≥ 0\n";
    return 1;
  }
  auto summary = hotline::sim::Run(o);
  if (!summary.ok()) {
    std::cerr << "hotline-sim: " << summary.status().message() << "\n";
    return 1;
  }
  std::cout << hotline::sim::FormatSummary(*summary);
  return 0;
}
