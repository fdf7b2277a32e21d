// Chaos: orders keep coming in while every process of the suite is killed
// in turn (SIGKILL: no shutdown, no flush) and started again — intake,
// routing, deadline, assessment and the MariaDB server itself. Clients
// retry with the same request_id until intake acknowledges the order, as the
// call-center platform does. Afterwards, once the suite has been left alone,
// every acknowledged order exists exactly once in all four services (intake's
// ticket, routing's assignment, deadline's clocks, assessment's facts), each
// dispatched automatically by the catalogue, and no outbox has an event
// pending for any subscriber.
//
// The suite runs as real processes (tests/e2e/cluster.h) on a MariaDB server
// of the test's own (tests/support/test_db.h), so killing it harms no other
// test. Bounded: HOTLINE_CHAOS_SECONDS of load (default 75), then at most
// 180 s to converge. Waits here are for real processes to die, come back or
// catch up (real time); the services' clocks are manual and never move.

#include <cppconn/resultset.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/db/connection.h"
#include "gtest/gtest.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "tests/e2e/cluster.h"
#include "tests/support/read_file.h"
#include "tests/support/service_fixture.h"
#include "tests/support/test_db.h"

namespace hotline {
namespace {

using testing::Cluster;
using testing::kAgentToken;
using testing::kCenterToken;

const char* const kTowns[] = {"town.longshui",  "town.longgang",
                              "town.tangxiang", "town.baoding",
                              "town.youting",   "town.shuanglu"};
const char* const kPlaces[] = {"滨河路",   "人民公园", "客运站",  "实验小学",
                               "农贸市场", "昌州大道", "石刻广场"};

// Catalogue rules that dispatch every order of the load automatically.
struct Rule {
  const char* id;
  const char* category;
  const char* unit;
  const char* title;
  const char* content;
};
const Rule kRules[] = {
    {"chaos.streetlight", "urban.road.streetlight", "dept.urban", "路灯不亮",
     "%s附近%d号路灯已经坏了好几天，晚上出行很不方便，请尽快维修。"},
    {"chaos.noise", "eco.noise", "dept.ecology", "夜间施工噪声扰民",
     "%s旁工地每晚十一点后仍在施工，噪声很大，影响%d户居民休息。"},
    {"chaos.wage", "labor.wage", "dept.hrss", "拖欠工资",
     "来电人反映在%s附近工地务工，被拖欠工资%d元，多次讨要无果。"},
};

template <typename Stub, typename Req, typename Resp>
grpc::Status Call(Stub* stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&,
                                               Resp*),
                  const std::string& token, const Req& req, Resp* resp,
                  absl::Duration timeout = absl::Seconds(5)) {
  grpc::ClientContext ctx;
  testing::ServiceUnderTest::Authorize(&ctx, token);
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return (stub->*method)(&ctx, req, resp);
}

// One query's single integer (COUNT(*) and the like), as admin of a schema.
class Probe {
 public:
  static absl::StatusOr<Probe> Open(const db::ConnectionConfig& config) {
    db::PoolOptions o;
    o.max_size = 1;
    ASSIGN_OR_RETURN(auto pool, db::ConnectionPool::Create(config, o));
    return Probe(std::move(pool));
  }
  absl::StatusOr<int64_t> Int(const std::string& sql) {
    ASSIGN_OR_RETURN(db::PooledConnection c, pool_->Acquire());
    ASSIGN_OR_RETURN(std::unique_ptr<sql::ResultSet> rs, c->Query(sql));
    return c->Guard(
        "probe", [&]() -> int64_t { return rs->next() ? rs->getInt64(1) : 0; });
  }
  // First column of every row.
  absl::StatusOr<std::vector<std::string>> Strings(const std::string& sql) {
    ASSIGN_OR_RETURN(db::PooledConnection c, pool_->Acquire());
    ASSIGN_OR_RETURN(std::unique_ptr<sql::ResultSet> rs, c->Query(sql));
    return c->Guard("probe", [&] {
      std::vector<std::string> out;
      while (rs->next()) out.push_back(rs->getString(1));
      return out;
    });
  }

 private:
  explicit Probe(std::unique_ptr<db::ConnectionPool> pool)
      : pool_(std::move(pool)) {}
  std::unique_ptr<db::ConnectionPool> pool_;
};

class ChaosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A smaller buffer pool: quicker to start and to recover after SIGKILL.
    setenv("MARIADB_BUFFER_POOL_SIZE", "256M", 1);
    auto db = testing::PrivateMariaDb::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
    // Cluster schemas go to this server (TestServerAdminConfig).
    setenv("HOTLINE_TEST_MYSQL", db_->admin_config().Url().c_str(), 1);
    auto cluster = Cluster::Start({});
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    intake_ = v1::IntakeService::NewStub(cluster_->channel("intake"));
    directory_ = v1::DirectoryService::NewStub(cluster_->channel("routing"));
  }

  void TearDown() override {
    if (HasFailure() && cluster_ != nullptr) {
      std::fprintf(stderr, "%s\n", cluster_->Logs().c_str());
    }
    cluster_.reset();
    db_.reset();
  }

  void LoadDirectoryAndCatalogue() {
    v1::ImportDirectoryRequest req;
    req.set_request_id("chaos-directory");
    req.set_format(v1::DIRECTORY_FORMAT_CSV);
    req.set_content(testing::ReadFile(HOTLINE_SOURCE_DIR
                                      "/data/directory/dazu_sample.csv"));
    req.set_source("sample: Dazu District");
    v1::ImportDirectoryResponse resp;
    grpc::Status s =
        Call(directory_.get(), &v1::DirectoryService::Stub::ImportDirectory,
             kCenterToken, req, &resp, absl::Seconds(30));
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const Rule& r : kRules) {
      v1::UpsertRuleRequest up;
      up.set_request_id(absl::StrCat("chaos-rule-", r.id));
      v1::DispatchRule* rule = up.mutable_rule();
      rule->set_rule_id(r.id);
      rule->set_name(absl::StrCat("混沌测试：", r.title));
      rule->add_category_codes(r.category);
      rule->set_unit_id(r.unit);
      rule->set_priority(100);
      rule->set_automatic(true);
      rule->set_active(true);
      v1::UpsertRuleResponse up_resp;
      s = Call(directory_.get(), &v1::DirectoryService::Stub::UpsertRule,
               kCenterToken, up, &up_resp);
      ASSERT_TRUE(s.ok()) << r.id << ": " << s.error_message();
    }
  }

  static v1::CreateTicketRequest Order(int i) {
    const Rule& r = kRules[i % 3];
    v1::CreateTicketRequest req;
    req.set_request_id(absl::StrCat("chaos-", i));
    req.set_channel(v1::CHANNEL_PHONE);
    req.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
    req.set_category_code(r.category);
    req.mutable_location()->set_town_code(kTowns[i % 6]);
    req.set_title(r.title);
    req.set_content(absl::StrFormat(r.content, kPlaces[i % 7], 100 + i));
    req.mutable_caller()->set_name("王女士");
    req.mutable_caller()->set_phone(absl::StrFormat("139%08d", 10000 + i));
    return req;
  }

  std::unique_ptr<testing::PrivateMariaDb> db_;
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<v1::IntakeService::Stub> intake_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
};

TEST_F(ChaosTest, EveryAcknowledgedOrderExistsOnceEverywhereAfterKills) {
  ASSERT_NO_FATAL_FAILURE(LoadDirectoryAndCatalogue());
  int load_seconds = 75;
  if (const char* env = std::getenv("HOTLINE_CHAOS_SECONDS")) {
    ASSERT_TRUE(absl::SimpleAtoi(env, &load_seconds)) << env;
  }
  const absl::Time t0 = absl::Now();
  const absl::Time load_end = t0 + absl::Seconds(load_seconds);

  // --- load: each client sends new orders until load_end, retrying each
  // with its request_id until it is acknowledged.
  std::mutex mu;
  std::map<std::string, std::string> acked;  // request_id → ticket_id
  std::atomic<int> next{0}, calls{0}, failures{0}, replays{0};
  std::atomic<int> mismatches{0}, abandoned{0};
  // A steady call-center rate (HOTLINE_CHAOS_RATE orders/s, default 12):
  // what is measured is recovery, not how much two cores can take.
  int rate = 12;
  if (const char* env = std::getenv("HOTLINE_CHAOS_RATE")) {
    ASSERT_TRUE(absl::SimpleAtoi(env, &rate) && rate > 0) << env;
  }
  auto client = [&] {
    while (absl::Now() < load_end) {
      const int i = next++;
      const absl::Time due = t0 + absl::Seconds(1) * i / rate;
      if (due > absl::Now()) absl::SleepFor(due - absl::Now());
      if (due >= load_end) break;
      const v1::CreateTicketRequest req = Order(i);
      // Give up on an order only well after the load: a kill lasts seconds.
      const absl::Time give_up = load_end + absl::Seconds(90);
      while (true) {
        v1::CreateTicketResponse resp;
        ++calls;
        grpc::Status s =
            Call(intake_.get(), &v1::IntakeService::Stub::CreateTicket,
                 kAgentToken, req, &resp);
        if (s.ok()) {
          if (resp.replayed()) ++replays;
          std::lock_guard<std::mutex> lock(mu);
          auto [it, fresh] =
              acked.emplace(req.request_id(), resp.ticket().ticket_id());
          if (!fresh && it->second != resp.ticket().ticket_id()) ++mismatches;
          break;
        }
        ++failures;
        // Only the faults this test causes may show; anything else (a
        // refusal of the request itself) is a failure of the test.
        if (s.error_code() != grpc::StatusCode::UNAVAILABLE &&
            s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED &&
            s.error_code() != grpc::StatusCode::ABORTED &&
            s.error_code() != grpc::StatusCode::INTERNAL &&
            s.error_code() != grpc::StatusCode::UNKNOWN) {
          ADD_FAILURE() << req.request_id() << ": " << s.error_code() << " "
                        << s.error_message();
          return;
        }
        if (absl::Now() > give_up) {
          ++abandoned;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
  };

  // --- chaos: kill each service and the database in turn, then restart.
  const std::vector<std::string> victims = {"intake", "routing", "deadline",
                                            "assessment", "mariadb"};
  std::map<std::string, int> kills;
  std::vector<std::string> chaos_errors;
  auto chaos = [&] {
    const absl::Duration period =
        absl::Seconds(load_seconds) / (2 * victims.size() + 1);
    for (size_t k = 0; absl::Now() + period < load_end; ++k) {
      std::this_thread::sleep_for(absl::ToChronoSeconds(period));
      const std::string& v = victims[k % victims.size()];
      const absl::Time down = absl::Now();
      absl::Status s;
      if (v == "mariadb") {
        const std::string pid =
            testing::ReadFile(absl::StrCat(db_->dir(), "/mysqld.pid"));
        int p = 0;
        if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(pid), &p) || p <= 0) {
          chaos_errors.push_back("no mariadbd pid");
          return;
        }
        kill(p, SIGKILL);
        for (int i = 0; i < 100 && kill(p, 0) == 0; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
        s = db_->Start();
      } else {
        cluster_->Kill(v, 0, SIGKILL);
        std::this_thread::sleep_for(std::chrono::seconds(1));
        s = cluster_->Restart(v, 0);
      }
      ++kills[v];
      std::printf("chaos: SIGKILL %s at +%.1f s, back after %.1f s\n",
                  v.c_str(), absl::ToDoubleSeconds(down - t0),
                  absl::ToDoubleSeconds(absl::Now() - down));
      std::fflush(stdout);
      if (!s.ok()) {
        chaos_errors.push_back(absl::StrCat(v, ": ", s.ToString()));
        return;
      }
    }
  };

  std::vector<std::thread> threads;
  for (int c = 0; c < 4; ++c) threads.emplace_back(client);
  std::thread chaos_thread(chaos);
  chaos_thread.join();
  for (auto& t : threads) t.join();
  const absl::Time load_done = absl::Now();
  ASSERT_TRUE(chaos_errors.empty()) << absl::StrJoin(chaos_errors, "\n");
  for (const std::string& v : victims) {
    EXPECT_GE(kills[v], 1) << v << " was never killed";
  }
  EXPECT_EQ(mismatches.load(), 0) << "a retry answered another order";
  EXPECT_EQ(abandoned.load(), 0) << "orders never acknowledged";
  ASSERT_GT(acked.size(), 50u);

  // --- convergence: every acknowledged order once everywhere, no outbox
  // row pending.
  auto probe = [&](const std::string& service) {
    auto p = Probe::Open(cluster_->schema(service).config());
    EXPECT_TRUE(p.ok()) << p.status();
    return std::make_unique<Probe>(*std::move(p));
  };
  auto intake = probe("intake"), routing = probe("routing"),
       deadline = probe("deadline"), assessment = probe("assessment");
  std::set<std::string> tickets;
  for (const auto& [request, ticket] : acked) tickets.insert(ticket);
  ASSERT_EQ(tickets.size(), acked.size()) << "two requests, one order";
  const std::string in_list =
      absl::StrCat("('", absl::StrJoin(tickets, "','"), "')");
  const int64_t n = static_cast<int64_t>(tickets.size());

  // Every check that does not hold yet, one line each.
  std::vector<std::string> why;
  auto converged = [&]() -> bool {
    why.clear();
    struct Check {
      Probe* probe;
      std::string what;
      std::string sql;
      int64_t want;
    };
    std::vector<Check> checks = {
        {intake.get(), "intake: tickets of the acknowledged orders",
         absl::StrCat("SELECT COUNT(*) FROM ticket WHERE ticket_id IN ",
                      in_list),
         n},
        {intake.get(), "intake: orders the load sent but never saw answered",
         absl::StrCat("SELECT COUNT(*) FROM ticket WHERE ticket_id NOT IN ",
                      in_list),
         0},
        {intake.get(), "intake: acknowledged orders shown as dispatched",
         absl::StrCat("SELECT COUNT(*) FROM ticket WHERE holder_unit_id <> '' "
                      "AND ticket_id IN ",
                      in_list),
         n},
        {routing.get(), "routing: assignments, dispatched",
         absl::StrCat("SELECT COUNT(*) FROM assignment WHERE dispatched_at IS "
                      "NOT NULL AND ticket_id IN ",
                      in_list),
         n},
        {routing.get(), "routing: assignments in all",
         "SELECT COUNT(*) FROM assignment", n},
        {deadline.get(), "deadline: orders with clocks",
         absl::StrCat("SELECT COUNT(DISTINCT ticket_id) FROM clock WHERE "
                      "ticket_id IN ",
                      in_list),
         n},
        {deadline.get(), "deadline: clocks started twice",
         "SELECT COUNT(*) FROM (SELECT 1 FROM clock GROUP BY ticket_id, kind, "
         "unit_id, dispatch_round HAVING COUNT(*) > 1) d",
         0},
        {assessment.get(), "assessment: created facts",
         absl::StrCat("SELECT COUNT(*) FROM fact WHERE kind = 'ticket_created' "
                      "AND ticket_id IN ",
                      in_list),
         n},
        {assessment.get(), "assessment: dispatched facts",
         absl::StrCat("SELECT COUNT(*) FROM fact WHERE kind = 'dispatched' "
                      "AND ticket_id IN ",
                      in_list),
         n},
        {assessment.get(), "assessment: orders known",
         "SELECT COUNT(*) FROM ticket_state", n},
    };
    // Deadline's clocks and assessment's clock facts agree.
    absl::StatusOr<int64_t> clocks = deadline->Int(absl::StrCat(
        "SELECT COUNT(*) FROM clock WHERE ticket_id IN ", in_list));
    if (!clocks.ok()) {
      why.push_back(
          absl::StrCat("deadline: clocks: ", clocks.status().ToString()));
    } else {
      checks.push_back({assessment.get(),
                        "assessment: clock_started facts (deadline's clocks)",
                        absl::StrCat("SELECT COUNT(*) FROM fact WHERE kind = "
                                     "'clock_started' AND ticket_id IN ",
                                     in_list),
                        *clocks});
    }
    for (const auto& [name, p] : std::vector<std::pair<std::string, Probe*>>{
             {"intake", intake.get()},
             {"routing", routing.get()},
             {"deadline", deadline.get()},
             {"assessment", assessment.get()}}) {
      checks.push_back({p, absl::StrCat(name, ": outbox_pending rows"),
                        "SELECT COUNT(*) FROM outbox_pending", 0});
      checks.push_back({p, absl::StrCat(name, ": inbox events refused"),
                        "SELECT COUNT(*) FROM inbox WHERE outcome <> 'applied'",
                        0});
    }
    for (const Check& c : checks) {
      absl::StatusOr<int64_t> got = c.probe->Int(c.sql);
      if (!got.ok() || *got != c.want) {
        why.push_back(absl::StrCat(
            c.what, ": ",
            got.ok() ? absl::StrCat(*got) : got.status().ToString(), ", want ",
            c.want));
      }
    }
    return why.empty();
  };
  bool done = false;
  while (!(done = converged()) &&
         absl::Now() < load_done + absl::Seconds(180)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  const absl::Duration converge = absl::Now() - load_done;
  // Still converged a moment later: nothing was about to change.
  if (done) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    done = converged();
  }
  std::vector<std::string> kill_list;
  for (const auto& [v, k] : kills) kill_list.push_back(absl::StrCat(v, " ", k));
  std::printf(
      "chaos: %zu orders acknowledged (%d calls, %d failed and retried, %d "
      "answered as replays) in %.0f s of load; kills: %s; converged %s in "
      "%.1f s\n",
      acked.size(), calls.load(), failures.load(), replays.load(),
      absl::ToDoubleSeconds(load_done - t0),
      absl::StrJoin(kill_list, ", ").c_str(), done ? "" : "NOT",
      absl::ToDoubleSeconds(converge));
  ASSERT_TRUE(done) << "not converged after 180 s:\n"
                    << absl::StrJoin(why, "\n");
}

}  // namespace
}  // namespace hotline
