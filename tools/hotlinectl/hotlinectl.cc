// hotlinectl: the operator's and agent's command line for every day-to-day
// operation of the hotline suite. See `hotlinectl help`.

#include <google/protobuf/descriptor.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/client/client_tls.h"
#include "tools/hotlinectl/commands.h"
#include "tools/hotlinectl/help.h"
#include "tools/hotlinectl/metadata.h"
#include "tools/hotlinectl/rpc.h"
#include "tools/hotlinectl/verbs.h"

ABSL_FLAG(std::string, token, "",
          "bearer token (default: $HOTLINE_TOKEN); whitespace around it is "
          "ignored");
ABSL_FLAG(std::string, intake, "",
          "intake address ($HOTLINE_INTAKE_ADDR, 127.0.0.1:7101)");
ABSL_FLAG(std::string, routing, "",
          "routing address ($HOTLINE_ROUTING_ADDR, 127.0.0.1:7102)");
ABSL_FLAG(std::string, deadline, "",
          "deadline address ($HOTLINE_DEADLINE_ADDR, 127.0.0.1:7103)");
ABSL_FLAG(std::string, assessment, "",
          "assessment address ($HOTLINE_ASSESSMENT_ADDR, 127.0.0.1:7104)");
ABSL_FLAG(std::string, on, "",
          "health / clock verbs: only this service (intake, routing, "
          "deadline, assessment) or an address host:port");
ABSL_FLAG(bool, json, false, "print responses as JSON (for scripts)");
ABSL_FLAG(std::string, data, "",
          "the whole request as JSON (or @file); field=value words override");
ABSL_FLAG(double, timeout, 15, "seconds to wait for an answer");
ABSL_FLAG(std::string, o, "", "output: wide (every column)");
ABSL_FLAG(std::string, output, "", "same as -o");
ABSL_FLAG(std::string, columns, "",
          "the table's columns, by name or field path: number,due,holder");
ABSL_FLAG(bool, all, false, "follow page tokens and print every page");
ABSL_FLAG(std::string, page_token, "", "the page to fetch (from \"more:\")");
ABSL_FLAG(int32_t, page_size, 0, "rows per page (at most 500)");
ABSL_FLAG(std::string, out, "",
          "report, stored-report: write the .html, .md or .csv document to "
          "this file");

namespace hotline::ctl {
namespace {

bool IsHelpFlag(const std::string& arg) {
  return arg == "--help" || arg == "-help" || arg == "-h" ||
         arg == "--helpfull" || arg == "-helpfull";
}

int PrintOrFail(const Options& options, absl::StatusOr<std::string> text) {
  if (!text.ok()) {
    return Fail(options, "USAGE", std::string(text.status().message()));
  }
  std::cout << *text;
  return 0;
}

int Help(const Options& options, const std::vector<std::string>& words) {
  if (words.empty()) {
    std::cout << GeneralHelp();
    return 0;
  }
  return PrintOrFail(options, VerbHelp(words[0]));
}

absl::StatusOr<Options> ReadOptions() {
  Options options;
  options.json = absl::GetFlag(FLAGS_json);
  options.data = absl::GetFlag(FLAGS_data);
  options.on = absl::GetFlag(FLAGS_on);
  options.all = absl::GetFlag(FLAGS_all);
  options.page_token = absl::GetFlag(FLAGS_page_token);
  options.page_size = absl::GetFlag(FLAGS_page_size);
  options.out = absl::GetFlag(FLAGS_out);
  std::string output = absl::GetFlag(FLAGS_o);
  if (output.empty()) output = absl::GetFlag(FLAGS_output);
  if (!output.empty() && output != "wide") {
    return absl::InvalidArgumentError(absl::StrCat(
        "-o ", output, ": only -o wide (or --json, --columns=a,b) exists"));
  }
  options.columns.wide = output == "wide";
  for (absl::string_view name :
       absl::StrSplit(absl::GetFlag(FLAGS_columns), ',', absl::SkipEmpty())) {
    options.columns.names.emplace_back(name);
  }
  if (options.page_size < 0 || options.page_size > 500) {
    return absl::InvalidArgumentError("--page_size: 1–500");
  }
  return options;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "hotlinectl [flags] VERB [field=value ...]; hotlinectl help");
  // --help is hotlinectl's own (the verb's page), not absl's flag list.
  std::vector<char*> args;
  bool want_help = false;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && IsHelpFlag(argv[i])) {
      want_help = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  std::vector<char*> rest =
      absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  std::vector<std::string> words(rest.begin() + 1, rest.end());
  Options plain;
  plain.json = absl::GetFlag(FLAGS_json);
  if (want_help || (!words.empty() && words[0] == "help")) {
    if (!words.empty() && words[0] == "help") words.erase(words.begin());
    if (words.size() >= 3 && words[0] == "call") {
      LinkContracts();
      const auto* method =
          google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
              words[2]);
      if (method == nullptr) {
        return Fail(plain, "USAGE", "no method " + words[2]);
      }
      std::cout << MethodHelp(method,
                              absl::StrCat("call ", words[1], " ", words[2]));
      return 0;
    }
    return Help(plain, words);
  }
  if (words.empty()) {
    std::cout << GeneralHelp();
    return 2;
  }
  const std::string verb = words[0];
  words.erase(words.begin());
  if (verb == "describe") {
    if (words.size() != 1) {
      return Fail(plain, "USAGE",
                  "describe NAME, e.g. describe hotline.v1.Ticket or "
                  "describe reply");
    }
    return PrintOrFail(plain, Describe(words[0]));
  }
  absl::StatusOr<Options> options = ReadOptions();
  if (!options.ok()) {
    return Fail(plain, "USAGE", std::string(options.status().message()));
  }
  if (verb != "health" && verb != "call" && FindVerb(verb) == nullptr) {
    // The same message help gives, with the nearest verbs.
    return PrintOrFail(*options, VerbHelp(verb).status());
  }

  Connection connection;
  connection.address_flags = {{"intake", absl::GetFlag(FLAGS_intake)},
                              {"routing", absl::GetFlag(FLAGS_routing)},
                              {"deadline", absl::GetFlag(FLAGS_deadline)},
                              {"assessment", absl::GetFlag(FLAGS_assessment)}};
  connection.timeout_seconds = absl::GetFlag(FLAGS_timeout);
  if (!(connection.timeout_seconds > 0 &&
        connection.timeout_seconds <= 24 * 3600)) {
    return Fail(*options, "USAGE",
                "--timeout: seconds, more than 0, at most "
                "86400");
  }
  TokenInput token{absl::GetFlag(FLAGS_token), "--token"};
  if (token.value.empty()) {
    if (const char* env = std::getenv("HOTLINE_TOKEN")) {
      token = {env, "$HOTLINE_TOKEN"};
    }
  }
  absl::StatusOr<Metadata> metadata = BuildMetadata(token);
  if (!metadata.ok()) {
    return Fail(*options, "INVALID_ARGUMENT",
                std::string(metadata.status().message()));
  }
  connection.metadata = *std::move(metadata);
  auto credentials = tools::ClientCredentialsFromFlags();
  if (!credentials.ok()) {
    return Fail(*options, "USAGE", std::string(credentials.status().message()));
  }
  connection.credentials = *std::move(credentials);
  const Client client(std::move(connection));

  if (verb == "health") return Health(client, *options);
  if (verb == "call") {
    if (words.size() < 2) {
      return Fail(*options, "USAGE", "call SERVICE METHOD [field=value ...]");
    }
    return RunRpc(client, *options, words[0], words[1],
                  absl::StrCat("call ", words[0], " ", words[1]),
                  {words.begin() + 2, words.end()});
  }
  return RunVerb(client, *options, verb, words);
}

}  // namespace
}  // namespace hotline::ctl

int main(int argc, char** argv) { return hotline::ctl::Main(argc, argv); }
