#pragma once

// Databases for integration tests.
//
// TestSchema: a fresh, uniquely named schema on the shared test server that
// ctest starts once per run (fixture "mariadb", tests/support/CMakeLists.txt),
// dropped again by the destructor. Tests may run in parallel: every name is
// unique.
//
// PrivateMariaDb: a server of the test's own (for tests that stop and restart
// the database), in a temporary folder, via deploy/local/mariadb.sh.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/db/config.h"

namespace hotline::db {
class Connection;
}  // namespace hotline::db

namespace hotline::testing {

// Every row `queries` return, as text (NULL as "NULL"), each row led by the
// first 40 characters of its query: what two services stored, compared row
// by row. The first failing query's error, naming it.
absl::StatusOr<std::vector<std::vector<std::string>>> QueryRows(
    db::Connection& conn, const std::vector<std::string>& queries);

// The admin URL of the shared test server: env HOTLINE_TEST_MYSQL if set, else
// the contents of the file named by env HOTLINE_TEST_MYSQL_FILE (which ctest
// sets for integration tests). FAILED_PRECONDITION if neither is usable.
absl::StatusOr<db::ConnectionConfig> TestServerAdminConfig();

class TestSchema {
 public:
  // Creates schema "<prefix>_<pid>_<random>" (prefix lower-cased and cut to
  // keep the name short; utf8mb4, utf8mb4_unicode_ci) on the test server.
  static absl::StatusOr<std::unique_ptr<TestSchema>> Create(
      absl::string_view prefix);

  TestSchema(const TestSchema&) = delete;
  TestSchema& operator=(const TestSchema&) = delete;
  // Drops the schema and the users CreateUser made.
  ~TestSchema();

  // The schema's name.
  const std::string& name() const { return name_; }
  // Admin (root) credentials with this schema as the default schema.
  const db::ConnectionConfig& config() const { return config_; }
  // config() as a mysql:// URL (for --mysql flags of services under test).
  std::string url() const { return config_.Url(); }
  // Admin credentials without a default schema.
  const db::ConnectionConfig& admin_config() const { return admin_; }

  // Creates a MySQL user with ALL PRIVILEGES on this schema and nothing else
  // (what each service gets in production) and returns its config pointing at
  // this schema. User names are global on the server, so `user` gets a
  // unique suffix: use the returned config's user.
  absl::StatusOr<db::ConnectionConfig> CreateUser(absl::string_view user,
                                                  absl::string_view password);

  // Runs one statement as admin (with this schema as default).
  absl::Status Execute(const std::string& sql);

 private:
  TestSchema(db::ConnectionConfig admin, std::string name);

  db::ConnectionConfig admin_;
  db::ConnectionConfig config_;
  std::string name_;
  std::vector<std::string> users_;
};

// A MariaDB server of the test's own: deploy/local/mariadb.sh in a temporary
// folder on a free loopback port. Stop() and Start() keep the folder (data)
// and the port, so clients configured once reconnect after a restart. The
// destructor stops the server and removes the folder.
class PrivateMariaDb {
 public:
  static absl::StatusOr<std::unique_ptr<PrivateMariaDb>> Create();

  PrivateMariaDb(const PrivateMariaDb&) = delete;
  PrivateMariaDb& operator=(const PrivateMariaDb&) = delete;
  ~PrivateMariaDb();

  absl::Status Stop();   // SIGTERM; returns once the server has exited
  absl::Status Start();  // same port, same data; returns once it answers

  int port() const { return port_; }
  // root over TCP, no default schema.
  const db::ConnectionConfig& admin_config() const { return admin_; }
  const std::string& dir() const { return dir_; }

  // Runs SQL as root through the mariadb client (mariadb.sh sql).
  absl::Status Sql(const std::string& statement);

 private:
  PrivateMariaDb(std::string script, std::string dir);
  absl::Status Run(const std::string& args, std::string* output);

  std::string script_;
  std::string dir_;
  int port_ = 0;  // 0 until the first start picks one
  db::ConnectionConfig admin_;
};

}  // namespace hotline::testing
