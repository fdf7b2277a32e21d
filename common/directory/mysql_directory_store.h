#pragma once

// The DirectoryStore in the service's own schema: table directory_unit of the
// shared migration schema/006_directory_unit.sql (DirectoryMigrations(), which
// a service that follows the directory adds to its own migrations with
// WithDirectoryCopy).

#include <vector>

#include "common/db/migrations.h"
#include "common/directory/directory_follower.h"
#include "hotline_directory_DirectoryMigrations.h"

namespace hotline::db {
class ConnectionPool;
}

namespace hotline::directory {

class MysqlDirectoryStore final : public DirectoryStore {
 public:
  // `pool` is not owned and must outlive the store.
  explicit MysqlDirectoryStore(db::ConnectionPool* pool) : pool_(pool) {}

  absl::StatusOr<Directory> Load() override;
  absl::Status Save(const Directory& directory) override;

 private:
  db::ConnectionPool* pool_;
};

// The migrations of a service that keeps a copy of the directory: the
// copy's shared migration, then the service's own (`Own`), e.g.
//   d.migrations = &directory::WithDirectoryCopy<SchemaMigrations>;
template <const std::vector<db::Migration>& (*Own)()>
const std::vector<db::Migration>& WithDirectoryCopy() {
  static const auto* const kAll = [] {
    auto* all = new std::vector<db::Migration>(DirectoryMigrations());
    for (const db::Migration& m : Own()) all->push_back(m);
    return all;
  }();
  return *kAll;
}

}  // namespace hotline::directory
