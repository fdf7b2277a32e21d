#pragma once

// Where and as whom a service connects to MySQL/MariaDB.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotline::db {

struct ConnectionConfig {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user;
  std::string password;
  // Default schema of every connection; empty: none (admin connections).
  std::string schema;

  // Parses `mysql://user:password@host:port/schema`. User and password are
  // percent-decoded (so any byte, e.g. '@', ':', '/' or UTF-8 text, can be
  // written as %XX); the port defaults to 3306; the schema and the password may
  // be empty ("mysql://root@127.0.0.1/"). Host may be a bracketed IPv6
  // literal. Errors are INVALID_ARGUMENT naming the part that is wrong and
  // never contain the password.
  static absl::StatusOr<ConnectionConfig> ParseUrl(absl::string_view url);

  // The URL that ParseUrl reads back to this config (user and password
  // percent-encoded).
  std::string Url() const;

  // The URL with the password replaced by "***": safe to log.
  std::string Redacted() const;

  friend bool operator==(const ConnectionConfig& a, const ConnectionConfig& b) {
    return a.host == b.host && a.port == b.port && a.user == b.user &&
           a.password == b.password && a.schema == b.schema;
  }
};

}  // namespace hotline::db
