// Deadline's folded event path (ClockEngine::NewEventBatch: the dispatches of
// orders new here kept and their ticket_info, chain links, holdings, clocks
// and rungs written in multi-row statements, every emitted event appended at
// the batch's end) stores exactly what the event-by-event path stores, and a
// batch whose end fails leaves nothing behind.

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/deadline/tests/deadline_test_util.h"
#include "tests/support/test_db.h"

namespace hotline::deadline {
namespace {

using testutil::Local;
using testutil::Routing;

constexpr char kTown[] = "town.longshui";
constexpr char kSection[] = "town.longshui.sfs";
constexpr char kCommunity[] = "comm.longshui.nanshan";
constexpr char kLonggang[] = "town.longgang";
constexpr char kHousing[] = "dept.housing";
constexpr char kTransport[] = "dept.transport";
constexpr char kUrban[] = "dept.urban";

class DeadlineEventPathTest : public ::testing::Test {
 protected:
  void SetUp() override { absl::SetFlag(&FLAGS_ladder_scanner, false); }
  void TearDown() override { absl::SetFlag(&FLAGS_ladder_scanner, true); }

  static std::unique_ptr<testing::ServiceUnderTest> StartDeadline() {
    testing::ServiceOptions o;
    o.extra_tokens = testutil::UnitTokens();
    o.before_start = [](testing::TestSchema& schema) {
      return testutil::StoreTestDirectory(schema, Definition());
    };
    auto svc = testing::ServiceUnderTest::Start(Definition(), o);
    EXPECT_TRUE(svc.ok()) << svc.status();
    return svc.ok() ? *std::move(svc) : nullptr;
  }
};

// Every row of every table deadline's event path writes, in key order
// (outbox created_at and inbox received_at are the database's own clock).
std::vector<std::vector<std::string>> Rows(testing::ServiceUnderTest& svc) {
  const std::vector<std::string> queries = {
      "SELECT * FROM ticket_info ORDER BY ticket_id",
      "SELECT * FROM ticket_unit ORDER BY ticket_id, unit_id",
      "SELECT * FROM holding ORDER BY ticket_id, dispatch_round, seq",
      "SELECT * FROM clock ORDER BY clock_id",
      "SELECT * FROM ladder_due ORDER BY clock_id, step",
      "SELECT id, ticket_id, seq, HEX(event) FROM outbox ORDER BY id",
      "SELECT * FROM outbox_seq ORDER BY ticket_id",
      "SELECT * FROM outbox_pending ORDER BY subscriber, outbox_id",
      "SELECT event_id, producer, ticket_id, seq, outcome, detail FROM inbox "
      "ORDER BY event_id"};
  auto conn = svc.instance().pool().Acquire();
  EXPECT_TRUE(conn.ok()) << conn.status();
  if (!conn.ok()) return {};
  auto rows = testing::QueryRows(**conn, queries);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? *std::move(rows) : std::vector<std::vector<std::string>>{};
}

int64_t Count(testing::ServiceUnderTest& svc, const std::string& table) {
  auto conn = svc.instance().pool().Acquire();
  EXPECT_TRUE(conn.ok()) << conn.status();
  auto rs = (*conn)->Query(absl::StrCat("SELECT COUNT(*) FROM ", table));
  EXPECT_TRUE(rs.ok()) << rs.status();
  (*rs)->next();
  return (*rs)->getInt64(1);
}

// Publishes `events` in one request as routing; the number acknowledged
// (-1 when the call failed).
int Acknowledged(testing::ServiceUnderTest& svc,
                 const std::vector<v1::TicketEvent>& events) {
  auto stub = v1::EventSink::NewStub(svc.channel());
  v1::PublishRequest req;
  req.set_source_service("routing");
  for (const auto& e : events) *req.add_events() = e;
  v1::PublishResponse resp;
  grpc::ClientContext ctx;
  testing::ServiceUnderTest::Authorize(&ctx, testing::kRoutingServiceToken);
  grpc::Status s = stub->Publish(&ctx, req, &resp);
  return s.ok() ? resp.acknowledged_event_ids_size() : -1;
}

// Round-robin over the orders' own sequences (each order's events in its
// order), as routing's relay interleaves orders.
std::vector<v1::TicketEvent> Interleave(
    const std::vector<std::vector<v1::TicketEvent>>& per_order) {
  std::vector<v1::TicketEvent> out;
  for (size_t k = 0;; ++k) {
    bool any = false;
    for (const auto& events : per_order) {
      if (k < events.size()) {
        out.push_back(events[k]);
        any = true;
      }
    }
    if (!any) return out;
  }
}

// A realistic mix of ~30 orders over three deliveries: dispatches (with and
// without co-units, some long before they reach deadline so their clocks are
// past due), then acceptances, forwards, replies, returns (below and up to
// the center), merges, co-units added, co-opinions and releases, reviews
// (rejected and approved), disputes, a redispatch, a second Dispatched of an
// order already dispatched, the dispatch and further events of one order in
// the same delivery, and an event of an order never dispatched here.
// `advance` sets the clock before each run is built, `deliver` delivers it.
void PlayScenario(
    Routing& r, const std::function<void(absl::Time)>& advance,
    const std::function<void(const std::vector<v1::TicketEvent>&)>& deliver) {
  const absl::Time t0 = Local(2024, 3, 4, 9);
  const absl::Time t1 = Local(2024, 3, 11, 10, 30);
  const absl::Time t2 = Local(2024, 3, 20, 15);
  const v1::RequestType types[] = {
      v1::REQUEST_TYPE_COMPLAINT, v1::REQUEST_TYPE_CONSULTATION,
      v1::REQUEST_TYPE_HELP_SEEKING, v1::REQUEST_TYPE_REPORT,
      v1::REQUEST_TYPE_SUGGESTION};
  auto ticket = [](int i) { return absl::StrCat("dl-", 100 + i); };
  auto dispatched = [&](int i, const std::string& unit,
                        std::vector<std::string> co, absl::Time at) {
    v1::TicketEvent d = r.Dispatched(ticket(i), unit, types[i % 5]);
    for (const std::string& c : co) d.mutable_dispatched()->add_co_unit_ids(c);
    if (i % 6 == 1) {
      // Its own limit (the center's date).
      d.mutable_dispatched()->mutable_limit()->set_due_date("2024-03-29");
    } else if (i % 6 == 4) {
      d.mutable_dispatched()->mutable_limit()->set_working_days(3);
      d.mutable_dispatched()->mutable_limit()->set_legal_basis(
          "《重庆市信访条例》第三十条");
    }
    d.mutable_dispatched()->set_note("请核实后依法依规处理并答复群众");
    *d.mutable_occurred_at() = ToProto(at);
    return d;
  };

  // Run 1 at t0: orders 0..9 dispatched (some with a co-unit).
  advance(t0);
  {
    std::vector<v1::TicketEvent> run;
    for (int i = 0; i < 10; ++i) {
      std::vector<std::string> co;
      if (i % 3 == 0) co.push_back(kHousing);
      run.push_back(dispatched(i, i % 2 ? kTown : kLonggang, co, t0));
    }
    deliver(run);
  }

  // Run 2 at t1: orders 10..29 dispatched (some days ago), with the next
  // acts of orders 0..9 and of some of the new orders, interleaved.
  advance(t1);
  {
    std::vector<std::vector<v1::TicketEvent>> per_order(30);
    const std::string t = ticket(0);
    per_order[0] = {r.Accepted(ticket(0), kLonggang),
                    r.AcceptedAsCoUnit(ticket(0), kHousing),
                    r.CoOpinion(ticket(0), kHousing, kLonggang),
                    r.Replied(ticket(0), kLonggang)};
    per_order[1] = {r.Accepted(ticket(1), kTown),
                    r.Forwarded(ticket(1), kTown, kSection),
                    r.Accepted(ticket(1), kSection)};
    per_order[2] = {r.Returned(ticket(2), kLonggang, "center", true),
                    r.Redispatched(ticket(2), kUrban,
                                   v1::REQUEST_TYPE_COMPLAINT, 2, kLonggang)};
    per_order[3] = {r.Accepted(ticket(3), kTown),
                    r.CoUnitReleased(ticket(3), kHousing, kTown),
                    r.Merged(ticket(3))};
    per_order[4] = {r.DisputeRaised(ticket(4), kLonggang)};
    per_order[5] = {r.Accepted(ticket(5), kTown),
                    r.Forwarded(ticket(5), kTown, kCommunity),
                    r.Returned(ticket(5), kCommunity, kTown, false)};
    per_order[6] = {r.Accepted(ticket(6), kLonggang),
                    r.CoUnitsAdded(ticket(6), kLonggang, {kUrban}),
                    r.Replied(ticket(6), kLonggang)};
    // A second Dispatched of an order dispatched before.
    per_order[7] = {dispatched(7, kTransport, {}, t1)};
    per_order[8] = {r.Replied(ticket(8), kLonggang)};
    per_order[9] = {r.Accepted(ticket(9), kTown)};
    for (int i = 10; i < 30; ++i) {
      std::vector<std::string> co;
      if (i % 4 == 0) co = {kHousing, kUrban};
      if (i % 7 == 3) co = {kTransport};
      const std::string unit = i % 3 == 0   ? kLonggang
                               : i % 3 == 1 ? kTown
                                            : kTransport;
      // Some dispatched days before they arrive: their clocks past due.
      per_order[i].push_back(
          dispatched(i, unit, co, t1 - absl::Hours(24 * (i % 6))));
    }
    // The dispatch and the next acts of new orders in the same delivery.
    per_order[11].push_back(r.Accepted(ticket(11), kLonggang));
    per_order[11].push_back(r.Forwarded(ticket(11), kLonggang, kTown));
    per_order[13].push_back(r.Replied(ticket(13), kTown));
    per_order[14].push_back(r.Returned(ticket(14), kTransport, "center", true));
    per_order[15].push_back(r.Merged(ticket(15)));
    per_order[16].push_back(r.AcceptedAsCoUnit(ticket(16), kHousing));
    per_order[16].push_back(r.CoUnitsAdded(ticket(16), kTown, {kLonggang}));
    per_order[19].push_back(r.Accepted(ticket(19), kTown));
    per_order[20].push_back(r.DisputeRaised(ticket(20), kTransport));
    per_order[22].push_back(r.Returned(ticket(22), kLonggang, "center", false));
    per_order[24].push_back(r.CoOpinion(ticket(24), kUrban, kLonggang));
    std::vector<v1::TicketEvent> run = Interleave(per_order);
    // An order never dispatched here.
    run.push_back(r.Accepted("dl-unknown", kTown));
    deliver(run);
  }

  // Run 3 at t2: reviews, decisions and replies, late for some.
  advance(t2);
  {
    std::vector<std::vector<v1::TicketEvent>> per_order(30);
    per_order[0] = {r.Reviewed(ticket(0), kLonggang, false),
                    r.Replied(ticket(0), kLonggang, 1),
                    r.Reviewed(ticket(0), kLonggang, true)};
    per_order[1] = {r.Replied(ticket(1), kSection)};
    per_order[4] = {r.DisputeDecided(ticket(4), kLonggang, false)};
    per_order[5] = {r.Accepted(ticket(5), kTown), r.Replied(ticket(5), kTown)};
    per_order[6] = {r.Reviewed(ticket(6), kLonggang, true)};
    per_order[8] = {r.Reviewed(ticket(8), kLonggang, true)};
    per_order[13] = {r.Reviewed(ticket(13), kTown, false)};
    per_order[14] = {r.Redispatched(ticket(14), kUrban,
                                    v1::REQUEST_TYPE_COMPLAINT, 2, kTransport)};
    per_order[20] = {r.DisputeDecided(ticket(20), kTransport, true)};
    per_order[21] = {r.Accepted(ticket(21), kTown),
                     r.Forwarded(ticket(21), kTown, kSection),
                     r.Replied(ticket(21), kSection)};
    per_order[25] = {r.Replied(ticket(25), kTown)};
    // Dispatched now: new orders after the others' acts.
    per_order[29] = {r.Accepted(ticket(29), kTransport)};
    std::vector<v1::TicketEvent> run = Interleave(per_order);
    for (int i = 30; i < 34; ++i) {
      run.push_back(dispatched(i, kTown, {kHousing}, t2));
    }
    deliver(run);
  }
}

// The same events, once delivered in one request per run (each a batch: one
// transaction) and once one event per request, store the same rows: order
// info, chain, holdings, clocks, rungs, the events deadline emits (content,
// order, ids, seq), their deliveries and the inbox.
TEST_F(DeadlineEventPathTest, BatchedDeliveryStoresWhatOneByOneStores) {
  std::unique_ptr<testing::ServiceUnderTest> batched = StartDeadline();
  ASSERT_NE(batched, nullptr);
  std::unique_ptr<testing::ServiceUnderTest> single = StartDeadline();
  ASSERT_NE(single, nullptr);
  // The events are built once (ids, seqs, times) against the batched
  // service's clock; the other's clock follows it.
  Routing r(batched->channel(), &batched->clock());
  size_t events = 0, runs = 0;
  PlayScenario(
      r,
      [&](absl::Time at) {
        ASSERT_TRUE(batched->clock().AdvanceTo(at).ok());
        ASSERT_TRUE(single->clock().AdvanceTo(at).ok());
      },
      [&](const std::vector<v1::TicketEvent>& run) {
        ASSERT_LE(run.size(), 500u);
        ++runs;
        events += run.size();
        EXPECT_EQ(Acknowledged(*batched, run), static_cast<int>(run.size()))
            << runs;
        for (const v1::TicketEvent& e : run) {
          ASSERT_EQ(Acknowledged(*single, {e}), 1) << e.ShortDebugString();
        }
      });
  ASSERT_EQ(runs, 3u);

  // Every kind of row is there.
  EXPECT_EQ(Count(*single, "inbox"), static_cast<int64_t>(events));
  EXPECT_GE(Count(*single, "ticket_info"), 34);
  EXPECT_GT(Count(*single, "ticket_unit"), 40);
  EXPECT_GT(Count(*single, "holding WHERE left_at IS NOT NULL"), 3);
  EXPECT_GT(Count(*single, "clock WHERE running = 0"), 20);
  EXPECT_GT(Count(*single, "ladder_due"), 50);
  EXPECT_GT(Count(*single, "outbox"), 150);
  // The batched service applied each run in one transaction (its inbox rows
  // were written by a few multi-row statements, whose rows share the
  // statement's timestamp), not one event at a time after a failed batch
  // (one timestamp per event).
  EXPECT_LE(Count(*batched, "(SELECT DISTINCT received_at FROM inbox) AS d"),
            9);

  const auto want = Rows(*single);
  const auto got = Rows(*batched);
  EXPECT_GT(want.size(), events);
  EXPECT_EQ(got.size(), want.size());
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    ASSERT_EQ(got[i], want[i]) << i;
  }
}

// A batch whose end (the kept dispatches' writes) fails is rolled back
// whole: no order info, clock, holding, event or inbox row; once the cause
// is gone the same delivery applies every event.
TEST_F(DeadlineEventPathTest, AFailedFinishRollsTheBatchBack) {
  std::unique_ptr<testing::ServiceUnderTest> svc = StartDeadline();
  ASSERT_NE(svc, nullptr);
  auto exec = [&](const std::string& sql) {
    auto conn = svc->instance().pool().Acquire();
    ASSERT_TRUE(conn.ok()) << conn.status();
    ASSERT_TRUE((*conn)->Execute(sql).ok()) << sql;
  };
  ASSERT_TRUE(svc->clock().AdvanceTo(Local(2024, 3, 4, 9)).ok());
  Routing r(svc->channel(), &svc->clock());
  std::vector<v1::TicketEvent> events;
  for (int i = 0; i < 3; ++i) {
    const std::string t = absl::StrCat("dl-90", i);
    v1::TicketEvent d = r.Dispatched(t, kTown, v1::REQUEST_TYPE_COMPLAINT);
    if (i != 1) d.mutable_dispatched()->add_co_unit_ids(kHousing);
    events.push_back(d);
  }
  // The kept dispatches are written at Finish, ticket_info before the
  // chain: without the chain's table Finish fails after the batch's
  // ticket_info rows were written in its transaction (and so does each
  // dispatch's own transaction when the events are tried one by one).
  exec("RENAME TABLE ticket_unit TO ticket_unit_away");
  EXPECT_LE(Acknowledged(*svc, events), 0);  // INTERNAL: resent
  for (const char* table : {"ticket_info", "holding", "clock", "ladder_due",
                            "outbox", "outbox_seq", "inbox"}) {
    EXPECT_EQ(Count(*svc, table), 0) << table;
  }
  exec("RENAME TABLE ticket_unit_away TO ticket_unit");
  EXPECT_EQ(Acknowledged(*svc, events), 3);
  EXPECT_EQ(Count(*svc, "ticket_info"), 3);
  EXPECT_EQ(Count(*svc, "ticket_unit"), 5);
  EXPECT_EQ(Count(*svc, "holding"), 3);
  EXPECT_EQ(Count(*svc, "clock"), 13);
  EXPECT_GT(Count(*svc, "ladder_due"), 13);
  EXPECT_EQ(Count(*svc, "inbox"), 3);
  EXPECT_EQ(Count(*svc, "outbox"), 13);
}

}  // namespace
}  // namespace hotline::deadline
