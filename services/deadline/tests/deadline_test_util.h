#pragma once

// Test helpers for hotline-deadline integration tests: a service under test
// with unit principals, a routing-event builder, EventSink delivery, and a
// Scanner driven by the test (the service's own scanner thread is off).

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/db/connection.h"
#include "common/directory/directory.h"
#include "common/directory/mysql_directory_store.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "gtest/gtest.h"
#include "hotline/v1/deadline.grpc.pb.h"
#include "hotline/v1/events.grpc.pb.h"
#include "services/deadline/core/deadline_core.h"
#include "services/deadline/domain/calendar_state.h"
#include "services/deadline/edge/deadline_service.h"
#include "services/deadline/store/mysql_deadline_store.h"
#include "tests/support/service_fixture.h"

namespace hotline::deadline::testutil {

inline constexpr char kStaffLongshui[] = "staff-longshui-01";
inline constexpr char kLeadLongshui[] = "lead-longshui-01";
inline constexpr char kStaffSfs[] = "staff-longshui-sfs";
inline constexpr char kStaffLonggang[] = "staff-longgang-01";
inline constexpr char kLeadLonggang[] = "lead-longgang-01";

inline std::string UnitTokens() {
  return absl::StrCat(kStaffLongshui, " UNIT_STAFF town.longshui\n",
                      kLeadLongshui, " UNIT_LEAD town.longshui\n", kStaffSfs,
                      " UNIT_STAFF town.longshui.sfs\n", kStaffLonggang,
                      " UNIT_STAFF town.longgang\n", kLeadLonggang,
                      " UNIT_LEAD town.longgang\n");
}

// The part of routing's directory (大足区) the tests name. The tree is the
// directory's parent links: comm.longshui.nanshan lies under town.longshui
// although its id is no prefix of the town's.
inline std::vector<directory::UnitEntry> TestUnits() {
  return {
      {"center", "", v1::UNIT_KIND_CENTER, "重庆市大足区政务服务管理办公室",
       "区政务服务管理办", true},
      {"town.longshui", "center", v1::UNIT_KIND_TOWN_STREET, "龙水镇人民政府",
       "龙水镇", true},
      {"town.longshui.sfs", "town.longshui", v1::UNIT_KIND_SECTION,
       "龙水镇司法所", "龙水司法所", true},
      {"town.longshui.sfs.team", "town.longshui.sfs", v1::UNIT_KIND_SECTION,
       "龙水镇司法所调解组", "", true},
      {"comm.longshui.nanshan", "town.longshui",
       v1::UNIT_KIND_VILLAGE_COMMUNITY, "龙水镇南山社区居民委员会", "南山社区",
       true},
      {"town.longgang", "center", v1::UNIT_KIND_TOWN_STREET, "龙岗街道办事处",
       "龙岗街道", true},
      {"dept.housing", "center", v1::UNIT_KIND_DEPARTMENT,
       "大足区住房和城乡建设委员会", "区住建委", true},
      {"dept.transport", "center", v1::UNIT_KIND_DEPARTMENT,
       "大足区交通运输委员会", "区交通委", true},
      {"dept.urban", "center", v1::UNIT_KIND_DEPARTMENT, "大足区城市管理局",
       "区城管局", true},
  };
}

// For ServiceOptions::before_start: the schema a deadline that read routing
// before left — the shared migrations up to the directory's copy (6), with
// TestUnits stored — so the service under test starts without routing from
// its stored copy.
inline absl::Status StoreTestDirectory(testing::TestSchema& schema,
                                       const runtime::ServiceDefinition& d) {
  RETURN_IF_ERROR(testing::MigrateBelow(schema, d, 10, 7));
  ASSIGN_OR_RETURN(std::unique_ptr<db::ConnectionPool> pool,
                   db::ConnectionPool::Create(schema.config()));
  directory::MysqlDirectoryStore store(pool.get());
  return store.Save(directory::Directory(TestUnits()));
}

// 00:00 +08:00 of a local date, plus h:m.
inline absl::Time Local(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi),
                         absl::FixedTimeZone(8 * 3600));
}

// Builds routing's events with per-ticket seq and delivers them.
class Routing {
 public:
  // `id_prefix` keeps event ids of several Routing objects distinct.
  Routing(std::shared_ptr<grpc::Channel> channel, Clock* clock,
          std::string id_prefix = "routing-")
      : stub_(v1::EventSink::NewStub(channel)),
        clock_(clock),
        id_prefix_(std::move(id_prefix)) {}

  v1::TicketEvent Event(const std::string& ticket) {
    v1::TicketEvent e;
    e.set_event_id(absl::StrCat(id_prefix_, ++next_id_));
    e.set_ticket_id(ticket);
    e.set_seq(++seq_[ticket]);
    *e.mutable_occurred_at() = ToProto(clock_->Now());
    e.set_producer("routing");
    e.set_ticket_number(Number(ticket));
    e.mutable_actor()->set_principal_id("system");
    e.mutable_actor()->set_role(v1::SERVICE);
    return e;
  }

  static std::string Number(const std::string& ticket) {
    return absl::StrCat(
        "DZ20240208-",
        ticket.substr(ticket.size() > 6 ? ticket.size() - 6 : 0));
  }

  // Delivers events (≤ 500) and expects every one acknowledged; with
  // `watermark`, routing's promise that nothing before it is on its way.
  void Publish(const std::vector<v1::TicketEvent>& events,
               std::optional<absl::Time> watermark = std::nullopt) {
    v1::PublishRequest req;
    req.set_source_service("routing");
    for (const auto& e : events) *req.add_events() = e;
    if (watermark.has_value()) *req.mutable_watermark() = ToProto(*watermark);
    v1::PublishResponse resp;
    grpc::ClientContext ctx;
    testing::ServiceUnderTest::Authorize(&ctx, testing::kRoutingServiceToken);
    grpc::Status s = stub_->Publish(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(resp.acknowledged_event_ids_size(), req.events_size());
  }
  void Publish(const v1::TicketEvent& e) { Publish(std::vector{e}); }
  // A heartbeat: no events, routing's watermark only.
  void Heartbeat(absl::Time watermark) { Publish({}, watermark); }

  v1::TicketEvent Dispatched(const std::string& ticket, const std::string& unit,
                             v1::RequestType type, int round = 1) {
    v1::TicketEvent e = Event(ticket);
    v1::Dispatched* d = e.mutable_dispatched();
    d->set_unit_id(unit);
    d->set_request_type(type);
    d->set_urgency(v1::URGENCY_NORMAL);
    d->set_category_code("urban.road.damage");
    d->set_dispatch_round(round);
    d->set_note("请尽快核实处理");
    return e;
  }
  v1::TicketEvent Accepted(const std::string& ticket, const std::string& unit) {
    v1::TicketEvent e = Event(ticket);
    e.mutable_accepted()->set_unit_id(unit);
    return e;
  }
  v1::TicketEvent Forwarded(const std::string& ticket, const std::string& from,
                            const std::string& to) {
    v1::TicketEvent e = Event(ticket);
    e.mutable_forwarded()->set_from_unit_id(from);
    e.mutable_forwarded()->set_to_unit_id(to);
    return e;
  }
  v1::TicketEvent Replied(const std::string& ticket, const std::string& unit,
                          int rehandling_round = 0) {
    v1::TicketEvent e = Event(ticket);
    v1::Replied* r = e.mutable_replied();
    r->set_reply_id(absl::StrCat("reply-", next_id_));
    r->set_unit_id(unit);
    r->set_text("已安排维修人员处理路面破损。");
    r->set_contact(v1::REPLY_CONTACT_PHONE);
    *r->mutable_contacted_at() = ToProto(clock_->Now());
    r->set_resolved(true);
    r->set_rehandling_round(rehandling_round);
    return e;
  }
  v1::TicketEvent Reviewed(const std::string& ticket, const std::string& unit,
                           bool approved) {
    v1::TicketEvent e = Event(ticket);
    v1::Reviewed* r = e.mutable_reviewed();
    r->set_reply_id(absl::StrCat("reply-", next_id_));
    r->set_unit_id(unit);
    r->set_approved(approved);
    if (!approved) r->add_reasons(v1::REVIEW_REASON_NOT_RESOLVED);
    return e;
  }
  v1::TicketEvent Returned(const std::string& ticket, const std::string& from,
                           const std::string& to, bool reached_center) {
    v1::TicketEvent e = Event(ticket);
    v1::Returned* r = e.mutable_returned();
    r->set_from_unit_id(from);
    r->set_to_unit_id(to);
    r->set_reason("不属于本单位职责范围");
    r->set_reached_center(reached_center);
    return e;
  }
  v1::TicketEvent DisputeRaised(const std::string& ticket,
                                const std::string& unit) {
    v1::TicketEvent e = Event(ticket);
    e.mutable_dispute_raised()->set_dispute_id(absl::StrCat("dp-", next_id_));
    e.mutable_dispute_raised()->set_unit_id(unit);
    e.mutable_dispute_raised()->set_reason("该事项属区住建委职责");
    return e;
  }
  v1::TicketEvent DisputeDecided(const std::string& ticket,
                                 const std::string& unit, bool granted) {
    v1::TicketEvent e = Event(ticket);
    v1::DisputeDecided* d = e.mutable_dispute_decided();
    d->set_dispute_id("dp");
    d->set_unit_id(unit);
    d->set_outcome(granted ? v1::DISPUTE_OUTCOME_DISPUTE_GRANTED
                           : v1::DISPUTE_OUTCOME_DISPATCH_UPHELD);
    d->set_reason(granted ? "异议成立，改派" : "异议不成立，请继续办理");
    return e;
  }
  v1::TicketEvent CoUnitsAdded(const std::string& ticket,
                               const std::string& lead,
                               const std::vector<std::string>& co_units) {
    v1::TicketEvent e = Event(ticket);
    e.mutable_co_units_added()->set_lead_unit_id(lead);
    for (const auto& u : co_units)
      e.mutable_co_units_added()->add_co_unit_ids(u);
    return e;
  }
  v1::TicketEvent CoOpinion(const std::string& ticket, const std::string& co,
                            const std::string& lead) {
    v1::TicketEvent e = Event(ticket);
    e.mutable_co_opinion_submitted()->set_co_unit_id(co);
    e.mutable_co_opinion_submitted()->set_lead_unit_id(lead);
    return e;
  }
  v1::TicketEvent CoUnitReleased(const std::string& ticket,
                                 const std::string& co,
                                 const std::string& lead) {
    v1::TicketEvent e = Event(ticket);
    e.mutable_co_unit_released()->set_co_unit_id(co);
    e.mutable_co_unit_released()->set_lead_unit_id(lead);
    e.mutable_co_unit_released()->set_reason("该单位已书面说明无相关职责");
    return e;
  }
  v1::TicketEvent AcceptedAsCoUnit(const std::string& ticket,
                                   const std::string& co) {
    v1::TicketEvent e = Accepted(ticket, co);
    e.mutable_accepted()->set_as_co_unit(true);
    return e;
  }
  v1::TicketEvent Redispatched(const std::string& ticket,
                               const std::string& unit, v1::RequestType type,
                               int round, const std::string& previous) {
    v1::TicketEvent e = Event(ticket);
    *e.mutable_redispatched()->mutable_dispatch() =
        Dispatched(ticket, unit, type, round).dispatched();
    --seq_[ticket];  // Dispatched() above took a seq of its own
    e.mutable_redispatched()->set_previous_unit_id(previous);
    e.mutable_redispatched()->set_cause(v1::REDISPATCH_CAUSE_RETURNED);
    return e;
  }
  // What routing sends when intake merges the order: Closed, reason MERGED
  // (TicketMerged is intake's event, which routing may not publish).
  v1::TicketEvent Merged(const std::string& ticket) {
    v1::TicketEvent e = Event(ticket);
    e.mutable_closed()->set_reason(v1::CLOSE_REASON_MERGED);
    return e;
  }

 private:
  std::unique_ptr<v1::EventSink::Stub> stub_;
  Clock* clock_;
  std::string id_prefix_;
  int64_t next_id_ = 0;
  std::map<std::string, int64_t> seq_;
};

// A Scanner over a service instance's schema, as a replica would run it.
struct TestScanner {
  TestScanner(runtime::ServiceInstance& instance, const std::string& name,
              const Policy* policy = &Policy::Builtin())
      : state(nullptr),
        outbox("deadline", {}),
        engine(&store, &state, policy, &outbox, &instance.clock()),
        scanner(&instance.pool(), &engine, name) {
    EXPECT_TRUE(state.Init({}).ok());
  }
  MysqlDeadlineStore store;
  CalendarState state;
  outbox::Outbox outbox;
  ClockEngine engine;
  Scanner scanner;
};

// A deadline service under test (its own scanner thread off: tests scan),
// with routing's events, the calls the tests make, and outbox counts.
class DeadlineTest : public ::testing::Test {
 protected:
  // Whether the service runs its own scanner thread (most tests scan).
  virtual bool ScannerThread() const { return false; }

  void SetUp() override {
    absl::SetFlag(&FLAGS_ladder_scanner, ScannerThread());
    testing::ServiceOptions o;
    o.extra_tokens = UnitTokens();
    o.before_start = [](testing::TestSchema& schema) {
      return StoreTestDirectory(schema, Definition());
    };
    auto svc = testing::ServiceUnderTest::Start(Definition(), o);
    ASSERT_TRUE(svc.ok()) << svc.status();
    svc_ = *std::move(svc);
    stub_ = v1::DeadlineService::NewStub(svc_->channel());
    routing_ = std::make_unique<Routing>(svc_->channel(), &svc_->clock());
    scan_ = std::make_unique<TestScanner>(svc_->instance(), "test-replica");
  }
  void TearDown() override { absl::SetFlag(&FLAGS_ladder_scanner, true); }

  void AdvanceTo(absl::Time t) { ASSERT_TRUE(svc_->clock().AdvanceTo(t).ok()); }
  int Scan() {
    absl::StatusOr<int> n = scan_->scanner.ScanOnce(svc_->clock().Now());
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : -1;
  }

  v1::GetClocksResponse Clocks(
      const std::string& ticket,
      const std::string& token = testing::kCenterToken) {
    grpc::ClientContext ctx;
    testing::ServiceUnderTest::Authorize(&ctx, token);
    v1::GetClocksRequest req;
    req.set_ticket_id(ticket);
    v1::GetClocksResponse resp;
    grpc::Status s = stub_->GetClocks(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  static const v1::Clock* Find(const v1::GetClocksResponse& r,
                               v1::ClockKind kind, int round = 1) {
    const v1::Clock* found = nullptr;
    for (const auto& c : r.clocks()) {
      if (c.kind() == kind && c.dispatch_round() == round) found = &c;
    }
    return found;
  }
  // The latest clock of `kind` that runs (ran) against `unit`.
  static const v1::Clock* FindOf(const v1::GetClocksResponse& r,
                                 v1::ClockKind kind, const std::string& unit) {
    const v1::Clock* found = nullptr;
    for (const auto& c : r.clocks()) {
      if (c.kind() == kind && c.unit_id() == unit) found = &c;
    }
    return found;
  }

  grpc::Status RequestExt(const std::string& token, const std::string& id,
                          const std::string& ticket, const std::string& date,
                          v1::RequestExtensionResponse* resp) {
    grpc::ClientContext ctx;
    testing::ServiceUnderTest::Authorize(&ctx, token);
    v1::RequestExtensionRequest req;
    req.set_request_id(id);
    req.set_ticket_id(ticket);
    req.set_reason("需协调多个部门现场踏勘，无法按期办结");
    req.set_progress_note("已完成现场勘查，正在协调维修方案");
    req.set_proposed_due_date(date);
    return stub_->RequestExtension(&ctx, req, resp);
  }

  grpc::Status Decide(const std::string& token, const std::string& id,
                      const std::string& ext, bool approve,
                      const std::string& date, const std::string& reason,
                      v1::DecideExtensionResponse* resp) {
    grpc::ClientContext ctx;
    testing::ServiceUnderTest::Authorize(&ctx, token);
    v1::DecideExtensionRequest req;
    req.set_request_id(id);
    req.set_extension_id(ext);
    req.set_approve(approve);
    req.set_approved_due_date(date);
    req.set_reason(reason);
    return stub_->DecideExtension(&ctx, req, resp);
  }

  // The outbox's events (of one order, when `ticket` is set), in order.
  std::vector<v1::TicketEvent> Outbox(const std::string& ticket = "") {
    std::vector<v1::TicketEvent> out;
    auto conn = svc_->instance().pool().Acquire();
    EXPECT_TRUE(conn.ok());
    auto rs = (*conn)->Query("SELECT ticket_id, event FROM outbox ORDER BY id");
    EXPECT_TRUE(rs.ok());
    while ((*rs)->next()) {
      if (!ticket.empty() && (*rs)->getString(1) != ticket) continue;
      std::unique_ptr<std::istream> blob((*rs)->getBlob(2));
      v1::TicketEvent e;
      e.ParseFromIstream(blob.get());
      out.push_back(e);
    }
    return out;
  }

  // Events of one payload kind in the outbox.
  int OutboxCount(v1::TicketEvent::PayloadCase kind) {
    auto conn = svc_->instance().pool().Acquire();
    EXPECT_TRUE(conn.ok());
    auto rs = (*conn)->Query("SELECT event FROM outbox");
    EXPECT_TRUE(rs.ok());
    int n = 0;
    while ((*rs)->next()) {
      std::unique_ptr<std::istream> blob((*rs)->getBlob(1));
      v1::TicketEvent e;
      e.ParseFromIstream(blob.get());
      n += e.payload_case() == kind ? 1 : 0;
    }
    return n;
  }

  std::unique_ptr<testing::ServiceUnderTest> svc_;
  std::unique_ptr<v1::DeadlineService::Stub> stub_;
  std::unique_ptr<Routing> routing_;
  std::unique_ptr<TestScanner> scan_;
};

}  // namespace hotline::deadline::testutil
