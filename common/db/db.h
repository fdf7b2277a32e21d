#pragma once

// Everything a service needs to talk to its MySQL/MariaDB schema:
//   config.h       ConnectionConfig (mysql://user:password@host:port/schema)
//   error.h        MySQL errors → absl::Status, Guard()
//   connection.h   ConnectionPool, PooledConnection, Connection
//   transaction.h  RunInTransaction (deadlock retries)
//   migrations.h   ApplyMigrations (schema/NNN_*.sql, once per schema)

#include "common/db/config.h"
#include "common/db/connection.h"
#include "common/db/error.h"
#include "common/db/migrations.h"
#include "common/db/transaction.h"
