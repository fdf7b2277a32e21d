// Routing's folded event path (Core::NewEventBatch: the batch's orders and
// clocks read once at its start, the directory stamp once, every changed
// clock, assignment and co-unit row and every emitted event written at its
// end) stores exactly what the event-by-event path stores, and a batch whose
// end fails leaves nothing behind.

#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/routing/tests/routing_test_client.h"
#include "tests/support/test_db.h"

namespace hotline::routing {
namespace {

using namespace testing;  // NOLINT

// A routing service with the sample directory and three catalogue rules:
// traffic matters go to dept.transport automatically, property matters in
// Longshui to the town with dept.housing as co-unit automatically, the rest
// wait for the center.
std::unique_ptr<ServiceUnderTest> StartRouting() {
  hotline::testing::ServiceOptions o;
  o.extra_tokens = ExtraTokens();
  auto svc = ServiceUnderTest::Start(Definition(), o);
  EXPECT_TRUE(svc.ok()) << svc.status();
  if (!svc.ok()) return nullptr;
  RoutingClient c((*svc)->channel());
  v1::ImportDirectoryRequest req;
  req.set_request_id("import-1");
  req.set_format(v1::DIRECTORY_FORMAT_CSV);
  req.set_content(SampleDirectory());
  req.set_source("sample: Dazu District");
  v1::ImportDirectoryResponse resp;
  grpc::Status s =
      c.Call(c.directory.get(), &v1::DirectoryService::Stub::ImportDirectory,
             kCenterToken, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  auto rule = [&](const std::string& id, const std::string& category,
                  const std::string& area, const std::string& unit,
                  const std::string& co_unit, int priority) {
    v1::UpsertRuleRequest r;
    r.set_request_id(absl::StrCat("rule-req-", id));
    auto* x = r.mutable_rule();
    x->set_rule_id(id);
    x->set_name(absl::StrCat("自动派单规则 ", id));
    x->add_category_codes(category);
    if (!area.empty()) x->add_area_codes(area);
    x->set_unit_id(unit);
    if (!co_unit.empty()) x->add_co_unit_ids(co_unit);
    x->set_priority(priority);
    x->set_automatic(true);
    x->set_active(true);
    v1::UpsertRuleResponse rr;
    grpc::Status st =
        c.Call(c.directory.get(), &v1::DirectoryService::Stub::UpsertRule,
               kCenterToken, r, &rr);
    EXPECT_TRUE(st.ok()) << st.error_message();
  };
  rule("rule-traffic", "交通", "", "dept.transport", "", 800);
  rule("rule-property", "城乡建设/物业管理", "town.longshui", "town.longshui",
       "dept.housing", 300);
  return std::move(*svc);
}

// Every row of routing's tables that the event path writes, in key order
// (outbox created_at and inbox received_at are the database's own clock).
std::vector<std::vector<std::string>> Rows(ServiceUnderTest& svc) {
  const std::vector<std::string> queries = {
      "SELECT * FROM assignment ORDER BY ticket_id",
      "SELECT * FROM assignment_co_unit ORDER BY ticket_id, unit_id",
      "SELECT * FROM clock ORDER BY clock_id",
      "SELECT id, ticket_id, seq, HEX(event) FROM outbox ORDER BY id",
      "SELECT * FROM outbox_seq ORDER BY ticket_id",
      "SELECT * FROM outbox_pending ORDER BY subscriber, outbox_id",
      "SELECT event_id, producer, ticket_id, seq, outcome, detail FROM inbox "
      "ORDER BY event_id"};
  auto conn = svc.instance().pool().Acquire();
  EXPECT_TRUE(conn.ok()) << conn.status();
  if (!conn.ok()) return {};
  auto rows = hotline::testing::QueryRows(**conn, queries);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return rows.ok() ? *std::move(rows) : std::vector<std::vector<std::string>>{};
}

// Publishes `events` in one request; the number acknowledged (-1 when the
// call failed).
int64_t Acknowledged(RoutingClient& c,
                     const std::vector<v1::TicketEvent>& events,
                     const std::string& source) {
  v1::PublishRequest req;
  req.set_source_service(source);
  for (const auto& e : events) *req.add_events() = e;
  v1::PublishResponse resp;
  grpc::Status s =
      c.Call(c.sink.get(), &v1::EventSink::Stub::Publish,
             std::string(hotline::testing::ServiceTokenOf(source)), req, &resp);
  return s.ok() ? resp.acknowledged_event_ids_size() : -1;
}

int64_t Count(ServiceUnderTest& svc, const std::string& table) {
  auto conn = svc.instance().pool().Acquire();
  EXPECT_TRUE(conn.ok()) << conn.status();
  auto rs = (*conn)->Query(absl::StrCat("SELECT COUNT(*) FROM ", table));
  EXPECT_TRUE(rs.ok()) << rs.status();
  (*rs)->next();
  return (*rs)->getInt64(1);
}

// Builds the events of one producer with per-ticket seq.
class Events {
 public:
  Events(std::string producer, absl::Time at)
      : producer_(std::move(producer)), at_(at) {}
  v1::TicketEvent Make(const std::string& ticket) {
    v1::TicketEvent e;
    const int64_t seq = ++seq_[ticket];
    e.set_event_id(absl::StrCat(producer_, "-", ticket, "-", seq));
    e.set_ticket_id(ticket);
    e.set_seq(seq);
    e.set_producer(producer_);
    e.set_ticket_number("DZ20240208-000000");
    *e.mutable_occurred_at() = ToProto(at_);
    return e;
  }

 private:
  std::string producer_;
  absl::Time at_;
  std::map<std::string, int64_t> seq_;
};

// Orders of every kind routing handles: dispatched automatically (with and
// without co-units), left to the center, closed at intake; merged and
// unmerged; clocks started, moved (also one stored under another order, and
// one never stored), stopped, restarted; ladder steps; evaluations.
struct Scenario {
  std::vector<v1::TicketEvent> intake, deadline, assessment;
};

Scenario MakeScenario(absl::Time at) {
  Scenario s;
  std::mt19937_64 rng(20261206);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  Events intake("intake", at), deadline("deadline", at),
      assessment("assessment", at);
  const std::vector<std::string> categories = {
      "交通/道路破损", "城乡建设/物业管理", "环境保护/噪声污染"};
  const int kOrders = 24;
  for (int i = 0; i < kOrders; ++i) {
    const std::string t = absl::StrCat("tkt-", 100 + i);
    v1::TicketEvent created =
        Created(t, i, categories[i % 3], pick(4) ? "town.longshui" : "",
                at + absl::Minutes(i), static_cast<v1::Urgency>(1 + pick(3)));
    created.set_seq(0);
    v1::TicketEvent e = intake.Make(t);
    *e.mutable_ticket_created() = created.ticket_created();
    if (i % 11 == 5) e.mutable_ticket_created()->set_closed_at_intake(true);
    s.intake.push_back(e);
  }
  // Merges and an unmerge of the same order in the same batch.
  for (int i : {3, 7, 8}) {
    const std::string t = absl::StrCat("tkt-", 100 + i);
    v1::TicketEvent m = intake.Make(t);
    m.mutable_ticket_merged()->set_original_ticket_id("tkt-100");
    m.mutable_ticket_merged()->set_reason("同一来电人重复反映");
    s.intake.push_back(m);
  }
  {
    v1::TicketEvent u = intake.Make("tkt-108");
    u.mutable_ticket_unmerged()->set_original_ticket_id("tkt-100");
    u.mutable_ticket_unmerged()->set_reason("非重复诉求");
    s.intake.push_back(u);
  }
  // Clocks: two per order, moved and stopped in varied orders.
  for (int i = 0; i < kOrders; ++i) {
    const std::string t = absl::StrCat("tkt-", 100 + i);
    for (int k = 0; k < 2; ++k) {
      const std::string clock = absl::StrCat("clk-", t, "-", k);
      v1::TicketEvent started = deadline.Make(t);
      auto* c = started.mutable_clock_started();
      c->set_clock_id(clock);
      c->set_kind(k == 0 ? v1::CLOCK_KIND_RESPONSE : v1::CLOCK_KIND_HANDLING);
      c->set_unit_id("town.longshui");
      c->set_dispatch_round(1);
      *c->mutable_due() =
          ToProto(at + absl::Hours(24 * (k + 1) + pick(48)) +
                  absl::Microseconds(pick(1000000)) + absl::Nanoseconds(517));
      s.deadline.push_back(started);
    }
    if (pick(2)) {
      v1::TicketEvent moved = deadline.Make(t);
      moved.mutable_clock_moved()->set_clock_id(absl::StrCat("clk-", t, "-1"));
      moved.mutable_clock_moved()->set_kind(v1::CLOCK_KIND_HANDLING);
      *moved.mutable_clock_moved()->mutable_due() =
          ToProto(at + absl::Hours(100 + pick(100)));
      s.deadline.push_back(moved);
    }
    if (pick(3) == 0) {
      v1::TicketEvent stopped = deadline.Make(t);
      stopped.mutable_clock_stopped()->set_clock_id(
          absl::StrCat("clk-", t, "-0"));
      s.deadline.push_back(stopped);
      // Started again (stored already: only its due changes).
      v1::TicketEvent again = deadline.Make(t);
      auto* c = again.mutable_clock_started();
      c->set_clock_id(absl::StrCat("clk-", t, "-0"));
      c->set_kind(v1::CLOCK_KIND_RESPONSE);
      c->set_dispatch_round(1);
      *c->mutable_due() = ToProto(at + absl::Hours(5));
      s.deadline.push_back(again);
    }
    if (pick(2)) {
      v1::TicketEvent step = deadline.Make(t);
      auto* f = step.mutable_ladder_step_fired();
      f->set_step_id(absl::StrCat("step-", t));
      f->set_step(static_cast<v1::LadderStep>(1 + pick(2)));
      f->set_clock_id(absl::StrCat("clk-", t, "-1"));
      f->set_clock_kind(v1::CLOCK_KIND_HANDLING);
      f->set_unit_id("town.longshui");
      s.deadline.push_back(step);
    }
  }
  // A clock of another order moved under this one, and a clock never
  // stored moved and stopped.
  {
    v1::TicketEvent moved = deadline.Make("tkt-101");
    moved.mutable_clock_moved()->set_clock_id("clk-tkt-102-1");
    *moved.mutable_clock_moved()->mutable_due() = ToProto(at + absl::Hours(9));
    s.deadline.push_back(moved);
    v1::TicketEvent stray = deadline.Make("tkt-104");
    stray.mutable_clock_moved()->set_clock_id("clk-none");
    *stray.mutable_clock_moved()->mutable_due() = ToProto(at + absl::Hours(9));
    s.deadline.push_back(stray);
    v1::TicketEvent stop = deadline.Make("tkt-104");
    stop.mutable_clock_stopped()->set_clock_id("clk-none");
    s.deadline.push_back(stop);
  }
  for (int i = 0; i < kOrders; i += 4) {
    const std::string t = absl::StrCat("tkt-", 100 + i);
    v1::TicketEvent ev = assessment.Make(t);
    auto* r = ev.mutable_evaluation_recorded();
    r->set_evaluation_id(absl::StrCat("eval-", t));
    r->set_unit_id("town.longshui");
    r->set_reached(true);
    r->set_satisfaction(v1::SATISFACTION_SATISFIED);
    s.assessment.push_back(ev);
  }
  return s;
}

// The same events, once published in one request per producer (each a
// batch: one transaction) and once one event per request, store the same
// rows: assignments, co-units, clocks, the events routing emits (content,
// order, ids and seq), their deliveries and the inbox.
TEST(RoutingEventPathTest, BatchedDeliveryStoresWhatOneByOneStores) {
  std::unique_ptr<ServiceUnderTest> batched = StartRouting();
  ASSERT_NE(batched, nullptr);
  std::unique_ptr<ServiceUnderTest> single = StartRouting();
  ASSERT_NE(single, nullptr);
  const Scenario s = MakeScenario(batched->clock().Now());
  ASSERT_EQ(batched->clock().Now(), single->clock().Now());

  RoutingClient b(batched->channel()), o(single->channel());
  for (const auto* run : {&s.intake, &s.deadline, &s.assessment}) {
    const std::string producer = run->front().producer();
    grpc::Status st = b.Publish(*run, producer);
    ASSERT_TRUE(st.ok()) << st.error_message();
    for (const v1::TicketEvent& e : *run) {
      st = o.Publish({e}, producer);
      ASSERT_TRUE(st.ok()) << st.error_message();
    }
  }
  const auto want = Rows(*single);
  const auto got = Rows(*batched);
  const size_t events =
      s.intake.size() + s.deadline.size() + s.assessment.size();
  EXPECT_GT(want.size(), events);
  // Every kind of row is there: automatic dispatches (with co-units),
  // clocks, emitted events.
  EXPECT_GT(Count(*single, "assignment_co_unit"), 0);
  EXPECT_GT(Count(*single, "outbox"), 10);
  EXPECT_EQ(Count(*single, "inbox"), static_cast<int64_t>(events));
  // The batched service applied each producer's run in one transaction (its
  // inbox rows were written by a few multi-row statements, whose rows share
  // the statement's timestamp), not one event at a time after a failed
  // batch (one timestamp per event).
  EXPECT_LE(Count(*batched, "(SELECT DISTINCT received_at FROM inbox) AS d"),
            12);

  EXPECT_EQ(got.size(), want.size());
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    ASSERT_EQ(got[i], want[i]) << i;
  }
}

// A batch whose end (the deferred writes) fails is rolled back whole: no
// assignment, no clock, no event, no inbox row; once the cause is gone the
// same delivery applies every event.
TEST(RoutingEventPathTest, AFailedFinishRollsTheBatchBack) {
  std::unique_ptr<ServiceUnderTest> svc = StartRouting();
  ASSERT_NE(svc, nullptr);
  RoutingClient c(svc->channel());
  auto exec = [&](const std::string& sql) {
    auto conn = svc->instance().pool().Acquire();
    ASSERT_TRUE(conn.ok()) << conn.status();
    ASSERT_TRUE((*conn)->Execute(sql).ok()) << sql;
  };
  // Three new orders, the first and the last dispatched automatically with
  // a co-unit.
  const absl::Time at = svc->clock().Now();
  const std::vector<v1::TicketEvent> events = {
      Created("tkt-900", 900, "城乡建设/物业管理", "town.longshui", at),
      Created("tkt-901", 901, "交通/道路破损", "town.longshui", at),
      Created("tkt-902", 902, "城乡建设/物业管理", "town.longshui", at)};
  // Only Finish writes co-unit rows: without the table, it fails after the
  // batch's assignments were written in its transaction (and so does the
  // first event's own transaction when the events are tried one by one).
  exec("RENAME TABLE assignment_co_unit TO assignment_co_unit_away");
  EXPECT_LE(Acknowledged(c, events, "intake"), 0);  // INTERNAL: resent
  EXPECT_EQ(Count(*svc, "assignment"), 0);
  EXPECT_EQ(Count(*svc, "outbox"), 0);
  EXPECT_EQ(Count(*svc, "outbox_seq"), 0);
  EXPECT_EQ(Count(*svc, "inbox"), 0);
  exec("RENAME TABLE assignment_co_unit_away TO assignment_co_unit");
  EXPECT_EQ(Acknowledged(c, events, "intake"), 3);
  EXPECT_EQ(Count(*svc, "assignment"), 3);
  EXPECT_EQ(Count(*svc, "assignment_co_unit"), 2);
  EXPECT_EQ(Count(*svc, "outbox"), 3);
  EXPECT_EQ(Count(*svc, "inbox"), 3);
}

}  // namespace
}  // namespace hotline::routing
