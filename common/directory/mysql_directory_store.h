#pragma once

// The DirectoryStore in the service's own schema: table directory_unit of the
// shared migration schema/006_directory_unit.sql (DirectoryMigrations(), which
// a service that follows the directory adds to its own migrations).

#include "common/directory/directory_follower.h"

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

}  // namespace hotline::directory
