#include "common/db/config.h"

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace hotline::db {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string PercentEncode(absl::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : in) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      auto b = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

absl::Status Bad(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad MySQL URL (want mysql://user:password@host:port/"
                   "schema): ",
                   what));
}

std::string HostForUrl(const std::string& host) {
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]");
  return host;
}

}  // namespace

absl::StatusOr<ConnectionConfig> ConnectionConfig::ParseUrl(
    absl::string_view url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "mysql://")) {
    return Bad("it must start with mysql://");
  }
  // The user information ends at the last '@': passwords often contain '@'
  // or '/' even though they should be percent-encoded.
  size_t at = rest.rfind('@');
  if (at == absl::string_view::npos) {
    return Bad("the user (user@host) is missing");
  }
  absl::string_view userinfo = rest.substr(0, at);
  absl::string_view after = rest.substr(at + 1);
  size_t slash = after.find('/');
  absl::string_view hostport = after.substr(0, slash);
  absl::string_view path =
      slash == absl::string_view::npos ? "" : after.substr(slash + 1);

  ConnectionConfig config;
  size_t colon = userinfo.find(':');
  absl::string_view user_raw = userinfo.substr(0, colon);
  std::optional<std::string> user = PercentDecode(user_raw);
  if (!user) return Bad("the user has a malformed %-escape");
  if (user->empty()) return Bad("the user is empty");
  config.user = *std::move(user);
  if (colon != absl::string_view::npos) {
    std::optional<std::string> password =
        PercentDecode(userinfo.substr(colon + 1));
    if (!password) return Bad("the password has a malformed %-escape");
    config.password = *std::move(password);
  }

  absl::string_view host = hostport;
  absl::string_view port;
  if (absl::ConsumePrefix(&host, "[")) {
    size_t close = host.find(']');
    if (close == absl::string_view::npos)
      return Bad("unclosed '[' in the host");
    absl::string_view tail = host.substr(close + 1);
    host = host.substr(0, close);
    if (!tail.empty()) {
      if (tail[0] != ':') return Bad("junk after the IPv6 host");
      port = tail.substr(1);
      if (port.empty()) return Bad("the port after ':' is empty");
    }
  } else {
    size_t pcolon = host.rfind(':');
    if (pcolon != absl::string_view::npos) {
      port = host.substr(pcolon + 1);
      host = host.substr(0, pcolon);
      if (port.empty()) return Bad("the port after ':' is empty");
    }
  }
  if (host.empty()) return Bad("the host is empty");
  config.host = std::string(host);
  if (!port.empty()) {
    int value = 0;
    if (!absl::SimpleAtoi(port, &value) || value <= 0 || value > 65535 ||
        !absl::ascii_isdigit(static_cast<unsigned char>(port[0]))) {
      return Bad(absl::StrCat("the port '", port, "' is not in 1..65535"));
    }
    config.port = value;
  }

  absl::ConsumeSuffix(&path, "/");
  if (path.find('/') != absl::string_view::npos ||
      path.find('?') != absl::string_view::npos) {
    return Bad(absl::StrCat("the schema '", path,
                            "' must be a single name without options"));
  }
  std::optional<std::string> schema = PercentDecode(path);
  if (!schema) return Bad("the schema has a malformed %-escape");
  config.schema = *std::move(schema);
  return config;
}

std::string ConnectionConfig::Url() const {
  std::string userinfo = PercentEncode(user);
  if (!password.empty())
    absl::StrAppend(&userinfo, ":", PercentEncode(password));
  return absl::StrCat("mysql://", userinfo, "@", HostForUrl(host), ":", port,
                      "/", PercentEncode(schema));
}

std::string ConnectionConfig::Redacted() const {
  return absl::StrCat("mysql://", PercentEncode(user),
                      password.empty() ? "" : ":***", "@", HostForUrl(host),
                      ":", port, "/", PercentEncode(schema));
}

}  // namespace hotline::db
