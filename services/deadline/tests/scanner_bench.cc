// Scanner cost per tick: 1,000 ladder rungs due among 10 k and among 1 M open
// clocks (each open clock has its pending rung in ladder_due). Prints the
// milliseconds per tick and the 1 M / 10 k ratio (target: < 200 ms per tick,
// ratio ≤ 1.5: the claim reads the due rows through the due_at index and
// their clocks by primary key).
//
// Needs a MariaDB: HOTLINE_TEST_MYSQL=mysql://root:pw@host:port/ if set,
// else a private server is started in a temporary folder
// (deploy/local/mariadb.sh). Open clocks are bulk-inserted with multi-row
// INSERTs; each iteration restores the 1,000 due rungs outside the timing.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/db/sql_text.h"
#include "services/deadline/core/deadline_core.h"
#include "services/deadline/edge/deadline_service.h"
#include "services/deadline/store/mysql_deadline_store.h"
#include "tests/support/service_fixture.h"

namespace hotline::deadline {
namespace {

using db::SqlTime;

constexpr int kDue = 1000;
const absl::Time kNow = absl::FromUnixSeconds(1709251200);  // 2024-03-01Z

std::map<int64_t, double>& Results() {
  static auto* m = new std::map<int64_t, double>();
  return *m;
}

absl::Status BulkInsert(db::ConnectionPool& pool, int64_t open) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool.Acquire());
  const std::string due_past = SqlTime(kNow - absl::Hours(1));
  const std::string due_future = SqlTime(kNow + absl::Hours(24 * 300));
  const int64_t chunk = 2000;
  for (int64_t first = 1; first <= open; first += chunk) {
    std::string clocks =
        "INSERT INTO clock (clock_id, ticket_id, ticket_number, kind, unit_id, "
        "dispatch_round, running, started_at, working_days, rule, due, "
        "original_due, calendar_version, policy_version, explanation) VALUES ";
    std::string rungs =
        "INSERT INTO ladder_due (clock_id, step, due_at) VALUES ";
    for (int64_t id = first; id < first + chunk && id <= open; ++id) {
      const bool due = id <= kDue;
      const std::string d = due ? due_past : due_future;
      if (id != first) {
        clocks += ",";
        rungs += ",";
      }
      absl::StrAppend(&clocks, "(", id, ",'t-", id, "','DZ20240301-", id,
                      "',4,'town.longshui',1,1,'2024-02-01 00:00:00',10,"
                      "'handling.default','",
                      d, "','", d, "','v','p','')");
      absl::StrAppend(&rungs, "(", id, ",2,'", d, "')");
    }
    RETURN_IF_ERROR(conn->Execute(clocks));
    RETURN_IF_ERROR(conn->Execute(rungs));
  }
  return absl::OkStatus();
}

// Puts the 1,000 due rungs back (and drops what the previous tick produced).
absl::Status Restore(db::ConnectionPool& pool) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool.Acquire());
  RETURN_IF_ERROR(conn->Execute("DELETE FROM ladder_step"));
  RETURN_IF_ERROR(conn->Execute("DELETE FROM notice"));
  RETURN_IF_ERROR(conn->Execute("DELETE FROM outbox"));
  RETURN_IF_ERROR(conn->Execute(
      absl::StrCat("DELETE FROM ladder_due WHERE clock_id <= ", kDue)));
  std::string rungs = "INSERT INTO ladder_due (clock_id, step, due_at) VALUES ";
  for (int id = 1; id <= kDue; ++id) {
    absl::StrAppend(&rungs, id == 1 ? "" : ",", "(", id, ",2,'",
                    SqlTime(kNow - absl::Hours(1)), "')");
  }
  return conn->Execute(rungs);
}

void BM_ScannerTick(benchmark::State& state) {
  const int64_t open = state.range(0);
  absl::SetFlag(&FLAGS_ladder_scanner, false);
  testing::ServiceOptions o;
  o.clock_start = kNow;
  auto svc = testing::ServiceUnderTest::Start(Definition(), o);
  if (!svc.ok()) {
    state.SkipWithError(std::string(svc.status().message()).c_str());
    return;
  }
  db::ConnectionPool& pool = (*svc)->instance().pool();
  const absl::Time t0 = absl::Now();
  absl::Status s = BulkInsert(pool, open);
  if (!s.ok()) {
    state.SkipWithError(std::string(s.message()).c_str());
    return;
  }
  std::cout << "[ setup ] " << open << " open clocks inserted in "
            << absl::ToDoubleSeconds(absl::Now() - t0) << " s\n";
  CalendarState cal(nullptr);
  (void)cal.Init({});
  outbox::Outbox outbox("deadline", {});
  MysqlDeadlineStore store;
  ClockEngine engine(&store, &cal, &Policy::Builtin(), &outbox,
                     &(*svc)->instance().clock());
  Scanner scanner(&pool, &engine, "bench");  // the service's batch size
  std::vector<double> ticks;
  for (auto _ : state) {
    state.PauseTiming();
    s = Restore(pool);
    state.ResumeTiming();
    if (!s.ok()) {
      state.SkipWithError(std::string(s.message()).c_str());
      return;
    }
    const absl::Time start = absl::Now();
    absl::StatusOr<int> fired = scanner.ScanOnce(kNow);
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
    if (!fired.ok() || *fired != kDue) {
      state.SkipWithError("scanner did not fire exactly the due steps");
      return;
    }
    ticks.push_back(ms);
  }
  // The median: a shared host's stalls (fsync, other work) show as single
  // slow ticks, printed as the max.
  std::sort(ticks.begin(), ticks.end());
  const double median = ticks.empty() ? 0 : ticks[ticks.size() / 2];
  state.counters["due_steps"] = kDue;
  state.counters["ms_per_tick"] = median;
  state.counters["ms_max"] = ticks.empty() ? 0 : ticks.back();
  Results()[open] = median;
}
BENCHMARK(BM_ScannerTick)
    ->Arg(10'000)
    ->Arg(1'000'000)
    ->Iterations(9)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace hotline::deadline

int main(int argc, char** argv) {
  std::unique_ptr<hotline::testing::PrivateMariaDb> server;
  if (std::getenv("HOTLINE_TEST_MYSQL") == nullptr &&
      std::getenv("HOTLINE_TEST_MYSQL_FILE") == nullptr) {
    auto created = hotline::testing::PrivateMariaDb::Create();
    if (!created.ok()) {
      std::cerr << "no database: " << created.status() << "\n";
      return 1;
    }
    server = *std::move(created);
    setenv("HOTLINE_TEST_MYSQL", server->admin_config().Url().c_str(), 1);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  auto& r = hotline::deadline::Results();
  if (r.count(10'000) && r.count(1'000'000)) {
    std::cout << "scanner tick with 1000 due steps (median of 9): 10k open "
                 "clocks "
              << r[10'000] << " ms, 1M open clocks " << r[1'000'000]
              << " ms, ratio 1M/10k = " << r[1'000'000] / r[10'000] << "\n";
  }
  return 0;
}
