#include "common/db/connection.h"

#include <cppconn/connection.h>
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace hotline::db {
namespace {

// The driver is created once, before any thread uses it (Connector/C++
// requires that); get_mysql_driver_instance() itself is not thread-safe.
sql::mysql::MySQL_Driver* Driver() {
  static std::once_flag once;
  static sql::mysql::MySQL_Driver* driver = nullptr;
  std::call_once(once,
                 [] { driver = sql::mysql::get_mysql_driver_instance(); });
  return driver;
}

// Registers the calling thread with the client library on first use and
// unregisters it (threadEnd) when the thread exits. Every entry point that
// may talk to the server calls this.
void RegisterThread() {
  struct ThreadRegistration {
    ThreadRegistration() { Driver()->threadInit(); }
    ~ThreadRegistration() { Driver()->threadEnd(); }
  };
  thread_local ThreadRegistration registration;
  (void)registration;
}

// Session settings applied to every new connection. Two statements because
// the isolation variable is spelt differently in MariaDB (@@tx_isolation) and
// MySQL 8 (@@transaction_isolation), while SET SESSION TRANSACTION works on
// both.
constexpr const char* kSessionSetup[] = {
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', "
    "time_zone = '+00:00', collation_connection = 'utf8mb4_unicode_ci'",
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
};

}  // namespace

// ---------------------------------------------------------------- Connection

Connection::Connection(std::unique_ptr<sql::Connection> conn,
                       std::string schema)
    : conn_(std::move(conn)),
      schema_(std::move(schema)),
      last_used_(std::chrono::steady_clock::now()) {}

Connection::~Connection() {
  // Statements before their connection; the server forgets them with it.
  statements_.clear();
  try {
    if (conn_ != nullptr) conn_->close();
  } catch (const sql::SQLException&) {
    // Closing a dead session may throw; nothing to do about it.
  }
}

void Connection::NoteStatus(const absl::Status& status) {
  if (absl::IsUnavailable(status)) broken_ = true;
}

absl::StatusOr<sql::PreparedStatement*> Connection::Prepare(
    const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second.get();
  sql::PreparedStatement* stmt = nullptr;
  RETURN_IF_ERROR(
      Guard("prepare statement", [&] { stmt = conn_->prepareStatement(sql); }));
  statements_.emplace(sql, std::unique_ptr<sql::PreparedStatement>(stmt));
  return stmt;
}

absl::Status Connection::Execute(const std::string& sql) {
  return Guard("execute statement", [&] {
    std::unique_ptr<sql::Statement> stmt(conn_->createStatement());
    stmt->execute(sql);
  });
}

absl::StatusOr<std::unique_ptr<sql::ResultSet>> Connection::Query(
    const std::string& sql) {
  return Guard("query", [&] {
    std::unique_ptr<sql::Statement> stmt(conn_->createStatement());
    return std::unique_ptr<sql::ResultSet>(stmt->executeQuery(sql));
  });
}

absl::Status Connection::Begin() {
  if (in_transaction_) {
    return absl::FailedPreconditionError("transaction already open");
  }
  // Autocommit stays on; an explicit transaction runs until COMMIT or
  // ROLLBACK (one round trip each way, where toggling autocommit takes two
  // to end).
  absl::Status status = Guard("begin transaction", [&] {
    std::unique_ptr<sql::Statement> stmt(conn_->createStatement());
    stmt->execute("START TRANSACTION");
  });
  if (status.ok()) in_transaction_ = true;
  after_commit_.clear();
  return status;
}

absl::Status Connection::Commit() {
  absl::Status status = Guard("commit", [&] { conn_->commit(); });
  in_transaction_ = false;
  std::vector<std::function<void()>> after = std::move(after_commit_);
  after_commit_.clear();
  // A failed commit leaves the session in an unknown state.
  if (!status.ok()) {
    broken_ = true;
    return status;
  }
  for (const auto& fn : after) fn();
  return status;
}

absl::Status Connection::Rollback() {
  absl::Status status = Guard("rollback", [&] { conn_->rollback(); });
  in_transaction_ = false;
  after_commit_.clear();
  if (!status.ok()) broken_ = true;
  return status;
}

void Connection::AfterCommit(std::function<void()> fn) {
  if (!in_transaction_) {
    fn();
    return;
  }
  after_commit_.push_back(std::move(fn));
}

// ---------------------------------------------------------- PooledConnection

PooledConnection::PooledConnection(ConnectionPool* pool,
                                   std::unique_ptr<Connection> conn)
    : pool_(pool), conn_(std::move(conn)) {}

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      conn_(std::move(other.conn_)) {}

PooledConnection& PooledConnection::operator=(
    PooledConnection&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::exchange(other.pool_, nullptr);
    conn_ = std::move(other.conn_);
  }
  return *this;
}

PooledConnection::~PooledConnection() { Release(); }

void PooledConnection::Release() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Return(std::move(conn_));
  pool_ = nullptr;
  conn_.reset();
}

// ------------------------------------------------------------ ConnectionPool

absl::StatusOr<std::unique_ptr<ConnectionPool>> ConnectionPool::Create(
    ConnectionConfig config, PoolOptions options) {
  if (options.max_size < 1) {
    return absl::InvalidArgumentError("PoolOptions.max_size must be >= 1");
  }
  if (options.connect_timeout_s < 1 || options.read_timeout_s < 1) {
    return absl::InvalidArgumentError(
        "PoolOptions connect and read timeouts must be >= 1 s");
  }
  if (config.host.empty() || config.user.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "MySQL config needs a host and a user: ", config.Redacted()));
  }
  Driver();  // create the driver now, before threads race for it
  return std::unique_ptr<ConnectionPool>(
      new ConnectionPool(std::move(config), options));
}

ConnectionPool::ConnectionPool(ConnectionConfig config, PoolOptions options)
    : config_(std::move(config)), options_(options) {}

ConnectionPool::~ConnectionPool() {
  RegisterThread();
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

absl::StatusOr<std::unique_ptr<Connection>> ConnectionPool::Open() {
  sql::ConnectOptionsMap options;
  std::string host = config_.host.find(':') != std::string::npos
                         ? absl::StrCat("[", config_.host, "]")
                         : config_.host;
  options["hostName"] =
      sql::SQLString(absl::StrCat("tcp://", host, ":", config_.port));
  options["userName"] = sql::SQLString(config_.user);
  options["password"] = sql::SQLString(config_.password);
  if (!config_.schema.empty()) {
    options["schema"] = sql::SQLString(config_.schema);
  }
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  options["OPT_RECONNECT"] = false;  // a silent reconnect loses the session
  options["OPT_CONNECT_TIMEOUT"] = options_.connect_timeout_s;
  options["OPT_READ_TIMEOUT"] = options_.read_timeout_s;
  options["OPT_WRITE_TIMEOUT"] = options_.read_timeout_s;

  std::string context = absl::StrCat("connect to ", config_.Redacted());
  std::unique_ptr<sql::Connection> raw;
  absl::Status status = db::Guard(context, [&] {
    raw.reset(Driver()->connect(options));
    std::unique_ptr<sql::Statement> stmt(raw->createStatement());
    for (const char* setup : kSessionSetup) stmt->execute(setup);
  });
  if (!status.ok()) return status;
  return std::unique_ptr<Connection>(
      new Connection(std::move(raw), config_.schema));
}

absl::StatusOr<PooledConnection> ConnectionPool::Acquire() {
  RegisterThread();
  std::unique_ptr<Connection> conn;
  {
    std::unique_lock<std::mutex> lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() +
                          absl::ToChronoMilliseconds(options_.acquire_timeout);
    while (idle_.empty() && open_ >= options_.max_size) {
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout &&
          idle_.empty() && open_ >= options_.max_size) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "no database connection free within ",
            absl::FormatDuration(options_.acquire_timeout), " (all ",
            options_.max_size, " in use) for ", config_.Redacted()));
      }
    }
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;  // reserve the slot; opened below without the lock
    }
  }

  if (conn != nullptr) {
    const auto idle_for = std::chrono::steady_clock::now() - conn->last_used_;
    if (idle_for < absl::ToChronoMilliseconds(options_.validate_after_idle)) {
      return PooledConnection(this, std::move(conn));
    }
    bool valid = false;
    try {
      valid = conn->conn_->isValid();
    } catch (const sql::SQLException&) {
      valid = false;
    }
    if (valid) return PooledConnection(this, std::move(conn));
    // Stale (server restarted, idle timeout...): replace the session. Its
    // statements die with it; Prepare() makes new ones.
    conn.reset();
    std::lock_guard<std::mutex> lock(mu_);
    ++discarded_total_;
  }

  absl::StatusOr<std::unique_ptr<Connection>> opened = Open();
  std::lock_guard<std::mutex> lock(mu_);
  if (!opened.ok()) {
    --open_;
    cv_.notify_one();
    return opened.status();
  }
  ++opened_total_;
  return PooledConnection(this, *std::move(opened));
}

void ConnectionPool::Return(std::unique_ptr<Connection> conn) {
  if (conn->in_transaction() && !conn->broken()) {
    // Left open by a caller that bailed out: never let its writes leak into
    // the next user's transaction. (A broken session is closed below; the
    // server rolls back what it had.)
    (void)conn->Rollback();
  }
  if (conn->broken()) {
    conn.reset();  // closes the session
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    ++discarded_total_;
    cv_.notify_one();
    return;
  }
  conn->last_used_ = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(conn));
  cv_.notify_one();
}

absl::Status ConnectionPool::Ping() {
  absl::StatusOr<PooledConnection> conn = Acquire();
  if (!conn.ok()) return conn.status();
  return (*conn)->Guard("ping", [&] {
    std::unique_ptr<sql::Statement> stmt((*conn)->raw().createStatement());
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery("SELECT 1"));
  });
}

ConnectionPool::Stats ConnectionPool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats stats;
  stats.open = open_;
  stats.idle = static_cast<int>(idle_.size());
  stats.opened_total = opened_total_;
  stats.discarded_total = discarded_total_;
  return stats;
}

}  // namespace hotline::db
