// Two hotline-deadline PROCESSES (the real binary, --clock=manual) on one
// schema run their own scanner threads; 2,000 orders; one process is killed
// with SIGKILL while the biggest batch of the run is being fired. Every
// ladder step still fires exactly once, and every overdue clock is reported
// overdue exactly once.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <thread>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "hotline/v1/admin.grpc.pb.h"
#include "services/deadline/tests/deadline_test_util.h"
#include "tests/support/test_db.h"

namespace hotline::deadline {
namespace {

using namespace testutil;  // NOLINT

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

struct Child {
  pid_t pid = -1;
  int port = 0;
  std::shared_ptr<grpc::Channel> channel;
};

Child Spawn(const std::string& mysql, const std::string& tokens,
            const std::string& log) {
  Child c;
  c.port = FreePort();
  std::vector<std::string> args = {
      HOTLINE_BINARY_DIR "/services/deadline/hotline-deadline",
      absl::StrCat("--listen=127.0.0.1:", c.port),
      "--mysql=" + mysql,
      "--tokens=" + tokens,
      "--clock=manual",
      "--clock_start=2024-03-01T08:00:00+08:00",
      "--metrics_listen=off",
      "--service_token=" + std::string(testing::kServiceToken)};
  c.pid = fork();
  if (c.pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  c.channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", c.port),
                                  grpc::InsecureChannelCredentials());
  return c;
}

bool Serving(const Child& c) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  return grpc::health::v1::Health::NewStub(c.channel)
             ->Check(&ctx, req, &resp)
             .ok() &&
         resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
}

void AdvanceTo(const Child& c, absl::Time t) {
  grpc::ClientContext ctx;
  testing::ServiceUnderTest::Authorize(&ctx, testing::kServiceToken);
  v1::AdvanceClockRequest req;
  *req.mutable_to() = ToProto(t);
  v1::AdvanceClockResponse resp;
  grpc::Status s =
      v1::ClockAdmin::NewStub(c.channel)->AdvanceClock(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
}

int64_t Count(db::ConnectionPool& pool, const std::string& sql) {
  auto conn = pool.Acquire();
  EXPECT_TRUE(conn.ok()) << conn.status();
  if (!conn.ok()) return -1;
  auto rs = (*conn)->Query(sql);
  EXPECT_TRUE(rs.ok()) << rs.status();
  if (!rs.ok()) return -1;
  (*rs)->next();
  return (*rs)->getInt64(1);
}

TEST(DeadlineSigkillTest, StepsFireExactlyOnceWhenAReplicaIsKilled) {
  auto schema = testing::TestSchema::Create("deadline");
  ASSERT_TRUE(schema.ok()) << schema.status();
  auto user = (*schema)->CreateUser("deadline", "密码-Pw-1");
  ASSERT_TRUE(user.ok());
  char tokens[] = "/tmp/hotline-deadline-tokens-XXXXXX";
  close(mkstemp(tokens));
  {
    std::ofstream out(tokens);
    out << testing::kServiceToken << " SERVICE\n"
        << testing::kRoutingServiceToken << " SERVICE routing\n"
        << testing::kCenterToken << " CENTER_STAFF\n";
  }
  const std::string log_a = std::string(tokens) + ".a.log";
  const std::string log_b = std::string(tokens) + ".b.log";
  Child a = Spawn(user->Url(), tokens, log_a);
  Child b = Spawn(user->Url(), tokens, log_b);
  // Process B migrates concurrently with A; wait for both to serve.
  for (int i = 0; i < 200 && !(Serving(a) && Serving(b)); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(Serving(a) && Serving(b));

  auto pool = db::ConnectionPool::Create((*schema)->config());
  ASSERT_TRUE(pool.ok());
  ManualClock clock(Local(2024, 3, 1, 8));
  Routing to_a(a.channel, &clock, "routing-a-");
  Routing to_b(b.channel, &clock, "routing-b-");
  // 2,000 consultations dispatched at once; odd ones are accepted.
  constexpr int kOrders = 2000;
  std::vector<v1::TicketEvent> batch_a, batch_b;
  for (int i = 0; i < kOrders; ++i) {
    const std::string t = absl::StrCat("t-", 200000 + i);
    std::vector<v1::TicketEvent>& out = i % 2 == 0 ? batch_a : batch_b;
    Routing& r = i % 2 == 0 ? to_a : to_b;
    out.push_back(
        r.Dispatched(t, "town.longshui", v1::REQUEST_TYPE_CONSULTATION));
    if ((i / 2) % 2 == 1) out.push_back(r.Accepted(t, "town.longshui"));
  }
  for (size_t i = 0; i < batch_a.size(); i += 500) {
    to_a.Publish(std::vector<v1::TicketEvent>(
        batch_a.begin() + i,
        batch_a.begin() + std::min(batch_a.size(), i + 500)));
  }
  for (size_t i = 0; i < batch_b.size(); i += 500) {
    to_b.Publish(std::vector<v1::TicketEvent>(
        batch_b.begin() + i,
        batch_b.begin() + std::min(batch_b.size(), i + 500)));
  }

  bool killed = false;
  int64_t at_kill = 0;
  for (absl::Time now = Local(2024, 3, 2, 8); now <= Local(2024, 4, 10);
       now += absl::Hours(24)) {
    const bool heavy = !killed && now >= Local(2024, 3, 7);  // supervision day
    if (!killed) AdvanceTo(a, now);
    AdvanceTo(b, now);
    if (heavy) {
      // 2,000 supervisions are due now: kill A while the replicas fire them.
      for (int i = 0; i < 100; ++i) {
        at_kill =
            Count(**pool, "SELECT COUNT(*) FROM ladder_step WHERE step = 2");
        if (at_kill > 0) break;
        absl::SleepFor(absl::Milliseconds(20));
      }
      absl::SleepFor(absl::Milliseconds(150));
      ASSERT_EQ(kill(a.pid, SIGKILL), 0);
      waitpid(a.pid, nullptr, 0);
      killed = true;
    }
    // Wait until the survivors fired everything due by now.
    const std::string due_sql = absl::StrCat(
        "SELECT COUNT(*) FROM ladder_due WHERE due_at <= '",
        absl::FormatTime("%Y-%m-%d %H:%M:%S", now, absl::UTCTimeZone()), "'");
    for (int i = 0; i < 600 && Count(**pool, due_sql) > 0; ++i) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_EQ(Count(**pool, due_sql), 0) << "at " << now;
  }
  ASSERT_TRUE(killed);
  // 1,000 never accepted: REMINDER + SUPERVISION; 1,000 accepted:
  // SUPERVISION. Nothing more fires on a timer.
  const int64_t steps = Count(**pool, "SELECT COUNT(*) FROM ladder_step");
  EXPECT_EQ(steps, 1000 * 2 + 1000 * 1);
  EXPECT_EQ(
      Count(**pool, "SELECT COUNT(DISTINCT clock_id, step) FROM ladder_step"),
      steps);
  EXPECT_EQ(Count(**pool, "SELECT COUNT(*) FROM ladder_step WHERE step = 2"),
            2000);
  // The handling clocks, all still unanswered, keep one overdue watch each.
  EXPECT_EQ(Count(**pool, "SELECT COUNT(*) FROM ladder_due"), 2000);
  EXPECT_EQ(Count(**pool, "SELECT COUNT(*) FROM ladder_due WHERE step <> 0"),
            0);
  int64_t events = 0;
  std::map<std::string, int> firsts;
  {
    auto conn = (*pool)->Acquire();
    ASSERT_TRUE(conn.ok());
    auto rs = (*conn)->Query("SELECT event FROM outbox");
    ASSERT_TRUE(rs.ok());
    while ((*rs)->next()) {
      std::unique_ptr<std::istream> blob((*rs)->getBlob(1));
      v1::TicketEvent e;
      e.ParseFromIstream(blob.get());
      events += e.has_ladder_step_fired() ? 1 : 0;
      if (e.has_clock_overdue() && e.clock_overdue().first()) {
        ++firsts[e.clock_overdue().clock_id()];
      }
    }
  }
  EXPECT_EQ(events, steps);
  // Each overdue clock (1,000 responses, 2,000 handling clocks) was reported
  // overdue exactly once, whichever process did it.
  EXPECT_EQ(firsts.size(), 3000u);
  for (const auto& [clock, n] : firsts) EXPECT_EQ(n, 1) << clock;
  const int64_t by_a =
      Count(**pool, "SELECT COUNT(DISTINCT fired_by) FROM ladder_step");
  std::cout << "[ figures ] steps " << steps
            << ", supervisions fired when A was first seen firing them "
            << at_kill << " of 2000 (killed 150 ms later), supervisions by "
            << "the killed replica "
            << Count(**pool, absl::StrCat("SELECT COUNT(*) FROM ladder_step "
                                          "WHERE step = 2 AND fired_by LIKE "
                                          "'%-",
                                          a.pid, "-%'"))
            << ", distinct firing replicas " << by_a << "\n";
  kill(b.pid, SIGTERM);
  waitpid(b.pid, nullptr, 0);
  std::remove(tokens);
  std::remove(log_a.c_str());
  std::remove(log_b.c_str());
}

}  // namespace
}  // namespace hotline::deadline
