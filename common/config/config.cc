#include "common/config/config.h"

#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status.h"

ABSL_FLAG(std::string, listen, "",
          "host:port of the gRPC server, port 0 for any (HOTLINE_LISTEN)");
ABSL_FLAG(std::string, mysql, "",
          "mysql://user:password@host:port/schema (HOTLINE_MYSQL)");
ABSL_FLAG(std::string, tokens, "",
          "bearer-token file: TOKEN ROLE [UNIT_ID] per line (HOTLINE_TOKENS)");
ABSL_FLAG(std::string, clock, "", "system | manual (HOTLINE_CLOCK)");
ABSL_FLAG(std::string, clock_start, "",
          "RFC 3339 start instant of a manual clock (HOTLINE_CLOCK_START)");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port of the Prometheus endpoint, or off "
          "(HOTLINE_METRICS_LISTEN)");
ABSL_FLAG(std::string, subscribers, "",
          "name=host:port,... receivers of this service's events "
          "(HOTLINE_SUBSCRIBERS)");

ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain of this service: TLS on its port "
          "(HOTLINE_TLS_CERT)");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key of --tls_cert (HOTLINE_TLS_KEY)");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA certificate(s): mutual TLS, peers must present a certificate "
          "it signed (HOTLINE_TLS_CA)");
ABSL_FLAG(std::string, service_token, "",
          "bearer token (SERVICE role) presented to other services "
          "(HOTLINE_SERVICE_TOKEN)");

namespace hotline::config {
namespace {

std::string What(const SettingSpec& spec) {
  return absl::StrCat("--", spec.flag, " (", spec.env, ")");
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](absl::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

absl::StatusOr<std::string> ResolveSetting(const SettingSpec& spec,
                                           absl::string_view flag_value,
                                           const EnvLookup& env) {
  if (!flag_value.empty()) return std::string(flag_value);
  if (auto value = env(spec.env)) return *value;
  if (!spec.default_value.empty()) return std::string(spec.default_value);
  if (spec.required) {
    return absl::InvalidArgumentError(absl::StrCat(
        What(spec), " is required", spec.hint.empty() ? "" : ": ", spec.hint));
  }
  return std::string();
}

absl::Status ValidateHostPort(absl::string_view what, absl::string_view value) {
  const size_t colon = value.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be host:port, got \"", value, "\""));
  }
  uint32_t port = 0;
  if (!absl::SimpleAtoi(value.substr(colon + 1), &port) || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " has a bad port (0..65535) in \"", value, "\""));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Subscriber>> ParseSubscribers(
    absl::string_view what, absl::string_view value) {
  std::vector<Subscriber> out;
  for (absl::string_view item :
       absl::StrSplit(value, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (kv.first.empty() || kv.second.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " entries must be name=host:port, got \"", item, "\""));
    }
    for (const Subscriber& s : out) {
      if (s.name == kv.first) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, " names \"", kv.first, "\" twice"));
      }
    }
    for (absl::string_view replica : absl::StrSplit(kv.second, '|')) {
      RETURN_IF_ERROR(ValidateHostPort(what, replica));
    }
    out.push_back({std::string(kv.first), std::string(kv.second)});
  }
  return out;
}

std::string ChannelTarget(absl::string_view address) {
  if (!absl::StrContains(address, '|')) return std::string(address);
  const bool v6 = absl::StartsWith(address, "[");
  return absl::StrCat(v6 ? "ipv6:" : "ipv4:",
                      absl::StrReplaceAll(address, {{"|", ","}}));
}

absl::StatusOr<absl::Time> ParseInstant(absl::string_view what,
                                        absl::string_view value) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, value, &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what,
                     " must be an RFC 3339 instant such as "
                     "2024-02-08T08:00:00+08:00, got \"",
                     value, "\""));
  }
  return t;
}

absl::StatusOr<ServiceConfig> LoadServiceConfig(absl::string_view service_name,
                                                const EnvLookup& env) {
  ServiceConfig c;
  c.service_name = std::string(service_name);

  const SettingSpec listen{"listen", "HOTLINE_LISTEN", true, "", "host:port"};
  ASSIGN_OR_RETURN(c.listen,
                   ResolveSetting(listen, absl::GetFlag(FLAGS_listen), env));
  RETURN_IF_ERROR(ValidateHostPort(What(listen), c.listen));

  const SettingSpec mysql{"mysql", "HOTLINE_MYSQL", true, "",
                          "mysql://user:password@host:port/schema"};
  ASSIGN_OR_RETURN(c.mysql_url,
                   ResolveSetting(mysql, absl::GetFlag(FLAGS_mysql), env));
  if (!absl::StartsWith(c.mysql_url, "mysql://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        What(mysql), " must look like mysql://user:password@host:port/schema"));
  }

  const SettingSpec tokens{"tokens", "HOTLINE_TOKENS", true, "",
                           "path of the bearer-token file"};
  ASSIGN_OR_RETURN(c.tokens_file,
                   ResolveSetting(tokens, absl::GetFlag(FLAGS_tokens), env));

  const SettingSpec clock{"clock", "HOTLINE_CLOCK", false, "system", ""};
  ASSIGN_OR_RETURN(std::string mode,
                   ResolveSetting(clock, absl::GetFlag(FLAGS_clock), env));
  if (mode == "system") {
    c.clock_mode = ClockMode::kSystem;
  } else if (mode == "manual") {
    c.clock_mode = ClockMode::kManual;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        What(clock), " must be system or manual, got \"", mode, "\""));
  }

  const SettingSpec start{"clock_start", "HOTLINE_CLOCK_START", false, "", ""};
  ASSIGN_OR_RETURN(
      std::string start_text,
      ResolveSetting(start, absl::GetFlag(FLAGS_clock_start), env));
  if (!start_text.empty()) {
    if (c.clock_mode != ClockMode::kManual) {
      return absl::InvalidArgumentError(
          absl::StrCat(What(start), " is only meaningful with --clock=manual"));
    }
    ASSIGN_OR_RETURN(c.clock_start, ParseInstant(What(start), start_text));
  } else {
    c.clock_start = absl::Now();
  }

  const SettingSpec metrics{"metrics_listen", "HOTLINE_METRICS_LISTEN", true,
                            "", "host:port, or off"};
  ASSIGN_OR_RETURN(
      c.metrics_listen,
      ResolveSetting(metrics, absl::GetFlag(FLAGS_metrics_listen), env));
  if (c.metrics_listen == "off") {
    c.metrics_listen.clear();
  } else {
    RETURN_IF_ERROR(ValidateHostPort(What(metrics), c.metrics_listen));
  }

  const SettingSpec subs{"subscribers", "HOTLINE_SUBSCRIBERS", false, "", ""};
  ASSIGN_OR_RETURN(std::string subs_text,
                   ResolveSetting(subs, absl::GetFlag(FLAGS_subscribers), env));
  ASSIGN_OR_RETURN(c.subscribers, ParseSubscribers(What(subs), subs_text));

  const SettingSpec token{"service_token", "HOTLINE_SERVICE_TOKEN",
                          !c.subscribers.empty(), "",
                          "a SERVICE token, since --subscribers is set"};
  ASSIGN_OR_RETURN(
      c.service_token,
      ResolveSetting(token, absl::GetFlag(FLAGS_service_token), env));
  ASSIGN_OR_RETURN(c.tls_cert,
                   ResolveSetting({"tls_cert", "HOTLINE_TLS_CERT"},
                                  absl::GetFlag(FLAGS_tls_cert), env));
  ASSIGN_OR_RETURN(c.tls_key,
                   ResolveSetting({"tls_key", "HOTLINE_TLS_KEY"},
                                  absl::GetFlag(FLAGS_tls_key), env));
  ASSIGN_OR_RETURN(c.tls_ca, ResolveSetting({"tls_ca", "HOTLINE_TLS_CA"},
                                            absl::GetFlag(FLAGS_tls_ca), env));
  return c;
}

}  // namespace hotline::config
