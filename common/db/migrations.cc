#include "common/db/migrations.h"

#include <openssl/sha.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/db/connection.h"
#include "common/status/status.h"

namespace hotline::db {
namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT NOT NULL PRIMARY KEY,"
    " name VARCHAR(255) NOT NULL,"
    " checksum CHAR(64) NOT NULL,"
    " applied_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";

// MySQL 8 limits lock names to 64 characters.
std::string LockName(const std::string& schema) {
  std::string name = absl::StrCat(schema, ".migrations");
  if (name.size() <= 64) return name;
  return absl::StrCat("hotline.migrations.",
                      MigrationChecksum(schema).substr(0, 40));
}

struct Applied {
  std::string name;
  std::string checksum;
};

absl::Status ApplyLocked(Connection& conn,
                         const std::vector<const Migration*>& sorted) {
  RETURN_IF_ERROR(conn.Execute(kCreateTable));
  std::map<int, Applied> applied;
  ASSIGN_OR_RETURN(auto rs, conn.Query("SELECT version, name, checksum FROM "
                                       "schema_migrations ORDER BY version"));
  RETURN_IF_ERROR(conn.Guard("read schema_migrations", [&] {
    while (rs->next()) {
      applied[rs->getInt(1)] = Applied{rs->getString(2), rs->getString(3)};
    }
  }));

  for (const Migration* m : sorted) {
    const std::string checksum = MigrationChecksum(m->sql);
    auto it = applied.find(m->version);
    if (it != applied.end()) {
      if (it->second.checksum != checksum) {
        return absl::FailedPreconditionError(
            absl::StrCat("migration ", m->name, " (version ", m->version,
                         ") was changed after it was applied as ",
                         it->second.name, ": its checksum is ", checksum,
                         ", the recorded one ", it->second.checksum,
                         ". Never edit an applied migration; add a new one."));
      }
      continue;
    }
    for (const std::string& statement : SplitSqlStatements(m->sql)) {
      absl::Status status = conn.Execute(statement);
      if (!status.ok()) {
        return absl::Status(
            status.code(),
            absl::StrCat("migration ", m->name, ": ", status.message()));
      }
    }
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * insert,
        conn.Prepare("INSERT INTO schema_migrations (version, name, checksum) "
                     "VALUES (?, ?, ?)"));
    RETURN_IF_ERROR(conn.Guard(absl::StrCat("record migration ", m->name), [&] {
      insert->setInt(1, m->version);
      insert->setString(2, m->name);
      insert->setString(3, checksum);
      insert->executeUpdate();
    }));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> MigrationVersion(absl::string_view file_name) {
  absl::string_view rest = file_name;
  size_t underscore = rest.find('_');
  int version = 0;
  if (!absl::ConsumeSuffix(&rest, ".sql") ||
      underscore == absl::string_view::npos || underscore == 0 ||
      !std::all_of(rest.begin(), rest.begin() + underscore,
                   [](char c) { return absl::ascii_isdigit(c); }) ||
      !absl::SimpleAtoi(rest.substr(0, underscore), &version) || version <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("migration file '", file_name,
                     "' is not named NNN_description.sql with NNN > 0"));
  }
  return version;
}

std::vector<std::string> SplitSqlStatements(absl::string_view sql) {
  std::vector<std::string> statements;
  std::string current;
  bool has_code = false;
  auto finish = [&] {
    if (has_code) {
      statements.push_back(std::string(absl::StripAsciiWhitespace(current)));
    }
    current.clear();
    has_code = false;
  };
  for (absl::string_view line : absl::StrSplit(sql, '\n')) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(trimmed, "--") || absl::StartsWith(trimmed, "#")) {
      continue;
    }
    absl::string_view body = absl::StripTrailingAsciiWhitespace(line);
    bool ends = absl::ConsumeSuffix(&body, ";");
    if (!absl::StripAsciiWhitespace(body).empty()) has_code = true;
    absl::StrAppend(&current, body, "\n");
    if (ends) finish();
  }
  finish();
  return statements;
}

std::string MigrationChecksum(absl::string_view sql) {
  std::string normalized;
  normalized.reserve(sql.size());
  for (char c : sql) {
    if (c != '\r') normalized.push_back(c);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(normalized.data()),
         normalized.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : digest) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 15]);
  }
  return hex;
}

absl::StatusOr<std::vector<Migration>> LoadMigrations(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(
        absl::StrCat("migrations folder '", dir, "' does not exist"));
  }
  std::vector<Migration> migrations;
  std::map<int, std::string> seen;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") {
      continue;
    }
    ASSIGN_OR_RETURN(int version, MigrationVersion(name));
    auto [it, inserted] = seen.emplace(version, name);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("migrations ", it->second, " and ", name, " in ", dir,
                       " share version ", version));
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream contents;
    contents << in.rdbuf();
    if (!in) {
      return absl::InternalError(
          absl::StrCat("cannot read migration ", entry.path().string()));
    }
    migrations.push_back(Migration{version, name, contents.str()});
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot list ", dir, ": ", ec.message()));
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) {
              return a.version < b.version;
            });
  return migrations;
}

absl::Status ApplyMigrations(ConnectionPool& pool, const std::string& dir,
                             const MigrationOptions& options) {
  ASSIGN_OR_RETURN(std::vector<Migration> migrations, LoadMigrations(dir));
  return ApplyMigrations(pool, migrations, options);
}

absl::Status ApplyMigrations(ConnectionPool& pool,
                             const std::vector<Migration>& migrations,
                             const MigrationOptions& options) {
  const std::string& schema = pool.config().schema;
  if (schema.empty()) {
    return absl::FailedPreconditionError(
        "migrations need a schema in the MySQL URL (mysql://.../schema)");
  }
  std::vector<const Migration*> sorted;
  std::map<int, const Migration*> by_version;
  for (const Migration& m : migrations) {
    if (m.version <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration ", m.name, " has version ", m.version));
    }
    auto [it, inserted] = by_version.emplace(m.version, &m);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("migrations ", it->second->name, " and ", m.name,
                       " share version ", m.version));
    }
  }
  for (const auto& [version, m] : by_version) sorted.push_back(m);

  // Everything below runs on one session: the named lock belongs to it.
  ASSIGN_OR_RETURN(PooledConnection conn, pool.Acquire());
  const std::string lock = LockName(schema);
  ASSIGN_OR_RETURN(sql::PreparedStatement * get_lock,
                   conn->Prepare("SELECT GET_LOCK(?, ?)"));
  ASSIGN_OR_RETURN(bool locked, conn->Guard("take the migration lock", [&] {
    get_lock->setString(1, lock);
    get_lock->setInt(2, static_cast<int>(std::max<int64_t>(
                            1, absl::ToInt64Seconds(options.lock_timeout))));
    std::unique_ptr<sql::ResultSet> rs(get_lock->executeQuery());
    return rs->next() && !rs->isNull(1) && rs->getInt(1) == 1;
  }));
  if (!locked) {
    return absl::DeadlineExceededError(absl::StrCat(
        "migrations of ", schema, ": another process held lock '", lock,
        "' for ", absl::FormatDuration(options.lock_timeout)));
  }
  absl::Status status = ApplyLocked(*conn, sorted);
  absl::Status released = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(sql::PreparedStatement * release,
                     conn->Prepare("SELECT RELEASE_LOCK(?)"));
    return conn->Guard("release the migration lock", [&] {
      release->setString(1, lock);
      std::unique_ptr<sql::ResultSet> rs(release->executeQuery());
    });
  }();
  // If the release failed the session is suspect: closing it frees the lock.
  if (!released.ok()) conn->MarkBroken();
  return status;
}

}  // namespace hotline::db
