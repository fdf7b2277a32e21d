#include "tests/support/test_db.h"

#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/db/connection.h"
#include "common/status/status.h"

#ifndef HOTLINE_SOURCE_DIR_DEFAULT
#define HOTLINE_SOURCE_DIR_DEFAULT ""
#endif

namespace hotline::testing {
namespace {

std::string RandomHex(int digits) {
  static std::mt19937_64 gen(std::random_device{}() ^
                             (static_cast<uint64_t>(getpid()) << 32));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i) out.push_back(kHex[gen() % 16]);
  return out;
}

// Lower-case [a-z0-9_] only, at most `max` characters.
std::string Identifier(absl::string_view in, size_t max) {
  std::string out;
  for (char c : in) {
    if (out.size() >= max) break;
    auto u = static_cast<unsigned char>(c);
    out.push_back(absl::ascii_isalnum(u) ? absl::ascii_tolower(u) : '_');
  }
  if (out.empty()) out = "t";
  return out;
}

std::string SqlString(absl::string_view s) {
  return absl::StrCat(
      "'", absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"'", "''"}}), "'");
}

// Runs statements on a short-lived admin connection.
absl::Status AdminExecute(const db::ConnectionConfig& config,
                          const std::vector<std::string>& statements) {
  db::PoolOptions options;
  options.max_size = 1;
  ASSIGN_OR_RETURN(auto pool, db::ConnectionPool::Create(config, options));
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool->Acquire());
  for (const std::string& sql : statements) RETURN_IF_ERROR(conn->Execute(sql));
  return absl::OkStatus();
}

std::string ShellQuote(absl::string_view s) {
  return absl::StrCat("'", absl::StrReplaceAll(s, {{"'", "'\\''"}}), "'");
}

}  // namespace

absl::StatusOr<db::ConnectionConfig> TestServerAdminConfig() {
  std::string url;
  if (const char* env = std::getenv("HOTLINE_TEST_MYSQL");
      env != nullptr && *env != '\0') {
    url = env;
  } else {
    const char* file = std::getenv("HOTLINE_TEST_MYSQL_FILE");
    if (file == nullptr || *file == '\0') {
      return absl::FailedPreconditionError(
          "no test database: set HOTLINE_TEST_MYSQL (admin URL) or "
          "HOTLINE_TEST_MYSQL_FILE, or run the test through ctest, whose "
          "fixture mariadb_fixture_start provides one");
    }
    std::ifstream in(file);
    if (!std::getline(in, url)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot read the test database URL from ", file,
          " (HOTLINE_TEST_MYSQL_FILE); did mariadb_fixture_start run?"));
    }
  }
  url = std::string(absl::StripAsciiWhitespace(url));
  absl::StatusOr<db::ConnectionConfig> config =
      db::ConnectionConfig::ParseUrl(url);
  if (!config.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("test database URL: ", config.status().message()));
  }
  config->schema.clear();
  return config;
}

// ---------------------------------------------------------------- TestSchema

TestSchema::TestSchema(db::ConnectionConfig admin, std::string name)
    : admin_(std::move(admin)), config_(admin_), name_(std::move(name)) {
  config_.schema = name_;
}

absl::StatusOr<std::unique_ptr<TestSchema>> TestSchema::Create(
    absl::string_view prefix) {
  ASSIGN_OR_RETURN(db::ConnectionConfig admin, TestServerAdminConfig());
  std::string name =
      absl::StrCat(Identifier(prefix, 32), "_", getpid(), "_", RandomHex(8));
  RETURN_IF_ERROR(
      AdminExecute(admin, {absl::StrCat("CREATE DATABASE `", name,
                                        "` CHARACTER SET utf8mb4 COLLATE "
                                        "utf8mb4_unicode_ci")}));
  return std::unique_ptr<TestSchema>(new TestSchema(admin, std::move(name)));
}

TestSchema::~TestSchema() {
  std::vector<std::string> statements = {
      absl::StrCat("DROP DATABASE IF EXISTS `", name_, "`")};
  for (const std::string& user : users_) {
    statements.push_back(absl::StrCat("DROP USER IF EXISTS ", user));
  }
  absl::Status status = AdminExecute(admin_, statements);
  if (!status.ok()) {
    std::cerr << "TestSchema: cleaning up " << name_ << ": " << status << "\n";
  }
}

absl::StatusOr<db::ConnectionConfig> TestSchema::CreateUser(
    absl::string_view user, absl::string_view password) {
  // 32 characters is MySQL 8's limit for user names.
  std::string name = absl::StrCat(Identifier(user, 23), "_", RandomHex(8));
  std::string account = absl::StrCat(SqlString(name), "@'%'");
  RETURN_IF_ERROR(AdminExecute(
      admin_,
      {absl::StrCat("CREATE USER ", account, " IDENTIFIED BY ",
                    SqlString(password)),
       absl::StrCat("GRANT ALL PRIVILEGES ON `", name_, "`.* TO ", account)}));
  users_.push_back(account);
  db::ConnectionConfig config = config_;
  config.user = name;
  config.password = std::string(password);
  return config;
}

absl::Status TestSchema::Execute(const std::string& sql) {
  return AdminExecute(config_, {sql});
}

// ------------------------------------------------------------ PrivateMariaDb

PrivateMariaDb::PrivateMariaDb(std::string script, std::string dir)
    : script_(std::move(script)), dir_(std::move(dir)) {}

absl::StatusOr<std::unique_ptr<PrivateMariaDb>> PrivateMariaDb::Create() {
  std::string source = HOTLINE_SOURCE_DIR_DEFAULT;
  if (const char* env = std::getenv("HOTLINE_SOURCE_DIR");
      env != nullptr && *env != '\0') {
    source = env;
  }
  std::string script = absl::StrCat(source, "/deploy/local/mariadb.sh");
  if (source.empty() || !std::filesystem::exists(script)) {
    return absl::FailedPreconditionError(
        absl::StrCat("deploy/local/mariadb.sh not found (HOTLINE_SOURCE_DIR='",
                     source, "')"));
  }
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "hotline-mariadb-XXXXXX")
          .string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", tmpl, " failed"));
  }
  std::unique_ptr<PrivateMariaDb> db(new PrivateMariaDb(script, tmpl));
  RETURN_IF_ERROR(db->Start());
  return db;
}

PrivateMariaDb::~PrivateMariaDb() {
  absl::Status status = Stop();
  if (!status.ok()) std::cerr << "PrivateMariaDb: " << status << "\n";
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

absl::Status PrivateMariaDb::Run(const std::string& args, std::string* output) {
  std::string command =
      absl::StrCat("bash ", ShellQuote(script_), " ", args, " </dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return absl::InternalError(absl::StrCat("cannot run ", command));
  }
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  int rc = pclose(pipe);
  if (output != nullptr) *output = out;
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("`mariadb.sh ", args, "` failed (status ",
                     WIFEXITED(rc) ? WEXITSTATUS(rc) : rc, "): ", out));
  }
  return absl::OkStatus();
}

absl::Status PrivateMariaDb::Start() {
  std::string output;
  RETURN_IF_ERROR(
      Run(absl::StrCat("start ", ShellQuote(dir_), " ", port_), &output));
  ASSIGN_OR_RETURN(
      db::ConnectionConfig config,
      db::ConnectionConfig::ParseUrl(absl::StripAsciiWhitespace(output)));
  admin_ = std::move(config);
  port_ = admin_.port;
  return absl::OkStatus();
}

absl::Status PrivateMariaDb::Stop() {
  return Run(absl::StrCat("stop ", ShellQuote(dir_)), nullptr);
}

absl::Status PrivateMariaDb::Sql(const std::string& statement) {
  return Run(absl::StrCat("sql ", ShellQuote(dir_), " ", ShellQuote(statement)),
             nullptr);
}

absl::StatusOr<std::vector<std::vector<std::string>>> QueryRows(
    db::Connection& conn, const std::vector<std::string>& queries) {
  std::vector<std::vector<std::string>> out;
  for (const std::string& q : queries) {
    absl::StatusOr<std::unique_ptr<sql::ResultSet>> rs = conn.Query(q);
    if (!rs.ok()) {
      return absl::Status(rs.status().code(),
                          absl::StrCat(q, ": ", rs.status().message()));
    }
    RETURN_IF_ERROR(conn.Guard("query rows", [&] {
      const unsigned columns = (*rs)->getMetaData()->getColumnCount();
      while ((*rs)->next()) {
        std::vector<std::string>& row = out.emplace_back();
        row.push_back(q.substr(0, 40));
        for (unsigned c = 1; c <= columns; ++c) {
          row.push_back((*rs)->isNull(c) ? "NULL" : (*rs)->getString(c));
        }
      }
    }));
  }
  return out;
}

}  // namespace hotline::testing
