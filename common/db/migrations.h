#pragma once

// Schema migrations: services/<name>/schema/NNN_description.sql, applied in
// NNN order at start-up, each exactly once, recorded in
//   schema_migrations(version INT PRIMARY KEY, name, checksum, applied_at).
//
// Files: NNN is a positive decimal version (leading zeros allowed, unique per
// folder); other files in the folder are ignored, a *.sql file with another
// name is an error. A file holds one or more statements, each ending with ';'
// at the end of a line (see SplitSqlStatements). No DELIMITER, no stored
// programs.
//
// Concurrency: ApplyMigrations takes the named lock GET_LOCK('<schema>.
// migrations') (MariaDB and MySQL 8) on one session and re-reads
// schema_migrations once it holds it, so replicas starting together apply each
// migration once; the others wait (up to lock_timeout) and then find nothing to
// do.
//
// Checksums: SHA-256 of the file with '\r' removed. An applied migration whose
// file changed is FAILED_PRECONDITION naming the file: never edit an applied
// migration, add a new one.
//
// DDL is not transactional in MySQL/MariaDB: each DDL statement commits on its
// own. If statement k of a migration fails, statements 1..k-1 stay applied
// while the migration is not recorded, and the next start runs the file from
// the top again. So keep one DDL statement per file, or make statements
// re-runnable (CREATE TABLE IF NOT EXISTS, CREATE INDEX IF NOT EXISTS on
// MariaDB...); a half-applied migration may need repair by hand. The same
// holds when the process dies between the last statement and the insert into
// schema_migrations.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hotline::db {

class ConnectionPool;

struct Migration {
  int version = 0;
  std::string name;  // file name, e.g. "001_create_ticket.sql"
  std::string sql;   // the file's contents
};

struct MigrationOptions {
  // How long to wait for another replica that is migrating the same schema.
  absl::Duration lock_timeout = absl::Seconds(60);
};

// Applies the migrations not yet recorded in the pool's schema (the pool's
// config must name a schema). Migrations need not be sorted; versions must be
// unique.
absl::Status ApplyMigrations(ConnectionPool& pool,
                             const std::vector<Migration>& migrations,
                             const MigrationOptions& options = {});

// Reads `dir` (LoadMigrations) and applies it.
absl::Status ApplyMigrations(ConnectionPool& pool, const std::string& dir,
                             const MigrationOptions& options = {});

// The migrations in `dir`, sorted by version. NOT_FOUND if `dir` does not
// exist; INVALID_ARGUMENT naming the file for a bad name or a duplicate
// version.
absl::StatusOr<std::vector<Migration>> LoadMigrations(const std::string& dir);

// Parses "NNN_description.sql" → NNN; INVALID_ARGUMENT otherwise.
absl::StatusOr<int> MigrationVersion(absl::string_view file_name);

// Splits a migration into statements: a statement ends at a ';' that is the
// last non-blank character of a line. Lines starting with "--" or "#" are
// dropped, and statements that are empty once those are gone are skipped; the
// ';' itself is not part of the statement. A ';' at the end of a line inside a
// string literal or block comment is not supported.
std::vector<std::string> SplitSqlStatements(absl::string_view sql);

// Hex SHA-256 of `sql` with '\r' removed (what schema_migrations.checksum
// holds).
std::string MigrationChecksum(absl::string_view sql);

}  // namespace hotline::db
