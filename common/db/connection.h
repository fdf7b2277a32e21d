#pragma once

// A pool of MySQL/MariaDB connections over Connector/C++ 1.1 (which has none).
//
//   ASSIGN_OR_RETURN(auto pool, ConnectionPool::Create(config));
//   ASSIGN_OR_RETURN(PooledConnection conn, pool->Acquire());
//   ASSIGN_OR_RETURN(sql::PreparedStatement * stmt,
//                    conn->Prepare("SELECT title FROM ticket WHERE id = ?"));
//   ASSIGN_OR_RETURN(std::optional<std::string> title,
//                    conn->Guard("read ticket", [&] {
//     stmt->setInt64(1, id);
//     std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
//     std::optional<std::string> t;
//     if (rs->next() && !rs->isNull(1)) t = rs->getString(1);
//     return t;
//   }));
//
// Reading results (Connector/C++ 1.1 quirks): use getInt64()/getUInt64() for
// BIGINT columns (getInt() silently truncates), and check isNull() before
// reading a nullable column (getString() of NULL is "", getInt64() is 0).
// Bind every parameter before each execute; a result set must be destroyed
// before its statement runs again.
//
// Sessions: every connection speaks utf8mb4 (collation utf8mb4_unicode_ci),
// runs with sql_mode STRICT_ALL_TABLES, time_zone '+00:00' (instants are
// stored in UTC; NOW() and TIMESTAMP columns are UTC) and transaction
// isolation READ COMMITTED; autocommit is on outside RunInTransaction.
//
// Threads: the pool is thread-safe; a Connection is used by one thread at a
// time (the one holding its PooledConnection). The Connector/C++ driver is
// created once per process (std::call_once) and each thread that acquires a
// connection is registered with it (driver->threadInit()) the first time it
// does so; a thread_local guard calls driver->threadEnd() when that thread
// exits. Callers need to do nothing.

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db/config.h"
#include "common/db/error.h"

namespace sql {
class Connection;
}  // namespace sql

namespace hotline::db {

class ConnectionPool;

// One database session with its prepared-statement cache. Obtained from
// ConnectionPool::Acquire() through a PooledConnection; not thread-safe.
class Connection {
 public:
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // The prepared statement for `sql`, prepared on first use and cached by its
  // text for the life of the session. Owned by this Connection; valid while
  // the PooledConnection is held (do not keep it across Acquire() calls: after
  // a reconnect the pool hands out a fresh session and statements are
  // prepared again on their next Prepare()). Prepare errors (syntax, missing
  // table) are returned as Status.
  absl::StatusOr<sql::PreparedStatement*> Prepare(const std::string& sql);

  // Runs one statement without parameters and without a result (DDL, SET,
  // one-off writes). Multi-statements are not enabled: one statement only.
  absl::Status Execute(const std::string& sql);

  // Runs one statement without parameters and returns its result set.
  absl::StatusOr<std::unique_ptr<sql::ResultSet>> Query(const std::string& sql);

  // Guard() from error.h that also marks this connection broken after a
  // connection-level error (UNAVAILABLE), so the pool discards it instead of
  // handing it out again. Use it around every use of a statement.
  template <typename F>
  auto Guard(absl::string_view context, F&& f)
      -> decltype(db::Guard(context, std::forward<F>(f))) {
    auto result = db::Guard(context, std::forward<F>(f));
    NoteStatus(StatusOf(result));
    return result;
  }

  // Transactions; RunInTransaction (transaction.h) is the usual way. Begin
  // sends START TRANSACTION (autocommit stays on), Commit/Rollback end it.
  // A connection returned to the pool inside a transaction is rolled back.
  absl::Status Begin();
  absl::Status Commit();
  absl::Status Rollback();
  bool in_transaction() const { return in_transaction_; }

  // Runs `fn` once the open transaction has committed (after Commit()
  // succeeded); dropped if it rolls back or its commit fails. Outside a
  // transaction (what was written is committed already) it runs now. For
  // notifications of what a transaction wrote, e.g. waking an outbox's relay.
  void AfterCommit(std::function<void()> fn);

  // A broken connection is closed instead of being returned to the pool.
  void MarkBroken() { broken_ = true; }
  bool broken() const { return broken_; }

  // Records the outcome of an operation done outside Guard(): UNAVAILABLE
  // marks the connection broken.
  void NoteStatus(const absl::Status& status);

  // The underlying Connector/C++ connection (escape hatch; do not close it).
  sql::Connection& raw() { return *conn_; }

 private:
  friend class ConnectionPool;
  Connection(std::unique_ptr<sql::Connection> conn, std::string schema);

  static const absl::Status& StatusOf(const absl::Status& s) { return s; }
  template <typename T>
  static absl::Status StatusOf(const absl::StatusOr<T>& s) {
    return s.status();
  }

  std::unique_ptr<sql::Connection> conn_;
  std::string schema_;
  std::unordered_map<std::string, std::unique_ptr<sql::PreparedStatement>>
      statements_;
  bool in_transaction_ = false;
  std::vector<std::function<void()>> after_commit_;
  bool broken_ = false;
  std::chrono::steady_clock::time_point last_used_;
};

// RAII handle of a connection borrowed from a pool: returns it on destruction
// (or discards it when broken). Movable, not copyable. The pool must outlive
// its handles.
class PooledConnection {
 public:
  PooledConnection() = default;
  PooledConnection(PooledConnection&& other) noexcept;
  PooledConnection& operator=(PooledConnection&& other) noexcept;
  ~PooledConnection();

  Connection* operator->() const { return conn_.get(); }
  Connection& operator*() const { return *conn_; }
  Connection* get() const { return conn_.get(); }

  // Returns the connection to the pool now.
  void Release();

 private:
  friend class ConnectionPool;
  PooledConnection(ConnectionPool* pool, std::unique_ptr<Connection> conn);

  ConnectionPool* pool_ = nullptr;
  std::unique_ptr<Connection> conn_;
};

struct PoolOptions {
  // At most this many sessions exist at once.
  int max_size = 8;
  // Seconds (Connector/C++ OPT_CONNECT_TIMEOUT / OPT_READ_TIMEOUT).
  int connect_timeout_s = 3;
  int read_timeout_s = 30;
  // How long Acquire() waits for a free connection when max_size are in use
  // before it gives up with RESOURCE_EXHAUSTED.
  absl::Duration acquire_timeout = absl::Seconds(10);
  // An idle connection older than this is checked (ping) on checkout and
  // replaced by a new session if the check fails. Younger ones are trusted; a
  // failure on them shows up as UNAVAILABLE from the first statement (which
  // RunInTransaction retries once on a fresh connection).
  absl::Duration validate_after_idle = absl::Seconds(1);
};

class ConnectionPool {
 public:
  // Never fails because the database is down: sessions are opened lazily by
  // Acquire(), so a service can start before its database and report
  // NOT_SERVING through Ping() until it comes. Fails only for bad options.
  static absl::StatusOr<std::unique_ptr<ConnectionPool>> Create(
      ConnectionConfig config, PoolOptions options = {});

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  // All handles must have been released.
  ~ConnectionPool();

  // A connection, reused or newly opened. Errors: UNAVAILABLE when the server
  // cannot be reached or refuses the credentials (see error.h);
  // RESOURCE_EXHAUSTED when max_size connections stay in use for
  // acquire_timeout.
  absl::StatusOr<PooledConnection> Acquire();

  // Health check: one round trip ("SELECT 1") on a pooled connection. OK or
  // the error (UNAVAILABLE while the database is unreachable or refuses the
  // credentials). Like Acquire() it waits up to acquire_timeout when every
  // connection is in use.
  absl::Status Ping();

  const ConnectionConfig& config() const { return config_; }
  const PoolOptions& options() const { return options_; }

  struct Stats {
    int open = 0;                 // sessions that exist (idle + in use)
    int idle = 0;                 // sessions waiting in the pool
    int64_t opened_total = 0;     // sessions ever opened
    int64_t discarded_total = 0;  // sessions closed after an error
  };
  Stats stats() const;

 private:
  friend class PooledConnection;
  ConnectionPool(ConnectionConfig config, PoolOptions options);

  absl::StatusOr<std::unique_ptr<Connection>> Open();
  void Return(std::unique_ptr<Connection> conn);

  const ConnectionConfig config_;
  const PoolOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // most recently used last
  int open_ = 0;
  int64_t opened_total_ = 0;
  int64_t discarded_total_ = 0;
};

}  // namespace hotline::db
