// hotline-loadgen: CreateTicket throughput and latency against a running
// hotline-intake, and — in the same run, against the same database server — the
// raw rate of single-row autocommit INSERTs, so the service's cost per order
// can be read as a fraction of what the database does at best.
//
//   hotline-loadgen --target 127.0.0.1:7101 --token TOKEN
//     --mysql mysql://root:PW@127.0.0.1:3306/loadgen_scratch
//     --concurrency 16 --requests 5000
//
// Requests are realistic and varied (27 towns, several categories, random
// mobile numbers, Chinese content), each with a fresh request_id; a share
// (--retry_percent) is sent a second time with the same id, as a client
// retry would. The raw INSERT baseline writes into a scratch table
// (loadgen_raw_insert) that it creates and drops again, in a schema of its
// own on the services' server — never a service's schema, which belongs to
// its service's migrations (hotline_intake etc. are refused); it runs with one
// connection and with --concurrency connections, and both rates are printed.

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/db/connection.h"
#include "common/server/tls.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "tools/client/client_tls.h"
#include "tools/loadgen/orders.h"
#include "tools/loadgen/pipeline.h"

ABSL_FLAG(std::string, target, "127.0.0.1:7101", "hotline-intake address");
ABSL_FLAG(std::string, token, "", "bearer token (CALL_AGENT or CENTER_STAFF)");
ABSL_FLAG(std::string, mysql, "",
          "mysql:// URL of a scratch schema on the services' database server, "
          "for the raw INSERT baseline (not a service's schema; empty: skip "
          "the baseline)");
ABSL_FLAG(int, concurrency, 16, "client threads");
ABSL_FLAG(int, requests, 2000, "CreateTicket calls (distinct orders)");
ABSL_FLAG(int, retry_percent, 0, "share of requests sent twice (same id)");
ABSL_FLAG(std::string, run_id, "", "prefix of request ids (default: time)");
ABSL_FLAG(bool, pipeline, false,
          "every order through all four services: offered --rate for "
          "--duration, lag per stage, CPU per order, peak RSS "
          "(tools/loadgen/pipeline.h)");
ABSL_FLAG(std::string, routing, "127.0.0.1:7102", "--pipeline: routing");
ABSL_FLAG(std::string, assessment, "127.0.0.1:7104", "--pipeline: assessment");
ABSL_FLAG(std::string, center_token, "",
          "--pipeline: CENTER_STAFF token (catalogue rules, facts)");
ABSL_FLAG(double, rate, 200, "--pipeline: orders/s offered (0: flat out)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(60),
          "--pipeline: how long to offer load");
ABSL_FLAG(absl::Duration, settle, absl::Seconds(180),
          "--pipeline: how long to wait for the pipeline to finish");
ABSL_FLAG(std::string, json_out, "", "--pipeline: figures as JSON here");
ABSL_FLAG(std::string, state_dir, "",
          "--pipeline: deploy/local/run.sh's state folder (processes from its "
          "pid files; default: found by name)");

namespace hotline {
namespace {

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * v.size()));
  return v[i];
}

// Runs call(k) for k in [0, count) on `threads` threads; returns the seconds
// taken and appends each call's latency (ms) to `latencies`.
double Drive(int threads, size_t count, const std::function<void(size_t)>& call,
             std::vector<double>* latencies) {
  std::atomic<size_t> next{0};
  std::vector<std::vector<double>> per_thread(threads);
  const absl::Time start = absl::Now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (size_t k; (k = next++) < count;) {
        const absl::Time t0 = absl::Now();
        call(k);
        per_thread[t].push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
      }
    });
  }
  for (auto& t : ts) t.join();
  const double secs = absl::ToDoubleSeconds(absl::Now() - start);
  for (auto& v : per_thread) {
    latencies->insert(latencies->end(), v.begin(), v.end());
  }
  return secs;
}

// The ceiling of any unary call to the service on this machine: the
// standard health check, which touches neither the database nor the
// service's own code, at the same concurrency.
double BareCallRate(const std::shared_ptr<grpc::Channel>& channel, int threads,
                    size_t count) {
  auto health = grpc::health::v1::Health::NewStub(channel);
  std::atomic<int> failed{0};
  std::vector<double> latencies;
  const double secs = Drive(
      threads, count,
      [&](size_t) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
        grpc::health::v1::HealthCheckRequest req;
        grpc::health::v1::HealthCheckResponse resp;
        if (!health->Check(&ctx, req, &resp).ok()) ++failed;
      },
      &latencies);
  if (failed > 0) std::fprintf(stderr, "health: %d failed\n", failed.load());
  return count / secs;
}

// Single-row autocommit INSERTs at `threads` connections: rows per second.
double RawInsertRate(db::ConnectionPool& pool, int threads, int rows) {
  std::atomic<int> next{0};
  std::atomic<int> errors{0};
  const absl::Time start = absl::Now();
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      auto conn = pool.Acquire();
      if (!conn.ok()) {
        ++errors;
        return;
      }
      auto stmt = (*conn)->Prepare(
          "INSERT INTO loadgen_raw_insert (request_id, payload) VALUES (?, ?)");
      if (!stmt.ok()) {
        ++errors;
        return;
      }
      for (int i; (i = next++) < rows;) {
        absl::Status s = (*conn)->Guard("raw insert", [&] {
          (*stmt)->setString(1, absl::StrCat("raw-", threads, "-", i));
          (*stmt)->setString(2, "路灯不亮，请尽快维修。");
          (*stmt)->executeUpdate();
        });
        if (!s.ok()) ++errors;
      }
    });
  }
  for (auto& t : ts) t.join();
  const double secs = absl::ToDoubleSeconds(absl::Now() - start);
  if (errors > 0)
    std::fprintf(stderr, "raw insert: %d errors\n", errors.load());
  return rows / secs;
}

int Main() {
  if (absl::GetFlag(FLAGS_pipeline)) {
    auto credentials = tools::ClientCredentialsFromFlags();
    if (!credentials.ok()) {
      std::fprintf(stderr, "%s\n",
                   std::string(credentials.status().message()).c_str());
      return 2;
    }
    loadgen::PipelineOptions o;
    o.intake = absl::GetFlag(FLAGS_target);
    o.routing = absl::GetFlag(FLAGS_routing);
    o.assessment = absl::GetFlag(FLAGS_assessment);
    o.agent_token = absl::GetFlag(FLAGS_token);
    o.center_token = absl::GetFlag(FLAGS_center_token);
    o.rate = absl::GetFlag(FLAGS_rate);
    o.duration = absl::GetFlag(FLAGS_duration);
    o.concurrency = std::max(1, absl::GetFlag(FLAGS_concurrency));
    o.settle_timeout = absl::GetFlag(FLAGS_settle);
    o.run_id = absl::GetFlag(FLAGS_run_id);
    o.json_out = absl::GetFlag(FLAGS_json_out);
    o.state_dir = absl::GetFlag(FLAGS_state_dir);
    o.credentials = *credentials;
    return loadgen::RunPipeline(o);
  }
  const int concurrency = std::max(1, absl::GetFlag(FLAGS_concurrency));
  const int requests = std::max(1, absl::GetFlag(FLAGS_requests));
  const std::string run =
      absl::GetFlag(FLAGS_run_id).empty()
          ? absl::StrCat("lg", absl::ToUnixMillis(absl::Now()))
          : absl::GetFlag(FLAGS_run_id);
  auto credentials = tools::ClientCredentialsFromFlags();
  if (!credentials.ok()) {
    std::fprintf(stderr, "%s\n",
                 std::string(credentials.status().message()).c_str());
    return 2;
  }
  auto channel = server::NewPeerChannel(absl::GetFlag(FLAGS_target), "intake",
                                        *credentials);
  auto stub = v1::IntakeService::NewStub(channel);

  // The raw INSERT baseline runs before and after the CreateTicket phase (the
  // mean is used), so a change in machine load during the run shows up as a
  // difference between the two instead of skewing the ratio.
  std::unique_ptr<db::ConnectionPool> pool;
  const int raw_rows = std::max(1000, requests / 2);
  auto baseline = [&](double* one, double* many) -> int {
    {
      auto conn = pool->Acquire();
      if (!conn.ok()) {
        std::fprintf(stderr, "--mysql: %s\n",
                     std::string(conn.status().message()).c_str());
        return 2;
      }
      (void)(*conn)->Execute("DROP TABLE IF EXISTS loadgen_raw_insert");
      absl::Status s = (*conn)->Execute(
          "CREATE TABLE loadgen_raw_insert (id BIGINT NOT NULL AUTO_INCREMENT, "
          "request_id VARCHAR(64) NOT NULL, payload VARCHAR(256) NOT NULL, "
          "PRIMARY KEY (id), UNIQUE KEY (request_id)) ENGINE=InnoDB DEFAULT "
          "CHARSET=utf8mb4");
      if (!s.ok()) {
        std::fprintf(stderr, "scratch table: %s\n",
                     std::string(s.message()).c_str());
        return 2;
      }
    }
    *one = RawInsertRate(*pool, 1, raw_rows);
    *many = RawInsertRate(*pool, concurrency, raw_rows);
    auto conn = pool->Acquire();
    if (conn.ok()) {
      (void)(*conn)->Execute("DROP TABLE IF EXISTS loadgen_raw_insert");
    }
    return 0;
  };
  double raw1_before = 0, rawn_before = 0;
  if (!absl::GetFlag(FLAGS_mysql).empty()) {
    auto config = db::ConnectionConfig::ParseUrl(absl::GetFlag(FLAGS_mysql));
    if (!config.ok()) {
      std::fprintf(stderr, "--mysql: %s\n",
                   std::string(config.status().message()).c_str());
      return 2;
    }
    for (const char* service :
         {"intake", "routing", "deadline", "assessment"}) {
      if (config->schema == absl::StrCat("hotline_", service)) {
        std::fprintf(stderr,
                     "--mysql: %s is %s's schema; name a scratch schema of "
                     "the same server (the baseline creates a table in it)\n",
                     config->schema.c_str(), service);
        return 2;
      }
    }
    db::PoolOptions po;
    po.max_size = concurrency + 1;
    auto p = db::ConnectionPool::Create(*config, po);
    if (!p.ok()) return 2;
    pool = std::move(*p);
    if (int rc = baseline(&raw1_before, &rawn_before); rc != 0) return rc;
  }

  // Calls: each order once, plus retries of retry_percent of them.
  std::vector<int> calls;
  for (int i = 0; i < requests; ++i) {
    calls.push_back(i);
    if (i % 100 < absl::GetFlag(FLAGS_retry_percent)) calls.push_back(i);
  }
  std::atomic<int> ok{0}, failed{0}, replayed{0};
  std::vector<double> all;
  const double secs = Drive(
      concurrency, calls.size(),
      [&](size_t k) {
        v1::CreateTicketRequest req = loadgen::MakeOrder(run, calls[k]);
        grpc::ClientContext ctx;
        ctx.AddMetadata("authorization",
                        absl::StrCat("Bearer ", absl::GetFlag(FLAGS_token)));
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
        v1::CreateTicketResponse resp;
        grpc::Status s = stub->CreateTicket(&ctx, req, &resp);
        if (s.ok()) {
          ++ok;
          if (resp.replayed()) ++replayed;
        } else if (failed++ < 5) {
          std::fprintf(stderr, "CreateTicket: %d %s\n", s.error_code(),
                       s.error_message().c_str());
        }
      },
      &all);
  const double orders_per_s = (ok - replayed) / secs;
  const double calls_per_s = calls.size() / secs;
  std::printf(
      "CreateTicket: %zu calls (%d orders, %d replays, %d failed) "
      "in %.2f s at concurrency %d\n",
      calls.size(), ok - replayed.load(), replayed.load(), failed.load(), secs,
      concurrency);
  std::printf("  orders/s %.0f   calls/s %.0f   p50 %.2f ms   p99 %.2f ms\n",
              orders_per_s, calls_per_s, Percentile(all, 0.50),
              Percentile(all, 0.99));

  const double bare = BareCallRate(channel, concurrency, calls.size());
  std::printf(
      "Bare gRPC call (grpc.health.v1.Health/Check) at concurrency %d: %.0f "
      "calls/s (CreateTicket: %.0f%% of it)\n",
      concurrency, bare, 100.0 * calls_per_s / bare);

  if (pool == nullptr) return failed > 0 ? 1 : 0;
  double raw1_after = 0, rawn_after = 0;
  if (int rc = baseline(&raw1_after, &rawn_after); rc != 0) return rc;
  const double raw1 = (raw1_before + raw1_after) / 2;
  const double rawn = (rawn_before + rawn_after) / 2;
  std::printf(
      "Raw single-row autocommit INSERT, same database (before / after): "
      "%.0f / %.0f rows/s on 1 connection, %.0f / %.0f rows/s on %d "
      "connections\n",
      raw1_before, raw1_after, rawn_before, rawn_after, concurrency);
  std::printf(
      "  CreateTicket orders/s vs raw INSERT: %.0f%% of the 1-connection rate, "
      "%.0f%% of the %d-connection rate (target >= 40%%)\n",
      100.0 * orders_per_s / raw1, 100.0 * orders_per_s / rawn, concurrency);
  return failed > 0 ? 1 : 0;
}

}  // namespace
}  // namespace hotline

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return hotline::Main();
}
