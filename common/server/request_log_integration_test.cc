// The shared request log (common/server/idempotency.h, mysql_request_log.h)
// against a real MariaDB: a retry replays, another request under the same
// id is ALREADY_EXISTS naming request_id, a refusal stores nothing,
// concurrent twins run the body once, and an entry carried over from a
// pre-upgrade log (no hash) replays for its rpc.

#include <cppconn/resultset.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/db/transaction.h"
#include "common/server/idempotency.h"
#include "common/server/mysql_request_log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/intake.pb.h"
#include "hotline_server_RequestLogMigrations.h"
#include "tests/support/test_db.h"

namespace hotline::server {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::MergeTicketRequest Merge(const std::string& id, const std::string& reason) {
  v1::MergeTicketRequest r;
  r.set_request_id(id);
  r.set_ticket_id("tk-重复");
  r.set_original_ticket_id("tk-原件");
  r.set_reason(reason);
  return r;
}

class RequestLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = *testing::TestSchema::Create("reqlog");
    pool_ = *db::ConnectionPool::Create(schema_->config());
    ASSERT_TRUE(db::ApplyMigrations(*pool_, RequestLogMigrations()).ok());
  }

  int64_t Scalar(const std::string& sql) {
    auto conn = pool_->Acquire();
    EXPECT_TRUE(conn.ok()) << conn.status();
    auto rs = (*conn)->Query(sql);
    EXPECT_TRUE(rs.ok()) << rs.status();
    (*rs)->next();
    return (*rs)->getInt64(1);
  }

  // One idempotent "merge" whose answer is the reason it was made with,
  // prefixed; counts the runs of its body.
  absl::Status Call(const v1::MergeTicketRequest& req, std::string* answer,
                    absl::Status refuse = absl::OkStatus(),
                    const std::function<void()>& in_body = nullptr) {
    return RunIdempotent(
        *pool_, log_, KeyOf("MergeTicket", req),
        [&](db::Connection&) { return refuse; },
        [&](db::Connection&) -> absl::StatusOr<std::string> {
          ++runs_;
          if (in_body) in_body();
          *answer = absl::StrCat("已合并:", req.reason());
          return *answer;
        },
        [&](db::Connection&, const std::string& stored) {
          *answer = stored;
          return absl::OkStatus();
        });
  }

  std::unique_ptr<testing::TestSchema> schema_;
  std::unique_ptr<db::ConnectionPool> pool_;
  MysqlRequestLog log_;
  std::atomic<int> runs_{0};
};

TEST(RequestHashTest, IgnoresTheRequestIdAndBindsTheContent) {
  EXPECT_EQ(RequestHash(Merge("a-1", "同一诉求")),
            RequestHash(Merge("b-2", "同一诉求")));
  EXPECT_NE(RequestHash(Merge("a-1", "同一诉求")),
            RequestHash(Merge("a-1", "另一诉求")));
  EXPECT_EQ(RequestHash(Merge("a-1", "同一诉求")).size(), 32u);
  RequestKey key = KeyOf("MergeTicket", Merge("a-1", "同一诉求"));
  EXPECT_EQ(key.request_id, "a-1");
  EXPECT_EQ(key.rpc, "MergeTicket");
  EXPECT_EQ(key.hash, RequestHash(Merge("zzz", "同一诉求")));
}

TEST(MatchLoggedTest, SameRequestReplaysOtherIsAlreadyExists) {
  RequestKey key = KeyOf("MergeTicket", Merge("m-1", "同一诉求"));
  LoggedRequest same{"MergeTicket", key.hash, "答复"};
  EXPECT_EQ(*MatchLogged(key, same), "答复");
  LoggedRequest other_rpc{"UnmergeTicket", key.hash, "答复"};
  EXPECT_TRUE(absl::IsAlreadyExists(MatchLogged(key, other_rpc).status()));
  LoggedRequest other_hash{"MergeTicket", RequestHash(Merge("m-1", "另一诉求")),
                           "答复"};
  absl::Status s = MatchLogged(key, other_hash).status();
  EXPECT_TRUE(absl::IsAlreadyExists(s)) << s;
  EXPECT_THAT(std::string(s.message()), StartsWith("request_id: m-1"));
  LoggedRequest carried{"MergeTicket", std::nullopt, "旧答复"};
  EXPECT_EQ(*MatchLogged(key, carried), "旧答复");
}

TEST_F(RequestLogTest, SameIdSameRequestReplaysTheFirstAnswer) {
  std::string first, second;
  ASSERT_TRUE(Call(Merge("merge-001", "市民重复来电"), &first).ok());
  ASSERT_TRUE(Call(Merge("merge-001", "市民重复来电"), &second).ok());
  EXPECT_EQ(first, "已合并:市民重复来电");
  EXPECT_EQ(second, first);
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM idempotency_log WHERE request_id = "
                   "'merge-001' AND rpc = 'MergeTicket' AND "
                   "LENGTH(request_hash) = 32 AND answer <> ''"),
            1);
}

TEST_F(RequestLogTest, SameIdOtherRequestIsAlreadyExistsNamingRequestId) {
  std::string first, second;
  ASSERT_TRUE(Call(Merge("merge-002", "市民重复来电"), &first).ok());
  absl::Status s = Call(Merge("merge-002", "另一个诉求"), &second);
  EXPECT_TRUE(absl::IsAlreadyExists(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("request_id"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("merge-002"));
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM idempotency_log"), 1);
}

TEST_F(RequestLogTest, RefusalStoresNothing) {
  std::string answer;
  absl::Status s = Call(Merge("merge-003", "越权合并"), &answer,
                        absl::PermissionDeniedError("不允许"));
  EXPECT_TRUE(absl::IsPermissionDenied(s)) << s;
  EXPECT_EQ(runs_, 0);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM idempotency_log"), 0);
  // The id is still free for a call that is allowed.
  ASSERT_TRUE(Call(Merge("merge-003", "越权合并"), &answer).ok());
  EXPECT_EQ(runs_, 1);
}

TEST_F(RequestLogTest, ConcurrentTwinsRunTheBodyOnce) {
  // The first call holds its claim (inside its body) until the twin's
  // transaction has begun and passed authorization; the twin then either
  // waits on the claimed row or finds the answer: the body runs once and
  // both get its answer.
  absl::Notification first_in_body, twin_started;
  std::string a, b;
  absl::Status sa, sb;
  std::thread first([&] {
    sa = Call(Merge("merge-004", "并发重试"), &a, absl::OkStatus(), [&] {
      first_in_body.Notify();
      twin_started.WaitForNotification();
    });
  });
  first_in_body.WaitForNotification();
  const v1::MergeTicketRequest req = Merge("merge-004", "并发重试");
  std::thread twin([&] {
    sb = RunIdempotent(
        *pool_, log_, KeyOf("MergeTicket", req),
        [&](db::Connection&) {
          if (!twin_started.HasBeenNotified()) twin_started.Notify();
          return absl::OkStatus();
        },
        [&](db::Connection&) -> absl::StatusOr<std::string> {
          ++runs_;
          return std::string("孪生请求不应执行");
        },
        [&](db::Connection&, const std::string& stored) {
          b = stored;
          return absl::OkStatus();
        });
  });
  first.join();
  twin.join();
  ASSERT_TRUE(sa.ok()) << sa;
  ASSERT_TRUE(sb.ok()) << sb;
  EXPECT_EQ(runs_, 1);
  EXPECT_EQ(a, "已合并:并发重试");
  EXPECT_EQ(b, a);
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM idempotency_log"), 1);
}

TEST_F(RequestLogTest, CarriedOverEntryWithoutHashReplaysForItsRpc) {
  ASSERT_TRUE(schema_
                  ->Execute("INSERT INTO idempotency_log (request_id, rpc, "
                            "request_hash, answer) VALUES ('merge-005', "
                            "'MergeTicket', NULL, '升级前的答复')")
                  .ok());
  std::string answer;
  ASSERT_TRUE(Call(Merge("merge-005", "升级前"), &answer).ok());
  EXPECT_EQ(answer, "升级前的答复");
  EXPECT_EQ(runs_, 0);
  v1::MergeTicketRequest other = Merge("merge-005", "升级前");
  absl::Status s = RunIdempotent(
      *pool_, log_, KeyOf("UnmergeTicket", other),
      [](db::Connection&) { return absl::OkStatus(); },
      [](db::Connection&) -> absl::StatusOr<std::string> { return "x"; },
      [](db::Connection&, const std::string&) { return absl::OkStatus(); });
  EXPECT_TRUE(absl::IsAlreadyExists(s)) << s;
}

}  // namespace
}  // namespace hotline::server
