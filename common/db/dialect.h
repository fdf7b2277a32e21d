#pragma once

// What differs between the two servers the services run on (DESIGN.md §8:
// MariaDB 10.11 locally and in CI, MySQL 8 in Compose and production): the
// SQL both take is the rule; where one of them offers a cheaper statement,
// the caller asks here and keeps a portable path beside it.
//
//   INSERT … RETURNING   MariaDB ≥ 10.5 only: the ids of the rows just
//                        inserted, in the rows' order, without a read-back.

#include <optional>

#include "absl/status/statusor.h"
#include "common/db/connection.h"

namespace hotline::db {

// Whether the server behind `conn` takes INSERT … RETURNING. Asked once per
// process (SELECT VERSION(); every pool of a process talks to one server).
absl::StatusOr<bool> InsertReturning(Connection& conn);

// Tests: run the portable path on MariaDB too (or back to asking the server
// with nullopt). Not thread-safe against concurrent InsertReturning calls of
// a running service; set it before the services start.
void SetInsertReturningForTesting(std::optional<bool> value);

}  // namespace hotline::db
