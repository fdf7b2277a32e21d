// Intake's folded event path (IntakeCore::NewEventBatch: the batch's orders
// and the units its notes name read once at its start, every changed order
// row, progress entry and holder written at its end) stores exactly what the
// event-by-event path stores, and a batch whose end fails leaves nothing
// behind.

#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "common/db/connection.h"
#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/events.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "services/intake/edge/intake_service.h"
#include "services/intake/tests/intake_test_keys.h"
#include "tests/support/service_fixture.h"
#include "tests/support/test_db.h"

namespace hotline::intake {
namespace {

using ::hotline::testing::kAgentToken;
using ::hotline::testing::kCenterToken;
using ::hotline::testing::ServiceUnderTest;

const auto* const kEnv =
    ::testing::AddGlobalTestEnvironment(new KeyFileEnvironment);

constexpr int kOrders = 12;

// An intake service with kOrders orders (created in this order) and two
// named units in its copy of the directory; `ids` gets the orders' ids.
std::unique_ptr<ServiceUnderTest> StartIntake(std::vector<std::string>* ids) {
  auto svc = ServiceUnderTest::Start(Definition());
  EXPECT_TRUE(svc.ok()) << svc.status();
  if (!svc.ok()) return nullptr;
  {
    auto conn = (*svc)->instance().pool().Acquire();
    EXPECT_TRUE(conn.ok()) << conn.status();
    EXPECT_TRUE((*conn)
                    ->Execute("INSERT INTO directory_unit (unit_id, name) "
                              "VALUES ('town.longshui', '龙水镇人民政府'), "
                              "('dept.housing', '区住房城乡建委') ON "
                              "DUPLICATE KEY UPDATE name = VALUES(name)")
                    .ok());
  }
  auto stub = v1::IntakeService::NewStub((*svc)->channel());
  for (int i = 0; i < kOrders; ++i) {
    v1::CreateTicketRequest r;
    r.set_request_id(absl::StrCat("req-fold-", i));
    r.set_channel(v1::CHANNEL_PHONE);
    r.set_request_type(v1::REQUEST_TYPE_HELP_SEEKING);
    r.set_category_code("urban.road.streetlight");
    r.mutable_location()->set_town_code("town.longshui");
    r.mutable_location()->set_address(
        absl::StrCat("龙水镇五金市场东门", i, "号"));
    r.set_title(absl::StrCat("龙水镇五金市场路灯不亮（", i, "）"));
    r.set_content("五金市场东门附近的三盏路灯已经一周不亮了，请尽快维修。");
    r.mutable_caller()->set_name("李四");
    r.mutable_caller()->set_phone(absl::StrCat("1390000", 1000 + i));
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kAgentToken);
    v1::CreateTicketResponse resp;
    grpc::Status s = stub->CreateTicket(&ctx, r, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    ids->push_back(resp.ticket().ticket_id());
  }
  // One order merged into another (a merged order keeps its status).
  v1::MergeTicketRequest m;
  m.set_request_id("merge-fold-1");
  m.set_ticket_id((*ids)[5]);
  m.set_original_ticket_id((*ids)[0]);
  m.set_reason("同一来电人重复反映");
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::MergeTicketResponse mr;
  grpc::Status s = stub->MergeTicket(&ctx, m, &mr);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return std::move(*svc);
}

// The events of every producer intake follows, per order (index into the
// orders' ids): dispatches with co-units, accepts, forwards, returns,
// replies, closes; handling clocks started and moved, other clocks; an
// evaluation. Each producer's events with their own per-order seq.
struct Scenario {
  // (order index, event without ids) per producer, in delivery order.
  std::vector<std::pair<int, v1::TicketEvent>> routing, deadline, assessment;
};

Scenario MakeScenario(absl::Time at) {
  Scenario s;
  std::mt19937_64 rng(20261206);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  auto event = [&](absl::Duration after) {
    v1::TicketEvent e;
    *e.mutable_occurred_at() = ToProto(at + after);
    return e;
  };
  for (int i = 0; i < kOrders; ++i) {
    const absl::Duration t0 = absl::Minutes(10 * i);
    v1::TicketEvent d = event(t0);
    d.mutable_dispatched()->set_unit_id(pick(2) ? "town.longshui"
                                                : "dept.water");
    if (pick(2)) d.mutable_dispatched()->add_co_unit_ids("dept.housing");
    d.mutable_dispatched()->set_dispatch_round(1);
    s.routing.emplace_back(i, d);
    v1::TicketEvent a = event(t0 + absl::Minutes(1));
    a.mutable_accepted()->set_unit_id(d.dispatched().unit_id());
    s.routing.emplace_back(i, a);
    if (pick(2)) {
      v1::TicketEvent co = event(t0 + absl::Minutes(2));
      co.mutable_accepted()->set_unit_id("dept.housing");
      co.mutable_accepted()->set_as_co_unit(true);
      s.routing.emplace_back(i, co);
    }
    switch (pick(3)) {
      case 0: {
        v1::TicketEvent f = event(t0 + absl::Minutes(3));
        f.mutable_forwarded()->set_from_unit_id(d.dispatched().unit_id());
        f.mutable_forwarded()->set_to_unit_id("town.longshui.wujin");
        s.routing.emplace_back(i, f);
        break;
      }
      case 1: {
        v1::TicketEvent r = event(t0 + absl::Minutes(3));
        r.mutable_returned()->set_from_unit_id(d.dispatched().unit_id());
        r.mutable_returned()->set_to_unit_id("center");
        r.mutable_returned()->set_reason("不属于本单位职责");
        r.mutable_returned()->set_reached_center(true);
        s.routing.emplace_back(i, r);
        break;
      }
      default: {
        v1::TicketEvent r = event(t0 + absl::Minutes(4));
        r.mutable_replied()->set_unit_id(d.dispatched().unit_id());
        r.mutable_replied()->set_text("路灯已更换灯泡，恢复照明。");
        s.routing.emplace_back(i, r);
        v1::TicketEvent c = event(t0 + absl::Minutes(5));
        c.mutable_closed()->set_reason(v1::CLOSE_REASON_EVALUATED);
        s.routing.emplace_back(i, c);
        v1::TicketEvent ev = event(t0 + absl::Minutes(5));
        ev.mutable_evaluation_recorded()->set_unit_id(d.dispatched().unit_id());
        ev.mutable_evaluation_recorded()->set_reached(true);
        ev.mutable_evaluation_recorded()->set_satisfaction(
            v1::SATISFACTION_SATISFIED);
        s.assessment.emplace_back(i, ev);
      }
    }
    for (v1::ClockKind kind :
         {v1::CLOCK_KIND_RESPONSE, v1::CLOCK_KIND_HANDLING}) {
      v1::TicketEvent k = event(t0 + absl::Minutes(1));
      k.mutable_clock_started()->set_clock_id(absl::StrCat("clk-", i, kind));
      k.mutable_clock_started()->set_kind(kind);
      k.mutable_clock_started()->set_unit_id(d.dispatched().unit_id());
      *k.mutable_clock_started()->mutable_due() =
          ToProto(at + absl::Hours(24 * (1 + pick(15))));
      s.deadline.emplace_back(i, k);
    }
    if (pick(2)) {
      v1::TicketEvent x = event(t0 + absl::Minutes(2));
      auto* e = x.mutable_extension_decided();
      e->set_unit_id(d.dispatched().unit_id());
      e->set_approved(true);
      e->set_approved_due_date("2024-03-01");
      *e->mutable_new_due() = ToProto(absl::FromUnixSeconds(1709308800));
      s.deadline.emplace_back(i, x);
    }
  }
  return s;
}

// The events of one producer as delivered to the service whose orders are
// `ids`: event ids, seq per order, ticket ids and numbers filled in.
std::vector<v1::TicketEvent> Stamp(
    const std::string& producer,
    const std::vector<std::pair<int, v1::TicketEvent>>& events,
    const std::vector<std::string>& ids) {
  std::vector<v1::TicketEvent> out;
  std::map<int, int64_t> seq;
  for (const auto& [i, e] : events) {
    v1::TicketEvent x = e;
    x.set_ticket_id(ids[i]);
    x.set_seq(++seq[i]);
    x.set_event_id(absl::StrCat(producer, "-", i, "-", x.seq()));
    x.set_producer(producer);
    x.set_ticket_number("DZ20240208-000001");
    x.mutable_actor()->set_principal_id("system");
    x.mutable_actor()->set_role(v1::SERVICE);
    out.push_back(std::move(x));
  }
  return out;
}

// Publishes `events` in one request: how many were acknowledged (-1 when
// the call failed).
int64_t Publish(ServiceUnderTest& svc, const std::string& producer,
                const std::vector<v1::TicketEvent>& events) {
  auto sink = v1::EventSink::NewStub(svc.channel());
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, hotline::testing::ServiceTokenOf(producer));
  v1::PublishRequest req;
  req.set_source_service(producer);
  for (const auto& e : events) *req.add_events() = e;
  v1::PublishResponse resp;
  grpc::Status s = sink->Publish(&ctx, req, &resp);
  return s.ok() ? resp.acknowledged_event_ids_size() : -1;
}

// Every row the event path writes, the orders named by their index (the
// two services' ids differ): the orders' status, holder, handling due,
// updated_at and merge link; the progress entries (ids included); the
// holders; the inbox.
std::vector<std::vector<std::string>> Rows(
    ServiceUnderTest& svc, const std::vector<std::string>& ids) {
  std::map<std::string, std::string> index;
  for (size_t i = 0; i < ids.size(); ++i) {
    index[ids[i]] = absl::StrCat("order-", i);
  }
  const std::vector<std::string> queries = {
      "SELECT ticket_id, status, holder_unit_id, handling_due, updated_at, "
      "merged_into FROM ticket ORDER BY id",
      "SELECT ticket_id, id, at, status, unit_id, note FROM ticket_progress "
      "ORDER BY id",
      "SELECT h.ticket_id, h.unit_id FROM ticket_holder h JOIN ticket t ON "
      "t.ticket_id = h.ticket_id ORDER BY t.id, h.unit_id",
      "SELECT i.ticket_id, i.event_id, i.producer, i.seq, i.outcome, "
      "i.detail FROM inbox i JOIN ticket t ON t.ticket_id = i.ticket_id "
      "ORDER BY i.event_id"};
  auto conn = svc.instance().pool().Acquire();
  EXPECT_TRUE(conn.ok()) << conn.status();
  if (!conn.ok()) return {};
  auto rows = hotline::testing::QueryRows(**conn, queries);
  EXPECT_TRUE(rows.ok()) << rows.status();
  if (!rows.ok()) return {};
  for (std::vector<std::string>& row : *rows) {
    for (size_t c = 1; c < row.size(); ++c) {
      auto it = index.find(row[c]);
      if (it != index.end()) row[c] = it->second;
    }
  }
  return *std::move(rows);
}

int64_t Count(ServiceUnderTest& svc, const std::string& sql) {
  auto conn = svc.instance().pool().Acquire();
  EXPECT_TRUE(conn.ok()) << conn.status();
  auto rs = (*conn)->Query(sql);
  EXPECT_TRUE(rs.ok()) << rs.status();
  (*rs)->next();
  return (*rs)->getInt64(1);
}

// The same events, once published in one request per producer (each a
// batch: one transaction) and once one event per request, store the same
// rows.
TEST(IntakeEventPathTest, BatchedDeliveryStoresWhatOneByOneStores) {
  std::vector<std::string> batched_ids, single_ids;
  std::unique_ptr<ServiceUnderTest> batched = StartIntake(&batched_ids);
  ASSERT_NE(batched, nullptr);
  std::unique_ptr<ServiceUnderTest> single = StartIntake(&single_ids);
  ASSERT_NE(single, nullptr);
  ASSERT_EQ(batched->clock().Now(), single->clock().Now());
  const Scenario s = MakeScenario(batched->clock().Now());
  size_t events = 0;
  for (const auto& [producer, run] : std::vector<std::pair<
           std::string, const std::vector<std::pair<int, v1::TicketEvent>>*>>{
           {"routing", &s.routing},
           {"deadline", &s.deadline},
           {"assessment", &s.assessment}}) {
    const auto b = Stamp(producer, *run, batched_ids);
    ASSERT_EQ(Publish(*batched, producer, b), static_cast<int64_t>(b.size()));
    for (const v1::TicketEvent& e : Stamp(producer, *run, single_ids)) {
      ASSERT_EQ(Publish(*single, producer, {e}), 1) << e.ShortDebugString();
    }
    events += b.size();
  }
  const auto want = Rows(*single, single_ids);
  const auto got = Rows(*batched, batched_ids);
  EXPECT_GT(want.size(), events);
  // The notes name the units by their names, and the merged order kept its
  // status.
  EXPECT_GT(Count(*single,
                  "SELECT COUNT(*) FROM ticket_progress WHERE "
                  "note LIKE '%龙水镇人民政府%'"),
            0);
  EXPECT_EQ(Count(*single, "SELECT COUNT(*) FROM inbox"),
            static_cast<int64_t>(events));
  // The batched service applied each producer's run in one transaction (its
  // inbox rows were written by a few multi-row statements, whose rows share
  // the statement's timestamp), not one event at a time after a failed
  // batch (one timestamp per event).
  EXPECT_LE(Count(*batched, "SELECT COUNT(DISTINCT received_at) FROM inbox"),
            12);

  EXPECT_EQ(got.size(), want.size());
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    ASSERT_EQ(got[i], want[i]) << i;
  }
}

// A batch whose end (the deferred writes) fails is rolled back whole: no
// order changed, no progress entry, no inbox row; once the cause is gone
// the same delivery applies every event.
TEST(IntakeEventPathTest, AFailedFinishRollsTheBatchBack) {
  std::vector<std::string> ids;
  std::unique_ptr<ServiceUnderTest> svc = StartIntake(&ids);
  ASSERT_NE(svc, nullptr);
  const Scenario s = MakeScenario(svc->clock().Now());
  const auto events = Stamp("routing", s.routing, ids);
  auto exec = [&](const std::string& sql) {
    auto conn = svc->instance().pool().Acquire();
    ASSERT_TRUE(conn.ok()) << conn.status();
    ASSERT_TRUE((*conn)->Execute(sql).ok()) << sql;
  };
  const int64_t progress = Count(*svc, "SELECT COUNT(*) FROM ticket_progress");
  // Finish writes the holders last: without their table it fails after the
  // orders' rows and progress entries were written in its transaction (and
  // so does the first event's own transaction, a dispatch, one by one).
  exec("RENAME TABLE ticket_holder TO ticket_holder_away");
  EXPECT_LE(Publish(*svc, "routing", events), 0);  // INTERNAL: resent
  EXPECT_EQ(Count(*svc, "SELECT COUNT(*) FROM ticket_progress"), progress);
  EXPECT_EQ(Count(*svc,
                  "SELECT COUNT(*) FROM ticket WHERE status <> 1 AND "
                  "merged_into IS NULL"),
            0);
  EXPECT_EQ(Count(*svc, "SELECT COUNT(*) FROM inbox"), 0);
  exec("RENAME TABLE ticket_holder_away TO ticket_holder");
  EXPECT_EQ(Publish(*svc, "routing", events),
            static_cast<int64_t>(events.size()));
  EXPECT_GT(Count(*svc, "SELECT COUNT(*) FROM ticket_progress"), progress);
  EXPECT_EQ(Count(*svc, "SELECT COUNT(*) FROM inbox"),
            static_cast<int64_t>(events.size()));
}

}  // namespace
}  // namespace hotline::intake
