#include "common/db/dialect.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/status/status.h"

namespace hotline::db {
namespace {

// -1: not asked yet; 0 / 1: the answer (or the test's override).
std::atomic<int> insert_returning{-1};

}  // namespace

absl::StatusOr<bool> InsertReturning(Connection& conn) {
  const int known = insert_returning.load(std::memory_order_relaxed);
  if (known >= 0) return known == 1;
  ASSIGN_OR_RETURN(sql::PreparedStatement * version,
                   conn.Prepare("SELECT VERSION()"));
  std::string text;
  RETURN_IF_ERROR(conn.Guard("server version", [&] {
    std::unique_ptr<sql::ResultSet> rs(version->executeQuery());
    if (rs->next()) text = rs->getString(1);
  }));
  // MariaDB reports e.g. "10.11.6-MariaDB-0+deb12u1"; RETURNING came with
  // 10.5. MySQL (8.x) has no RETURNING.
  bool supported = false;
  if (absl::StrContains(absl::AsciiStrToLower(text), "mariadb")) {
    int major = 0, minor = 0;
    if (std::sscanf(text.c_str(), "%d.%d", &major, &minor) == 2) {
      supported = major > 10 || (major == 10 && minor >= 5);
    }
  }
  int expected = -1;
  insert_returning.compare_exchange_strong(expected, supported ? 1 : 0);
  return insert_returning.load() == 1;
}

void SetInsertReturningForTesting(std::optional<bool> value) {
  insert_returning.store(value.has_value() ? (*value ? 1 : 0) : -1);
}

}  // namespace hotline::db
