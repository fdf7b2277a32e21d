// IntakeService and KnowledgeService against a real MariaDB (one service
// in-process, manual clock): idempotent creation under concurrency, field
// validation, caller privacy (encryption at rest, masking, withholding from
// units, audited reveals), repeat suggestions and merges, progress from
// other services' events, and the knowledge base with closing at intake.

#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>
#include <stdlib.h>

#include <atomic>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/db/connection.h"
#include "common/db/dialect.h"
#include "common/db/migrations.h"
#include "common/directory/directory_follower.h"
#include "common/directory/mysql_directory_store.h"
#include "common/outbox/outbox.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/events.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "hotline_intake_SchemaMigrations.h"
#include "services/intake/domain/places.h"
#include "services/intake/edge/intake_service.h"
#include "services/intake/tests/intake_test_keys.h"
#include "services/routing/edge/routing_service.h"
#include "tests/support/service_fixture.h"

namespace hotline::intake {
namespace {

using ::hotline::testing::kAgentToken;
using ::hotline::testing::kAuditorToken;
using ::hotline::testing::kCenterToken;
using ::hotline::testing::kEvaluatorToken;
using ::hotline::testing::kServiceToken;
using ::hotline::testing::ServiceUnderTest;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kStaffLongshui[] = "staff-longshui-01";
constexpr char kStaffYouting[] = "staff-youting-01";
constexpr char kStaffHousing[] = "staff-housing-01";
constexpr char kLeadHousing[] = "lead-housing-0001";
// A community routing's directory does not have (yet).
constexpr char kStaffXinjian[] = "staff-xinjian-01";

constexpr char kName[] = "张三丰";
constexpr char kPhone[] = "13812345678";
constexpr char kIdNumber[] = "11010519491231002X";
constexpr char kHomeAddress[] = "大足区龙岗街道五星大道88号3栋2单元";

const auto* const kEnv =
    ::testing::AddGlobalTestEnvironment(new KeyFileEnvironment);

class IntakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::ServiceOptions options;
    options.extra_tokens = absl::StrCat(
        kStaffLongshui, " UNIT_STAFF town.longshui\n", kStaffYouting,
        " UNIT_STAFF town.youting\n", kStaffHousing,
        " UNIT_STAFF dept.housing\n", kLeadHousing, " UNIT_LEAD dept.housing\n",
        kStaffXinjian, " UNIT_STAFF comm.longshui.xinjian\n");
    options.instance.pool.max_size = 16;
    auto svc = ServiceUnderTest::Start(Definition(), options);
    ASSERT_TRUE(svc.ok()) << svc.status();
    svc_ = std::move(*svc);
    intake_ = v1::IntakeService::NewStub(svc_->channel());
    kb_ = v1::KnowledgeService::NewStub(svc_->channel());
    sink_ = v1::EventSink::NewStub(svc_->channel());
  }

  static v1::CreateTicketRequest Request(const std::string& request_id) {
    v1::CreateTicketRequest r;
    r.set_request_id(request_id);
    r.set_channel(v1::CHANNEL_PHONE);
    r.set_request_type(v1::REQUEST_TYPE_HELP_SEEKING);
    r.set_category_code("urban.road.streetlight");
    r.mutable_location()->set_town_code("town.longshui");
    r.mutable_location()->set_address("龙水镇五金市场东门");
    r.set_title("龙水镇五金市场路灯不亮");
    r.set_content(
        "五金市场东门附近的三盏路灯已经一周不亮了，晚上出行很不安全，请尽快维修"
        "。");
    r.mutable_caller()->set_name(kName);
    r.mutable_caller()->set_phone("138-1234-5678");
    r.mutable_caller()->set_id_number(kIdNumber);
    r.mutable_caller()->set_address(kHomeAddress);
    return r;
  }

  grpc::Status Create(const v1::CreateTicketRequest& req,
                      v1::CreateTicketResponse* resp,
                      const std::string& token = kAgentToken) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    return intake_->CreateTicket(&ctx, req, resp);
  }

  grpc::Status Get(const std::string& ticket_id, v1::Ticket* out,
                   const std::string& token) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::GetTicketRequest req;
    req.set_ticket_id(ticket_id);
    v1::GetTicketResponse resp;
    grpc::Status s = intake_->GetTicket(&ctx, req, &resp);
    *out = resp.ticket();
    return s;
  }

  grpc::Status Reveal(const std::string& request_id,
                      const std::string& ticket_id, v1::RevealPurpose purpose,
                      const std::string& token,
                      v1::RevealCallerResponse* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::RevealCallerRequest req;
    req.set_request_id(request_id);
    req.set_ticket_id(ticket_id);
    req.set_purpose(purpose);
    req.set_reason("回访核实办理结果");
    return intake_->RevealCaller(&ctx, req, resp);
  }

  // Delivers one event from `producer` over EventSink.Publish.
  void Publish(const std::string& producer, v1::TicketEvent e) {
    static std::atomic<int> next{1};
    e.set_event_id(absl::StrCat(producer, "-", next++));
    e.set_producer(producer);
    e.set_seq(++seq_[producer + e.ticket_id()]);
    *e.mutable_occurred_at() = ToProto(svc_->clock().Now());
    e.mutable_actor()->set_principal_id("system");
    e.mutable_actor()->set_role(v1::SERVICE);
    if (e.ticket_number().empty()) e.set_ticket_number("DZ20240208-000001");
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx,
                                hotline::testing::ServiceTokenOf(producer));
    v1::PublishRequest req;
    req.set_source_service(producer);
    *req.add_events() = e;
    v1::PublishResponse resp;
    grpc::Status s = sink_->Publish(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(resp.acknowledged_event_ids_size(), 1);
  }

  void Dispatch(const std::string& ticket_id, const std::string& unit) {
    v1::TicketEvent e;
    e.set_ticket_id(ticket_id);
    e.mutable_dispatched()->set_unit_id(unit);
    e.mutable_dispatched()->set_dispatch_round(1);
    Publish("routing", e);
  }

  int64_t Count(const std::string& sql) {
    auto conn = svc_->instance().pool().Acquire();
    EXPECT_TRUE(conn.ok());
    auto rs = (*conn)->Query(sql);
    EXPECT_TRUE(rs.ok()) << rs.status();
    (*rs)->next();
    return (*rs)->getInt64(1);
  }

  // The outbox events of `ticket_id`, in order, as the relay sends them.
  std::vector<v1::TicketEvent> Outbox(const std::string& ticket_id) {
    auto conn = svc_->instance().pool().Acquire();
    auto events = outbox::ReadTicketEvents(**conn, "intake", ticket_id);
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *events : std::vector<v1::TicketEvent>{};
  }

  std::unique_ptr<ServiceUnderTest> svc_;
  std::unique_ptr<v1::IntakeService::Stub> intake_;
  std::unique_ptr<v1::KnowledgeService::Stub> kb_;
  std::unique_ptr<v1::EventSink::Stub> sink_;
  std::map<std::string, int64_t> seq_;
};

TEST_F(IntakeTest, CreatesNumberedOrderWithEventAndMaskedCaller) {
  v1::CreateTicketResponse resp;
  ASSERT_TRUE(Create(Request("req-0001"), &resp).ok());
  const v1::Ticket& t = resp.ticket();
  EXPECT_FALSE(resp.replayed());
  EXPECT_THAT(t.ticket_number(), StartsWith("DZ20240208-"));
  EXPECT_EQ(t.ticket_number().size(), 17u);
  EXPECT_EQ(t.status(), v1::TICKET_STATUS_RECEIVED);
  EXPECT_EQ(t.urgency(), v1::URGENCY_NORMAL);
  EXPECT_EQ(t.caller().name(), "张**");
  EXPECT_EQ(t.caller().phone(), "138****5678");
  EXPECT_EQ(t.caller().id_number(), "1101************2X");
  EXPECT_EQ(t.caller().address(), "大足区龙岗街道****");
  EXPECT_EQ(t.caller_hash().size(), 64u);
  auto events = Outbox(t.ticket_id());
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].has_ticket_created());
  EXPECT_EQ(events[0].ticket_created().caller_hash(), t.caller_hash());
  EXPECT_EQ(events[0].ticket_created().category_code(),
            "urban.road.streetlight");
  EXPECT_EQ(events[0].ticket_number(), t.ticket_number());
  // The event carries no caller identity.
  EXPECT_EQ(events[0].SerializeAsString().find(kPhone), std::string::npos);
  EXPECT_EQ(events[0].SerializeAsString().find(kName), std::string::npos);

  // A later local day starts its own numbering.
  ASSERT_TRUE(svc_->clock().Advance(absl::Hours(24)).ok());
  v1::CreateTicketResponse next;
  ASSERT_TRUE(Create(Request("req-0002"), &next).ok());
  EXPECT_THAT(next.ticket().ticket_number(), StartsWith("DZ20240209-"));
}

TEST_F(IntakeTest, RetryReplaysAndConflictingRetryIsRefused) {
  v1::CreateTicketResponse first, again;
  ASSERT_TRUE(Create(Request("req-idem"), &first).ok());
  ASSERT_TRUE(Create(Request("req-idem"), &again).ok());
  EXPECT_TRUE(again.replayed());
  EXPECT_EQ(again.ticket().ticket_id(), first.ticket().ticket_id());
  EXPECT_EQ(again.ticket().ticket_number(), first.ticket().ticket_number());
  v1::CreateTicketRequest other = Request("req-idem");
  other.set_content("同一个请求号，不同的内容");
  v1::CreateTicketResponse conflict;
  grpc::Status s = Create(other, &conflict);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS)
      << s.error_message();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox"), 1);
}

// On a server without INSERT … RETURNING (MySQL 8) the new orders' row ids
// and their events' seqs are read back instead: the similarity index points
// at the right orders (a similar order is found as a repeat) and each order's
// first event is its seq 1.
TEST_F(IntakeTest, WithoutInsertReturningOrdersKeepTheirRowIdsAndSeqs) {
  struct Restore {
    ~Restore() { db::SetInsertReturningForTesting(std::nullopt); }
  } restore;
  db::SetInsertReturningForTesting(false);
  v1::CreateTicketResponse first, similar;
  ASSERT_TRUE(Create(Request("req-nr1"), &first).ok());
  v1::CreateTicketRequest other = Request("req-nr2");
  other.mutable_caller()->set_phone("13900001111");
  other.set_content(
      "五金市场东门附近的三盏路灯已经一周不亮了，晚上出行不安全，请尽快维修！");
  ASSERT_TRUE(Create(other, &similar).ok());
  ASSERT_EQ(similar.repeat_candidates_size(), 1);
  EXPECT_EQ(similar.repeat_candidates(0).ticket_id(),
            first.ticket().ticket_id());
  EXPECT_EQ(similar.repeat_candidates(0).signal(),
            v1::REPEAT_SIGNAL_SAME_PLACE_SIMILAR_CONTENT);
  EXPECT_GT(Count("SELECT COUNT(*) FROM ticket_term"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket_term tt LEFT JOIN ticket t "
                  "ON t.id = tt.row_id WHERE t.id IS NULL"),
            0);
  for (const auto* t : {&first.ticket(), &similar.ticket()}) {
    auto events = Outbox(t->ticket_id());
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].seq(), 1);
  }
}

TEST_F(IntakeTest, ValidatesFieldByFieldAndStoresNothing) {
  struct Case {
    std::function<void(v1::CreateTicketRequest*)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](auto* r) { r->clear_request_id(); }, "request_id:"},
      {[](auto* r) { r->set_request_id("请求"); }, "request_id:"},
      {[](auto* r) { r->set_channel(v1::CHANNEL_UNSPECIFIED); }, "channel:"},
      {[](auto* r) { r->set_channel(static_cast<v1::Channel>(99)); },
       "channel:"},
      {[](auto* r) { r->set_request_type(static_cast<v1::RequestType>(42)); },
       "request_type:"},
      {[](auto* r) { r->set_category_code("urban.nonexistent"); },
       "category_code:"},
      {[](auto* r) { r->set_urgency(static_cast<v1::Urgency>(7)); },
       "urgency:"},
      {[](auto* r) { r->mutable_location()->set_town_code("town.nowhere"); },
       "location.town_code:"},
      {[](auto* r) { r->mutable_location()->set_community_code("Nanshan!"); },
       "location.community_code:"},
      {[](auto* r) { r->set_title(""); }, "title:"},
      {[](auto* r) { r->set_title("路灯\n不亮"); }, "title:"},
      {[](auto* r) { r->set_content(std::string(8193, 'a')); }, "content:"},
      // (Invalid UTF-8 in a string field never reaches the handler: the
      // protobuf runtime refuses to parse it. intake_rules_test covers the
      // check itself.)
      {[](auto* r) { r->set_content("   "); }, "content:"},
      {[](auto* r) { r->mutable_caller()->set_phone("12345"); },
       "caller.phone:"},
      {[](auto* r) { r->mutable_caller()->set_phone("12812345678"); },
       "caller.phone:"},
      {[](auto* r) {
         r->mutable_caller()->set_id_number("110105194912310021");
       },
       "caller.id_number:"},
      {[](auto* r) { r->mutable_limit()->set_working_days(0); },
       "limit.working_days:"},
      {[](auto* r) { r->mutable_limit()->set_due_date("2024-13-01"); },
       "limit.due_date:"},
      {[](auto* r) {
         *r->mutable_received_at() =
             ToProto(absl::FromUnixSeconds(1707350400 + 3600));
       },
       "received_at:"},
      {[](auto* r) {
         r->mutable_close_at_intake()->add_article_ids("kb-x");
         r->mutable_close_at_intake()->set_answer("答复");
       },
       "close_at_intake:"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    v1::CreateTicketRequest r = Request(absl::StrCat("req-bad-", i));
    cases[i].mutate(&r);
    v1::CreateTicketResponse resp;
    grpc::Status s = Create(r, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "case " << i;
    EXPECT_THAT(s.error_message(), StartsWith(cases[i].field)) << "case " << i;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox"), 0);
  // Wrong role.
  v1::CreateTicketResponse resp;
  EXPECT_EQ(Create(Request("req-role"), &resp, kEvaluatorToken).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A landline and a REPORT (forced confidential) are fine.
  v1::CreateTicketRequest r = Request("req-landline");
  r.mutable_caller()->set_phone("023-4372 1234");
  r.mutable_location()->set_community_code("comm.longshui.nanshan");
  r.set_request_type(v1::REQUEST_TYPE_REPORT);
  ASSERT_TRUE(Create(r, &resp).ok());
  EXPECT_TRUE(resp.ticket().confidential());
  EXPECT_EQ(resp.ticket().caller().phone(), "023****1234");
}

TEST_F(IntakeTest,
       ThousandConcurrentCreatesWithRetriesMakeExactlyThousandOrders) {
  constexpr int kOrders = 1000;
  constexpr int kThreads = 16;
  // 30% of the ids are sent twice (the retry may race the first call).
  std::vector<std::string> calls;
  for (int i = 0; i < kOrders; ++i) {
    calls.push_back(absl::StrCat("load-", i));
    if (i % 10 < 3) calls.push_back(absl::StrCat("load-", i));
  }
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0}, replays{0};
  absl::Mutex mu;
  std::map<std::string, std::set<std::string>> ids_by_request;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (size_t i; (i = next++) < calls.size();) {
        v1::CreateTicketRequest r = Request(calls[i]);
        r.set_content(absl::StrCat("第", calls[i], "号来电：", r.content()));
        v1::CreateTicketResponse resp;
        grpc::Status s = Create(r, &resp);
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << s.error_message();
          continue;
        }
        if (resp.replayed()) ++replays;
        absl::MutexLock l(&mu);
        ids_by_request[calls[i]].insert(resp.ticket().ticket_id());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(replays.load(), 300);
  EXPECT_EQ(ids_by_request.size(), static_cast<size_t>(kOrders));
  for (const auto& [req, ids] : ids_by_request)
    EXPECT_EQ(ids.size(), 1u) << req;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket"), kOrders);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT ticket_number) FROM ticket"), kOrders);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox"), kOrders);

  // Every call went through the group commit, and 16 callers for two
  // transactions at a time did share them.
  double batches = 0, orders = 0;
  for (const auto& family : svc_->instance().host().registry().Collect()) {
    if (family.name != "hotline_intake_create_batch_orders") continue;
    batches = family.metric.at(0).histogram.sample_count;
    orders = family.metric.at(0).histogram.sample_sum;
  }
  EXPECT_EQ(orders, static_cast<double>(calls.size()));
  EXPECT_LT(batches, orders);
}

TEST_F(IntakeTest, NoPlaintextCallerDataInAnyTableOrLog) {
  ::testing::internal::CaptureStderr();
  v1::CreateTicketResponse resp;
  ASSERT_TRUE(Create(Request("req-privacy"), &resp).ok());
  v1::RevealCallerResponse revealed;
  ASSERT_TRUE(Reveal("rv-privacy", resp.ticket().ticket_id(),
                     v1::REVEAL_PURPOSE_FOLLOW_UP, kCenterToken, &revealed)
                  .ok());
  EXPECT_EQ(revealed.caller().name(), kName);
  EXPECT_EQ(revealed.caller().phone(), kPhone);
  EXPECT_EQ(revealed.caller().id_number(), kIdNumber);
  v1::SearchTicketsResponse found;
  {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kAgentToken);
    v1::SearchTicketsRequest req;
    req.set_caller_phone(kPhone);
    ASSERT_TRUE(intake_->SearchTickets(&ctx, req, &found).ok());
  }
  EXPECT_EQ(found.tickets_size(), 1);
  const std::string logs = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(logs, HasSubstr("ticket.created"));  // logging did happen

  const std::vector<std::string> secrets = {
      kName, kPhone, "1234-5678", kIdNumber, kHomeAddress, "五星大道"};
  for (const auto& s : secrets) {
    EXPECT_EQ(logs.find(s), std::string::npos) << "log holds " << s;
  }
  auto conn = svc_->instance().pool().Acquire();
  ASSERT_TRUE(conn.ok());
  auto tables = (*conn)->Query("SHOW TABLES");
  ASSERT_TRUE(tables.ok());
  int scanned_rows = 0;
  std::vector<std::string> names;
  while ((*tables)->next()) names.push_back((*tables)->getString(1));
  ASSERT_GE(names.size(), 10u);
  for (const auto& table : names) {
    auto rs = (*conn)->Query(absl::StrCat("SELECT * FROM `", table, "`"));
    ASSERT_TRUE(rs.ok()) << table;
    const int cols = (*rs)->getMetaData()->getColumnCount();
    while ((*rs)->next()) {
      ++scanned_rows;
      for (int c = 1; c <= cols; ++c) {
        if ((*rs)->isNull(c)) continue;
        const std::string v = (*rs)->getString(c);
        for (const auto& s : secrets) {
          EXPECT_EQ(v.find(s), std::string::npos)
              << table << " column " << c << " holds " << s;
        }
      }
    }
  }
  EXPECT_GT(scanned_rows,
            100);  // taxonomy, towns, ticket, terms, audit, outbox
}

TEST_F(IntakeTest, EveryRevealIsAuditedAndLimitedToRolesThatNeedIt) {
  v1::CreateTicketResponse created;
  ASSERT_TRUE(Create(Request("req-reveal"), &created).ok());
  const std::string id = created.ticket().ticket_id();
  v1::RevealCallerResponse r1, r2, r3;
  ASSERT_TRUE(
      Reveal("rv-1", id, v1::REVEAL_PURPOSE_FOLLOW_UP, kCenterToken, &r1).ok());
  ASSERT_TRUE(
      Reveal("rv-1", id, v1::REVEAL_PURPOSE_FOLLOW_UP, kCenterToken, &r2).ok());
  EXPECT_EQ(r1.audit_id(), r2.audit_id());
  EXPECT_EQ(
      Reveal("rv-1", id, v1::REVEAL_PURPOSE_INVESTIGATION, kCenterToken, &r3)
          .error_code(),
      grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Reveal("rv-2", id, v1::REVEAL_PURPOSE_FOLLOW_UP, kAgentToken, &r3)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(
      Reveal("rv-3", id, v1::REVEAL_PURPOSE_EVALUATION, kEvaluatorToken, &r3)
          .error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  // A unit holding a non-confidential order may reveal for its reply.
  Dispatch(id, "town.longshui");
  EXPECT_EQ(Reveal("rv-4", id, v1::REVEAL_PURPOSE_REPLY, kStaffYouting, &r3)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(
      Reveal("rv-5", id, v1::REVEAL_PURPOSE_REPLY, kStaffLongshui, &r3).ok());
  EXPECT_EQ(r3.caller().phone(), kPhone);
  // Once the reply is approved, the evaluator may call back.
  v1::TicketEvent reviewed;
  reviewed.set_ticket_id(id);
  reviewed.mutable_reviewed()->set_approved(true);
  Publish("routing", reviewed);
  v1::RevealCallerResponse r6;
  ASSERT_TRUE(
      Reveal("rv-6", id, v1::REVEAL_PURPOSE_EVALUATION, kEvaluatorToken, &r6)
          .ok());

  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kAuditorToken);
  v1::ListRevealAuditRequest req;
  req.set_ticket_id(id);
  v1::ListRevealAuditResponse audit;
  ASSERT_TRUE(intake_->ListRevealAudit(&ctx, req, &audit).ok());
  ASSERT_EQ(audit.entries_size(), 3);  // rv-1 once, rv-5, rv-6
  std::set<std::string> audit_ids;
  for (const auto& e : audit.entries()) {
    audit_ids.insert(e.audit_id());
    EXPECT_EQ(e.ticket_number(), created.ticket().ticket_number());
    EXPECT_EQ(e.reason(), "回访核实办理结果");
  }
  EXPECT_TRUE(audit_ids.count(r1.audit_id()));
  EXPECT_TRUE(audit_ids.count(r3.audit_id()));
  EXPECT_TRUE(audit_ids.count(r6.audit_id()));
  EXPECT_EQ(audit.entries(0).actor().role(), v1::EVALUATOR);  // newest first
  grpc::ClientContext ctx2;
  ServiceUnderTest::Authorize(&ctx2, kAgentToken);
  EXPECT_EQ(intake_->ListRevealAudit(&ctx2, req, &audit).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(IntakeTest, UnitNeverSeesCallerOfConfidentialOrderOrReport) {
  v1::CreateTicketRequest conf = Request("req-conf");
  conf.set_confidential(true);
  v1::CreateTicketRequest report = Request("req-report");
  report.set_request_type(v1::REQUEST_TYPE_REPORT);
  report.set_title("举报龙水镇某企业夜间偷排废水");
  report.set_category_code("eco.water");
  v1::CreateTicketResponse a, b;
  ASSERT_TRUE(Create(conf, &a).ok());
  ASSERT_TRUE(Create(report, &b).ok());
  for (const auto* created : {&a, &b}) {
    const std::string id = created->ticket().ticket_id();
    Dispatch(id, "town.longshui");
    v1::Ticket seen;
    ASSERT_TRUE(Get(id, &seen, kStaffLongshui).ok());
    EXPECT_TRUE(seen.caller().withheld());
    EXPECT_EQ(seen.caller().name(), "");
    EXPECT_EQ(seen.caller().phone(), "");
    EXPECT_EQ(seen.caller().id_number(), "");
    EXPECT_EQ(seen.caller().address(), "");
    EXPECT_EQ(seen.caller_hash(), "");
    // Neither the number nor its masked form (138****5678). ("138" alone
    // also turns up in random hex ticket ids.)
    const std::string bytes = seen.SerializeAsString();
    EXPECT_EQ(bytes.find(kPhone), std::string::npos);
    EXPECT_EQ(bytes.find("****5678"), std::string::npos);
    v1::RevealCallerResponse r;
    EXPECT_EQ(Reveal(absl::StrCat("rv-", id), id, v1::REVEAL_PURPOSE_REPLY,
                     kStaffLongshui, &r)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(r.caller().phone(), "");
    // Another unit does not see the order at all.
    EXPECT_EQ(Get(id, &seen, kStaffYouting).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    // The center still sees the masked caller.
    ASSERT_TRUE(Get(id, &seen, kCenterToken).ok());
    EXPECT_EQ(seen.caller().phone(), "138****5678");
  }
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kStaffLongshui);
  v1::ListTicketsResponse list;
  ASSERT_TRUE(intake_->ListTickets(&ctx, v1::ListTicketsRequest(), &list).ok());
  ASSERT_EQ(list.tickets_size(), 2);
  for (const auto& t : list.tickets()) {
    EXPECT_TRUE(t.caller().withheld());
    EXPECT_EQ(t.caller().phone(), "");
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM reveal_audit"), 0);
}

TEST_F(IntakeTest, SuggestsRepeatsAndMergesAndUnmerges) {
  v1::CreateTicketResponse first, same_caller, same_place, unrelated;
  ASSERT_TRUE(Create(Request("req-r1"), &first).ok());
  ASSERT_TRUE(svc_->clock().Advance(absl::Hours(2)).ok());
  ASSERT_TRUE(Create(Request("req-r2"), &same_caller).ok());
  ASSERT_EQ(same_caller.repeat_candidates_size(), 1);
  EXPECT_EQ(same_caller.repeat_candidates(0).ticket_id(),
            first.ticket().ticket_id());
  EXPECT_EQ(same_caller.repeat_candidates(0).signal(),
            v1::REPEAT_SIGNAL_SAME_CALLER);

  v1::CreateTicketRequest other = Request("req-r3");
  other.mutable_caller()->set_phone("13900001111");
  other.set_content(
      "五金市场东门附近的三盏路灯已经一周不亮了，晚上出行不安全，请尽快维修！");
  ASSERT_TRUE(Create(other, &same_place).ok());
  ASSERT_GE(same_place.repeat_candidates_size(), 2);
  for (const auto& c : same_place.repeat_candidates()) {
    EXPECT_EQ(c.signal(), v1::REPEAT_SIGNAL_SAME_PLACE_SIMILAR_CONTENT);
    EXPECT_GE(c.score(), 0.5);
    EXPECT_LE(c.score(), 1.0);
  }
  v1::CreateTicketRequest far = Request("req-r4");
  far.mutable_caller()->set_phone("13700002222");
  far.set_content("孩子入学需要哪些材料？");
  far.set_category_code("education.enrollment");
  ASSERT_TRUE(Create(far, &unrelated).ok());
  EXPECT_EQ(unrelated.repeat_candidates_size(), 0);
  // Outside the window (30 days) nothing is suggested.
  ASSERT_TRUE(svc_->clock().Advance(absl::Hours(24 * 31)).ok());
  v1::CreateTicketResponse late;
  ASSERT_TRUE(Create(Request("req-r5"), &late).ok());
  EXPECT_EQ(late.repeat_candidates_size(), 0);

  auto merge = [&](const std::string& rid, const std::string& id,
                   const std::string& orig, v1::MergeTicketResponse* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kAgentToken);
    v1::MergeTicketRequest req;
    req.set_request_id(rid);
    req.set_ticket_id(id);
    req.set_original_ticket_id(orig);
    req.set_reason("同一路灯故障重复来电");
    return intake_->MergeTicket(&ctx, req, resp);
  };
  v1::MergeTicketResponse m, again;
  const std::string rep = same_caller.ticket().ticket_id();
  const std::string orig = first.ticket().ticket_id();
  ASSERT_TRUE(merge("mg-1", rep, orig, &m).ok());
  EXPECT_EQ(m.ticket().status(), v1::TICKET_STATUS_MERGED);
  EXPECT_EQ(m.ticket().merged_into_ticket_id(), orig);
  ASSERT_TRUE(merge("mg-1", rep, orig, &again).ok());  // retry
  EXPECT_EQ(again.ticket().status(), v1::TICKET_STATUS_MERGED);
  EXPECT_EQ(merge("mg-2", rep, orig, &again).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(
      merge("mg-3", orig, same_place.ticket().ticket_id(), &again).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);  // has a repeat of its own
  EXPECT_EQ(merge("mg-4", orig, orig, &again).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(merge("mg-5", orig, "tk-missing", &again).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::Ticket original;
  ASSERT_TRUE(Get(orig, &original, kCenterToken).ok());
  ASSERT_EQ(original.repeat_ticket_ids_size(), 1);
  EXPECT_EQ(original.repeat_ticket_ids(0), rep);
  auto events = Outbox(rep);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].ticket_merged().original_ticket_id(), orig);
  EXPECT_EQ(events[1].ticket_merged().original_ticket_number(),
            first.ticket().ticket_number());
  EXPECT_EQ(events[1].seq(), 2);

  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::UnmergeTicketRequest ureq;
  ureq.set_request_id("um-1");
  ureq.set_ticket_id(rep);
  ureq.set_reason("并单有误，实为不同路段");
  v1::UnmergeTicketResponse u;
  ASSERT_TRUE(intake_->UnmergeTicket(&ctx, ureq, &u).ok());
  EXPECT_EQ(u.ticket().status(), v1::TICKET_STATUS_RECEIVED);
  EXPECT_EQ(u.ticket().merged_into_ticket_id(), "");
  events = Outbox(rep);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].ticket_unmerged().original_ticket_id(), orig);
  grpc::ClientContext ctx2;
  ServiceUnderTest::Authorize(&ctx2, kCenterToken);
  ureq.set_request_id("um-2");
  EXPECT_EQ(intake_->UnmergeTicket(&ctx2, ureq, &u).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(IntakeTest, ProgressFollowsRoutingDeadlineAndAssessmentEvents) {
  v1::CreateTicketResponse created;
  ASSERT_TRUE(Create(Request("req-progress"), &created).ok());
  const std::string id = created.ticket().ticket_id();
  Dispatch(id, "town.longshui");
  v1::TicketEvent e;
  e.set_ticket_id(id);
  e.mutable_clock_started()->set_kind(v1::CLOCK_KIND_HANDLING);
  e.mutable_clock_started()->set_unit_id("town.longshui");
  *e.mutable_clock_started()->mutable_due() =
      ToProto(absl::FromUnixSeconds(1708358400));  // 2024-02-20 00:00 CST
  Publish("deadline", e);
  e.Clear();
  e.set_ticket_id(id);
  e.mutable_accepted()->set_unit_id("town.longshui");
  Publish("routing", e);
  e.Clear();
  e.set_ticket_id(id);
  e.mutable_forwarded()->set_from_unit_id("town.longshui");
  e.mutable_forwarded()->set_to_unit_id("town.longshui.wujin");
  Publish("routing", e);
  e.Clear();
  e.set_ticket_id(id);
  auto* x = e.mutable_extension_decided();
  x->set_unit_id("town.longshui.wujin");
  x->set_approved(true);
  x->set_approved_due_date("2024-03-01");
  *x->mutable_new_due() = ToProto(absl::FromUnixSeconds(1709308800));
  Publish("deadline", e);
  e.Clear();
  e.set_ticket_id(id);
  e.mutable_replied()->set_unit_id("town.longshui.wujin");
  e.mutable_replied()->set_text("路灯已更换灯泡，恢复照明。");
  Publish("routing", e);

  v1::Ticket t;
  ASSERT_TRUE(Get(id, &t, kAgentToken).ok());
  EXPECT_EQ(t.status(), v1::TICKET_STATUS_REPLIED);
  EXPECT_EQ(t.holder_unit_id(), "town.longshui.wujin");
  EXPECT_EQ(FromProto(t.handling_due()), absl::FromUnixSeconds(1709308800));
  ASSERT_EQ(t.progress_size(),
            6);  // received, dispatched, accepted, forwarded, extension, reply
  EXPECT_EQ(t.progress(0).status(), v1::TICKET_STATUS_RECEIVED);
  EXPECT_THAT(t.progress(4).note(), HasSubstr("2024-03-01"));
  EXPECT_THAT(t.progress(5).note(), HasSubstr("路灯已更换灯泡"));

  // The sub-unit and its parent see it; another town does not.
  ASSERT_TRUE(Get(id, &t, kStaffLongshui).ok());
  EXPECT_EQ(Get(id, &t, kStaffYouting).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  e.Clear();
  e.set_ticket_id(id);
  e.mutable_evaluation_recorded()->set_unit_id("town.longshui.wujin");
  e.mutable_evaluation_recorded()->set_reached(true);
  e.mutable_evaluation_recorded()->set_satisfaction(v1::SATISFACTION_SATISFIED);
  Publish("assessment", e);
  e.Clear();
  e.set_ticket_id(id);
  e.mutable_closed()->set_reason(v1::CLOSE_REASON_EVALUATED);
  Publish("routing", e);
  ASSERT_TRUE(Get(id, &t, kAgentToken).ok());
  EXPECT_EQ(t.status(), v1::TICKET_STATUS_CLOSED);

  // Lookups: by phone, number prefix, text, status; a unit's list.
  auto search = [&](v1::SearchTicketsRequest req, const std::string& token,
                    v1::SearchTicketsResponse* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    return intake_->SearchTickets(&ctx, req, resp);
  };
  v1::CreateTicketRequest other = Request("req-other");
  other.mutable_caller()->set_phone("13900001111");
  other.set_title("邮亭镇垃圾清运不及时");
  other.set_content("邮亭镇新街垃圾堆放三天无人清运，气味很大。");
  other.set_category_code("urban.sanitation.garbage");
  other.mutable_location()->set_town_code("town.youting");
  v1::CreateTicketResponse oc;
  ASSERT_TRUE(Create(other, &oc).ok());
  v1::SearchTicketsRequest req;
  v1::SearchTicketsResponse resp;
  req.set_caller_phone("+86 139 0000 1111");
  ASSERT_TRUE(search(req, kAgentToken, &resp).ok());
  ASSERT_EQ(resp.tickets_size(), 1);
  EXPECT_EQ(resp.tickets(0).ticket_id(), oc.ticket().ticket_id());
  EXPECT_EQ(search(req, kStaffYouting, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  req.Clear();
  req.set_text("垃圾清运");
  ASSERT_TRUE(search(req, kCenterToken, &resp).ok());
  ASSERT_EQ(resp.tickets_size(), 1);
  EXPECT_EQ(resp.tickets(0).ticket_id(), oc.ticket().ticket_id());
  req.Clear();
  req.set_ticket_number(created.ticket().ticket_number());
  ASSERT_TRUE(search(req, kEvaluatorToken, &resp).ok());
  ASSERT_EQ(resp.tickets_size(), 1);
  EXPECT_EQ(resp.tickets(0).caller_hash(), "");  // evaluators get no hash
  req.Clear();
  req.set_ticket_number("DZ20240208");
  req.add_statuses(v1::TICKET_STATUS_RECEIVED);
  ASSERT_TRUE(search(req, kCenterToken, &resp).ok());
  ASSERT_EQ(resp.tickets_size(), 1);
  EXPECT_EQ(resp.tickets(0).ticket_id(), oc.ticket().ticket_id());
  req.Clear();
  ASSERT_EQ(search(req, kCenterToken, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // Paging over ListTickets.
  grpc::ClientContext lc;
  ServiceUnderTest::Authorize(&lc, kCenterToken);
  v1::ListTicketsRequest lreq;
  lreq.mutable_page()->set_page_size(1);
  v1::ListTicketsResponse l1, l2;
  ASSERT_TRUE(intake_->ListTickets(&lc, lreq, &l1).ok());
  ASSERT_EQ(l1.tickets_size(), 1);
  ASSERT_FALSE(l1.page().next_page_token().empty());
  grpc::ClientContext lc2;
  ServiceUnderTest::Authorize(&lc2, kCenterToken);
  *lreq.mutable_page()->mutable_page_token() = l1.page().next_page_token();
  ASSERT_TRUE(intake_->ListTickets(&lc2, lreq, &l2).ok());
  ASSERT_EQ(l2.tickets_size(), 1);
  EXPECT_NE(l1.tickets(0).ticket_id(), l2.tickets(0).ticket_id());
  EXPECT_TRUE(l2.page().next_page_token().empty());
  // The token belongs to its query: with another filter it is refused.
  grpc::ClientContext lc3;
  ServiceUnderTest::Authorize(&lc3, kCenterToken);
  lreq.set_town_code("town.longshui");
  const grpc::Status foreign = intake_->ListTickets(&lc3, lreq, &l2);
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(foreign.error_message(), ::testing::HasSubstr("page.page_token"));
}

TEST_F(IntakeTest, KnowledgeWorkflowSearchAndCloseAtIntake) {
  auto call = [&](auto method, const auto& req, auto* resp,
                  const std::string& token) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    return ((*kb_).*method)(&ctx, req, resp);
  };
  v1::CreateArticleRequest c;
  c.set_request_id("kb-req-1");
  c.set_owner_unit_id("dept.housing");
  auto* content = c.mutable_content();
  content->set_title("公共租赁住房申请条件");
  content->set_body(
      "申请公共租赁住房须年满18周岁，在本区有稳定工作且无自有住房。"
      "申请材料：身份证、户口簿、收入证明。受理窗口：区政务服务中心住房保障窗口"
      "。");
  content->add_category_codes("urban.housing");
  content->add_keywords("公租房");
  content->set_valid_from("2024-01-01");
  content->set_valid_to("2024-12-31");
  v1::CreateArticleResponse created;
  ASSERT_TRUE(call(&v1::KnowledgeService::Stub::CreateArticle, c, &created,
                   kStaffHousing)
                  .ok());
  const std::string aid = created.article().article_id();
  EXPECT_EQ(created.article().state(), v1::ARTICLE_STATE_DRAFT);
  v1::CreateArticleResponse again;
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::CreateArticle, c, &again, kStaffHousing)
          .ok());
  EXPECT_EQ(again.article().article_id(), aid);
  c.set_owner_unit_id("town.youting");
  c.set_request_id("kb-req-x");
  EXPECT_EQ(
      call(&v1::KnowledgeService::Stub::CreateArticle, c, &again, kStaffHousing)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  // Citing a draft at intake is refused.
  v1::CreateTicketRequest consult = Request("req-consult");
  consult.set_request_type(v1::REQUEST_TYPE_CONSULTATION);
  consult.set_category_code("urban.housing");
  consult.set_title("咨询公租房怎么申请");
  consult.set_content("来电人咨询公租房的申请条件和需要的材料。");
  consult.mutable_close_at_intake()->add_article_ids(aid);
  consult.mutable_close_at_intake()->set_answer("已告知申请条件及所需材料。");
  v1::CreateTicketResponse tr;
  grpc::Status s = Create(consult, &tr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("close_at_intake.article_ids[0]:"));

  v1::SubmitArticleRequest sub;
  sub.set_request_id("kb-req-2");
  sub.set_article_id(aid);
  v1::SubmitArticleResponse subr;
  ASSERT_TRUE(call(&v1::KnowledgeService::Stub::SubmitArticle, sub, &subr,
                   kStaffHousing)
                  .ok());
  EXPECT_EQ(subr.article().state(), v1::ARTICLE_STATE_IN_REVIEW);
  v1::ReviewArticleRequest rev;
  rev.set_request_id("kb-req-3");
  rev.set_article_id(aid);
  rev.set_version(1);
  rev.set_approve(true);
  v1::ReviewArticleResponse revr;
  // The author cannot review (even as center staff they would differ; here the
  // author is the staff member, who lacks the role anyway).
  EXPECT_EQ(call(&v1::KnowledgeService::Stub::ReviewArticle, rev, &revr,
                 kStaffHousing)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::ReviewArticle, rev, &revr, kLeadHousing)
          .ok());
  EXPECT_EQ(revr.article().state(), v1::ARTICLE_STATE_PUBLISHED);
  EXPECT_NE(revr.article().reviewer().principal_id(),
            revr.article().author().principal_id());

  // A second, less relevant article.
  v1::CreateArticleRequest c2;
  c2.set_request_id("kb-req-4");
  c2.set_owner_unit_id("dept.housing");
  c2.mutable_content()->set_title("物业服务投诉处理流程");
  c2.mutable_content()->set_body(
      "物业服务纠纷可先向社区反映，住房申请请见相关条目。");
  c2.mutable_content()->add_category_codes("urban.housing.property");
  c2.mutable_content()->add_area_codes("town.longgang");
  v1::CreateArticleResponse created2;
  ASSERT_TRUE(call(&v1::KnowledgeService::Stub::CreateArticle, c2, &created2,
                   kLeadHousing)
                  .ok());
  // The lead authored this one: reviewing it needs someone else.
  sub.set_request_id("kb-req-5");
  sub.set_article_id(created2.article().article_id());
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::SubmitArticle, sub, &subr, kLeadHousing)
          .ok());
  rev.set_request_id("kb-req-6");
  rev.set_article_id(created2.article().article_id());
  s = call(&v1::KnowledgeService::Stub::ReviewArticle, rev, &revr,
           kLeadHousing);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << s.error_message();
  rev.set_request_id("kb-req-7");
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::ReviewArticle, rev, &revr, kCenterToken)
          .ok());

  v1::SearchArticlesRequest q;
  q.set_query("公租房申请材料");
  v1::SearchArticlesResponse hits;
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::SearchArticles, q, &hits, kAgentToken)
          .ok());
  ASSERT_EQ(hits.hits_size(), 2);
  EXPECT_EQ(hits.hits(0).article().article_id(), aid);  // ranked first
  EXPECT_GT(hits.hits(0).score(), hits.hits(1).score());
  EXPECT_FALSE(hits.hits(0).snippet().empty());
  q.set_area_code("town.youting");  // article 2 is for Longgang only
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::SearchArticles, q, &hits, kAgentToken)
          .ok());
  ASSERT_EQ(hits.hits_size(), 1);
  q.clear_area_code();
  q.set_category_code("urban.housing.property");
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::SearchArticles, q, &hits, kAgentToken)
          .ok());
  ASSERT_EQ(hits.hits_size(), 1);
  EXPECT_EQ(hits.hits(0).article().article_id(),
            created2.article().article_id());
  q.clear_category_code();
  q.set_valid_on("2025-01-02");  // article 1 expired
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::SearchArticles, q, &hits, kAgentToken)
          .ok());
  ASSERT_EQ(hits.hits_size(), 1);
  EXPECT_EQ(hits.hits(0).article().article_id(),
            created2.article().article_id());

  // Closing a consultation at intake citing the published article.
  consult.set_request_id("req-consult-2");
  ASSERT_TRUE(Create(consult, &tr).ok());
  EXPECT_EQ(tr.ticket().status(), v1::TICKET_STATUS_CLOSED_AT_INTAKE);
  ASSERT_EQ(tr.ticket().cited_article_ids_size(), 1);
  EXPECT_EQ(tr.ticket().intake_answer(), "已告知申请条件及所需材料。");
  v1::Ticket closed;
  ASSERT_TRUE(Get(tr.ticket().ticket_id(), &closed, kAgentToken).ok());
  ASSERT_EQ(closed.progress_size(), 2);
  EXPECT_EQ(closed.progress(1).status(), v1::TICKET_STATUS_CLOSED_AT_INTAKE);
  auto events = Outbox(tr.ticket().ticket_id());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].ticket_created().closed_at_intake());
  EXPECT_EQ(events[1].ticket_closed_at_intake().article_ids(0), aid);
  // Only consultations.
  v1::CreateTicketRequest complaint = consult;
  complaint.set_request_id("req-consult-3");
  complaint.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  EXPECT_EQ(Create(complaint, &tr).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // Validity follows the service clock: after 2024-12-31 article 1 is out of
  // searches and cannot be cited.
  ASSERT_TRUE(svc_->clock().Advance(absl::Hours(24 * 330)).ok());  // 2025-01-03
  q.clear_valid_on();
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::SearchArticles, q, &hits, kAgentToken)
          .ok());
  ASSERT_EQ(hits.hits_size(), 1);
  EXPECT_EQ(hits.hits(0).article().article_id(),
            created2.article().article_id());
  consult.set_request_id("req-consult-expired");
  s = Create(consult, &tr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("not valid today"));

  // A new version while the published one stays in force; then retirement.
  v1::UpdateArticleRequest up;
  up.set_request_id("kb-req-8");
  up.set_article_id(aid);
  up.set_expected_version(1);
  *up.mutable_content() = *content;
  up.mutable_content()->set_title("公共租赁住房申请条件（修订）");
  v1::UpdateArticleResponse upr;
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::UpdateArticle, up, &upr, kStaffHousing)
          .ok());
  EXPECT_EQ(upr.article().version(), 2);
  EXPECT_EQ(upr.article().state(), v1::ARTICLE_STATE_DRAFT);
  v1::GetArticleRequest g;
  g.set_article_id(aid);
  v1::GetArticleResponse gr;
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::GetArticle, g, &gr, kAgentToken).ok());
  EXPECT_EQ(gr.article().version(), 1);  // the agent sees the published one
  up.set_request_id("kb-req-9");
  EXPECT_EQ(
      call(&v1::KnowledgeService::Stub::UpdateArticle, up, &upr, kStaffHousing)
          .error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);  // stale expected_version
  v1::RetireArticleRequest ret;
  ret.set_request_id("kb-req-10");
  ret.set_article_id(aid);
  ret.set_reason("政策已调整");
  v1::RetireArticleResponse retr;
  EXPECT_EQ(call(&v1::KnowledgeService::Stub::RetireArticle, ret, &retr,
                 kStaffHousing)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::RetireArticle, ret, &retr, kLeadHousing)
          .ok());
  EXPECT_EQ(retr.article().state(), v1::ARTICLE_STATE_RETIRED);
  q.clear_valid_on();
  ASSERT_TRUE(
      call(&v1::KnowledgeService::Stub::SearchArticles, q, &hits, kAgentToken)
          .ok());
  ASSERT_EQ(hits.hits_size(), 1);
  EXPECT_NE(hits.hits(0).article().article_id(), aid);
  consult.set_request_id("req-consult-4");
  EXPECT_EQ(Create(consult, &tr).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// Issue 13: an event is accepted only from the service that produces its
// kind. A forged routing Replied from deadline's or assessment's token (or
// an unnamed SERVICE token) is refused and the caller's progress view does
// not change; an event for an order intake never created is not
// acknowledged.
TEST_F(IntakeTest, ForgedEventsAreRefusedAndChangeNothing) {
  v1::CreateTicketResponse created;
  ASSERT_TRUE(Create(Request("req-forged"), &created).ok());
  const std::string id = created.ticket().ticket_id();
  Dispatch(id, "town.longshui");
  v1::Ticket before;
  ASSERT_TRUE(Get(id, &before, kAgentToken).ok());

  v1::TicketEvent forged;
  forged.set_event_id("forged-1");
  forged.set_ticket_id(id);
  forged.set_ticket_number(created.ticket().ticket_number());
  forged.set_seq(2);
  *forged.mutable_occurred_at() = ToProto(svc_->clock().Now());
  forged.mutable_replied()->set_unit_id("town.longshui");
  forged.mutable_replied()->set_text("伪造的答复：问题已解决。");
  struct Attempt {
    const char* token;
    const char* name;
  };
  for (const Attempt& a :
       {Attempt{hotline::testing::kDeadlineServiceToken, "deadline"},
        Attempt{hotline::testing::kAssessmentServiceToken, "assessment"},
        Attempt{hotline::testing::kDeadlineServiceToken, "routing"},
        Attempt{kServiceToken, "routing"}}) {
    forged.set_producer(a.name);
    v1::PublishRequest req;
    req.set_source_service(a.name);
    *req.add_events() = forged;
    v1::PublishResponse resp;
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, a.token);
    grpc::Status s = sink_->Publish(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << a.name << ": " << s.error_message();
  }
  v1::Ticket after;
  ASSERT_TRUE(Get(id, &after, kAgentToken).ok());
  EXPECT_EQ(after.SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM inbox WHERE event_id = 'forged-1'"), 0);

  // Routing's own token, an order intake never created: not acknowledged.
  v1::TicketEvent stray = forged;
  stray.set_ticket_id("t-never-created");
  stray.set_seq(1);
  stray.set_producer("routing");
  stray.set_event_id("routing-stray");
  v1::PublishRequest req;
  req.set_source_service("routing");
  *req.add_events() = stray;
  v1::PublishResponse resp;
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, hotline::testing::kRoutingServiceToken);
  ASSERT_TRUE(sink_->Publish(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.acknowledged_event_ids_size(), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM inbox WHERE event_id = "
                  "'routing-stray'"),
            0);
}

// Issue 13: a call-center gateway creates orders and may call nothing else.
TEST_F(IntakeTest, ChannelGatewayCreatesOrdersAndNothingElse) {
  const std::string gateway = hotline::testing::kGatewayToken;
  v1::CreateTicketResponse created;
  ASSERT_TRUE(Create(Request("req-gateway"), &created, gateway).ok());
  const std::string id = created.ticket().ticket_id();
  v1::Ticket t;
  EXPECT_EQ(Get(id, &t, gateway).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::RevealCallerResponse rr;
  EXPECT_EQ(Reveal("rv-gw", id, v1::REVEAL_PURPOSE_EVALUATION, gateway, &rr)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, gateway);
  v1::SearchArticlesRequest q;
  q.set_query("公租房");
  v1::SearchArticlesResponse qr;
  EXPECT_EQ(kb_->SearchArticles(&ctx, q, &qr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// Issue 13: a knowledge change replayed by a unit that may not edit the
// article is refused before the request id is looked up.
TEST_F(IntakeTest, KnowledgeReplayByAnotherUnitIsPermissionDenied) {
  auto call = [&](auto method, const auto& req, auto* resp,
                  const std::string& token) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    return ((*kb_).*method)(&ctx, req, resp);
  };
  v1::CreateArticleRequest c;
  c.set_request_id("kb13-create");
  c.set_owner_unit_id("dept.housing");
  auto* content = c.mutable_content();
  content->set_title("住房维修基金使用流程");
  content->set_body(
      "业主申请使用维修基金须经业主大会表决通过，并报区住房城乡建委备案。");
  content->add_category_codes("urban.housing");
  v1::CreateArticleResponse created;
  ASSERT_TRUE(call(&v1::KnowledgeService::Stub::CreateArticle, c, &created,
                   kStaffHousing)
                  .ok());
  v1::UpdateArticleRequest up;
  up.set_request_id("kb13-update");
  up.set_article_id(created.article().article_id());
  up.set_expected_version(1);
  *up.mutable_content() = *content;
  up.mutable_content()->set_body("修订：须经业主大会表决通过。");
  v1::UpdateArticleResponse first;
  ASSERT_TRUE(call(&v1::KnowledgeService::Stub::UpdateArticle, up, &first,
                   kStaffHousing)
                  .ok());
  v1::UpdateArticleResponse replay;
  grpc::Status s = call(&v1::KnowledgeService::Stub::UpdateArticle, up, &replay,
                        kStaffLongshui);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << s.error_message();
  EXPECT_FALSE(replay.has_article());
  ASSERT_TRUE(call(&v1::KnowledgeService::Stub::UpdateArticle, up, &replay,
                   kLeadHousing)
                  .ok());
  EXPECT_EQ(replay.article().version(), first.article().version());
}

TEST_F(IntakeTest, ListsTheTaxonomy) {
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kStaffHousing);
  v1::ListCategoriesResponse resp;
  ASSERT_TRUE(
      intake_->ListCategories(&ctx, v1::ListCategoriesRequest(), &resp).ok());
  EXPECT_EQ(resp.version(), "2024.1");
  std::set<std::string> seen;
  std::set<std::string> top;
  for (const auto& c : resp.categories()) {
    if (!c.parent_code().empty()) {
      EXPECT_TRUE(seen.count(c.parent_code())) << c.code();
    } else {
      top.insert(c.name());
    }
    seen.insert(c.code());
  }
  for (const char* name :
       {"城乡建设", "交通运输", "生态环境", "劳动保障", "市场监管", "教育",
        "医疗卫生", "社会保障", "公共安全"}) {
    EXPECT_TRUE(top.count(name)) << name;
  }
}

TEST(IntakeStartupTest, RefusesToStartWithoutCallerKey) {
  const char* saved = getenv("HOTLINE_CALLER_KEY_FILE");
  std::string keep = saved ? saved : "";
  unsetenv("HOTLINE_CALLER_KEY_FILE");
  auto svc = ServiceUnderTest::Start(Definition());
  if (!keep.empty()) setenv("HOTLINE_CALLER_KEY_FILE", keep.c_str(), 1);
  ASSERT_FALSE(svc.ok());
  EXPECT_THAT(std::string(svc.status().message()),
              HasSubstr("caller_key_file"));
}

// Intake follows routing's directory (the real routing service, in-process):
// locations are checked against its towns/streets and villages/communities,
// a place added to the directory is accepted on its first order, and the
// last directory read stays in force, stored, while routing is away.
class IntakeDirectoryTest : public IntakeTest {
 protected:
  void SetUp() override {
    auto routing = ServiceUnderTest::Start(routing::Definition());
    ASSERT_TRUE(routing.ok()) << routing.status();
    routing_ = std::move(*routing);
    directory_ = v1::DirectoryService::NewStub(routing_->channel());
    AddUnit("center", "区政务服务管理办", v1::UNIT_KIND_CENTER, "");
    AddUnit("town.longshui", "龙水镇", v1::UNIT_KIND_TOWN_STREET, "center");
    AddUnit("comm.nanshan", "南山社区居委会", v1::UNIT_KIND_VILLAGE_COMMUNITY,
            "town.longshui");
    AddUnit("vill.qiaotou", "桥头村村委会", v1::UNIT_KIND_VILLAGE_COMMUNITY,
            "town.longshui");
    AddUnit("grp.qiaotou.3", "桥头村三组", v1::UNIT_KIND_VILLAGE_COMMUNITY,
            "vill.qiaotou");
    // A street the installed town list does not have.
    AddUnit("town.xinqiao", "新桥街道", v1::UNIT_KIND_TOWN_STREET, "center");
    AddUnit("comm.xinqiao.dongyuan", "东苑社区居委会",
            v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.xinqiao");
    AddUnit("dept.urban", "区城市管理局", v1::UNIT_KIND_DEPARTMENT, "center");

    setenv("HOTLINE_ROUTING", routing_->address().c_str(), 1);
    absl::SetFlag(&FLAGS_directory_min_gap, absl::ZeroDuration());
    IntakeTest::SetUp();
  }
  void TearDown() override {
    unsetenv("HOTLINE_ROUTING");
    absl::SetFlag(&FLAGS_directory_min_gap, absl::Seconds(10));
  }

  void AddUnit(const std::string& id, const std::string& name,
               v1::UnitKind kind, const std::string& parent) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    v1::UpsertUnitRequest req;
    req.set_request_id(absl::StrCat("unit-", id));
    v1::Unit* u = req.mutable_unit();
    u->set_unit_id(id);
    u->set_name(name);
    u->set_kind(kind);
    u->set_parent_unit_id(parent);
    u->set_active(true);
    u->mutable_liaison()->set_name("刘联络员");
    u->mutable_liaison()->set_mobile("13900001111");
    v1::UpsertUnitResponse resp;
    grpc::Status s = directory_->UpsertUnit(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
  }

  grpc::Status CreateAt(const std::string& request_id, const std::string& town,
                        const std::string& community) {
    v1::CreateTicketRequest req = Request(request_id);
    req.mutable_location()->set_town_code(town);
    req.mutable_location()->set_community_code(community);
    v1::CreateTicketResponse resp;
    return Create(req, &resp);
  }

  // The ids of the orders `token` lists by holder `holder` ("" for none),
  // expecting the call to answer `want`.
  std::set<std::string> Listed(const std::string& token,
                               const std::string& holder,
                               grpc::StatusCode want = grpc::StatusCode::OK) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::ListTicketsRequest req;
    req.set_holder_unit_id(holder);
    v1::ListTicketsResponse resp;
    grpc::Status s = intake_->ListTickets(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), want) << s.error_message();
    std::set<std::string> ids;
    for (const auto& t : resp.tickets()) ids.insert(t.ticket_id());
    return ids;
  }

  std::unique_ptr<ServiceUnderTest> routing_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
};

TEST_F(IntakeDirectoryTest, LocationsAreCheckedAgainstRoutingsDirectory) {
  EXPECT_TRUE(CreateAt("dir-1", "town.xinqiao", "comm.xinqiao.dongyuan").ok());
  EXPECT_TRUE(CreateAt("dir-2", "town.longshui", "comm.nanshan").ok());
  // A group below a village lies in the village's town.
  EXPECT_TRUE(CreateAt("dir-3", "town.longshui", "grp.qiaotou.3").ok());
  EXPECT_TRUE(CreateAt("dir-4", "town.longshui", "").ok());

  grpc::Status wrong_town = CreateAt("dir-5", "town.xinqiao", "comm.nanshan");
  EXPECT_EQ(wrong_town.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(wrong_town.error_message(),
              HasSubstr("location.community_code: lies in town.longshui"));
  grpc::Status unknown = CreateAt("dir-6", "town.longshui", "comm.nowhere");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(unknown.error_message(),
              HasSubstr("not a village/community of the directory"));
  // An installed town the directory does not have is no longer accepted.
  grpc::Status gone = CreateAt("dir-7", "town.youting", "");
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(gone.error_message(), HasSubstr("location.town_code"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket"), 4);

  // Stored, for a restart while routing is away (intake's copy of the
  // directory, common/directory): two towns/streets, three villages/
  // communities in longshui (one of them below a village).
  EXPECT_EQ(Count("SELECT COUNT(*) FROM directory_unit WHERE kind = 2"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM directory_unit c LEFT JOIN "
                  "directory_unit p ON p.unit_id = c.parent_unit_id WHERE "
                  "c.kind = 4 AND 'town.longshui' IN (c.parent_unit_id, "
                  "p.parent_unit_id)"),
            3);
}

TEST_F(IntakeDirectoryTest,
       APlaceAddedToTheDirectoryIsAcceptedOnItsFirstOrder) {
  AddUnit("comm.xinqiao.xiyuan", "西苑社区居委会",
          v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.xinqiao");
  EXPECT_TRUE(CreateAt("new-1", "town.xinqiao", "comm.xinqiao.xiyuan").ok());
  AddUnit("town.baima", "白马街道", v1::UNIT_KIND_TOWN_STREET, "center");
  EXPECT_TRUE(CreateAt("new-2", "town.baima", "").ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM directory_unit WHERE unit_id = "
                  "'comm.xinqiao.xiyuan'"),
            1);
}

// The caller's progress names units by the directory's names, never ids.
TEST_F(IntakeDirectoryTest, ProgressNamesUnitsByTheirNames) {
  v1::CreateTicketRequest req = Request("names-1");
  req.mutable_location()->set_town_code("town.longshui");
  v1::CreateTicketResponse created;
  ASSERT_TRUE(Create(req, &created).ok());
  const std::string id = created.ticket().ticket_id();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM directory_unit"), 8);  // every kind
  Dispatch(id, "dept.urban");
  v1::TicketEvent e;
  e.set_ticket_id(id);
  e.mutable_accepted()->set_unit_id("dept.urban");
  Publish("routing", e);
  v1::Ticket t;
  ASSERT_TRUE(Get(id, &t, kAgentToken).ok());
  ASSERT_EQ(t.progress_size(), 3);
  EXPECT_EQ(t.progress(1).note(), "已交办至区城市管理局");
  EXPECT_EQ(t.progress(2).note(), "区城市管理局已签收，正在办理");
  for (const auto& p : t.progress()) {
    EXPECT_THAT(p.note(), ::testing::Not(HasSubstr("dept.")));
  }
  // A unit added to the directory after intake read it: intake reads the
  // directory again before it writes the note.
  AddUnit("sec.urban.shirong", "区城市管理局市容环境卫生管理科",
          v1::UNIT_KIND_SECTION, "dept.urban");
  e.Clear();
  e.set_ticket_id(id);
  e.mutable_forwarded()->set_from_unit_id("dept.urban");
  e.mutable_forwarded()->set_to_unit_id("sec.urban.shirong");
  Publish("routing", e);
  ASSERT_TRUE(Get(id, &t, kAgentToken).ok());
  ASSERT_EQ(t.progress_size(), 4);
  EXPECT_EQ(t.progress(3).note(), "已流转至区城市管理局市容环境卫生管理科");
}

TEST_F(IntakeDirectoryTest, TheLastDirectoryReadStaysWhileRoutingIsAway) {
  routing_.reset();  // routing stops
  EXPECT_TRUE(CreateAt("away-1", "town.xinqiao", "comm.xinqiao.dongyuan").ok());
  grpc::Status unknown = CreateAt("away-2", "town.xinqiao", "comm.unknown");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket"), 1);
}

// The directory, not the id, says what lies below a town: comm.nanshan and
// grp.qiaotou.3 are longshui's although their ids do not start with it.
TEST_F(IntakeDirectoryTest, TownStaffSeeWhatTheirCommunitiesHold) {
  ASSERT_TRUE(CreateAt("sub-1", "town.longshui", "comm.nanshan").ok());
  ASSERT_TRUE(CreateAt("sub-2", "town.longshui", "grp.qiaotou.3").ok());
  ASSERT_TRUE(CreateAt("sub-3", "town.xinqiao", "comm.xinqiao.dongyuan").ok());
  std::vector<std::string> ids;
  {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    v1::ListTicketsRequest req;
    v1::ListTicketsResponse resp;
    ASSERT_TRUE(intake_->ListTickets(&ctx, req, &resp).ok());
    ASSERT_EQ(resp.tickets_size(), 3);
    for (const auto& t : resp.tickets()) ids.push_back(t.ticket_id());
  }
  std::map<std::string, std::string> holder_of;
  for (const std::string& id : ids) {
    v1::Ticket t;
    ASSERT_TRUE(Get(id, &t, kCenterToken).ok());
    const std::string unit = t.location().community_code();
    Dispatch(id, unit);  // straight to the community, past its town
    holder_of[id] = unit;
  }
  auto listed = [&](const std::string& token, const std::string& holder) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    v1::ListTicketsRequest req;
    req.set_holder_unit_id(holder);
    v1::ListTicketsResponse resp;
    grpc::Status s = intake_->ListTickets(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    std::set<std::string> units;
    for (const auto& t : resp.tickets()) units.insert(holder_of[t.ticket_id()]);
    return units;
  };
  const std::set<std::string> longshui = {"comm.nanshan", "grp.qiaotou.3"};
  EXPECT_EQ(listed(kStaffLongshui, ""), longshui);
  EXPECT_EQ(listed(kCenterToken, "town.longshui"), longshui);
  EXPECT_EQ(listed(kCenterToken, "vill.qiaotou"),
            std::set<std::string>{"grp.qiaotou.3"});
  EXPECT_EQ(listed(kStaffLongshui, "vill.qiaotou"),
            std::set<std::string>{"grp.qiaotou.3"});
  EXPECT_TRUE(listed(kStaffYouting, "").empty());
  for (const std::string& id : ids) {
    v1::Ticket t;
    const bool mine = holder_of[id] != "comm.xinqiao.dongyuan";
    EXPECT_EQ(Get(id, &t, kStaffLongshui).ok(), mine) << holder_of[id];
    EXPECT_EQ(Get(id, &t, kStaffYouting).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }
  // A town's staff may not ask for another town's communities.
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kStaffLongshui);
  v1::ListTicketsRequest req;
  req.set_holder_unit_id("comm.xinqiao.dongyuan");
  v1::ListTicketsResponse resp;
  EXPECT_EQ(intake_->ListTickets(&ctx, req, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// An id is no address: town.longshui.scjgs starts with longshui's id, but
// the directory places it under the market office (区市场监管局), so
// longshui's staff neither list, get nor reveal what it holds, while what
// their own community holds stays theirs.
TEST_F(IntakeDirectoryTest,
       TownStaffDoNotSeeWhatAnIdPrefixedUnitElsewhereHolds) {
  AddUnit("dept.market", "区市场监管局", v1::UNIT_KIND_DEPARTMENT, "center");
  AddUnit("town.longshui.scjgs", "区市场监管局龙水市场监管所",
          v1::UNIT_KIND_SECTION, "dept.market");
  v1::CreateTicketResponse market, nanshan;
  v1::CreateTicketRequest req = Request("pre-1");
  req.set_category_code("market.food");
  req.set_title("龙水镇农贸市场销售过期食品");
  req.set_content("龙水镇农贸市场二楼有摊位销售过期熟食，请市场监管部门查处。");
  ASSERT_TRUE(Create(req, &market).ok());
  req = Request("pre-2");
  req.mutable_location()->set_community_code("comm.nanshan");
  ASSERT_TRUE(Create(req, &nanshan).ok());
  Dispatch(market.ticket().ticket_id(), "town.longshui.scjgs");
  Dispatch(nanshan.ticket().ticket_id(), "comm.nanshan");

  const std::set<std::string> theirs = {nanshan.ticket().ticket_id()};
  const std::set<std::string> markets = {market.ticket().ticket_id()};
  EXPECT_EQ(Listed(kStaffLongshui, ""), theirs);
  EXPECT_EQ(Listed(kCenterToken, "town.longshui"), theirs);
  EXPECT_EQ(Listed(kCenterToken, "dept.market"), markets);
  EXPECT_EQ(Listed(kCenterToken, "town.longshui.scjgs"), markets);
  EXPECT_TRUE(Listed(kStaffLongshui, "town.longshui.scjgs",
                     grpc::StatusCode::PERMISSION_DENIED)
                  .empty());

  v1::Ticket t;
  EXPECT_EQ(Get(market.ticket().ticket_id(), &t, kStaffLongshui).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Get(nanshan.ticket().ticket_id(), &t, kStaffLongshui).ok());
  v1::RevealCallerResponse revealed;
  EXPECT_EQ(Reveal("pre-rv-1", market.ticket().ticket_id(),
                   v1::REVEAL_PURPOSE_REPLY, kStaffLongshui, &revealed)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(Reveal("pre-rv-2", nanshan.ticket().ticket_id(),
                     v1::REVEAL_PURPOSE_REPLY, kStaffLongshui, &revealed)
                  .ok());
  EXPECT_EQ(revealed.caller().phone(), kPhone);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM reveal_audit"), 1);
}

// A unit intake's copy of the directory does not have (routing does not
// either) has no subtree beyond itself: its staff see the orders it holds,
// not those of a unit whose id merely extends its own; and an unknown
// town.longshui.wujin is not longshui's for its id.
TEST_F(IntakeDirectoryTest, AUnitTheCopyLacksSeesOnlyItsOwnOrders) {
  v1::CreateTicketResponse own, extended, wujin;
  ASSERT_TRUE(Create(Request("lack-1"), &own).ok());
  ASSERT_TRUE(Create(Request("lack-2"), &extended).ok());
  ASSERT_TRUE(Create(Request("lack-3"), &wujin).ok());
  Dispatch(own.ticket().ticket_id(), "comm.longshui.xinjian");
  Dispatch(extended.ticket().ticket_id(), "comm.longshui.xinjian.grp1");
  Dispatch(wujin.ticket().ticket_id(), "town.longshui.wujin");

  const std::set<std::string> mine = {own.ticket().ticket_id()};
  EXPECT_EQ(Listed(kStaffXinjian, ""), mine);
  EXPECT_EQ(Listed(kStaffXinjian, "comm.longshui.xinjian"), mine);
  EXPECT_EQ(Listed(kCenterToken, "comm.longshui.xinjian"), mine);
  EXPECT_TRUE(Listed(kStaffXinjian, "comm.longshui.xinjian.grp1",
                     grpc::StatusCode::PERMISSION_DENIED)
                  .empty());
  EXPECT_TRUE(Listed(kStaffLongshui, "").empty());
  EXPECT_TRUE(Listed(kStaffLongshui, "town.longshui.wujin",
                     grpc::StatusCode::PERMISSION_DENIED)
                  .empty());

  v1::Ticket t;
  EXPECT_TRUE(Get(own.ticket().ticket_id(), &t, kStaffXinjian).ok());
  EXPECT_EQ(Get(extended.ticket().ticket_id(), &t, kStaffXinjian).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Get(own.ticket().ticket_id(), &t, kStaffLongshui).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Get(wujin.ticket().ticket_id(), &t, kStaffLongshui).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::RevealCallerResponse revealed;
  EXPECT_TRUE(Reveal("lack-rv-1", own.ticket().ticket_id(),
                     v1::REVEAL_PURPOSE_REPLY, kStaffXinjian, &revealed)
                  .ok());
  EXPECT_EQ(Reveal("lack-rv-2", extended.ticket().ticket_id(),
                   v1::REVEAL_PURPOSE_REPLY, kStaffXinjian, &revealed)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// The places intake kept before its copy of the directory moved to the
// shared directory_unit table are carried over by migration 020, so a start
// while routing is away still knows them.
TEST(IntakeDirectoryMigrationTest, ThePlacesKeptBeforeAreCarriedOver) {
  auto schema = testing::TestSchema::Create("intake_places");
  ASSERT_TRUE(schema.ok()) << schema.status();
  auto pool = db::ConnectionPool::Create((*schema)->config());
  ASSERT_TRUE(pool.ok()) << pool.status();
  // Intake as it was: its own migrations up to 019 and what it had stored.
  std::vector<db::Migration> before;
  for (const db::Migration& m : SchemaMigrations()) {
    if (m.version <= 19) before.push_back(m);
  }
  ASSERT_TRUE(db::ApplyMigrations(**pool, before).ok());
  for (const char* sql : {
           "DELETE FROM town WHERE code NOT IN ('town.longshui', "
           "'town.youting')",
           "INSERT INTO community (code, town_code, parent_code) VALUES "
           "('comm.longshui.nanshan', 'town.longshui', 'town.longshui'), "
           "('vill.longshui.qiaotou', 'town.longshui', ''), "
           "('grp.qiaotou.3', 'town.longshui', 'vill.longshui.qiaotou')",
           "INSERT INTO unit_name (unit_id, name) VALUES "
           "('town.longshui', '龙水镇人民政府'), "
           "('comm.longshui.nanshan', '龙水镇南山社区居委会'), "
           "('dept.urban', '区城市管理局')",
       }) {
    ASSERT_TRUE((*schema)->Execute(sql).ok()) << sql;
  }
  // Intake as it is now.
  ASSERT_TRUE(
      db::ApplyMigrations(**pool, runtime::AllMigrations(Definition())).ok());

  directory::MysqlDirectoryStore store(pool->get());
  directory::DirectoryFollower follower(nullptr, &store, {});
  ASSERT_TRUE(follower.Prime().ok());
  std::shared_ptr<const directory::Directory> d = follower.Snapshot();
  EXPECT_EQ(d->size(), 6u);
  EXPECT_EQ(d->Name("town.longshui"), "龙水镇人民政府");
  EXPECT_EQ(d->Kind("town.youting"), v1::UNIT_KIND_TOWN_STREET);
  EXPECT_EQ(d->Name("comm.longshui.nanshan"), "龙水镇南山社区居委会");
  EXPECT_EQ(d->Parent("vill.longshui.qiaotou"), "town.longshui");
  EXPECT_EQ(d->Name("dept.urban"), "区城市管理局");
  EXPECT_TRUE(d->InSubtree("grp.qiaotou.3", "town.longshui"));
  const Places p = PlacesFromDirectory(*d);
  EXPECT_EQ(p.towns.size(), 2u);
  EXPECT_EQ(p.communities.at("grp.qiaotou.3"), "town.longshui");
  EXPECT_TRUE(d->InSubtree("comm.longshui.nanshan", "town.longshui"));
  EXPECT_FALSE(d->InSubtree("comm.longshui.nanshan", "town.youting"));
}

}  // namespace
}  // namespace hotline::intake

namespace hotline::intake {
namespace {

// Requests answered before the shared request log (idempotency_log) and
// retried after the upgrade get their first answer: the schema is laid down
// as the release before left it (its own migrations below 020, the event
// tables) with an article and the rows that release wrote into intake's own
// request_log (the object and version a call acted on, not a response); the
// service then starts and applies the rest (the shared log, 4; the directory
// copy, 6; 020–022), of which 022 makes the answers intake rebuilds a response
// from.
TEST(IntakeUpgradeTest, RequestIdsAnsweredBeforeTheUpgradeReplayAfterIt) {
  v1::Article article;
  article.set_article_id("kb-before-upgrade-01");
  article.set_version(1);
  article.set_state(v1::ARTICLE_STATE_DRAFT);
  article.set_owner_unit_id("dept.housing");
  article.mutable_content()->set_title("住房维修基金使用流程");
  article.mutable_content()->set_body(
      "业主申请使用维修基金须经业主大会表决通过，并报区住房城乡建委备案。");
  article.mutable_content()->add_category_codes("urban.housing");
  article.mutable_author()->set_principal_id(kStaffHousing);
  *article.mutable_created_at() = ToProto(absl::FromUnixSeconds(1707350400));
  *article.mutable_updated_at() = article.created_at();
  const std::string old_hash(64, 'a');  // the old SHA-256 (rpc, request)
  testing::ServiceOptions options;
  options.extra_tokens =
      absl::StrCat(kStaffHousing, " UNIT_STAFF dept.housing\n");
  options.before_start = [&](testing::TestSchema& schema) -> absl::Status {
    RETURN_IF_ERROR(testing::MigrateBelow(schema, Definition(), 20));
    RETURN_IF_ERROR(schema.Execute(
        "INSERT INTO article (article_id, owner_unit_id, latest_version, "
        "created_at) VALUES ('kb-before-upgrade-01', 'dept.housing', 1, "
        "'2024-02-08 00:00:00')"));
    RETURN_IF_ERROR(schema.Execute(absl::StrCat(
        "INSERT INTO article_version (article_id, version, state, author_id, "
        "doc, updated_at) VALUES ('kb-before-upgrade-01', 1, 1, '",
        kStaffHousing, "', X'",
        absl::BytesToHexString(article.SerializeAsString()),
        "', '2024-02-08 00:00:00')")));
    return schema.Execute(absl::StrCat(
        "INSERT INTO request_log (request_id, rpc, request_hash, object_id, "
        "object_version, created_at) VALUES "
        "('kb-create-before', 'CreateArticle', X'",
        old_hash,
        "', 'kb-before-upgrade-01', 1, '2024-02-08 00:00:00'), "
        "('mg-before', 'MergeTicket', X'",
        old_hash, "', 'tk-before-upgrade-01', 0, '2024-02-08 00:00:00')"));
  };
  auto svc = ServiceUnderTest::Start(Definition(), options);
  ASSERT_TRUE(svc.ok()) << svc.status();
  auto kb = v1::KnowledgeService::NewStub((*svc)->channel());

  v1::CreateArticleRequest create;
  create.set_request_id("kb-create-before");
  create.set_owner_unit_id("dept.housing");
  *create.mutable_content() = article.content();
  v1::CreateArticleResponse again;
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kStaffHousing);
  grpc::Status s = kb->CreateArticle(&ctx, create, &again);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.article().SerializeAsString(), article.SerializeAsString());

  auto conn = (*svc)->instance().pool().Acquire();
  ASSERT_TRUE(conn.ok());
  auto count = (*conn)->Query("SELECT COUNT(*) FROM article");
  ASSERT_TRUE(count.ok());
  (*count)->next();
  EXPECT_EQ((*count)->getInt64(1), 1) << "the replay must not create again";
  // The merge's entry answers with the order it acted on, as Merge keeps it.
  auto rs = (*conn)->Query(
      "SELECT rpc, answer, request_hash IS NULL FROM idempotency_log "
      "WHERE request_id = 'mg-before'");
  ASSERT_TRUE(rs.ok());
  ASSERT_TRUE((*rs)->next());
  EXPECT_EQ((*rs)->getString(1), "MergeTicket");
  EXPECT_EQ((*rs)->getString(2), "tk-before-upgrade-01");
  EXPECT_TRUE((*rs)->getBoolean(3));
}

}  // namespace
}  // namespace hotline::intake
