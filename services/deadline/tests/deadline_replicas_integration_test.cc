// Two hotline-deadline instances on one schema, a simulated month and a half
// of 2,000 orders: several scanners (two per instance, one of which "dies"
// mid-batch again and again) race for the same due rungs, and every ladder
// step fires exactly once, and every overdue clock is reported once and
// accrues each working day once.

#include <map>
#include <set>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/deadline/tests/deadline_test_util.h"

namespace hotline::deadline {
namespace {

using ::hotline::testing::ServiceUnderTest;
using namespace testutil;  // NOLINT

int64_t Count(db::ConnectionPool& pool, const std::string& sql) {
  auto conn = pool.Acquire();
  EXPECT_TRUE(conn.ok());
  auto rs = (*conn)->Query(sql);
  EXPECT_TRUE(rs.ok()) << rs.status();
  (*rs)->next();
  return (*rs)->getInt64(1);
}

TEST(DeadlineReplicasTest, EveryLadderStepFiresExactlyOnceAcrossReplicas) {
  absl::SetFlag(&FLAGS_ladder_scanner, false);
  testing::ServiceOptions o;
  o.clock_start = Local(2024, 3, 1, 8);
  auto a = ServiceUnderTest::Start(Definition(), o);
  ASSERT_TRUE(a.ok()) << a.status();
  config::ServiceConfig config = (*a)->instance().config();
  config.listen = "127.0.0.1:0";
  auto b = runtime::ServiceInstance::Create(Definition(), config);
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE((*b)->Start().ok());
  ASSERT_TRUE((*b)->host().serving());
  auto channel_b = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*b)->port()),
                                       grpc::InsecureChannelCredentials());
  ManualClock& clock_a = (*a)->clock();
  ManualClock& clock_b = *(*b)->manual_clock();
  Routing to_a((*a)->channel(), &clock_a, "routing-a-");
  Routing to_b(channel_b, &clock_a, "routing-b-");  // same instants

  std::vector<std::unique_ptr<TestScanner>> scanners;
  scanners.push_back(std::make_unique<TestScanner>((*a)->instance(), "a1"));
  scanners.push_back(std::make_unique<TestScanner>((*a)->instance(), "a2"));
  scanners.push_back(std::make_unique<TestScanner>(**b, "b1"));
  scanners.push_back(std::make_unique<TestScanner>(**b, "b2"));
  // b2 dies after its 3rd step of a batch on every other day (rungs fall due
  // at 00:00 local, so they fire on the 02:00 ticks: tick numbers 3 mod 4).
  std::atomic<int> deaths{0};
  std::atomic<int> tick_no{0};
  scanners[3]->scanner.SetDieHookForTest([&](int fired) {
    if (fired == 3 && tick_no.load() % 8 == 3) {
      ++deaths;
      return true;
    }
    return false;
  });

  absl::StatusOr<calendar::CalendarData> data = calendar::BuiltinCalendarData();
  ASSERT_TRUE(data.ok());
  absl::StatusOr<calendar::Calendar> cal = calendar::Calendar::Create(*data);
  ASSERT_TRUE(cal.ok());

  constexpr int kOrders = 2000;
  constexpr int kDispatchTicks = 20;  // orders arrive over 5 days
  const absl::Duration tick = absl::Hours(6);
  const absl::Time begin = Local(2024, 3, 1, 8);
  const absl::Time end = Local(2024, 4, 30);
  // Per order: which group and, for group 3, when it replies.
  struct Plan {
    std::string ticket;
    int group;
    v1::RequestType type;
    absl::Time dispatch;
    absl::Time reply;  // groups 2 and 3
  };
  std::vector<Plan> plans;
  for (int i = 0; i < kOrders; ++i) {
    Plan p;
    p.ticket = absl::StrCat("t-", 100000 + i);
    p.group = (i / 2) % 4;
    p.type =
        i % 2 == 0 ? v1::REQUEST_TYPE_CONSULTATION : v1::REQUEST_TYPE_COMPLAINT;
    p.dispatch = begin + tick * (i % kDispatchTicks);
    const int n = p.type == v1::REQUEST_TYPE_CONSULTATION ? 3 : 10;
    const absl::Time due = cal->AddWorkingDays(p.dispatch, n)->due;
    p.reply = p.group == 2 ? p.dispatch + tick : due + absl::Hours(24);
    plans.push_back(p);
  }
  const char* units[] = {"town.longshui", "town.longgang", "dept.housing",
                         "dept.transport"};

  int published = 0;
  for (absl::Time now = begin; now <= end; now += tick) {
    ASSERT_TRUE(clock_a.AdvanceTo(now).ok());
    ASSERT_TRUE(clock_b.AdvanceTo(now).ok());
    // On b2's dying ticks it scans first, alone, so that it surely claims a
    // batch and dies in the middle of it (its transaction rolls back); then
    // all replicas scan at once.
    if (tick_no.load() % 8 == 3) (void)scanners[3]->scanner.ScanOnce(now);
    std::vector<std::thread> threads;
    for (auto& s : scanners) {
      threads.emplace_back([&s, now] { (void)s->scanner.ScanOnce(now); });
    }
    for (auto& t : threads) t.join();
    ++tick_no;
    // Then routing's events of this tick (half through each instance).
    std::vector<v1::TicketEvent> batch_a, batch_b;
    for (const Plan& p : plans) {
      std::vector<v1::TicketEvent>& out =
          (std::hash<std::string>()(p.ticket) % 2 == 0) ? batch_a : batch_b;
      Routing& r = &out == &batch_a ? to_a : to_b;
      const std::string unit = units[p.ticket.back() % 4];
      if (p.dispatch == now) {
        out.push_back(r.Dispatched(p.ticket, unit, p.type));
        if (p.group != 0) out.push_back(r.Accepted(p.ticket, unit));
      }
      if ((p.group == 2 || p.group == 3) && p.reply > now - tick &&
          p.reply <= now) {
        out.push_back(r.Replied(p.ticket, unit));
      }
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
    published += static_cast<int>(batch_a.size() + batch_b.size());
  }
  // A last sweep after the end.
  for (auto& s : scanners) ASSERT_TRUE(s->scanner.ScanOnce(end).ok());

  db::ConnectionPool& pool = (*a)->instance().pool();
  EXPECT_EQ(published, 2000 + 1500 + 1000);
  // Expected: group 0 (no response) REMINDER+SUPERVISION, group 1
  // (accepted, never replied) SUPERVISION, group 2 (replied in time)
  // nothing, group 3 (replied a day late) SUPERVISION; nothing on a timer
  // after them (第七条's inspections and notices are acts of people).
  const int64_t steps = Count(pool, "SELECT COUNT(*) FROM ladder_step");
  EXPECT_EQ(steps, 500 * 2 + 500 * 1 + 0 + 500 * 1);
  EXPECT_EQ(Count(pool, "SELECT COUNT(*) FROM ladder_step WHERE step = 1"),
            500);
  EXPECT_EQ(Count(pool, "SELECT COUNT(*) FROM ladder_step WHERE step = 2"),
            1500);
  EXPECT_EQ(Count(pool, "SELECT COUNT(*) FROM ladder_step WHERE step > 2"), 0);
  EXPECT_EQ(
      Count(pool, "SELECT COUNT(DISTINCT clock_id, step) FROM ladder_step"),
      steps);
  // Only the overdue watches of the handling clocks still unanswered remain
  // (groups 0 and 1), one each.
  EXPECT_EQ(Count(pool, "SELECT COUNT(*) FROM ladder_due"), 1000);
  EXPECT_EQ(Count(pool, "SELECT COUNT(*) FROM ladder_due WHERE step <> 0"), 0);
  // One LadderStepFired event per step, from whichever replica fired it;
  // one first ClockOverdue per overdue clock, one accrual per clock and day,
  // and the accruals add up to each clock's overdue working days.
  int64_t fired_events = 0;
  std::map<std::string, int> firsts, added;
  std::set<std::pair<std::string, int64_t>> accrual_days;
  int64_t duplicate_days = 0;
  {
    auto conn = pool.Acquire();
    ASSERT_TRUE(conn.ok());
    auto rs = (*conn)->Query("SELECT event FROM outbox");
    ASSERT_TRUE(rs.ok());
    while ((*rs)->next()) {
      std::unique_ptr<std::istream> blob((*rs)->getBlob(1));
      v1::TicketEvent e;
      e.ParseFromIstream(blob.get());
      fired_events += e.has_ladder_step_fired() ? 1 : 0;
      if (e.has_clock_overdue()) {
        const v1::ClockOverdue& o = e.clock_overdue();
        if (o.first()) ++firsts[o.clock_id()];
        added[o.clock_id()] += o.added_working_days();
        if (!o.first() &&
            !accrual_days.insert({o.clock_id(), o.as_of().seconds()}).second) {
          ++duplicate_days;
        }
      }
    }
  }
  EXPECT_EQ(fired_events, steps);
  // Overdue: group 0's response and handling clocks, group 1's and group
  // 3's handling clocks.
  EXPECT_EQ(firsts.size(), 500u * 2 + 500 + 500);
  for (const auto& [clock, n] : firsts) EXPECT_EQ(n, 1) << clock;
  EXPECT_EQ(duplicate_days, 0);
  {
    auto conn = pool.Acquire();
    ASSERT_TRUE(conn.ok());
    auto rs = (*conn)->Query(
        "SELECT clock_id, overdue_working_days FROM clock WHERE kind = 4 AND "
        "overdue_since IS NOT NULL");
    ASSERT_TRUE(rs.ok());
    int checked = 0;
    while ((*rs)->next()) {
      EXPECT_EQ(added[absl::StrCat((*rs)->getInt64(1))], (*rs)->getInt(2));
      ++checked;
    }
    EXPECT_EQ(checked, 1500);
  }
  // The work was shared, and the dying one really died mid-batch. (How much
  // each replica gets done is up to the scheduler: on a loaded machine the
  // dying replica may be killed each time before its first commit.)
  int took_part = 0;
  for (const char* r : {"a1", "a2", "b1", "b2"}) {
    took_part += Count(pool, absl::StrCat("SELECT COUNT(*) FROM ladder_step "
                                          "WHERE fired_by = '",
                                          r, "'")) > 0;
  }
  EXPECT_GE(took_part, 2);
  EXPECT_GT(deaths.load(), 0);
  std::cout << "[ figures ] steps fired " << steps << ", replica deaths "
            << deaths.load() << ", by replica:";
  for (const char* r : {"a1", "a2", "b1", "b2"}) {
    std::cout << " " << r << "="
              << Count(pool, absl::StrCat("SELECT COUNT(*) FROM ladder_step "
                                          "WHERE fired_by = '",
                                          r, "'"));
  }
  std::cout << "\n";
  (*b)->Shutdown();
  absl::SetFlag(&FLAGS_ladder_scanner, true);
}

}  // namespace
}  // namespace hotline::deadline
