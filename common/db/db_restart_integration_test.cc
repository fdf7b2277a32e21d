// The pool against a MariaDB that goes away and comes back (a private server
// per test, restarted on the same port and data).

#include <chrono>
#include <memory>
#include <string>

#include "common/db/db.h"
#include "common/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_db.h"

namespace hotline::db {
namespace {

using ::hotline::testing::PrivateMariaDb;
using ::testing::HasSubstr;

class RestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = PrivateMariaDb::Create();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_TRUE(server_
                    ->Sql("CREATE DATABASE app CHARACTER SET utf8mb4 COLLATE "
                          "utf8mb4_unicode_ci")
                    .ok());
    config_ = server_->admin_config();
    config_.schema = "app";
  }

  std::unique_ptr<ConnectionPool> NewPool(PoolOptions options = {}) {
    auto pool = ConnectionPool::Create(config_, options);
    EXPECT_TRUE(pool.ok()) << pool.status();
    return *std::move(pool);
  }

  static constexpr const char* kInsert = "INSERT INTO t (v) VALUES (?)";

  static absl::Status InsertWithCachedStatement(Connection& conn,
                                                const std::string& v) {
    ASSIGN_OR_RETURN(sql::PreparedStatement * stmt, conn.Prepare(kInsert));
    return conn.Guard("insert", [&] {
      stmt->setString(1, v);
      stmt->executeUpdate();
    });
  }

  std::unique_ptr<PrivateMariaDb> server_;
  ConnectionConfig config_;
};

TEST_F(RestartTest, PoolReconnectsAfterServerRestart) {
  auto pool = NewPool();
  {
    auto conn = pool->Acquire();
    ASSERT_TRUE(conn.ok()) << conn.status();
    ASSERT_TRUE((*conn)
                    ->Execute("CREATE TABLE t (id BIGINT AUTO_INCREMENT "
                              "PRIMARY KEY, v VARCHAR(32) NOT NULL)")
                    .ok());
    ASSERT_TRUE(InsertWithCachedStatement(**conn, "前").ok());
  }
  ASSERT_TRUE(server_->Stop().ok());

  // Down: Acquire fails fast with UNAVAILABLE (connection refused, no wait for
  // the connect timeout).
  auto start = std::chrono::steady_clock::now();
  auto down = pool->Acquire();
  EXPECT_TRUE(absl::IsUnavailable(down.status())) << down.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_TRUE(absl::IsUnavailable(pool->Ping()));
  EXPECT_EQ(pool->stats().open, 0);

  ASSERT_TRUE(server_->Start().ok());
  EXPECT_EQ(server_->admin_config().port, config_.port);  // same port

  auto conn = pool->Acquire();
  ASSERT_TRUE(conn.ok()) << conn.status();
  // The statement prepared on the old session is prepared again.
  absl::Status status = InsertWithCachedStatement(**conn, "后");
  EXPECT_TRUE(status.ok()) << status;
  conn->Release();
  EXPECT_TRUE(pool->Ping().ok());
  EXPECT_GE(pool->stats().discarded_total, 1);
}

TEST_F(RestartTest, StaleConnectionIsDetectedOnCheckoutAfterIdle) {
  auto pool = NewPool();
  {
    auto conn = pool->Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->Execute("CREATE TABLE t (id BIGINT AUTO_INCREMENT "
                              "PRIMARY KEY, v VARCHAR(32) NOT NULL)")
                    .ok());
    ASSERT_TRUE(InsertWithCachedStatement(**conn, "a").ok());
  }
  ASSERT_TRUE(server_->Stop().ok());
  ASSERT_TRUE(server_->Start().ok());
  // The restart took longer than validate_after_idle: checkout pings the idle
  // connection, finds it dead and opens a new one.
  auto conn = pool->Acquire();
  ASSERT_TRUE(conn.ok()) << conn.status();
  EXPECT_TRUE(InsertWithCachedStatement(**conn, "b").ok());
  EXPECT_EQ(pool->stats().opened_total, 2);
}

TEST_F(RestartTest, TransactionRetriesOnceOnAConnectionThatDiedUnnoticed) {
  PoolOptions options;
  options.validate_after_idle = absl::Hours(1);  // never ping on checkout
  auto pool = NewPool(options);
  ASSERT_TRUE(RunInTransaction(*pool, [](Connection& conn) {
                return conn.Execute(
                    "CREATE TABLE t (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                    "v VARCHAR(32) NOT NULL)");
              }).ok());
  ASSERT_TRUE(server_->Stop().ok());
  ASSERT_TRUE(server_->Start().ok());

  int runs = 0;
  absl::Status status = RunInTransaction(*pool, [&](Connection& conn) {
    ++runs;
    return InsertWithCachedStatement(conn, "x");
  });
  EXPECT_TRUE(status.ok()) << status;
  // START TRANSACTION hit the dead session, before the body ran; the one
  // retry ran it on a fresh connection.
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(pool->stats().opened_total, 2);
  auto count =
      RunInTransaction(*pool, [](Connection& conn) -> absl::StatusOr<int64_t> {
        ASSIGN_OR_RETURN(auto rs, conn.Query("SELECT COUNT(*) FROM t"));
        return conn.Guard("count", [&] {
          rs->next();
          return rs->getInt64(1);
        });
      });
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*count, 1);
}

TEST_F(RestartTest, PoolCreatedWhileDatabaseIsDownRecoversByItself) {
  ASSERT_TRUE(server_->Stop().ok());
  // A service starts before its database: Create succeeds, health is
  // UNAVAILABLE (→ NOT_SERVING) and the cause is in the message.
  auto pool = NewPool();
  ASSERT_NE(pool, nullptr);
  absl::Status down = pool->Ping();
  EXPECT_TRUE(absl::IsUnavailable(down)) << down;
  EXPECT_THAT(down.message(), HasSubstr("127.0.0.1"));
  EXPECT_THAT(down.message(), ::testing::Not(HasSubstr(config_.password)));
  EXPECT_TRUE(absl::IsUnavailable(pool->Ping()));

  ASSERT_TRUE(server_->Start().ok());
  absl::Status up = pool->Ping();
  EXPECT_TRUE(up.ok()) << up;
  ASSERT_TRUE(
      ApplyMigrations(*pool,
                      std::vector<Migration>{{1, "001_t.sql",
                                              "CREATE TABLE t (id INT PRIMARY "
                                              "KEY);\n"}})
          .ok());
}

}  // namespace
}  // namespace hotline::db
