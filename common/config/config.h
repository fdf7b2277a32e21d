#pragma once

// Service configuration: absl flags with environment fallbacks.
//
// Every service takes the flags below; each falls back to the environment
// variable named beside it when the flag is not given on the command line, and
// then to its default. A missing or malformed setting is an error whose message
// is one line naming the flag and its variable, e.g.
//   "--mysql (HOTLINE_MYSQL) is required:
//   mysql://user:password@host:port/schema"
//
//   --listen          HOTLINE_LISTEN          host:port of the gRPC server
//   (port 0: any)
//   --mysql           HOTLINE_MYSQL mysql://user:password@host:port/schema
//   --tokens          HOTLINE_TOKENS          bearer-token file (common/auth)
//   --clock           HOTLINE_CLOCK           system | manual
//   --clock_start     HOTLINE_CLOCK_START     RFC 3339 start of a manual clock
//   --metrics_listen  HOTLINE_METRICS_LISTEN  host:port of Prometheus metrics,
//   or "off"
//   --subscribers     HOTLINE_SUBSCRIBERS     name=host:port,... receivers of
//   this service's events

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(std::string, mysql);
ABSL_DECLARE_FLAG(std::string, tokens);
ABSL_DECLARE_FLAG(std::string, clock);
ABSL_DECLARE_FLAG(std::string, clock_start);
ABSL_DECLARE_FLAG(std::string, metrics_listen);
ABSL_DECLARE_FLAG(std::string, subscribers);
ABSL_DECLARE_FLAG(std::string, service_token);
ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(std::string, tls_key);
ABSL_DECLARE_FLAG(std::string, tls_ca);

namespace hotline::config {

enum class ClockMode { kSystem, kManual };

// A receiver of this service's events (EventSink.Publish).
struct Subscriber {
  std::string name;  // e.g. "deadline"; keys the outbox's delivery state
  // host:port, a gRPC target such as dns:///deadline:7103, or the replicas'
  // IP addresses joined by '|' (127.0.0.1:7103|127.0.0.1:7203).
  std::string address;
};

// The gRPC channel target for a subscriber address: as given, or for a
// '|'-joined list of IP addresses "ipv4:a,b" (balanced round-robin).
std::string ChannelTarget(absl::string_view address);

struct ServiceConfig {
  std::string service_name;
  std::string listen;
  std::string mysql_url;
  std::string tokens_file;
  ClockMode clock_mode = ClockMode::kSystem;
  absl::Time clock_start;      // meaningful with kManual only
  std::string metrics_listen;  // empty when metrics are off
  std::vector<Subscriber> subscribers;
  std::string service_token;
  // PEM files of server/common/tls.h; all empty: plaintext.
  std::string tls_cert, tls_key, tls_ca;
};

// Looks an environment variable up; std::nullopt when unset or empty.
using EnvLookup = std::function<std::optional<std::string>(absl::string_view)>;
EnvLookup ProcessEnv();

// How one setting is resolved: flag value if non-empty, else the variable,
// else `default_value`; required settings with no value are an error.
struct SettingSpec {
  absl::string_view flag;  // without the leading dashes
  absl::string_view env;
  bool required = false;
  absl::string_view default_value = "";
  absl::string_view hint = "";  // the expected form, for the error message
};
absl::StatusOr<std::string> ResolveSetting(const SettingSpec& spec,
                                           absl::string_view flag_value,
                                           const EnvLookup& env);

// Resolves the common settings from already-parsed flags and `env`.
absl::StatusOr<ServiceConfig> LoadServiceConfig(absl::string_view service_name,
                                                const EnvLookup& env);

// Parsers, exposed for tests and for service-specific settings. Each error
// message starts with `what` (e.g. "--listen (HOTLINE_LISTEN)").
absl::Status ValidateHostPort(absl::string_view what, absl::string_view value);
absl::StatusOr<std::vector<Subscriber>> ParseSubscribers(
    absl::string_view what, absl::string_view value);
absl::StatusOr<absl::Time> ParseInstant(absl::string_view what,
                                        absl::string_view value);

}  // namespace hotline::config
