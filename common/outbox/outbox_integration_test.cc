// Outbox → relay → EventSink → inbox against a real MariaDB: exactly once in
// effect while the subscriber is down, when a relay dies between sending and
// recording the acknowledgement, and with two relays on one outbox.

#include <cppconn/resultset.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/service_type.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/clock/clock.h"
#include "common/db/dialect.h"
#include "common/db/transaction.h"
#include "common/outbox/outbox.h"
#include "common/server/proto_time.h"
#include "common/server/service_host.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/admin.grpc.pb.h"
#include "hotline/v1/events.grpc.pb.h"
#include "hotline_outbox_EventMigrations.h"
#include "tests/support/test_db.h"

namespace hotline::outbox {
namespace {

constexpr char kToken[] = "svc-token-000001";          // SERVICE routing
constexpr char kDeadlineToken[] = "svc-token-000002";  // SERVICE deadline
constexpr char kUnnamedToken[] = "svc-token-000003";   // SERVICE
constexpr char kAuditorToken[] = "aud-token-000004";   // AUDITOR
constexpr char kAgentToken[] = "agt-token-000005";     // CALL_AGENT

// The consumer's effect: one row per applied event. A repeat would violate
// the primary key; an event out of order is refused.
absl::Status ApplyToTable(db::Connection& conn, const v1::TicketEvent& e) {
  ASSIGN_OR_RETURN(auto* last,
                   conn.Prepare("SELECT COALESCE(MAX(seq), 0) FROM applied "
                                "WHERE ticket_id = ?"));
  ASSIGN_OR_RETURN(int64_t max_seq, conn.Guard("last", [&] {
    last->setString(1, e.ticket_id());
    std::unique_ptr<sql::ResultSet> rs(last->executeQuery());
    rs->next();
    return static_cast<int64_t>(rs->getInt64(1));
  }));
  if (max_seq != e.seq() - 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("out of order: have ", max_seq, ", got ", e.seq()));
  }
  ASSIGN_OR_RETURN(auto* insert,
                   conn.Prepare("INSERT INTO applied (ticket_id, seq, unit) "
                                "VALUES (?, ?, ?)"));
  return conn.Guard("apply", [&] {
    insert->setString(1, e.ticket_id());
    insert->setInt64(2, e.seq());
    insert->setString(3, e.accepted().unit_id());
    insert->executeUpdate();
  });
}

int64_t Count(db::ConnectionPool& pool, const std::string& sql) {
  auto conn = pool.Acquire();
  EXPECT_TRUE(conn.ok()) << conn.status();
  auto rs = (*conn)->Query(sql);
  EXPECT_TRUE(rs.ok()) << rs.status();
  (*rs)->next();
  return (*rs)->getInt64(1);
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    producer_schema_ = *testing::TestSchema::Create("outbox_p");
    consumer_schema_ = *testing::TestSchema::Create("outbox_c");
    producer_ = *db::ConnectionPool::Create(producer_schema_->config());
    consumer_ = *db::ConnectionPool::Create(consumer_schema_->config());
    ASSERT_TRUE(db::ApplyMigrations(*producer_, EventMigrations()).ok());
    ASSERT_TRUE(db::ApplyMigrations(*consumer_, EventMigrations()).ok());
    ASSERT_TRUE(consumer_schema_
                    ->Execute("CREATE TABLE applied (ticket_id VARCHAR(64), "
                              "seq BIGINT, unit VARCHAR(64), "
                              "PRIMARY KEY (ticket_id, seq)) "
                              "DEFAULT CHARSET=utf8mb4")
                    .ok());
    tokens_ = *auth::TokenStore::Parse(absl::StrCat(
        kToken, " SERVICE routing\n", kDeadlineToken, " SERVICE deadline\n",
        kUnnamedToken, " SERVICE\n", kAuditorToken, " AUDITOR\n", kAgentToken,
        " CALL_AGENT\n"));
    inbox_ = std::make_unique<Inbox>(consumer_.get(), ApplyToTable);
    StartSink("127.0.0.1:0");
    outbox_ = std::make_unique<Outbox>("routing",
                                       std::vector<std::string>{"deadline"});
  }

  void TearDown() override {
    relays_.clear();
    if (sink_) sink_->Shutdown(absl::Seconds(1));
  }

  void StartSink(const std::string& listen) {
    server::HostOptions options;
    options.service_name = "sink";
    options.listen = listen;
    options.tokens = &tokens_;
    options.probe_interval = absl::Hours(1);
    sink_ = std::make_unique<server::ServiceHost>(options);
    sink_service_ = NewEventSinkService(inbox_.get(), &sink_->gate());
    sink_->AddService(sink_service_.get(), "hotline.v1.EventSink");
    ASSERT_TRUE(sink_->Start().ok());
    port_ = sink_->port();
  }

  Relay& AddRelay(Clock* clock = nullptr,
                  prometheus::Registry* registry = nullptr) {
    RelayOptions options;
    options.clock = clock;
    options.registry = registry;
    options.watermark_skew = absl::ZeroDuration();
    options.heartbeat_interval = absl::ZeroDuration();
    options.service_token = kToken;
    options.batch_size = 25;
    options.poll_interval = absl::Milliseconds(5);
    options.initial_backoff = absl::Milliseconds(5);
    options.max_backoff = absl::Milliseconds(50);
    relays_.push_back(std::make_unique<Relay>(
        producer_.get(), "routing",
        std::vector<config::Subscriber>{
            {"deadline", absl::StrCat("127.0.0.1:", port_)}},
        options));
    return *relays_.back();
  }

  absl::Status Append(const std::string& ticket, const std::string& unit,
                      v1::TicketEvent* out = nullptr) {
    return db::RunInTransaction(*producer_, [&](db::Connection& conn) {
      v1::TicketEvent e;
      e.set_ticket_id(ticket);
      e.set_ticket_number("DZ20240208-000123");
      *e.mutable_occurred_at() = ToProto(absl::FromUnixSeconds(1707379200));
      e.mutable_accepted()->set_unit_id(unit);
      RETURN_IF_ERROR(outbox_->Append(conn, &e));
      if (out != nullptr) *out = e;
      return absl::OkStatus();
    });
  }

  // Serves `inbox` instead of the current one, on the same port.
  void ServeInbox(std::unique_ptr<Inbox> inbox) {
    sink_->Shutdown(absl::Seconds(1));
    sink_->Wait();
    inbox_ = std::move(inbox);
    StartSink(absl::StrCat("127.0.0.1:", port_));
  }

  // Replaces the inbox by one whose handler records, per event, its session
  // and the session's commits so far in applied_txn: the same txn for two
  // events means one transaction. `verdict` may refuse an event first.
  void UseTransactionRecordingInbox(
      std::function<absl::Status(const v1::TicketEvent&)> verdict) {
    ASSERT_TRUE(
        consumer_schema_
            ->Execute("CREATE TABLE applied_txn (ticket_id VARCHAR(64), "
                      "seq BIGINT, txn VARCHAR(64), "
                      "PRIMARY KEY (ticket_id, seq)) DEFAULT CHARSET=utf8mb4")
            .ok());
    auto handler = [verdict](db::Connection& conn,
                             const v1::TicketEvent& e) -> absl::Status {
      RETURN_IF_ERROR(verdict(e));
      ASSIGN_OR_RETURN(
          auto* insert,
          conn.Prepare("INSERT INTO applied_txn (ticket_id, seq, txn) "
                       "SELECT ?, ?, CONCAT(CONNECTION_ID(), '/', "
                       "VARIABLE_VALUE) FROM "
                       "information_schema.SESSION_STATUS "
                       "WHERE VARIABLE_NAME = 'COM_COMMIT'"));
      return conn.Guard("apply", [&] {
        insert->setString(1, e.ticket_id());
        insert->setInt64(2, e.seq());
        insert->executeUpdate();
      });
    };
    ServeInbox(std::make_unique<Inbox>(consumer_.get(), handler));
  }

  int64_t Pending() {
    return Count(*producer_, "SELECT COUNT(*) FROM outbox_pending");
  }
  int64_t Applied() {
    return Count(*consumer_, "SELECT COUNT(*) FROM applied");
  }
  int64_t Rejected() {
    return Count(*consumer_,
                 "SELECT COUNT(*) FROM inbox WHERE outcome = 'rejected'");
  }

  // Delivers until nothing is pending. A subscriber that just came back may
  // refuse a few rounds while the channel reconnects (bounded: ~10 s).
  void Drain(Relay& relay) {
    int unavailable = 0;
    while (Pending() > 0) {
      auto n = relay.DeliverOnce("deadline");
      if (n.status().code() == absl::StatusCode::kUnavailable &&
          ++unavailable < 200) {
        absl::SleepFor(absl::Milliseconds(50));  // waiting for reconnection
        continue;
      }
      ASSERT_TRUE(n.ok()) << n.status();
    }
  }

  std::unique_ptr<testing::TestSchema> producer_schema_, consumer_schema_;
  std::unique_ptr<db::ConnectionPool> producer_, consumer_;
  auth::TokenStore tokens_;
  std::unique_ptr<Inbox> inbox_;
  std::unique_ptr<server::ServiceHost> sink_;
  std::unique_ptr<grpc::Service> sink_service_;
  std::unique_ptr<Outbox> outbox_;
  std::vector<std::unique_ptr<Relay>> relays_;
  int port_ = 0;
};

TEST_F(OutboxTest, AppendAssignsSeqAndIdAndRollsBackWithItsTransaction) {
  v1::TicketEvent first, second;
  ASSERT_TRUE(Append("t-1", "town-longshui", &first).ok());
  ASSERT_TRUE(Append("t-1", "town-longshui", &second).ok());
  EXPECT_EQ(first.seq(), 1);
  EXPECT_EQ(second.seq(), 2);
  EXPECT_EQ(first.producer(), "routing");
  EXPECT_EQ(first.event_id().rfind("routing-", 0), 0u) << first.event_id();
  EXPECT_NE(first.event_id(), second.event_id());

  absl::Status aborted =
      db::RunInTransaction(*producer_, [&](db::Connection& conn) {
        v1::TicketEvent e;
        e.set_ticket_id("t-1");
        e.mutable_accepted()->set_unit_id("龙水镇");
        RETURN_IF_ERROR(outbox_->Append(conn, &e));
        return absl::FailedPreconditionError("业务失败，整体回滚");
      });
  EXPECT_EQ(aborted.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Count(*producer_, "SELECT COUNT(*) FROM outbox"), 2);
  EXPECT_EQ(Pending(), 2);
  v1::TicketEvent third;
  ASSERT_TRUE(Append("t-1", "town-longshui", &third).ok());
  EXPECT_EQ(third.seq(), 3);  // the rolled-back seq was never used
}

TEST_F(OutboxTest, AppendAllNumbersEachTicketOnAfterSingleAppends) {
  v1::TicketEvent single;
  ASSERT_TRUE(Append("t-a", "龙水镇", &single).ok());  // t-a: seq 1
  // 250 events (three chunks) over four tickets, t-a among them.
  std::vector<v1::TicketEvent> events(250);
  std::vector<v1::TicketEvent*> pointers;
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].set_ticket_id(std::string("t-") + "abcd"[i % 4]);
    *events[i].mutable_occurred_at() =
        ToProto(absl::FromUnixSeconds(1707379200));
    events[i].mutable_accepted()->set_unit_id("unit-batch");
    pointers.push_back(&events[i]);
  }
  ASSERT_TRUE(db::RunInTransaction(*producer_, [&](db::Connection& conn) {
                return outbox_->AppendAll(conn, pointers);
              }).ok());
  EXPECT_EQ(events[0].seq(), 2);     // t-a continues after the single append
  EXPECT_EQ(events[1].seq(), 1);     // t-b starts at 1
  EXPECT_EQ(events[248].seq(), 64);  // t-a: 1 + its 63 events of the batch
  EXPECT_EQ(events[249].seq(), 63);  // t-b: its 63 events
  std::set<std::string> ids;
  for (const auto& e : events) {
    EXPECT_EQ(e.event_id().rfind("routing-", 0), 0u);
    ids.insert(e.event_id());
  }
  EXPECT_EQ(ids.size(), events.size());
  EXPECT_EQ(Pending(), 251);
  // Delivered in order per ticket: the consumer refuses gaps and repeats.
  Relay& relay = AddRelay();
  Drain(relay);
  EXPECT_EQ(Applied(), 251);
  EXPECT_EQ(Rejected(), 0);
}

// MySQL 8 has no INSERT … RETURNING: there the ids and seqs are read back
// (db/dialect.h). The same appends on that path give every event the id and
// seq of its own row, and they are delivered once, in order.
TEST_F(OutboxTest, WithoutInsertReturningEveryEventGetsItsOwnRowsIdAndSeq) {
  db::SetInsertReturningForTesting(false);
  struct Restore {
    ~Restore() { db::SetInsertReturningForTesting(std::nullopt); }
  } restore;
  std::vector<v1::TicketEvent> singles(2);
  ASSERT_TRUE(Append("t-m", "龙水镇", &singles[0]).ok());
  ASSERT_TRUE(Append("t-m", "龙水镇", &singles[1]).ok());
  std::vector<v1::TicketEvent> events(21);  // two chunks: 16 and 4 + 1
  std::vector<v1::TicketEvent*> pointers;
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].set_ticket_id(std::string("t-") + "mno"[i % 3]);
    *events[i].mutable_occurred_at() =
        ToProto(absl::FromUnixSeconds(1707379200));
    events[i].mutable_accepted()->set_unit_id("邮亭镇");
    pointers.push_back(&events[i]);
  }
  ASSERT_TRUE(db::RunInTransaction(*producer_, [&](db::Connection& conn) {
                return outbox_->AppendAll(conn, pointers);
              }).ok());
  EXPECT_EQ(singles[1].seq(), 2);
  EXPECT_EQ(events[0].seq(), 3);   // t-m after its two single appends
  EXPECT_EQ(events[20].seq(), 7);  // t-n: its 7 events of the batch
  for (auto* group : {&singles, &events}) {
    for (const v1::TicketEvent& e : *group) {
      const std::string id =
          e.event_id().substr(std::string("routing-").size());
      EXPECT_EQ(Count(*producer_,
                      absl::StrCat("SELECT COUNT(*) FROM outbox WHERE id = ",
                                   id, " AND ticket_id = '", e.ticket_id(),
                                   "' AND seq = ", e.seq())),
                1)
          << e.event_id();
    }
  }
  Relay& relay = AddRelay();
  Drain(relay);
  EXPECT_EQ(Applied(), 23);
  EXPECT_EQ(Rejected(), 0);
}

TEST_F(OutboxTest, SubscriberDownForAWhileThenEverythingArrivesOnce) {
  Relay& relay = AddRelay();
  sink_->Shutdown(absl::Seconds(1));
  sink_->Wait();
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(Append(absl::StrCat("t-", i % 4), "龙水镇").ok());
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto n = relay.DeliverOnce("deadline");
    EXPECT_EQ(n.status().code(), absl::StatusCode::kUnavailable);
  }
  EXPECT_EQ(Pending(), 40);

  StartSink(absl::StrCat("127.0.0.1:", port_));  // the subscriber comes back
  Drain(relay);
  EXPECT_EQ(Applied(), 40);
  EXPECT_EQ(Rejected(), 0);
  EXPECT_EQ(Count(*consumer_,
                  "SELECT COUNT(*) FROM applied "
                  "WHERE unit = '龙水镇'"),
            40);
}

std::optional<absl::Time> Watermark(db::ConnectionPool& pool) {
  auto conn = pool.Acquire();
  EXPECT_TRUE(conn.ok());
  auto wm = LowWatermark(**conn, absl::Hours(1));
  EXPECT_TRUE(wm.ok()) << wm.status();
  return wm.ok() ? *wm : std::nullopt;
}

// The producer promises that everything before its watermark has arrived:
// with the batch that drains its backlog, in a heartbeat while idle, never
// while events remain, and the receiver keeps it only once it applied the
// batch.
TEST_F(OutboxTest, WatermarksTravelWithTheLastBatchAndInHeartbeats) {
  ManualClock clock(absl::FromCivil(absl::CivilSecond(2024, 3, 4, 1, 0, 0),
                                    absl::UTCTimeZone()));
  Relay& relay = AddRelay(&clock);
  EXPECT_FALSE(Watermark(*consumer_).has_value());
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(Append(absl::StrCat("t-", i % 4), "龙水镇").ok());
  }
  // A batch of 25 of 40: no promise yet.
  ASSERT_EQ(*relay.DeliverOnce("deadline"), 25);
  EXPECT_FALSE(Watermark(*consumer_).has_value());
  // The batch that drains the backlog carries it.
  ASSERT_EQ(*relay.DeliverOnce("deadline"), 15);
  EXPECT_EQ(Watermark(*consumer_), clock.Now());
  // Idle: a heartbeat when the clock moved, nothing when it did not.
  ASSERT_TRUE(clock.Advance(absl::Hours(3)).ok());
  ASSERT_EQ(*relay.DeliverOnce("deadline"), 0);
  EXPECT_EQ(Watermark(*consumer_), clock.Now());
  // A consumer that cannot apply an event does not take the promise.
  ASSERT_TRUE(Append("t-9", "龙水镇").ok());
  ASSERT_TRUE(consumer_schema_->Execute("DROP TABLE applied").ok());
  const absl::Time before = clock.Now();
  ASSERT_TRUE(clock.Advance(absl::Hours(1)).ok());
  EXPECT_FALSE(relay.DeliverOnce("deadline").ok());
  EXPECT_EQ(Watermark(*consumer_), before);
}

// The gauge or counter `name`{subscriber="deadline"} of `registry`; -1 when
// absent.
double GaugeValue(prometheus::Registry& registry, const std::string& name) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "subscriber" && label.value == "deadline") {
          return family.type == prometheus::MetricType::Counter
                     ? metric.counter.value
                     : metric.gauge.value;
        }
      }
    }
  }
  return -1;
}

// Per subscription: how many events wait and how old the oldest is, on the
// producer's clock, in the gauges and in MeasureLag; behind past 30 s, caught
// up again under 15 s.
TEST_F(OutboxTest, LagCountsPendingEventsAndAgesTheOldestOnTheProducersClock) {
  const absl::Time t0 = absl::FromUnixSeconds(1707379200);
  ManualClock clock(t0);
  prometheus::Registry registry;
  Relay& relay = AddRelay(&clock, &registry);
  auto append_now = [&](const std::string& ticket) {
    return db::RunInTransaction(*producer_, [&](db::Connection& conn) {
      v1::TicketEvent e;
      e.set_ticket_id(ticket);
      *e.mutable_occurred_at() = ToProto(clock.Now());
      e.mutable_accepted()->set_unit_id("龙水镇南山社区");
      return outbox_->Append(conn, &e);
    });
  };

  auto idle = relay.MeasureLag();
  ASSERT_TRUE(idle.ok()) << idle.status();
  ASSERT_EQ(idle->size(), 1u);
  EXPECT_EQ((*idle)[0].subscriber, "deadline");
  EXPECT_EQ((*idle)[0].pending, 0);
  EXPECT_FALSE((*idle)[0].oldest_occurred_at.has_value());
  EXPECT_EQ((*idle)[0].oldest_age, absl::ZeroDuration());
  EXPECT_FALSE((*idle)[0].behind);
  EXPECT_EQ(GaugeValue(registry, "hotline_outbox_pending"), 0);
  EXPECT_EQ(GaugeValue(registry, "hotline_outbox_oldest_age_seconds"), 0);

  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(append_now(absl::StrCat("工单-", i % 5)).ok());
  }
  ASSERT_TRUE(clock.Advance(absl::Seconds(50)).ok());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(append_now(absl::StrCat("工单-", i)).ok());
  }
  ASSERT_TRUE(clock.Advance(absl::Seconds(10)).ok());

  auto behind = relay.MeasureLag();
  ASSERT_TRUE(behind.ok()) << behind.status();
  EXPECT_EQ((*behind)[0].pending, 30);
  EXPECT_EQ((*behind)[0].oldest_occurred_at, t0);
  EXPECT_EQ((*behind)[0].oldest_age, absl::Seconds(60));
  EXPECT_TRUE((*behind)[0].behind);
  EXPECT_EQ(GaugeValue(registry, "hotline_outbox_pending"), 30);
  EXPECT_EQ(GaugeValue(registry, "hotline_outbox_oldest_age_seconds"), 60);

  // A batch of 25 leaves the five of t0 + 50 s: 10 s old, caught up.
  ASSERT_EQ(*relay.DeliverOnce("deadline"), 25);
  auto caught_up = relay.MeasureLag();
  ASSERT_TRUE(caught_up.ok()) << caught_up.status();
  EXPECT_EQ((*caught_up)[0].pending, 5);
  EXPECT_EQ((*caught_up)[0].oldest_occurred_at, t0 + absl::Seconds(50));
  EXPECT_EQ((*caught_up)[0].oldest_age, absl::Seconds(10));
  EXPECT_FALSE((*caught_up)[0].behind);
  EXPECT_EQ(GaugeValue(registry, "hotline_outbox_pending"), 5);
  EXPECT_EQ(GaugeValue(registry, "hotline_outbox_oldest_age_seconds"), 10);

  // 20 s old: not behind again until past 30 s (once behind, it takes under
  // 15 s to be caught up).
  ASSERT_TRUE(clock.Advance(absl::Seconds(10)).ok());
  EXPECT_FALSE((*relay.MeasureLag())[0].behind);
  ASSERT_TRUE(clock.Advance(absl::Seconds(15)).ok());
  EXPECT_TRUE((*relay.MeasureLag())[0].behind);

  ASSERT_EQ(*relay.DeliverOnce("deadline"), 5);
  auto drained = relay.MeasureLag();
  ASSERT_TRUE(drained.ok()) << drained.status();
  EXPECT_EQ((*drained)[0].pending, 0);
  EXPECT_FALSE((*drained)[0].oldest_occurred_at.has_value());
  EXPECT_EQ((*drained)[0].oldest_age, absl::ZeroDuration());
  EXPECT_FALSE((*drained)[0].behind);
  EXPECT_EQ(GaugeValue(registry, "hotline_outbox_pending"), 0);
  EXPECT_EQ(GaugeValue(registry, "hotline_outbox_oldest_age_seconds"), 0);
  EXPECT_EQ(Applied(), 30);
}

// EventAdmin.GetSubscriptionLag answers the same figures to the center, the
// auditor and services, and to nobody else.
TEST_F(OutboxTest, EventAdminReportsTheLagToAuditorsOnly) {
  const absl::Time t0 = absl::FromUnixSeconds(1707379200);
  ManualClock clock(t0);
  Relay& relay = AddRelay(&clock);
  server::HostOptions options;
  options.service_name = "routing";
  options.listen = "127.0.0.1:0";
  options.tokens = &tokens_;
  options.probe_interval = absl::Hours(1);
  server::ServiceHost admin_host(options);
  std::unique_ptr<grpc::Service> admin =
      NewEventAdminService(&relay, &admin_host.gate());
  admin_host.AddService(admin.get(), kEventAdminServiceName);
  ASSERT_TRUE(admin_host.Start().ok());
  ASSERT_TRUE(Append("t-1", "龙水镇").ok());  // occurred_at t0
  ASSERT_TRUE(Append("t-2", "龙水镇").ok());
  ASSERT_TRUE(clock.Advance(absl::Seconds(90)).ok());

  auto stub = v1::EventAdmin::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", admin_host.port()),
                          grpc::InsecureChannelCredentials()));
  auto call = [&](const char* token, v1::GetSubscriptionLagResponse* resp) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    return stub->GetSubscriptionLag(&ctx, v1::GetSubscriptionLagRequest(),
                                    resp);
  };
  v1::GetSubscriptionLagResponse resp;
  grpc::Status s = call(kAuditorToken, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.service(), "routing");
  EXPECT_EQ(FromProto(resp.measured_at()), t0 + absl::Seconds(90));
  ASSERT_EQ(resp.subscriptions_size(), 1);
  const v1::SubscriptionLag& lag = resp.subscriptions(0);
  EXPECT_EQ(lag.subscriber(), "deadline");
  EXPECT_EQ(lag.pending(), 2);
  EXPECT_EQ(FromProto(lag.oldest_occurred_at()), t0);
  EXPECT_EQ(lag.oldest_age().seconds(), 90);
  EXPECT_TRUE(lag.behind());
  EXPECT_FALSE(lag.failing());

  v1::GetSubscriptionLagResponse ignored;
  EXPECT_TRUE(call(kToken, &ignored).ok());
  EXPECT_EQ(call(kAgentToken, &ignored).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext anonymous;
  EXPECT_EQ(stub->GetSubscriptionLag(&anonymous,
                                     v1::GetSubscriptionLagRequest(), &ignored)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  admin_host.Shutdown(absl::Seconds(1));
}

// A delivered batch is applied in one transaction; when one event of it is
// refused, the events before it go again as one transaction, the bad one is
// rejected alone, the rest applied after it, nothing twice.
TEST_F(OutboxTest, ABatchIsAppliedInOneTransactionAndABadEventFallsBackAlone) {
  // Refuses the events for 拒收单位 for good.
  UseTransactionRecordingInbox([](const v1::TicketEvent& e) {
    return e.accepted().unit_id() == "拒收单位"
               ? absl::InvalidArgumentError("accepted.unit_id: 不受理")
               : absl::OkStatus();
  });
  Relay& relay = AddRelay();

  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(Append(absl::StrCat("批-", i % 3), "龙水镇").ok());
  }
  Drain(relay);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM applied_txn"), 10);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(DISTINCT txn) FROM applied_txn"),
            1);

  ASSERT_TRUE(Append("批-0", "龙水镇").ok());
  ASSERT_TRUE(Append("批-1", "龙水镇").ok());
  ASSERT_TRUE(Append("批-9", "拒收单位").ok());
  ASSERT_TRUE(Append("批-2", "龙水镇").ok());
  Drain(relay);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM applied_txn"), 13);
  // The two before the refused one again in one transaction, the one after
  // it in another.
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(DISTINCT txn) FROM applied_txn"),
            3);
  EXPECT_EQ(Rejected(), 1);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), 14);
  // Redelivered after all (the acknowledgement lost): nothing twice.
  ASSERT_TRUE(producer_schema_
                  ->Execute("INSERT INTO outbox_pending (subscriber, "
                            "outbox_id) SELECT 'deadline', id FROM outbox")
                  .ok());
  Drain(relay);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM applied_txn"), 13);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), 14);
}

// After a round that did not fill its batch the relay lingers
// (RelayOptions::linger) before the next: what is committed meanwhile goes
// to the subscriber in one batch, applied in one transaction, instead of a
// round per commit.
TEST_F(OutboxTest, WhatIsCommittedWhileTheRelayLingersGoesInOneBatch) {
  UseTransactionRecordingInbox(
      [](const v1::TicketEvent&) { return absl::OkStatus(); });
  RelayOptions options;
  options.service_token = kToken;
  options.poll_interval = absl::Hours(1);  // rounds only when woken
  options.linger = absl::Seconds(1);
  Relay relay(producer_.get(), "routing",
              {{"deadline", absl::StrCat("127.0.0.1:", port_)}}, options);
  ASSERT_TRUE(Append("等待-0", "龙水镇").ok());
  relay.Start();  // the first round delivers 等待-0 alone
  auto applied = [&] {
    return Count(*consumer_, "SELECT COUNT(*) FROM applied_txn");
  };
  auto wait_for = [&](int64_t n) {
    for (int i = 0; i < 3000 && applied() < n; ++i) {
      absl::SleepFor(absl::Milliseconds(10));  // waiting for delivery
    }
    return applied();
  };
  ASSERT_EQ(wait_for(1), 1);
  // Four commits, each waking the relay, within its linger after that round.
  for (int i = 1; i <= 4; ++i) {
    ASSERT_TRUE(Append(absl::StrCat("等待-", i), "龙水镇").ok());
    relay.Wake();
  }
  EXPECT_EQ(wait_for(5), 5);
  relay.Stop();
  EXPECT_EQ(Count(*consumer_,
                  "SELECT COUNT(DISTINCT txn) FROM applied_txn "
                  "WHERE ticket_id <> '等待-0'"),
            1);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(DISTINCT txn) FROM applied_txn"),
            2);
}

// The outbox wakes its relay once an append commits
// (Outbox::SetAfterCommit): with an hour's poll interval and nobody calling
// Wake, each commit is delivered — also one that follows a delivering round,
// after which the relay waits for the next wake instead of looking again.
TEST_F(OutboxTest, EveryCommittedAppendWakesTheRelay) {
  RelayOptions options;
  options.service_token = kToken;
  options.poll_interval = absl::Hours(1);
  options.linger = absl::Milliseconds(5);
  Relay relay(producer_.get(), "routing",
              {{"deadline", absl::StrCat("127.0.0.1:", port_)}}, options);
  outbox_->SetAfterCommit([&relay] { relay.Wake(); });
  relay.Start();
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(Append(absl::StrCat("唤醒-", i), "龙水镇").ok());
    for (int k = 0; k < 3000 && (Applied() < i || Pending() > 0); ++k) {
      absl::SleepFor(absl::Milliseconds(10));  // waiting for delivery
    }
    ASSERT_EQ(Applied(), i);
    EXPECT_EQ(Pending(), 0);
  }
  relay.Stop();
  outbox_->SetAfterCommit(nullptr);
}

// A round that fills its batch is followed at once, linger or not: a
// backlog drains batch after batch (here rounds of 2, 2 and 1 with a linger
// of an hour: all five arrive without it).
TEST_F(OutboxTest, ABacklogDrainsWithoutLingering) {
  RelayOptions options;
  options.service_token = kToken;
  options.batch_size = 2;
  options.poll_interval = absl::Hours(1);
  options.linger = absl::Hours(1);
  Relay relay(producer_.get(), "routing",
              {{"deadline", absl::StrCat("127.0.0.1:", port_)}}, options);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Append(absl::StrCat("积压-", i), "龙水镇").ok());
  }
  relay.Start();
  // The relay commits its acknowledgement after the subscriber's effect.
  for (int i = 0; i < 3000 && (Applied() < 5 || Pending() > 0); ++i) {
    absl::SleepFor(absl::Milliseconds(10));  // waiting for delivery
  }
  EXPECT_EQ(Applied(), 5);
  EXPECT_EQ(Pending(), 0);
  relay.Stop();  // interrupts the linger
}

// A failed round is tried again after its backoff, neither after the poll
// interval nor after a linger: here both are an hour, the subscriber is away
// for the first rounds, and everything arrives once it is back.
TEST_F(OutboxTest, AFailedRoundIsRetriedAfterItsBackoff) {
  sink_->Shutdown(absl::Seconds(1));
  sink_->Wait();
  RelayOptions options;
  options.service_token = kToken;
  options.poll_interval = absl::Hours(1);
  options.linger = absl::Hours(1);
  options.initial_backoff = absl::Milliseconds(5);
  options.max_backoff = absl::Milliseconds(20);
  options.rpc_timeout = absl::Milliseconds(200);
  Relay relay(producer_.get(), "routing",
              {{"deadline", absl::StrCat("127.0.0.1:", port_)}}, options);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Append(absl::StrCat("重试-", i), "龙水镇").ok());
  }
  auto failing = [&relay] {
    auto lag = relay.MeasureLag();
    return lag.ok() && !lag->empty() && (*lag)[0].failing;
  };
  relay.Start();
  for (int i = 0; i < 3000 && !failing(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));  // waiting for a failed round
  }
  ASSERT_TRUE(failing());
  StartSink(absl::StrCat("127.0.0.1:", port_));  // the subscriber is back
  for (int i = 0; i < 3000 && (Applied() < 3 || Pending() > 0); ++i) {
    absl::SleepFor(absl::Milliseconds(10));  // waiting for delivery
  }
  EXPECT_EQ(Applied(), 3);
  EXPECT_EQ(Pending(), 0);
  relay.Stop();
}

// An EventBatch that defers its effect (one multi-row insert at Finish): a
// batch of events commits their inbox rows only with the deferred effect; a
// Finish that fails rolls the whole batch back, and the per-event fallback
// then gives each event its own verdict (here: applied, one by one).
TEST_F(OutboxTest, DeferredEffectsCommitWithTheBatchAndAFailedFinishFallsBack) {
  struct Shared {
    std::atomic<int> finishes{0};
    std::atomic<int> failed_finishes{0};
    std::atomic<bool> fail_batches{false};
  };
  auto shared = std::make_shared<Shared>();
  class Deferring final : public EventBatch {
   public:
    explicit Deferring(std::shared_ptr<Shared> shared)
        : shared_(std::move(shared)) {}
    absl::Status Handle(db::Connection&, const v1::TicketEvent& e) override {
      rows_.push_back(e);
      return absl::OkStatus();
    }
    absl::Status Finish(db::Connection& conn) override {
      ++shared_->finishes;
      if (rows_.empty()) return absl::OkStatus();
      std::string sql = "INSERT INTO applied (ticket_id, seq, unit) VALUES ";
      for (size_t i = 0; i < rows_.size(); ++i) {
        absl::StrAppend(&sql, i ? ", " : "", "(?, ?, ?)");
      }
      ASSIGN_OR_RETURN(auto* insert, conn.Prepare(sql));
      RETURN_IF_ERROR(conn.Guard("apply deferred", [&] {
        unsigned k = 1;
        for (const v1::TicketEvent& e : rows_) {
          insert->setString(k++, e.ticket_id());
          insert->setInt64(k++, e.seq());
          insert->setString(k++, e.accepted().unit_id());
        }
        insert->executeUpdate();
      }));
      // A failure after the effect was written: all of it must roll back.
      if (shared_->fail_batches && rows_.size() > 1) {
        ++shared_->failed_finishes;
        return absl::UnavailableError("延迟写入失败（测试）");
      }
      return absl::OkStatus();
    }

   private:
    std::shared_ptr<Shared> shared_;
    std::vector<v1::TicketEvent> rows_;
  };
  ServeInbox(std::make_unique<Inbox>(
      consumer_.get(),
      [shared]() -> std::unique_ptr<EventBatch> {
        return std::make_unique<Deferring>(shared);
      },
      "deadline", std::vector<v1::TicketEvent::PayloadCase>{}));
  Relay& relay = AddRelay();

  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(Append(absl::StrCat("延-", i % 2), "龙水镇").ok());
  }
  Drain(relay);
  EXPECT_EQ(Applied(), 6);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), 6);
  EXPECT_EQ(shared->finishes.load(), 1);  // one batch, one Finish

  // Every batch's Finish now fails: nothing of a batch stays (neither the
  // deferred rows nor the inbox rows), and the events go one by one, each
  // applied exactly once and in order.
  shared->fail_batches = true;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Append(absl::StrCat("延-", i % 2), "大足区").ok());
  }
  Drain(relay);
  EXPECT_GT(shared->failed_finishes.load(), 0);
  EXPECT_EQ(Applied(), 11);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), 11);
  EXPECT_EQ(Rejected(), 0);
  EXPECT_EQ(Count(*consumer_,
                  "SELECT COUNT(*) FROM applied WHERE ticket_id "
                  "= '延-0' AND seq BETWEEN 1 AND 6"),
            6);
  EXPECT_EQ(Count(*consumer_,
                  "SELECT COUNT(*) FROM applied WHERE ticket_id "
                  "= '延-1' AND seq BETWEEN 1 AND 5"),
            5);
}

// An inbox told which kinds its service consumes records every event (the
// order per ticket holds across kinds) but calls the handler only for those.
TEST_F(OutboxTest, KindsTheServiceDoesNotConsumeAreRecordedButNotApplied) {
  std::vector<int64_t> handled;  // the seqs the handler was called for
  auto handler = [&handled](db::Connection&, const v1::TicketEvent& e) {
    handled.push_back(e.seq());
    return absl::OkStatus();
  };
  ServeInbox(std::make_unique<Inbox>(
      consumer_.get(), handler, "deadline",
      std::vector<v1::TicketEvent::PayloadCase>{v1::TicketEvent::kAccepted}));
  Relay& relay = AddRelay();

  ASSERT_TRUE(Append("类-1", "龙水镇").ok());  // seq 1: accepted
  ASSERT_TRUE(db::RunInTransaction(*producer_, [&](db::Connection& conn) {
                v1::TicketEvent e;  // seq 2: replied, not consumed
                e.set_ticket_id("类-1");
                e.set_ticket_number("DZ20240208-000123");
                *e.mutable_occurred_at() =
                    ToProto(absl::FromUnixSeconds(1707379260));
                e.mutable_replied()->set_unit_id("龙水镇");
                return outbox_->Append(conn, &e);
              }).ok());
  ASSERT_TRUE(Append("类-1", "龙水镇").ok());  // seq 3: accepted
  Drain(relay);
  // Every event recorded (seq 3 was in order after seq 2), two applied.
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), 3);
  EXPECT_EQ(Rejected(), 0);
  EXPECT_THAT(handled, ::testing::ElementsAre(1, 3));
}

// The inbox rows of a batch are written before the effects: seq n-1 LATER in
// the batch than seq n must still count as a gap, even for a handler that
// does not check the order itself; nothing of the refused part is applied,
// and the watermark is recorded only with a batch acknowledged whole.
TEST_F(OutboxTest,
       ABatchAppliesNoEventBeforeItsPredecessorAndWatermarksOnlyWhole) {
  ASSERT_TRUE(consumer_schema_
                  ->Execute("CREATE TABLE applied_order (n INT AUTO_INCREMENT "
                            "PRIMARY KEY, ticket_id VARCHAR(64), seq BIGINT) "
                            "DEFAULT CHARSET=utf8mb4")
                  .ok());
  auto handler = [](db::Connection& conn,
                    const v1::TicketEvent& e) -> absl::Status {
    ASSIGN_OR_RETURN(auto* insert,
                     conn.Prepare("INSERT INTO applied_order (ticket_id, seq) "
                                  "VALUES (?, ?)"));
    return conn.Guard("apply", [&] {
      insert->setString(1, e.ticket_id());
      insert->setInt64(2, e.seq());
      insert->executeUpdate();
    });
  };
  ServeInbox(std::make_unique<Inbox>(consumer_.get(), handler));

  auto stub = v1::EventSink::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  auto event = [](const std::string& ticket, int64_t seq) {
    v1::TicketEvent e;
    e.set_event_id(absl::StrCat("routing-", ticket, "-", seq));
    e.set_ticket_id(ticket);
    e.set_seq(seq);
    e.set_producer("routing");
    *e.mutable_occurred_at() = ToProto(absl::FromUnixSeconds(1707379200));
    e.mutable_accepted()->set_unit_id("龙水镇");
    return e;
  };
  const absl::Time promise = absl::FromUnixSeconds(1707379300);
  auto publish = [&](std::vector<v1::TicketEvent> events,
                     v1::PublishResponse* resp) {
    v1::PublishRequest req;
    req.set_source_service("routing");
    for (auto& e : events) *req.add_events() = e;
    *req.mutable_watermark() = ToProto(promise);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
    return stub->Publish(&ctx, req, resp);
  };
  auto order = [&] {
    auto conn = consumer_->Acquire();
    EXPECT_TRUE(conn.ok());
    auto rs = (*conn)->Query(
        "SELECT CONCAT(ticket_id, ':', seq) FROM applied_order ORDER BY n");
    EXPECT_TRUE(rs.ok());
    std::vector<std::string> out;
    while ((*rs)->next()) out.push_back((*rs)->getString(1));
    return out;
  };

  v1::PublishResponse resp;
  // 大桥 2 before 大桥 1 in one batch: 黄村 1 and 大桥 2's predecessor are
  // fine, 大桥 2 is a gap; 黄村 1 is acknowledged, the rest resent.
  ASSERT_TRUE(publish({event("黄村", 1), event("大桥", 2), event("大桥", 1),
                       event("黄村", 2)},
                      &resp)
                  .ok());
  ASSERT_EQ(resp.acknowledged_event_ids_size(), 1);
  EXPECT_EQ(resp.acknowledged_event_ids(0), "routing-黄村-1");
  EXPECT_EQ(order(), std::vector<std::string>{"黄村:1"});
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), 1);
  EXPECT_FALSE(Watermark(*consumer_).has_value());

  // Resent in order: one transaction, all acknowledged, the promise kept.
  resp.Clear();
  ASSERT_TRUE(
      publish({event("大桥", 1), event("大桥", 2), event("黄村", 2)}, &resp)
          .ok());
  EXPECT_EQ(resp.acknowledged_event_ids_size(), 3);
  EXPECT_EQ(order(),
            (std::vector<std::string>{"黄村:1", "大桥:1", "大桥:2", "黄村:2"}));
  EXPECT_EQ(Watermark(*consumer_), promise);

  // Seen before, with one new event at the end: the repeats are acknowledged
  // without effect, the new one applied once.
  resp.Clear();
  ASSERT_TRUE(
      publish({event("大桥", 2), event("黄村", 2), event("黄村", 3)}, &resp)
          .ok());
  EXPECT_EQ(resp.acknowledged_event_ids_size(), 3);
  EXPECT_EQ(order(), (std::vector<std::string>{"黄村:1", "大桥:1", "大桥:2",
                                               "黄村:2", "黄村:3"}));
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), 5);
}

// A batch's order checks are read together before its first event is
// applied, not one statement per event: between two events' effects the
// session executes nothing else. What the checks decide is unchanged: a
// ticket this service wrote of, one it heard of from another producer, a
// predecessor from an earlier batch pass; a ticket it never heard of stops
// the batch at that event.
TEST_F(OutboxTest, ABatchChecksTheOrderOfAllItsEventsInOneRead) {
  ASSERT_TRUE(consumer_schema_
                  ->Execute("CREATE TABLE applied_stmt (n INT AUTO_INCREMENT "
                            "PRIMARY KEY, ticket_id VARCHAR(64), "
                            "session BIGINT, executed BIGINT) "
                            "DEFAULT CHARSET=utf8mb4")
                  .ok());
  // Records, per event, the session's prepared executions so far (its own
  // included).
  auto handler = [](db::Connection& conn,
                    const v1::TicketEvent& e) -> absl::Status {
    ASSIGN_OR_RETURN(
        auto* insert,
        conn.Prepare("INSERT INTO applied_stmt (ticket_id, session, executed) "
                     "SELECT ?, CONNECTION_ID(), VARIABLE_VALUE FROM "
                     "information_schema.SESSION_STATUS WHERE VARIABLE_NAME = "
                     "'COM_STMT_EXECUTE'"));
    return conn.Guard("apply", [&] {
      insert->setString(1, e.ticket_id());
      insert->executeUpdate();
    });
  };
  Inbox inbox(consumer_.get(), handler, "routing");
  // 甲: routing wrote of it; 乙: heard of from intake; 丙: deadline's seq 1
  // came in an earlier batch; 丁: never heard of.
  ASSERT_TRUE(consumer_schema_
                  ->Execute("INSERT INTO outbox_seq (ticket_id, seq) "
                            "VALUES ('甲', 2)")
                  .ok());
  ASSERT_TRUE(consumer_schema_
                  ->Execute("INSERT INTO inbox (event_id, producer, "
                            "ticket_id, seq, outcome) VALUES "
                            "('intake-1', 'intake', '乙', 1, 'applied'), "
                            "('deadline-1', 'deadline', '丙', 1, 'applied')")
                  .ok());
  auto event = [](const std::string& ticket, int64_t seq) {
    v1::TicketEvent e;
    e.set_event_id(absl::StrCat("deadline-", ticket, "-", seq));
    e.set_ticket_id(ticket);
    e.set_seq(seq);
    e.set_producer("deadline");
    *e.mutable_occurred_at() = ToProto(absl::FromUnixSeconds(1707379200));
    e.mutable_clock_started()->set_unit_id("龙水镇");
    return e;
  };
  const std::vector<v1::TicketEvent> events = {event("甲", 1), event("乙", 1),
                                               event("丙", 2), event("丁", 1)};
  std::vector<const v1::TicketEvent*> all;
  for (const auto& e : events) all.push_back(&e);

  size_t failed_at = 0;
  absl::Status whole = inbox.ApplyBatch(all, &failed_at);
  EXPECT_EQ(whole.code(), absl::StatusCode::kFailedPrecondition) << whole;
  EXPECT_EQ(failed_at, 3u);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM applied_stmt"), 0);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), 2);

  all.pop_back();
  ASSERT_TRUE(inbox.ApplyBatch(all, &failed_at).ok());
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM applied_stmt"), 3);
  EXPECT_EQ(
      Count(*consumer_, "SELECT COUNT(DISTINCT session) FROM applied_stmt"), 1);
  // From the first effect to the last: the three effects' own inserts and
  // nothing between them.
  EXPECT_EQ(Count(*consumer_,
                  "SELECT MAX(executed) - MIN(executed) FROM applied_stmt"),
            2);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), 5);
}

TEST_F(OutboxTest, RelayDyingBetweenSendAndAcknowledgementCausesNoRepeat) {
  Relay& relay = AddRelay();
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(Append(absl::StrCat("t-", i % 3), "unit-a").ok());
  }
  int sends = 0;
  relay.SetAfterSendHookForTest([&] { return ++sends > 2; });  // "die" twice
  EXPECT_FALSE(relay.DeliverOnce("deadline").ok());
  EXPECT_FALSE(relay.DeliverOnce("deadline").ok());
  EXPECT_EQ(Pending(), 30);  // nothing recorded as delivered
  EXPECT_EQ(Applied(), 25);  // yet the first batch took effect, once
  Drain(relay);
  EXPECT_EQ(Applied(), 30);
  EXPECT_EQ(Rejected(), 0);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), 30);
}

TEST_F(OutboxTest, TwoRelaysOnOneOutboxDeliverEachEventOnceInOrder) {
  prometheus::Registry metrics_a, metrics_b;
  Relay& a = AddRelay(nullptr, &metrics_a);
  Relay& b = AddRelay(nullptr, &metrics_b);
  a.Start();
  b.Start();
  constexpr int kWriters = 2, kPerWriter = 150;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        // Tickets are shared between writers, so their events interleave.
        if (!Append(absl::StrCat("工单-", i % 10), absl::StrCat("w", w)).ok()) {
          ++failures;
        }
        if (i % 10 == 0) {
          a.Wake();
          b.Wake();
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_EQ(failures, 0);
  for (int i = 0; i < 3000 && Pending() > 0; ++i) {
    a.Wake();
    absl::SleepFor(absl::Milliseconds(10));  // waiting for the relays' work
  }
  a.Stop();
  b.Stop();
  EXPECT_EQ(Pending(), 0);
  EXPECT_EQ(Applied(), kWriters * kPerWriter);
  EXPECT_EQ(Rejected(), 0);  // no repeat, nothing out of order
  // Each event counted as delivered by one of the two, once.
  EXPECT_EQ(GaugeValue(metrics_a, "hotline_outbox_delivered_total") +
                GaugeValue(metrics_b, "hotline_outbox_delivered_total"),
            kWriters * kPerWriter);
}

// A subscriber whose Publish does not return until released.
class StuckSink final : public v1::EventSink::Service {
 public:
  grpc::Status Publish(grpc::ServerContext*, const v1::PublishRequest*,
                       v1::PublishResponse*) override {
    // The relay calls again after the release (one thread: never at once).
    if (!called_.HasBeenNotified()) called_.Notify();
    release_.WaitForNotification();
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "was stuck");
  }
  absl::Notification called_, release_;
};

// One thread per subscriber: while one subscriber hangs in Publish, the
// others are still served (before, one thread served the subscribers in turn
// and every one of them waited for the slowest).
TEST_F(OutboxTest, ASubscriberThatHangsHoldsBackNoOther) {
  StuckSink stuck;
  grpc::ServerBuilder builder;
  int stuck_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &stuck_port);
  builder.RegisterService(&stuck);
  std::unique_ptr<grpc::Server> stuck_server = builder.BuildAndStart();
  ASSERT_NE(stuck_server, nullptr);

  // The hanging subscriber first: a relay serving its subscribers in turn
  // would reach deadline only after the hang.
  outbox_ = std::make_unique<Outbox>(
      "routing", std::vector<std::string>{"assessment", "deadline"});
  RelayOptions options;
  options.service_token = kToken;
  options.poll_interval = absl::Milliseconds(5);
  options.rpc_timeout = absl::Minutes(5);
  Relay relay(producer_.get(), "routing",
              {{"assessment", absl::StrCat("127.0.0.1:", stuck_port)},
               {"deadline", absl::StrCat("127.0.0.1:", port_)}},
              options);
  ASSERT_TRUE(Append("工单-卡住", "龙水镇").ok());
  relay.Start();
  ASSERT_TRUE(stuck.called_.WaitForNotificationWithTimeout(absl::Seconds(30)));
  // Waiting for the relay's work, bounded far below the stuck RPC's timeout.
  for (int i = 0; i < 3000 && Applied() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(Applied(), 1);
  EXPECT_EQ(Count(*producer_,
                  "SELECT COUNT(*) FROM outbox_pending "
                  "WHERE subscriber = 'assessment'"),
            1);  // still owed to the stuck one
  stuck.release_.Notify();
  relay.Stop();
  stuck_server->Shutdown();
}

TEST_F(OutboxTest, EventSinkRefusesBadBatchesAndStrangers) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::EventSink::NewStub(channel);
  v1::PublishRequest req;
  req.set_source_service("routing");
  v1::TicketEvent* e = req.add_events();
  e->set_event_id("routing-1");
  e->set_ticket_id("t-1");
  e->set_seq(1);
  e->set_producer("routing");
  *e->mutable_occurred_at() = ToProto(absl::FromUnixSeconds(1707379200));
  e->mutable_accepted()->set_unit_id("x");
  v1::PublishResponse resp;
  {
    grpc::ClientContext ctx;
    EXPECT_EQ(stub->Publish(&ctx, req, &resp).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  req.mutable_events(0)->set_seq(0);
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
    grpc::Status s = stub->Publish(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(s.error_message().find("events[0].seq"), std::string::npos);
  }
  EXPECT_EQ(Applied(), 0);
  req.mutable_events(0)->set_seq(1);
  for (int i = 0; i < 2; ++i) {  // the same event twice: applied once
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
    ASSERT_TRUE(stub->Publish(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.acknowledged_event_ids(0), "routing-1");
  }
  EXPECT_EQ(Applied(), 1);
}

// Issue 13: an event is accepted only from the service that produces its
// kind, under that service's own name; a forged batch changes nothing.
TEST_F(OutboxTest, EventSinkRefusesEventsOfAnotherService) {
  auto stub = v1::EventSink::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  auto event = [](const std::string& producer, int64_t seq) {
    v1::TicketEvent e;
    e.set_event_id(absl::StrCat(producer, "-", seq));
    e.set_ticket_id("t-1");
    e.set_seq(seq);
    e.set_producer(producer);
    *e.mutable_occurred_at() = ToProto(absl::FromUnixSeconds(1707379200));
    e.mutable_accepted()->set_unit_id("town.longshui");  // routing's kind
    return e;
  };
  auto publish = [&](const char* token, const std::string& source,
                     std::vector<v1::TicketEvent> events,
                     v1::PublishResponse* resp) {
    v1::PublishRequest req;
    req.set_source_service(source);
    for (auto& e : events) *req.add_events() = e;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    return stub->Publish(&ctx, req, resp);
  };
  v1::PublishResponse resp;
  // Deadline's token, deadline's name, a routing event.
  grpc::Status s =
      publish(kDeadlineToken, "deadline", {event("deadline", 1)}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(s.error_message().find("events[0].payload"), std::string::npos)
      << s.error_message();
  // Deadline's token claiming to be routing.
  s = publish(kDeadlineToken, "routing", {event("routing", 1)}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Routing's token, an event claiming another producer.
  s = publish(kToken, "routing", {event("routing", 1), event("deadline", 2)},
              &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(s.error_message().find("events[1].producer"), std::string::npos);
  // A SERVICE token without a name.
  s = publish(kUnnamedToken, "routing", {event("routing", 1)}, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Applied(), 0);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), 0);
  // Routing's own: applied.
  ASSERT_TRUE(publish(kToken, "routing", {event("routing", 1)}, &resp).ok());
  EXPECT_EQ(resp.acknowledged_event_ids_size(), 1);
  EXPECT_EQ(Applied(), 1);
}

// Issue 13: seq n+1 of (producer, ticket) only after n was applied; a gap
// is not acknowledged, and the later event is applied once it is filled.
TEST_F(OutboxTest, AGapInSeqIsNotAcknowledgedUntilFilled) {
  auto stub = v1::EventSink::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  auto event = [](const std::string& ticket, int64_t seq) {
    v1::TicketEvent e;
    e.set_event_id(absl::StrCat("routing-", ticket, "-", seq));
    e.set_ticket_id(ticket);
    e.set_seq(seq);
    e.set_producer("routing");
    *e.mutable_occurred_at() = ToProto(absl::FromUnixSeconds(1707379200));
    e.mutable_accepted()->set_unit_id("town.longshui");
    return e;
  };
  auto publish = [&](std::vector<v1::TicketEvent> events,
                     v1::PublishResponse* resp) {
    v1::PublishRequest req;
    req.set_source_service("routing");
    for (auto& e : events) *req.add_events() = e;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
    return stub->Publish(&ctx, req, resp);
  };
  v1::PublishResponse resp;
  ASSERT_TRUE(publish({event("t-1", 1), event("t-1", 2)}, &resp).ok());
  EXPECT_EQ(resp.acknowledged_event_ids_size(), 2);
  // seq 8 where 3 is next: not acknowledged, not applied.
  resp.Clear();
  ASSERT_TRUE(publish({event("t-1", 8)}, &resp).ok());
  EXPECT_EQ(resp.acknowledged_event_ids_size(), 0);
  EXPECT_EQ(Applied(), 2);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), 2);
  // A batch whose middle event skips: the prefix before it is acknowledged.
  resp.Clear();
  ASSERT_TRUE(
      publish({event("t-1", 3), event("t-1", 5), event("t-1", 4)}, &resp).ok());
  ASSERT_EQ(resp.acknowledged_event_ids_size(), 1);
  EXPECT_EQ(resp.acknowledged_event_ids(0), "routing-t-1-3");
  // The sender resends in order: applied.
  resp.Clear();
  ASSERT_TRUE(publish({event("t-1", 4), event("t-1", 5)}, &resp).ok());
  EXPECT_EQ(resp.acknowledged_event_ids_size(), 2);
  EXPECT_EQ(Applied(), 5);
  EXPECT_EQ(Rejected(), 0);
}

// Applies ApplyBatch from several threads at once: `threads` of each of
// intake and routing, `rounds` batches each of `tickets` events (every
// thread its own tickets, seq = round + 1), and returns the highest number
// of batches seen in flight at once, overall and of one producer. With
// `rendezvous`, every thread's first batch waits (at most 20 s) in Begin
// until a batch of the other producer is in flight too.
struct InFlight {
  int max_total = 0;
  int max_one_producer = 0;
  bool met = false;  // the rendezvous happened
};

InFlight ApplyConcurrently(db::ConnectionPool& pool, BatchConcurrency mode,
                           int threads, int rounds, int tickets,
                           bool rendezvous) {
  struct Shared {
    absl::Mutex mu;
    std::map<std::string, int> in_flight ABSL_GUARDED_BY(mu);
    int total ABSL_GUARDED_BY(mu) = 0;
    InFlight seen ABSL_GUARDED_BY(mu);
    bool rendezvous = false;
  };
  auto shared = std::make_shared<Shared>();
  shared->rendezvous = rendezvous;
  // Counts itself in flight from Begin to the end of Finish; applies each
  // event as one row of `applied`.
  class Counting final : public EventBatch {
   public:
    explicit Counting(std::shared_ptr<Shared> shared)
        : shared_(std::move(shared)) {}
    absl::Status Begin(
        db::Connection&,
        const std::vector<const v1::TicketEvent*>& events) override {
      producer_ = events.front()->producer();
      absl::MutexLock lock(&shared_->mu);
      const int mine = ++shared_->in_flight[producer_];
      ++shared_->total;
      shared_->seen.max_one_producer =
          std::max(shared_->seen.max_one_producer, mine);
      shared_->seen.max_total =
          std::max(shared_->seen.max_total, shared_->total);
      if (shared_->rendezvous && events.front()->seq() == 1) {
        const std::string other = producer_ == "intake" ? "routing" : "intake";
        auto both = [this, &other]() {
          return shared_->in_flight[other] > 0 || shared_->seen.met;
        };
        if (shared_->mu.AwaitWithTimeout(absl::Condition(&both),
                                         absl::Seconds(20))) {
          shared_->seen.met = true;
        }
      }
      return absl::OkStatus();
    }
    absl::Status Handle(db::Connection& conn,
                        const v1::TicketEvent& e) override {
      return ApplyToTable(conn, e);
    }
    absl::Status Finish(db::Connection&) override {
      absl::MutexLock lock(&shared_->mu);
      --shared_->in_flight[producer_];
      --shared_->total;
      return absl::OkStatus();
    }

   private:
    std::shared_ptr<Shared> shared_;
    std::string producer_;
  };
  Inbox inbox(
      &pool,
      [shared]() -> std::unique_ptr<EventBatch> {
        return std::make_unique<Counting>(shared);
      },
      "assessment", {}, mode);
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (const std::string producer : {"intake", "routing"}) {
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, producer, t] {
        for (int round = 0; round < rounds; ++round) {
          std::vector<v1::TicketEvent> events(tickets);
          std::vector<const v1::TicketEvent*> batch;
          for (int k = 0; k < tickets; ++k) {
            v1::TicketEvent& e = events[k];
            e.set_event_id(
                absl::StrCat(producer, "-", t, "-", k, "-", round + 1));
            e.set_ticket_id(absl::StrCat("并-", producer, "-", t, "-", k));
            e.set_producer(producer);
            e.set_seq(round + 1);
            *e.mutable_occurred_at() =
                ToProto(absl::FromUnixSeconds(1707379200 + round));
            e.mutable_accepted()->set_unit_id("龙水镇");
            batch.push_back(&e);
          }
          if (!inbox.ApplyBatch(batch).ok()) ++failures;
        }
      });
    }
  }
  for (std::thread& w : workers) w.join();
  EXPECT_EQ(failures.load(), 0);
  absl::MutexLock lock(&shared->mu);
  return shared->seen;
}

// BatchConcurrency::kPerProducer: batches of different producers are applied
// at the same time, each producer's one after the other; the default applies
// one batch at a time whoever sent it. Every event applied once either way.
TEST_F(OutboxTest, PerProducerInboxAppliesProducersTogetherEachInTurn) {
  constexpr int kThreads = 2, kRounds = 6, kTickets = 3;
  InFlight per_producer =
      ApplyConcurrently(*consumer_, BatchConcurrency::kPerProducer, kThreads,
                        kRounds, kTickets, /*rendezvous=*/true);
  EXPECT_TRUE(per_producer.met);  // intake's and routing's batches together
  EXPECT_EQ(per_producer.max_total, 2);
  EXPECT_EQ(per_producer.max_one_producer, 1);
  const int64_t events = 2 * kThreads * kRounds * kTickets;
  EXPECT_EQ(Applied(), events);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), events);

  ASSERT_TRUE(consumer_schema_->Execute("DELETE FROM applied").ok());
  ASSERT_TRUE(consumer_schema_->Execute("DELETE FROM inbox").ok());
  InFlight one_at_a_time =
      ApplyConcurrently(*consumer_, BatchConcurrency::kOneAtATime, kThreads,
                        kRounds, kTickets, /*rendezvous=*/false);
  EXPECT_EQ(one_at_a_time.max_total, 1);
  EXPECT_EQ(Applied(), events);
  EXPECT_EQ(Count(*consumer_, "SELECT COUNT(*) FROM inbox"), events);
}
}  // namespace
}  // namespace hotline::outbox
