// common/db against a real MariaDB (the shared test server; one schema per
// test).

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/db/db.h"
#include "common/db/dialect.h"
#include "common/db/multi_row.h"
#include "common/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline_db_testing_TestMigrations.h"
#include "tests/support/test_db.h"

namespace hotline::db {
namespace {

using ::hotline::testing::TestSchema;
using ::testing::HasSubstr;

std::unique_ptr<TestSchema> NewSchema(absl::string_view prefix) {
  auto schema = TestSchema::Create(prefix);
  EXPECT_TRUE(schema.ok()) << schema.status();
  return schema.ok() ? *std::move(schema) : nullptr;
}

std::unique_ptr<ConnectionPool> NewPool(const ConnectionConfig& config,
                                        PoolOptions options = {}) {
  auto pool = ConnectionPool::Create(config, options);
  EXPECT_TRUE(pool.ok()) << pool.status();
  return pool.ok() ? *std::move(pool) : nullptr;
}

// The single value of a one-row, one-column query, as a string.
absl::StatusOr<std::string> QueryString(ConnectionPool& pool,
                                        const std::string& sql) {
  ASSIGN_OR_RETURN(PooledConnection conn, pool.Acquire());
  ASSIGN_OR_RETURN(std::unique_ptr<sql::ResultSet> rs, conn->Query(sql));
  return conn->Guard("read", [&]() -> absl::StatusOr<std::string> {
    if (!rs->next()) return absl::NotFoundError("no row");
    return std::string(rs->getString(1));
  });
}

absl::StatusOr<int64_t> QueryInt(ConnectionPool& pool, const std::string& sql) {
  ASSIGN_OR_RETURN(PooledConnection conn, pool.Acquire());
  ASSIGN_OR_RETURN(std::unique_ptr<sql::ResultSet> rs, conn->Query(sql));
  return conn->Guard("read", [&]() -> absl::StatusOr<int64_t> {
    if (!rs->next()) return absl::NotFoundError("no row");
    return rs->getInt64(1);
  });
}

TEST(DbIntegrationTest, SessionSettings) {
  auto schema = NewSchema("db_session");
  ASSERT_NE(schema, nullptr);
  auto pool = NewPool(schema->config());
  EXPECT_EQ(*QueryString(*pool, "SELECT @@character_set_client"), "utf8mb4");
  EXPECT_EQ(*QueryString(*pool, "SELECT @@character_set_connection"),
            "utf8mb4");
  EXPECT_EQ(*QueryString(*pool, "SELECT @@character_set_results"), "utf8mb4");
  EXPECT_EQ(*QueryString(*pool, "SELECT @@collation_connection"),
            "utf8mb4_unicode_ci");
  EXPECT_EQ(*QueryString(*pool, "SELECT @@session.time_zone"), "+00:00");
  EXPECT_EQ(*QueryString(*pool, "SELECT @@tx_isolation"), "READ-COMMITTED");
  EXPECT_THAT(*QueryString(*pool, "SELECT @@session.sql_mode"),
              HasSubstr("STRICT_ALL_TABLES"));
  EXPECT_EQ(*QueryString(*pool, "SELECT DATABASE()"), schema->name());
  EXPECT_TRUE(pool->Ping().ok());
}

// INSERT … RETURNING is used where the server has it (MariaDB ≥ 10.5, what
// the tests run on) and never on MySQL, whose version string names no
// MariaDB; a test may force the portable path.
TEST(DbIntegrationTest, InsertReturningFollowsTheServer) {
  auto schema = NewSchema("db_dialect");
  ASSERT_NE(schema, nullptr);
  auto pool = NewPool(schema->config());
  const std::string version = *QueryString(*pool, "SELECT VERSION()");
  auto conn = pool->Acquire();
  ASSERT_TRUE(conn.ok()) << conn.status();
  absl::StatusOr<bool> returning = InsertReturning(**conn);
  ASSERT_TRUE(returning.ok()) << returning.status();
  EXPECT_EQ(*returning,
            absl::StrContains(absl::AsciiStrToLower(version), "mariadb"))
      << version;
  SetInsertReturningForTesting(false);
  EXPECT_FALSE(*InsertReturning(**conn));
  SetInsertReturningForTesting(std::nullopt);
  EXPECT_EQ(*InsertReturning(**conn), *returning);
}

TEST(DbIntegrationTest, CrudRoundTripsChineseTextBigintsAndNulls) {
  auto schema = NewSchema("db_crud");
  ASSERT_NE(schema, nullptr);
  auto pool = NewPool(schema->config());
  absl::StatusOr<PooledConnection> conn = pool->Acquire();
  ASSERT_TRUE(conn.ok()) << conn.status();
  ASSERT_TRUE((*conn)
                  ->Execute("CREATE TABLE note (id BIGINT PRIMARY KEY, "
                            "title VARCHAR(16) NOT NULL, body TEXT NULL, "
                            "UNIQUE KEY uk_title (title)) ENGINE=InnoDB")
                  .ok());

  const std::string title = "噪音扰民😀";  // 4-byte UTF-8 needs utf8mb4
  const std::string body = "市民反映：夜间施工噪音，请尽快处理。";
  const int64_t id = 9'000'000'000'123;  // beyond 32 bits
  auto insert =
      (*conn)->Prepare("INSERT INTO note (id, title, body) VALUES (?, ?, ?)");
  ASSERT_TRUE(insert.ok()) << insert.status();
  ASSERT_TRUE((*conn)
                  ->Guard("insert",
                          [&] {
                            (*insert)->setInt64(1, id);
                            (*insert)->setString(2, title);
                            (*insert)->setString(3, body);
                            (*insert)->executeUpdate();
                            (*insert)->setInt64(1, 2);
                            (*insert)->setString(2, "无正文");
                            (*insert)->setNull(3, 0);
                            (*insert)->executeUpdate();
                          })
                  .ok());

  // Prepare() hands back the cached statement for the same text.
  auto again =
      (*conn)->Prepare("INSERT INTO note (id, title, body) VALUES (?, ?, ?)");
  EXPECT_EQ(*again, *insert);

  auto select =
      (*conn)->Prepare("SELECT id, title, body FROM note ORDER BY id DESC");
  ASSERT_TRUE(select.ok());
  struct Row {
    int64_t id;
    std::string title;
    std::optional<std::string> body;
  };
  auto rows = (*conn)->Guard("select", [&] {
    std::vector<Row> out;
    std::unique_ptr<sql::ResultSet> rs((*select)->executeQuery());
    while (rs->next()) {
      Row row{rs->getInt64(1), rs->getString(2), std::nullopt};
      if (!rs->isNull(3)) row.body = rs->getString(3);
      out.push_back(row);
    }
    return out;
  });
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].id, id);
  EXPECT_EQ((*rows)[0].title, title);
  EXPECT_EQ((*rows)[0].body, body);
  EXPECT_EQ((*rows)[1].title, "无正文");
  EXPECT_EQ((*rows)[1].body, std::nullopt);

  // Chinese text compares in the database as well.
  EXPECT_EQ(*QueryInt(*pool,
                      "SELECT COUNT(*) FROM note WHERE body LIKE "
                      "'%施工噪音%'"),
            1);

  // Errors come back as Status, with the mapping of error.h.
  absl::Status dup = (*conn)->Guard("insert duplicate", [&] {
    (*insert)->setInt64(1, 3);
    (*insert)->setString(2, title);
    (*insert)->setString(3, "secret-value");
    (*insert)->executeUpdate();
  });
  EXPECT_TRUE(absl::IsAlreadyExists(dup)) << dup;
  EXPECT_THAT(dup.message(), HasSubstr("uk_title"));
  absl::Status too_long = (*conn)->Guard("insert too long", [&] {
    (*insert)->setInt64(1, 4);
    (*insert)->setString(2, std::string(17, 'x'));
    (*insert)->setNull(3, 0);
    (*insert)->executeUpdate();
  });
  EXPECT_TRUE(absl::IsInvalidArgument(too_long)) << too_long;
  EXPECT_FALSE((*conn)->broken());

  absl::Status missing = (*conn)->Execute("SELECT * FROM no_such_table");
  EXPECT_TRUE(absl::IsInternal(missing)) << missing;
  auto bad_prepare = (*conn)->Prepare("SELEC nonsense");
  EXPECT_FALSE(bad_prepare.ok());
}

// WriteRows writes every row, in order, in chunks of few statement shapes
// (300 rows at most 128 per statement: 128 + 128 + 32 + 12), and nothing for
// no rows; a failing chunk's error names the write.
TEST(DbIntegrationTest, WriteRowsWritesEveryRowInChunks) {
  auto schema = NewSchema("db_rows");
  ASSERT_NE(schema, nullptr);
  auto pool = NewPool(schema->config());
  absl::StatusOr<PooledConnection> conn = pool->Acquire();
  ASSERT_TRUE(conn.ok()) << conn.status();
  ASSERT_TRUE((*conn)
                  ->Execute("CREATE TABLE entry (id BIGINT AUTO_INCREMENT "
                            "PRIMARY KEY, n INT NOT NULL UNIQUE, "
                            "note VARCHAR(32) NOT NULL) ENGINE=InnoDB")
                  .ok());
  struct Entry {
    int n;
    std::string note;
  };
  const RowsStatement insert{"INSERT INTO entry (n, note) VALUES ", "(?, ?)",
                             "", "write entries", 128};
  auto bind = [](sql::PreparedStatement* stmt, unsigned k, const Entry& e) {
    stmt->setInt(k++, e.n);
    stmt->setString(k++, e.note);
    return k;
  };
  ASSERT_TRUE(WriteRows(**conn, std::vector<Entry>{}, insert, bind).ok());
  EXPECT_EQ(*QueryInt(*pool, "SELECT COUNT(*) FROM entry"), 0);

  // Prepared executions of this session so far.
  auto executions = [&]() -> int64_t {
    auto rs = (*conn)->Query(
        "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE "
        "VARIABLE_NAME = 'COM_STMT_EXECUTE'");
    if (!rs.ok()) return -1;
    auto n = (*conn)->Guard("count", [&]() -> absl::StatusOr<int64_t> {
      if (!(*rs)->next()) return absl::NotFoundError("no row");
      return (*rs)->getInt64(1);
    });
    return n.ok() ? *n : -1;
  };

  std::vector<Entry> rows;
  for (int i = 0; i < 300; ++i)
    rows.push_back({i, absl::StrCat("第", i, "条")});
  const int64_t before = executions();
  ASSERT_TRUE(WriteRows(**conn, rows, insert, bind).ok());
  EXPECT_EQ(executions() - before, 4);
  // Every row once, ids in the rows' order.
  EXPECT_EQ(*QueryInt(*pool, "SELECT COUNT(*) FROM entry"), 300);
  EXPECT_EQ(*QueryInt(*pool,
                      "SELECT COUNT(*) FROM entry e JOIN entry f ON "
                      "f.id = e.id + 1 WHERE f.n <> e.n + 1"),
            0);
  EXPECT_EQ(*QueryString(*pool, "SELECT note FROM entry WHERE n = 299"),
            "第299条");

  absl::Status dup =
      WriteRows(**conn, std::vector<Entry>{{7, "重复"}}, insert, bind);
  EXPECT_TRUE(absl::IsAlreadyExists(dup)) << dup;
  EXPECT_THAT(dup.message(), HasSubstr("write entries"));
}

TEST(DbIntegrationTest, WrongPasswordIsUnavailableAndSaysAccessDenied) {
  auto schema = NewSchema("db_wrongpw");
  ASSERT_NE(schema, nullptr);
  ConnectionConfig config = schema->config();
  config.password = "definitely-wrong";
  auto pool = NewPool(config);  // Create does not connect
  ASSERT_NE(pool, nullptr);
  absl::Status status = pool->Ping();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("access denied"));
  EXPECT_THAT(status.message(), ::testing::Not(HasSubstr("definitely-wrong")));
  EXPECT_EQ(pool->stats().open, 0);
}

TEST(DbIntegrationTest, PoolIsBounded) {
  auto schema = NewSchema("db_bounded");
  ASSERT_NE(schema, nullptr);
  PoolOptions options;
  options.max_size = 2;
  options.acquire_timeout = absl::Milliseconds(200);
  auto pool = NewPool(schema->config(), options);
  auto a = pool->Acquire();
  auto b = pool->Acquire();
  ASSERT_TRUE(a.ok() && b.ok());
  auto c = pool->Acquire();
  EXPECT_TRUE(absl::IsResourceExhausted(c.status())) << c.status();

  // A waiter gets the connection as soon as one is returned.
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(50));
    a->Release();
  });
  auto d = pool->Acquire();
  releaser.join();
  EXPECT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(pool->stats().open, 2);
  EXPECT_EQ(pool->stats().opened_total, 2);
}

TEST(DbIntegrationTest, ConnectionReturnedInsideATransactionIsRolledBack) {
  auto schema = NewSchema("db_leak");
  ASSERT_NE(schema, nullptr);
  ASSERT_TRUE(schema->Execute("CREATE TABLE t (id INT PRIMARY KEY)").ok());
  PoolOptions options;
  options.max_size = 1;
  auto pool = NewPool(schema->config(), options);
  {
    auto conn = pool->Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->Begin().ok());
    ASSERT_TRUE((*conn)->Execute("INSERT INTO t VALUES (1)").ok());
  }  // returned without Commit
  EXPECT_EQ(*QueryInt(*pool, "SELECT COUNT(*) FROM t"), 0);
  EXPECT_EQ(*QueryInt(*pool, "SELECT @@autocommit"), 1);
}

TEST(TransactionIntegrationTest, CommitsOrRollsBack) {
  auto schema = NewSchema("db_txn");
  ASSERT_NE(schema, nullptr);
  ASSERT_TRUE(schema->Execute("CREATE TABLE t (id INT PRIMARY KEY)").ok());
  auto pool = NewPool(schema->config());

  absl::Status ok = RunInTransaction(*pool, [](Connection& conn) {
    RETURN_IF_ERROR(conn.Execute("INSERT INTO t VALUES (1)"));
    return conn.Execute("INSERT INTO t VALUES (2)");
  });
  EXPECT_TRUE(ok.ok()) << ok;

  absl::Status failed = RunInTransaction(*pool, [](Connection& conn) {
    RETURN_IF_ERROR(conn.Execute("INSERT INTO t VALUES (3)"));
    return absl::InvalidArgumentError("body says no");
  });
  EXPECT_TRUE(absl::IsInvalidArgument(failed));

  absl::Status dup = RunInTransaction(*pool, [](Connection& conn) {
    RETURN_IF_ERROR(conn.Execute("INSERT INTO t VALUES (4)"));
    return conn.Execute("INSERT INTO t VALUES (1)");
  });
  EXPECT_TRUE(absl::IsAlreadyExists(dup)) << dup;

  absl::StatusOr<int64_t> count =
      RunInTransaction(*pool, [](Connection& conn) -> absl::StatusOr<int64_t> {
        ASSIGN_OR_RETURN(auto rs, conn.Query("SELECT COUNT(*) FROM t"));
        return conn.Guard("count", [&] {
          rs->next();
          return rs->getInt64(1);
        });
      });
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*count, 2);
}

// AfterCommit callbacks run once their transaction has committed, never for
// one that rolled back (a failed body, a retried attempt), and at once
// outside a transaction.
TEST(TransactionIntegrationTest, AfterCommitRunsOnlyForWhatCommitted) {
  auto schema = NewSchema("db_after_commit");
  ASSERT_NE(schema, nullptr);
  ASSERT_TRUE(schema->Execute("CREATE TABLE t (id INT PRIMARY KEY)").ok());
  auto pool = NewPool(schema->config());
  std::vector<std::string> ran;

  absl::Status committed = RunInTransaction(*pool, [&](Connection& conn) {
    conn.AfterCommit([&] { ran.push_back("已提交"); });
    EXPECT_TRUE(ran.empty());  // not before the commit
    return conn.Execute("INSERT INTO t VALUES (1)");
  });
  ASSERT_TRUE(committed.ok()) << committed;
  EXPECT_THAT(ran, ::testing::ElementsAre("已提交"));

  absl::Status failed = RunInTransaction(*pool, [&](Connection& conn) {
    conn.AfterCommit([&] { ran.push_back("回滚"); });
    RETURN_IF_ERROR(conn.Execute("INSERT INTO t VALUES (2)"));
    return absl::InvalidArgumentError("body says no");
  });
  EXPECT_TRUE(absl::IsInvalidArgument(failed));

  // The first attempt is aborted (as by a deadlock) and rolled back; only
  // the second one's callback runs.
  int attempt = 0;
  absl::Status retried = RunInTransaction(*pool, [&](Connection& conn) {
    const int mine = ++attempt;
    conn.AfterCommit([&ran, mine] { ran.push_back(absl::StrCat("第", mine)); });
    if (mine == 1) return absl::AbortedError("deadlock, try again");
    return conn.Execute("INSERT INTO t VALUES (3)");
  });
  ASSERT_TRUE(retried.ok()) << retried;
  EXPECT_EQ(attempt, 2);

  {
    auto conn = pool->Acquire();
    ASSERT_TRUE(conn.ok());
    (*conn)->AfterCommit([&] { ran.push_back("自动提交"); });
  }
  EXPECT_THAT(ran, ::testing::ElementsAre("已提交", "第2", "自动提交"));
  EXPECT_EQ(*QueryInt(*pool, "SELECT COUNT(*) FROM t"), 2);
}

// Two transactions lock two rows in opposite order: InnoDB kills one of them
// (1213); RunInTransaction runs that one again and both commit exactly once.
TEST(TransactionIntegrationTest, RetriesARealDeadlockAndCommitsOnce) {
  auto schema = NewSchema("db_deadlock");
  ASSERT_NE(schema, nullptr);
  ASSERT_TRUE(schema
                  ->Execute("CREATE TABLE acct (id INT PRIMARY KEY, "
                            "v INT NOT NULL) ENGINE=InnoDB")
                  .ok());
  ASSERT_TRUE(schema->Execute("INSERT INTO acct VALUES (1, 0), (2, 0)").ok());
  ASSERT_TRUE(schema
                  ->Execute("CREATE TABLE applied (txn VARCHAR(8) PRIMARY "
                            "KEY) ENGINE=InnoDB")
                  .ok());
  auto pool = NewPool(schema->config());

  absl::Notification first_locked, second_locked;
  std::atomic<int> runs{0};
  auto transfer = [&](const std::string& name, int first, int second,
                      absl::Notification& mine, absl::Notification& theirs) {
    std::atomic<bool> synced{false};
    return RunInTransaction(*pool, [&](Connection& conn) -> absl::Status {
      ++runs;
      RETURN_IF_ERROR(conn.Execute(
          absl::StrCat("UPDATE acct SET v = v + 1 WHERE id = ", first)));
      if (!synced.exchange(true)) {  // only the first run waits
        mine.Notify();
        theirs.WaitForNotificationWithTimeout(absl::Seconds(10));
      }
      RETURN_IF_ERROR(conn.Execute(
          absl::StrCat("UPDATE acct SET v = v + 1 WHERE id = ", second)));
      return conn.Execute(
          absl::StrCat("INSERT INTO applied VALUES ('", name, "')"));
    });
  };
  absl::Status a, b;
  std::thread ta([&] { a = transfer("a", 1, 2, first_locked, second_locked); });
  std::thread tb([&] { b = transfer("b", 2, 1, second_locked, first_locked); });
  ta.join();
  tb.join();
  EXPECT_TRUE(a.ok()) << a;
  EXPECT_TRUE(b.ok()) << b;
  EXPECT_EQ(runs.load(), 3);  // one victim ran twice
  EXPECT_EQ(*QueryInt(*pool, "SELECT v FROM acct WHERE id = 1"), 2);
  EXPECT_EQ(*QueryInt(*pool, "SELECT v FROM acct WHERE id = 2"), 2);
  EXPECT_EQ(*QueryInt(*pool, "SELECT COUNT(*) FROM applied"), 2);
}

TEST(TransactionIntegrationTest, GivesUpAfterMaxAttempts) {
  auto schema = NewSchema("db_giveup");
  ASSERT_NE(schema, nullptr);
  auto pool = NewPool(schema->config());
  int runs = 0;
  TxnOptions options;
  options.max_attempts = 3;
  options.backoff_base = absl::Milliseconds(1);
  absl::Status status = RunInTransaction(
      *pool,
      [&](Connection&) {
        ++runs;
        return absl::AbortedError("simulated deadlock");
      },
      options);
  EXPECT_TRUE(absl::IsAborted(status));
  EXPECT_EQ(runs, 3);
}

// --------------------------------------------------------------- migrations

int64_t CountRows(ConnectionPool& pool, const std::string& table) {
  auto n = QueryInt(pool, absl::StrCat("SELECT COUNT(*) FROM ", table));
  EXPECT_TRUE(n.ok()) << n.status();
  return n.ok() ? *n : -1;
}

TEST(MigrationsIntegrationTest, TwoConcurrentStartersApplyEachMigrationOnce) {
  // Several rounds: the race window is small.
  for (int round = 0; round < 5; ++round) {
    auto schema = NewSchema("db_migrace");
    ASSERT_NE(schema, nullptr);
    auto pool_a = NewPool(schema->config());
    auto pool_b = NewPool(schema->config());
    absl::Notification go;
    absl::Status a, b;
    std::thread ta([&] {
      go.WaitForNotification();
      a = ApplyMigrations(*pool_a, testing::TestMigrations());
    });
    std::thread tb([&] {
      go.WaitForNotification();
      b = ApplyMigrations(*pool_b, testing::TestMigrations());
    });
    go.Notify();
    ta.join();
    tb.join();
    ASSERT_TRUE(a.ok()) << a;
    ASSERT_TRUE(b.ok()) << b;
    EXPECT_EQ(CountRows(*pool_a, "schema_migrations"), 3);
    EXPECT_EQ(*QueryString(*pool_a,
                           "SELECT GROUP_CONCAT(version ORDER BY version) "
                           "FROM schema_migrations"),
              "1,2,10");
    EXPECT_EQ(CountRows(*pool_a, "widget"), 1);  // 002's seed row, once
    EXPECT_EQ(CountRows(*pool_a, "widget_tag"), 0);
    EXPECT_EQ(*QueryString(*pool_a, "SELECT note FROM widget"),
              "seeded by 002; 中文");
    EXPECT_EQ(*QueryInt(*pool_a,
                        "SELECT COUNT(*) FROM information_schema.statistics "
                        "WHERE table_schema = DATABASE() AND index_name = "
                        "'ix_widget_created'"),
              1);
  }
}

TEST(MigrationsIntegrationTest, ReRunIsANoOpAndNewOnesApply) {
  auto schema = NewSchema("db_migrerun");
  ASSERT_NE(schema, nullptr);
  auto pool = NewPool(schema->config());
  std::vector<Migration> first(testing::TestMigrations().begin(),
                               testing::TestMigrations().begin() + 2);
  ASSERT_TRUE(ApplyMigrations(*pool, first).ok());
  EXPECT_EQ(CountRows(*pool, "schema_migrations"), 2);
  std::string applied_at = *QueryString(
      *pool, "SELECT applied_at FROM schema_migrations WHERE version = 1");

  ASSERT_TRUE(ApplyMigrations(*pool, testing::TestMigrations()).ok());
  EXPECT_EQ(CountRows(*pool, "schema_migrations"), 3);
  ASSERT_TRUE(ApplyMigrations(*pool, testing::TestMigrations()).ok());
  EXPECT_EQ(CountRows(*pool, "schema_migrations"), 3);
  EXPECT_EQ(CountRows(*pool, "widget"), 1);
  EXPECT_EQ(*QueryString(*pool,
                         "SELECT applied_at FROM schema_migrations "
                         "WHERE version = 1"),
            applied_at);
}

TEST(MigrationsIntegrationTest, AppliesAFolder) {
  auto schema = NewSchema("db_migdir");
  ASSERT_NE(schema, nullptr);
  auto pool = NewPool(schema->config());
  absl::Status status =
      ApplyMigrations(*pool, HOTLINE_DB_TESTDATA "/migrations");
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(CountRows(*pool, "schema_migrations"), 3);
  // The embedded copy is the same migrations: nothing more to do.
  ASSERT_TRUE(ApplyMigrations(*pool, testing::TestMigrations()).ok());
  EXPECT_EQ(CountRows(*pool, "widget"), 1);
}

TEST(MigrationsIntegrationTest, ChangedChecksumIsRefused) {
  auto schema = NewSchema("db_migsum");
  ASSERT_NE(schema, nullptr);
  auto pool = NewPool(schema->config());
  ASSERT_TRUE(ApplyMigrations(*pool, testing::TestMigrations()).ok());
  std::vector<Migration> edited = testing::TestMigrations();
  edited[1].sql += "\n-- an innocent-looking edit\n";
  absl::Status status = ApplyMigrations(*pool, edited);
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("002_widget_tags.sql"));
  // The lock was released: a correct run still works.
  EXPECT_TRUE(ApplyMigrations(*pool, testing::TestMigrations()).ok());
}

TEST(MigrationsIntegrationTest, FailingMigrationIsNotRecorded) {
  auto schema = NewSchema("db_migfail");
  ASSERT_NE(schema, nullptr);
  auto pool = NewPool(schema->config());
  std::vector<Migration> migrations = {
      {1, "001_ok.sql", "CREATE TABLE a (id INT PRIMARY KEY);\n"},
      {2, "002_broken.sql",
       "CREATE TABLE b (id INT PRIMARY KEY);\nNONSENSE;\n"},
  };
  absl::Status status = ApplyMigrations(*pool, migrations);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("002_broken.sql"));
  EXPECT_EQ(*QueryString(*pool,
                         "SELECT GROUP_CONCAT(version) FROM "
                         "schema_migrations"),
            "1");
}

// -------------------------------------------------------- least privilege

TEST(LeastPrivilegeIntegrationTest, ServiceUserSeesOnlyItsSchema) {
  auto mine = NewSchema("db_priv_mine");
  auto other = NewSchema("db_priv_other");
  ASSERT_NE(mine, nullptr);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->Execute("CREATE TABLE secret (id INT PRIMARY KEY)").ok());
  auto user = mine->CreateUser("intake", "pw-我的-@/:");
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->schema, mine->name());

  // Through a URL, as a service would get it.
  auto parsed = ConnectionConfig::ParseUrl(user->Url());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  auto pool = NewPool(*parsed);
  ASSERT_TRUE(pool->Ping().ok()) << pool->Ping();
  // Its own schema: migrations (DDL + DML) work.
  ASSERT_TRUE(ApplyMigrations(*pool, testing::TestMigrations()).ok());

  auto conn = pool->Acquire();
  ASSERT_TRUE(conn.ok());
  absl::Status read_other = (*conn)->Execute(
      absl::StrCat("SELECT * FROM `", other->name(), "`.secret"));
  EXPECT_TRUE(absl::IsUnavailable(read_other)) << read_other;
  EXPECT_THAT(read_other.message(), HasSubstr("access denied"));
  absl::Status create_db = (*conn)->Execute("CREATE DATABASE db_priv_nope");
  EXPECT_FALSE(create_db.ok());
  conn->Release();

  ConnectionConfig elsewhere = *user;
  elsewhere.schema = other->name();
  auto other_pool = NewPool(elsewhere);
  absl::Status denied = other_pool->Ping();
  EXPECT_TRUE(absl::IsUnavailable(denied)) << denied;
  EXPECT_THAT(denied.message(), HasSubstr("access denied"));
}

}  // namespace
}  // namespace hotline::db
