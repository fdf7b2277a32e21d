// The folded event path (AssessmentCore::NewEventBatch: the batch's orders
// locked and their states read once at its start, every event planned on the
// batch's copies, facts, states, unit links and rollups written at its end)
// stores exactly what the planning with the stored state gives: for a random
// interleaving of orders whose events arrive in every order the inbox lets
// through (routing before intake, an order unknown to a deadline or routing
// event, a dispatch without area, empty ticket numbers, a unit that is its own
// area, forwards and returns), every fact, every order's state and the unit
// tree equal a model that applies PlanFact to the remembered state event by
// event, and the rollups equal a recomputation from the facts.

#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/flags/flag.h"
#include "common/db/connection.h"
#include "hotline/v1/assessment.grpc.pb.h"
#include "hotline/v1/events.grpc.pb.h"
#include "services/assessment/domain/fact_plan.h"
#include "services/assessment/edge/assessment_service.h"
#include "services/assessment/store/mysql_assessment_store.h"
#include "services/assessment/store/mysql_rows.h"
#include "services/assessment/tests/assessment_test_util.h"
#include "tests/support/test_db.h"

namespace hotline::assessment {
namespace {

using ::hotline::testing::kCenterToken;
using ::hotline::testing::ServiceUnderTest;
using testing::EventFactory;
using testing::Local;

// One order's events in the order they are delivered.
std::vector<v1::TicketEvent> Order(EventFactory& f, const std::string& t,
                                   absl::Time at, std::mt19937_64& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  const std::vector<std::string> towns = {"town.longgang", "town.longshui",
                                          "street.tangxiang", ""};
  const std::vector<std::string> depts = {"dept.housing", "dept.water",
                                          "town.longgang"};
  const std::string area = towns[pick(towns.size())];
  const std::string unit = depts[pick(depts.size())];
  const auto type = static_cast<v1::RequestType>(1 + pick(6));
  const auto urgency = static_cast<v1::Urgency>(1 + pick(3));
  const std::string cat = pick(2) ? "城市管理.道路破损" : "环境保护.噪声污染";
  const bool no_number = pick(8) == 0;
  auto make = [&](const char* producer) {
    at += absl::Minutes(20 + pick(600));
    v1::TicketEvent e = f.Make(producer, t, at);
    if (no_number) e.clear_ticket_number();
    return e;
  };
  v1::TicketEvent created = make("intake");
  auto* c = created.mutable_ticket_created();
  c->set_request_type(type);
  c->set_urgency(urgency);
  c->set_category_code(cat);
  c->mutable_location()->set_town_code(area);
  auto dispatch = [&](v1::Dispatched* d, int round) {
    d->set_unit_id(unit);
    // Some dispatches leave fields out (the stored ones stay).
    d->set_request_type(pick(6) == 0 ? v1::RequestType(0) : type);
    d->set_urgency(urgency);
    d->set_category_code(cat);
    d->set_area_code(pick(3) == 0 ? "" : area);
    d->set_dispatch_round(round);
  };
  std::vector<v1::TicketEvent> routing;
  {
    v1::TicketEvent e = make("routing");
    dispatch(e.mutable_dispatched(), 1);
    routing.push_back(e);
  }
  std::vector<v1::TicketEvent> out;
  const int first = pick(4);
  if (first == 0) {
    out.push_back(routing[0]);  // routing before intake
    out.push_back(created);
  } else if (first == 1) {
    // An event that takes only attributes, of an order not stored yet.
    v1::TicketEvent a = routing[0];
    a.clear_dispatched();
    a.mutable_accepted()->set_unit_id(unit);
    out.push_back(a);
    out.push_back(created);
    v1::TicketEvent d = make("routing");
    dispatch(d.mutable_dispatched(), 1);
    out.push_back(d);
  } else {
    out.push_back(created);
    out.push_back(routing[0]);
  }
  auto clock = [&](v1::ClockKind k) {
    v1::TicketEvent e = make("deadline");
    auto* s = e.mutable_clock_started();
    s->set_clock_id(absl::StrCat("clk-", t, "-", k));
    s->set_kind(k);
    s->set_unit_id(unit);
    s->set_dispatch_round(1);
    out.push_back(e);
  };
  clock(v1::CLOCK_KIND_RESPONSE);
  clock(v1::CLOCK_KIND_HANDLING);
  clock(v1::CLOCK_KIND_FORWARD);
  {
    v1::TicketEvent e = make("routing");
    e.mutable_accepted()->set_unit_id(unit);
    out.push_back(e);
  }
  if (pick(2) == 0) {
    v1::TicketEvent e = make("routing");
    e.mutable_forwarded()->set_from_unit_id(unit);
    e.mutable_forwarded()->set_to_unit_id(absl::StrCat(unit, ".office"));
    out.push_back(e);
    v1::TicketEvent r = make("routing");
    r.mutable_returned()->set_from_unit_id(absl::StrCat(unit, ".office"));
    r.mutable_returned()->set_to_unit_id(pick(2) ? unit : "dept.other");
    out.push_back(r);
  }
  if (pick(3) == 0) {
    v1::TicketEvent e = make("routing");
    dispatch(e.mutable_redispatched()->mutable_dispatch(), 2);
    out.push_back(e);
  }
  v1::TicketEvent reply = make("routing");
  reply.mutable_replied()->set_unit_id(unit);
  out.push_back(reply);
  v1::TicketEvent review = make("routing");
  review.mutable_reviewed()->set_unit_id(unit);
  review.mutable_reviewed()->set_approved(pick(3) != 0);
  out.push_back(review);
  v1::TicketEvent ladder = make("deadline");
  ladder.mutable_ladder_step_fired()->set_unit_id(unit);
  ladder.mutable_ladder_step_fired()->set_step(
      static_cast<v1::LadderStep>(pick(5)));
  out.push_back(ladder);
  v1::TicketEvent closed = make("routing");
  closed.mutable_closed()->set_handling_unit_id(unit);
  out.push_back(closed);
  return out;
}

// Deadline's ClockStopped of order `t`'s handling clock (dispatch round 1),
// at `at`, for `unit`, with its outcome and elapsed working days.
v1::TicketEvent HandlingStopped(EventFactory& f, const std::string& t,
                                absl::Time at, const std::string& unit,
                                v1::ClockOutcome outcome, int elapsed_days) {
  v1::TicketEvent stop = f.Make("deadline", t, at);
  auto* s = stop.mutable_clock_stopped();
  s->set_clock_id(absl::StrCat("clk-", t, "-", v1::CLOCK_KIND_HANDLING));
  s->set_kind(v1::CLOCK_KIND_HANDLING);
  s->set_unit_id(unit);
  s->set_outcome(outcome);
  s->set_elapsed_working_days(elapsed_days);
  s->set_dispatch_round(1);
  return stop;
}

// What assessment stored before the event path skipped its reads: PlanFact
// on the remembered state, event by event, the unit links upserted one by
// one.
struct Model {
  std::map<std::string, FactRecord> facts;
  std::map<std::string, TicketInfo> tickets;
  std::map<std::string, std::pair<std::string, bool>> units;

  void Apply(const v1::TicketEvent& e) {
    TicketInfo before;
    if (auto it = tickets.find(e.ticket_id()); it != tickets.end()) {
      before = it->second;
    }
    absl::StatusOr<FactPlan> plan = PlanFact(e, before);
    ASSERT_TRUE(plan.ok()) << plan.status();
    facts[e.event_id()] = plan->fact;
    if (!SameTicket(before, plan->ticket)) {
      plan->ticket.ticket_number = plan->ticket.ticket_number.substr(0, 32);
      tickets[e.ticket_id()] = plan->ticket;
    }
    for (const UnitLink& u : plan->units) {
      auto [it, fresh] = units.try_emplace(u.unit_id, u.parent_id, u.is_area);
      if (fresh) continue;
      if (!u.parent_id.empty()) it->second.first = u.parent_id;
      it->second.second = it->second.second || u.is_area;
    }
  }
};

TEST(AssessmentEventPathTest, StoredFactsStatesAndUnitsEqualPlanningOnState) {
  auto svc = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(svc.ok()) << svc.status();

  // 120 orders, their events interleaved at random, each order's in order.
  std::mt19937_64 rng(20261205);
  EventFactory f;
  std::vector<std::vector<v1::TicketEvent>> orders;
  for (int i = 0; i < 120; ++i) {
    orders.push_back(Order(f, absl::StrCat("P", i),
                           Local("2024-03-04 08:00") + absl::Hours(i), rng));
  }
  std::vector<size_t> next(orders.size(), 0);
  std::vector<v1::TicketEvent> events;
  for (;;) {
    std::vector<size_t> open;
    for (size_t i = 0; i < orders.size(); ++i) {
      if (next[i] < orders[i].size()) open.push_back(i);
    }
    if (open.empty()) break;
    const size_t i = open[rng() % open.size()];
    events.push_back(orders[i][next[i]++]);
  }
  // Published in this order (one stream, one batch per run of a producer):
  // the service applies them in it.
  ASSERT_EQ(testing::Publish((*svc)->channel(), events),
            static_cast<int64_t>(events.size()));
  Model model;
  for (const auto& e : events) model.Apply(e);

  auto pool = db::ConnectionPool::Create((*svc)->schema().config());
  ASSERT_TRUE(pool.ok()) << pool.status();
  auto conn = (*pool)->Acquire();
  ASSERT_TRUE(conn.ok()) << conn.status();

  // Facts.
  auto rs = (*conn)->Query(
      absl::StrCat("SELECT ", mysql_rows::kFactColumns, " FROM fact"));
  ASSERT_TRUE(rs.ok()) << rs.status();
  size_t n = 0;
  while ((*rs)->next()) {
    FactRecord got;
    mysql_rows::ReadFact(**rs, got);
    ++n;
    auto it = model.facts.find(got.event_id);
    ASSERT_NE(it, model.facts.end()) << got.event_id;
    const FactRecord& want = it->second;
    SCOPED_TRACE(got.event_id);
    EXPECT_EQ(got.ticket_id, want.ticket_id);
    EXPECT_EQ(got.kind, want.kind);
    EXPECT_EQ(got.unit_id, want.unit_id);
    EXPECT_EQ(got.unit2_id, want.unit2_id);
    EXPECT_EQ(got.occurred_at, want.occurred_at);
    EXPECT_EQ(got.local_date, want.local_date);
    EXPECT_EQ(got.request_type, want.request_type);
    EXPECT_EQ(got.urgency, want.urgency);
    EXPECT_EQ(got.category_code, want.category_code);
    EXPECT_EQ(got.area_code, want.area_code);
    EXPECT_EQ(got.detail, want.detail);
    EXPECT_EQ(got.amount, want.amount);
    EXPECT_EQ(got.handling_days, want.handling_days);
  }
  EXPECT_EQ(n, events.size());
  EXPECT_EQ(model.facts.size(), events.size());

  // Orders' states.
  MysqlAssessmentStore store(pool->get());
  for (const auto& [ticket, want] : model.tickets) {
    auto got = store.LoadTicket(**conn, ticket);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(SameTicket(*got, want)) << ticket;
  }
  rs = (*conn)->Query("SELECT COUNT(*) FROM ticket_state");
  ASSERT_TRUE(rs.ok() && (*rs)->next());
  EXPECT_EQ((*rs)->getInt64(1), static_cast<int64_t>(model.tickets.size()));

  // The unit tree.
  rs = (*conn)->Query("SELECT unit_id, parent_id, is_area FROM unit_node");
  ASSERT_TRUE(rs.ok()) << rs.status();
  std::map<std::string, std::pair<std::string, bool>> units;
  while ((*rs)->next()) {
    units[(*rs)->getString(1)] = {(*rs)->getString(2), (*rs)->getInt(3) != 0};
  }
  EXPECT_EQ(units, model.units);

  // The paths were all taken: orders without number or area, routing first.
  int without_number = 0, without_area = 0;
  for (const auto& [ticket, t] : model.tickets) {
    without_number += t.ticket_number.empty();
    without_area += t.area_code.empty();
  }
  EXPECT_GT(without_number, 0);
  EXPECT_GT(without_area, 0);

  // The rollups equal a recomputation from the facts.
  auto stub = v1::AssessmentService::NewStub((*svc)->channel());
  v1::RebuildRollupsRequest req;
  req.set_request_id("verify-event-path");
  req.set_verify_only(true);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::RebuildRollupsResponse resp;
  ASSERT_TRUE(stub->RebuildRollups(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.facts_scanned(), static_cast<int64_t>(events.size()));
  EXPECT_EQ(resp.mismatches(), 0);
}

// Every row of the event path's tables, in a fixed order, as text (fact
// rows in id order: the order they were inserted).
std::vector<std::vector<std::string>> Rows(db::Connection& conn) {
  const std::vector<std::string> queries = {
      absl::StrCat("SELECT ", mysql_rows::kFactColumns,
                   ", HEX(event) FROM fact ORDER BY id"),
      "SELECT * FROM ticket_state ORDER BY ticket_id",
      "SELECT * FROM unit_node ORDER BY unit_id",
      "SELECT * FROM rollup_unit_day ORDER BY 1, 2, 3",
      "SELECT * FROM rollup_unit_month ORDER BY 1, 2, 3",
      "SELECT * FROM rollup_handling ORDER BY 1, 2, 3, 4",
      "SELECT * FROM rollup_handling_month ORDER BY 1, 2, 3, 4",
      "SELECT * FROM rollup_topic ORDER BY 1, 2, 3",
      "SELECT * FROM overdue_clock ORDER BY clock_id",
      "SELECT * FROM overdue_accrual ORDER BY event_id",
      "SELECT * FROM duty_gap_day ORDER BY 1, 2"};
  auto rows = hotline::testing::QueryRows(conn, queries);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? *std::move(rows) : std::vector<std::vector<std::string>>{};
}

// Every row of the event path's tables of `svc` (Rows).
std::vector<std::vector<std::string>> RowsOf(ServiceUnderTest& svc) {
  auto pool = db::ConnectionPool::Create(svc.schema().config());
  EXPECT_TRUE(pool.ok()) << pool.status();
  if (!pool.ok()) return {};
  auto conn = (*pool)->Acquire();
  EXPECT_TRUE(conn.ok()) << conn.status();
  if (!conn.ok()) return {};
  return Rows(**conn);
}

// `events` grouped by producer in runs (intake, routing, deadline), each
// order's events staying in order.
void GroupByProducer(std::vector<v1::TicketEvent>* events) {
  std::stable_sort(events->begin(), events->end(),
                   [](const v1::TicketEvent& a, const v1::TicketEvent& b) {
                     auto rank = [](const std::string& p) {
                       return p == "intake" ? 0 : p == "routing" ? 1 : 2;
                     };
                     return rank(a.producer()) < rank(b.producer());
                   });
}

// The folded path (a delivered batch's facts in multi-row inserts, its
// rollup increments summed per row and upserted at the end of the batch's
// transaction) stores exactly what the event-by-event path stores: the same
// events, once published in batches and once one per request, give the same
// facts (in the same order), states, units, rollups and overdue tables.
TEST(AssessmentEventPathTest, BatchedDeliveryStoresWhatOneByOneStores) {
  auto batched = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(batched.ok()) << batched.status();
  auto single = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(single.ok()) << single.status();

  std::mt19937_64 rng(20261206);
  EventFactory f;
  std::vector<v1::TicketEvent> events;
  for (int i = 0; i < 40; ++i) {
    const std::string t = absl::StrCat("B", i);
    std::vector<v1::TicketEvent> order =
        Order(f, t, Local("2024-03-04 08:00") + absl::Minutes(37 * i), rng);
    if (i % 5 == 0) {
      // Instants with nanoseconds and a number longer than the stored 32,
      // carried by the first event only: what the rows keep (microseconds,
      // 32 characters) differs from what the events say, and a batch's
      // later events of the order must store what one by one stores.
      for (size_t k = 0; k < order.size(); ++k) {
        order[k].mutable_occurred_at()->set_nanos(987654321);
        if (k == 0) {
          order[k].set_ticket_number(
              absl::StrCat("DZ20240304-", std::string(30, '7'), i));
        } else {
          order[k].clear_ticket_number();
        }
      }
    }
    // The handling clock stopped (handling time, verdicts) after the rest.
    order.push_back(HandlingStopped(
        f, t, Local("2024-03-20 10:00") + absl::Minutes(i), "dept.housing",
        i % 3 == 0 ? v1::CLOCK_OUTCOME_MISSED : v1::CLOCK_OUTCOME_MET,
        3 + i % 5));
    events.insert(events.end(), order.begin(), order.end());
  }
  GroupByProducer(&events);
  ASSERT_EQ(testing::Publish((*batched)->channel(), events),
            static_cast<int64_t>(events.size()));
  for (const v1::TicketEvent& e : events) {
    ASSERT_EQ(testing::Publish((*single)->channel(), {e}), 1);
  }

  const auto want = RowsOf(**single);
  const auto got = RowsOf(**batched);
  EXPECT_GT(want.size(), events.size());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << i;
}

// Threads that start each round together (C++17 has no std::barrier).
class RoundBarrier {
 public:
  explicit RoundBarrier(int parties) : parties_(parties) {}
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    const int64_t round = round_;
    if (++waiting_ == parties_) {
      waiting_ = 0;
      ++round_;
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [&] { return round_ != round; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  const int parties_;
  int waiting_ = 0;
  int64_t round_ = 0;
};

// The section of SHOW ENGINE INNODB STATUS on the server's latest deadlock
// ("" when none was detected since it started).
std::string LatestDeadlock(db::Connection& conn) {
  auto rs = conn.Query("SHOW ENGINE INNODB STATUS");
  EXPECT_TRUE(rs.ok()) << rs.status();
  if (!rs.ok() || !(*rs)->next()) return "";
  const std::string status = (*rs)->getString(3);
  const size_t from = status.find("LATEST DETECTED DEADLOCK");
  if (from == std::string::npos) return "";
  const size_t to = status.find("\nTRANSACTIONS\n", from);
  return status.substr(from, to == std::string::npos ? to : to - from);
}

// Assessment applies its three producers' batches at the same time
// (BatchConcurrency::kPerProducer): rounds in which intake, routing and
// deadline each publish a batch at once, on the same orders (each producer's
// batch lists them in another order) and the same units and rollup rows,
// store exactly what delivering the events one by one in the order they took
// effect stores (every fact, in order, every order's state, unit, rollup and
// overdue row), every Publish answers OK, and no deadlock is detected on
// assessment's tables (the locks are taken in key order: the orders, new or
// stored, up front; unit links and rollups at the end of the batch).
// Without the ordered locks it fails on the deadlock check almost every
// run (orders new to both intake's and routing's batch, stored in opposite
// orders).
TEST(AssessmentEventPathTest,
     ProducersBatchesAppliedTogetherStoreWhatOneByOneStores) {
  // A value the setting does not know stops the service, naming it.
  absl::SetFlag(&FLAGS_producer_batches, "all_at_once");
  auto refused = ServiceUnderTest::Start(Definition());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("--producer_batches"));
  absl::SetFlag(&FLAGS_producer_batches, "per_producer");
  auto together = ServiceUnderTest::Start(Definition());
  absl::SetFlag(&FLAGS_producer_batches, "");
  ASSERT_TRUE(together.ok()) << together.status();
  auto single = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(single.ok()) << single.status();

  constexpr int kOrders = 96;
  constexpr int kOrdersPerRound = 4;
  std::mt19937_64 rng(20261205);
  EventFactory f;
  std::vector<std::vector<v1::TicketEvent>> orders;
  size_t total = 0;
  for (int i = 0; i < kOrders; ++i) {
    const std::string t = absl::StrCat("并", i);
    orders.push_back(
        Order(f, t, Local("2024-03-04 08:00") + absl::Minutes(23 * i), rng));
    orders.back().push_back(HandlingStopped(
        f, t, Local("2024-03-20 10:00") + absl::Minutes(i), "dept.water",
        i % 4 == 0 ? v1::CLOCK_OUTCOME_MISSED : v1::CLOCK_OUTCOME_MET,
        2 + i % 6));
    total += orders.back().size();
  }
  // Round r: the events of orders [r·k, (r+1)·k), each producer its own.
  const std::vector<std::string> producers = {"intake", "routing", "deadline"};
  const int rounds = kOrders / kOrdersPerRound;
  auto batch_of = [&](const std::string& producer, int round) {
    std::vector<int> ids;
    for (int i = round * kOrdersPerRound; i < (round + 1) * kOrdersPerRound;
         ++i) {
      ids.push_back(i);
    }
    // The orders in another order per producer: locks wanted in opposite
    // orders unless taken in key order.
    if (producer == "routing") std::reverse(ids.begin(), ids.end());
    if (producer == "deadline") std::shuffle(ids.begin(), ids.end(), rng);
    std::vector<v1::TicketEvent> out;
    for (int i : ids) {
      for (const v1::TicketEvent& e : orders[i]) {
        if (e.producer() == producer) out.push_back(e);
      }
    }
    return out;
  };
  std::vector<std::vector<std::vector<v1::TicketEvent>>> plan(3);
  for (int p = 0; p < 3; ++p) {
    for (int r = 0; r < rounds; ++r) {
      plan[p].push_back(batch_of(producers[p], r));
    }
  }

  auto admin_pool = db::ConnectionPool::Create((*together)->schema().config());
  ASSERT_TRUE(admin_pool.ok()) << admin_pool.status();
  auto admin = (*admin_pool)->Acquire();
  ASSERT_TRUE(admin.ok()) << admin.status();
  const std::string deadlock_before = LatestDeadlock(**admin);

  // Every round: the three producers publish at once, each its round's batch
  // after what it has not had acknowledged yet (in order, as a relay
  // resends); deadline's first events of an order are refused until intake's
  // or routing's are in, and come again. After the planned rounds, until
  // everything is acknowledged.
  RoundBarrier barrier(3);
  std::atomic<int64_t> unacknowledged{static_cast<int64_t>(total)};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < 3; ++p) {
    threads.emplace_back([&, p] {
      auto stub = v1::EventSink::NewStub((*together)->channel());
      std::vector<v1::TicketEvent> pending;
      for (int round = 0; round < rounds + 50; ++round) {
        if (round < rounds) {
          for (const v1::TicketEvent& e : plan[p][round]) pending.push_back(e);
        }
        barrier.Wait();
        if (!pending.empty()) {
          v1::PublishRequest req;
          req.set_source_service(producers[p]);
          for (const v1::TicketEvent& e : pending) *req.add_events() = e;
          grpc::ClientContext ctx;
          ServiceUnderTest::Authorize(
              &ctx, hotline::testing::ServiceTokenOf(producers[p]));
          v1::PublishResponse resp;
          grpc::Status s = stub->Publish(&ctx, req, &resp);
          if (!s.ok()) {
            ++errors;
            ADD_FAILURE() << producers[p] << " round " << round << ": "
                          << s.error_code() << " " << s.error_message();
          } else {
            const int n = resp.acknowledged_event_ids_size();
            pending.erase(pending.begin(), pending.begin() + n);
            unacknowledged -= n;
          }
        }
        barrier.Wait();  // everyone has counted: the same verdict for all
        if (round >= rounds && unacknowledged.load() == 0) break;
        barrier.Wait();  // nobody publishes before everyone has looked
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(errors.load(), 0);
  ASSERT_EQ(unacknowledged.load(), 0);
  const std::string deadlock_after = LatestDeadlock(**admin);
  if (deadlock_after != deadlock_before) {
    EXPECT_EQ(deadlock_after.find((*together)->schema().name()),
              std::string::npos)
        << deadlock_after;
  }

  // One by one, in the order the events took effect: the order of their
  // facts (each order's facts are written under its row's lock).
  std::map<std::string, const v1::TicketEvent*> by_id;
  for (const auto& order : orders) {
    for (const v1::TicketEvent& e : order) by_id[e.event_id()] = &e;
  }
  auto applied = (*admin)->Query("SELECT event_id FROM fact ORDER BY id");
  ASSERT_TRUE(applied.ok()) << applied.status();
  std::vector<v1::TicketEvent> in_effect;
  while ((*applied)->next()) {
    auto it = by_id.find((*applied)->getString(1));
    ASSERT_NE(it, by_id.end());
    in_effect.push_back(*it->second);
  }
  ASSERT_EQ(in_effect.size(), total);
  for (const v1::TicketEvent& e : in_effect) {
    ASSERT_EQ(testing::Publish((*single)->channel(), {e}), 1) << e.event_id();
  }

  const auto want = RowsOf(**single);
  const auto got = RowsOf(**together);
  EXPECT_GT(want.size(), total);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << i;
}

// The number of rows `from` (a table or a derived table) has.
int64_t Count(db::Connection& conn, const std::string& from) {
  auto rs = conn.Query(absl::StrCat("SELECT COUNT(*) FROM ", from));
  EXPECT_TRUE(rs.ok()) << rs.status();
  if (!rs.ok() || !(*rs)->next()) return -1;
  return (*rs)->getInt64(1);
}

// Each delivered batch is applied in one transaction, its statements of
// every size (orders read in IN lists of up to 128, facts and states written
// in chunks of up to 256 rows) prepared and run: a statement that failed
// for a batch's shapes would make the inbox apply every event of it one by
// one, storing the same rows (so the comparison alone would pass), but
// with one inbox timestamp per event instead of a few per batch. And the
// rows equal one-by-one delivery's, at sizes beyond every chunk boundary.
TEST(AssessmentEventPathTest, LargeBatchesAreAppliedInOneTransactionEach) {
  auto batched = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(batched.ok()) << batched.status();
  auto single = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(single.ok()) << single.status();

  std::mt19937_64 rng(20261207);
  EventFactory f;
  std::vector<v1::TicketEvent> events;
  constexpr int kOrders = 150;
  for (int i = 0; i < kOrders; ++i) {
    const std::string t = absl::StrCat("大", i);
    std::vector<v1::TicketEvent> order =
        Order(f, t, Local("2024-03-04 08:00") + absl::Minutes(11 * i), rng);
    order.push_back(HandlingStopped(
        f, t, Local("2024-03-20 10:00") + absl::Minutes(i), "dept.water",
        i % 4 == 0 ? v1::CLOCK_OUTCOME_MISSED : v1::CLOCK_OUTCOME_MET,
        2 + i % 6));
    events.insert(events.end(), order.begin(), order.end());
  }
  GroupByProducer(&events);
  // testing::Publish sends batches of up to 500 events per producer.
  std::map<std::string, int64_t> per_producer;
  for (const v1::TicketEvent& e : events) ++per_producer[e.producer()];
  int64_t requests = 0;
  for (const auto& [producer, n] : per_producer) requests += (n + 499) / 500;
  ASSERT_EQ(testing::Publish((*batched)->channel(), events),
            static_cast<int64_t>(events.size()));
  for (const v1::TicketEvent& e : events) {
    ASSERT_EQ(testing::Publish((*single)->channel(), {e}), 1);
  }

  auto pool = db::ConnectionPool::Create((*batched)->schema().config());
  ASSERT_TRUE(pool.ok()) << pool.status();
  auto conn = (*pool)->Acquire();
  ASSERT_TRUE(conn.ok()) << conn.status();
  EXPECT_EQ(Count(**conn, "inbox"), static_cast<int64_t>(events.size()));
  // A batch of up to 500 writes its inbox rows in at most 7 statements
  // (256 + 128 + 64 + 32 + 16 + the rest), rows of one statement sharing
  // its timestamp; one by one, each event would have its own.
  EXPECT_LE(Count(**conn, "(SELECT DISTINCT received_at FROM inbox) AS d"),
            7 * requests);
  EXPECT_EQ(Count(**conn, "ticket_state"), kOrders);

  const auto want = RowsOf(**single);
  const auto got = RowsOf(**batched);
  EXPECT_GT(want.size(), events.size());
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << i;
}

// A batch whose end (the deferred writes) fails is rolled back whole: no
// fact, no order's state, no order lock, no rollup, no inbox row; once the
// cause is gone the same delivery applies every event.
TEST(AssessmentEventPathTest, AFailedFinishRollsTheBatchBack) {
  auto svc = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(svc.ok()) << svc.status();
  auto pool = db::ConnectionPool::Create((*svc)->schema().config());
  ASSERT_TRUE(pool.ok()) << pool.status();
  auto conn = (*pool)->Acquire();
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto exec = [&](const std::string& sql) {
    ASSERT_TRUE((*conn)->Execute(sql).ok()) << sql;
  };
  // Three new orders, each in a town (a unit link to write at the end).
  EventFactory f;
  std::vector<v1::TicketEvent> events;
  const std::vector<std::string> towns = {"town.longgang", "town.longshui",
                                          "street.tangxiang"};
  for (int i = 0; i < 3; ++i) {
    v1::TicketEvent e = f.Make("intake", absl::StrCat("败", i),
                               Local("2024-03-04 09:00") + absl::Minutes(i));
    auto* c = e.mutable_ticket_created();
    c->set_request_type(v1::RequestType(1 + i));
    c->set_urgency(v1::Urgency(1));
    c->set_category_code("城市管理.道路破损");
    c->mutable_location()->set_town_code(towns[i]);
    events.push_back(e);
  }
  auto publish = [&]() -> int {
    auto stub = v1::EventSink::NewStub((*svc)->channel());
    v1::PublishRequest req;
    req.set_source_service("intake");
    for (const v1::TicketEvent& e : events) *req.add_events() = e;
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx,
                                hotline::testing::ServiceTokenOf("intake"));
    v1::PublishResponse resp;
    grpc::Status s = stub->Publish(&ctx, req, &resp);
    return s.ok() ? resp.acknowledged_event_ids_size() : -1;
  };
  // Only Finish writes unit links: without the table, it fails after the
  // batch's orders were locked and read in its transaction (and so does
  // each event's own transaction when the events are tried one by one).
  exec("RENAME TABLE unit_node TO unit_node_away");
  EXPECT_LE(publish(), 0);  // an error: the relay sends them again
  EXPECT_EQ(Count(**conn, "fact"), 0);
  EXPECT_EQ(Count(**conn, "ticket_state"), 0);
  EXPECT_EQ(Count(**conn, "order_lock WHERE ticket_id <> ''"), 0);
  EXPECT_EQ(Count(**conn, "rollup_unit_day"), 0);
  EXPECT_EQ(Count(**conn, "rollup_topic"), 0);
  EXPECT_EQ(Count(**conn, "inbox"), 0);
  exec("RENAME TABLE unit_node_away TO unit_node");
  EXPECT_EQ(publish(), 3);
  EXPECT_EQ(Count(**conn, "fact"), 3);
  EXPECT_EQ(Count(**conn, "ticket_state"), 3);
  EXPECT_EQ(Count(**conn, "order_lock WHERE ticket_id <> ''"), 3);
  EXPECT_EQ(Count(**conn, "unit_node"), 3);
  EXPECT_EQ(Count(**conn, "inbox"), 3);
}
}  // namespace
}  // namespace hotline::assessment
