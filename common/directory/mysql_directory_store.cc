#include "common/directory/mysql_directory_store.h"

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/db/connection.h"
#include "common/db/sql_text.h"
#include "common/db/transaction.h"
#include "common/status/status.h"

namespace hotline::directory {
namespace {
constexpr size_t kRowsPerInsert = 100;
}  // namespace

absl::StatusOr<Directory> MysqlDirectoryStore::Load() {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto rs, conn->Query("SELECT unit_id, parent_unit_id, kind, "
                                        "name, short_name, active FROM "
                                        "directory_unit"));
  std::vector<UnitEntry> units;
  RETURN_IF_ERROR(conn->Guard("read the directory copy", [&] {
    while (rs->next()) {
      UnitEntry e;
      e.unit_id = rs->getString(1);
      e.parent_unit_id = rs->getString(2);
      const int kind = rs->getInt(3);
      e.kind = v1::UnitKind_IsValid(kind) ? static_cast<v1::UnitKind>(kind)
                                          : v1::UNIT_KIND_UNSPECIFIED;
      e.name = rs->getString(4);
      e.short_name = rs->getString(5);
      e.active = rs->getInt(6) != 0;
      units.push_back(std::move(e));
    }
  }));
  return Directory(std::move(units));
}

absl::Status MysqlDirectoryStore::Save(const Directory& directory) {
  const std::vector<UnitEntry>& units = directory.units();
  return db::RunInTransaction(*pool_, [&](db::Connection& conn) {
    RETURN_IF_ERROR(conn.Execute("DELETE FROM directory_unit"));
    for (size_t from = 0; from < units.size(); from += kRowsPerInsert) {
      const size_t n = std::min(kRowsPerInsert, units.size() - from);
      ASSIGN_OR_RETURN(
          sql::PreparedStatement * insert,
          conn.Prepare(absl::StrCat(
              "INSERT INTO directory_unit (unit_id, parent_unit_id, kind, "
              "name, short_name, active) VALUES ",
              db::SqlRows("(?,?,?,?,?,?)", n))));
      RETURN_IF_ERROR(conn.Guard("store the directory copy", [&] {
        int p = 1;
        for (size_t i = from; i < from + n; ++i) {
          const UnitEntry& u = units[i];
          insert->setString(p++, u.unit_id);
          insert->setString(p++, u.parent_unit_id);
          insert->setInt(p++, static_cast<int>(u.kind));
          insert->setString(p++, u.name);
          insert->setString(p++, u.short_name);
          insert->setInt(p++, u.active ? 1 : 0);
        }
        insert->executeUpdate();
      }));
    }
    return absl::OkStatus();
  });
}

}  // namespace hotline::directory
