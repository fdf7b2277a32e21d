// A month of the regulation (大足府办发〔2021〕45号) through all four services
// as real processes, over gRPC only, with manual clocks: 2024-09-23 (Mon) to
// 2024-10-31, across the National Day week (10-01..10-07 off, Sunday 09-29
// and Saturday 10-12 worked).
//
// Every assertion is on what the services answer. Events travel between the
// services through their outboxes; Eventually() waits for them (bounded),
// never for time to pass: time moves only by Cluster::Advance.

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/assessment.grpc.pb.h"
#include "hotline/v1/deadline.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "tests/e2e/cluster.h"
#include "tests/support/service_fixture.h"

namespace hotline {
namespace {

using ::testing::HasSubstr;
using testing::kAgentToken;
using testing::kAuditorToken;
using testing::kCenterToken;
using testing::kEvaluatorToken;

// Unit principals of the scenario (token, role, unit).
constexpr char kUnitTokens[] =
    "staff-longshui-01 UNIT_STAFF town.longshui\n"
    "lead-longshui-001 UNIT_LEAD town.longshui\n"
    "staff-nanshan-001 UNIT_STAFF comm.longshui.nanshan\n"
    "staff-urban-0001 UNIT_STAFF dept.urban\n"
    "staff-urbanlaw-01 UNIT_STAFF sec.urban.law\n"
    "staff-lawteam-001 UNIT_STAFF team.urban.law.longshui\n"
    "staff-housing-01 UNIT_STAFF dept.housing\n"
    "staff-market-001 UNIT_STAFF dept.market\n"
    "staff-hrss-00001 UNIT_STAFF dept.hrss\n";
constexpr char kLongshui[] = "staff-longshui-01";
constexpr char kLongshuiLead[] = "lead-longshui-001";
constexpr char kNanshan[] = "staff-nanshan-001";
constexpr char kUrban[] = "staff-urban-0001";
constexpr char kUrbanLaw[] = "staff-urbanlaw-01";
constexpr char kLawTeam[] = "staff-lawteam-001";
constexpr char kHousing[] = "staff-housing-01";
constexpr char kMarket[] = "staff-market-001";
constexpr char kHrss[] = "staff-hrss-00001";

absl::Time Local(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm),
                         absl::FixedTimeZone(8 * 3600));
}

std::string Id() {
  static int n = 0;
  return absl::StrCat("e2e-", ++n);
}

// Client-side view of the cluster with one helper per operation.
class Scenario {
 public:
  explicit Scenario(testing::Cluster* cluster)
      : cluster_(cluster),
        intake_(v1::IntakeService::NewStub(cluster->channel("intake"))),
        knowledge_(v1::KnowledgeService::NewStub(cluster->channel("intake"))),
        routing_(v1::RoutingService::NewStub(cluster->channel("routing"))),
        directory_(v1::DirectoryService::NewStub(cluster->channel("routing"))),
        calendar_(v1::CalendarService::NewStub(cluster->channel("deadline"))),
        deadline_(v1::DeadlineService::NewStub(cluster->channel("deadline"))),
        assessment_(
            v1::AssessmentService::NewStub(cluster->channel("assessment"))) {}

  template <typename Stub, typename Req, typename Resp>
  grpc::Status Call(Stub* stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                 const Req&, Resp*),
                    const std::string& token, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    testing::ServiceUnderTest::Authorize(&ctx, token);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(20));
    return (stub->*method)(&ctx, req, resp);
  }

  // Polls `done` until it holds: events cross services asynchronously.
  static bool Eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 400; ++i) {  // ≤ 20 s
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
  }

  void Advance(absl::Time to) {
    ASSERT_TRUE(cluster_->Advance(to - cluster_->now()).ok());
  }

  v1::Ticket Create(v1::RequestType type, const std::string& category,
                    const std::string& town, const std::string& title,
                    const std::string& content, const std::string& phone,
                    bool confidential = false) {
    v1::CreateTicketRequest req;
    req.set_request_id(Id());
    req.set_channel(v1::CHANNEL_PHONE);
    req.set_request_type(type);
    req.set_category_code(category);
    req.mutable_location()->set_town_code(town);
    req.mutable_location()->set_address("大足区某街道某号");
    req.set_title(title);
    req.set_content(content);
    req.set_confidential(confidential);
    if (!phone.empty()) {
      req.mutable_caller()->set_name("李秀英");
      req.mutable_caller()->set_phone(phone);
    }
    v1::CreateTicketResponse resp;
    grpc::Status s = Call(intake_.get(), &v1::IntakeService::Stub::CreateTicket,
                          kAgentToken, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.ticket();
  }

  v1::Ticket Get(const std::string& ticket_id, const std::string& token) {
    v1::GetTicketRequest req;
    req.set_ticket_id(ticket_id);
    v1::GetTicketResponse resp;
    grpc::Status s = Call(intake_.get(), &v1::IntakeService::Stub::GetTicket,
                          token, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.ticket();
  }

  // Waits until intake's view of the order reaches `status`.
  bool WaitStatus(const std::string& ticket_id, v1::TicketStatus status) {
    return Eventually(
        [&] { return Get(ticket_id, kCenterToken).status() == status; });
  }

  // Waits until routing has the order in the center's queue (intake's event
  // arrived).
  bool WaitRouted(const std::string& ticket_id) {
    return Eventually([&] {
      v1::GetAssignmentRequest req;
      req.set_ticket_id(ticket_id);
      v1::GetAssignmentResponse resp;
      return Call(routing_.get(), &v1::RoutingService::Stub::GetAssignment,
                  kCenterToken, req, &resp)
          .ok();
    });
  }

  grpc::Status Dispatch(const std::string& ticket_id, const std::string& unit,
                        std::vector<std::string> co_units = {}) {
    v1::DispatchRequest req;
    req.set_request_id(Id());
    req.set_ticket_id(ticket_id);
    req.set_unit_id(unit);
    for (auto& c : co_units) req.add_co_unit_ids(c);
    req.set_note("请按时办理");
    v1::DispatchResponse resp;
    return Call(routing_.get(), &v1::RoutingService::Stub::Dispatch,
                kCenterToken, req, &resp);
  }

  grpc::Status Accept(const std::string& ticket_id, const std::string& token) {
    v1::AcceptRequest req;
    req.set_request_id(Id());
    req.set_ticket_id(ticket_id);
    v1::AcceptResponse resp;
    return Call(routing_.get(), &v1::RoutingService::Stub::Accept, token, req,
                &resp);
  }

  grpc::Status Forward(const std::string& ticket_id, const std::string& token,
                       const std::string& to) {
    v1::ForwardRequest req;
    req.set_request_id(Id());
    req.set_ticket_id(ticket_id);
    req.set_to_unit_id(to);
    req.set_note("请具体承办");
    v1::ForwardResponse resp;
    return Call(routing_.get(), &v1::RoutingService::Stub::Forward, token, req,
                &resp);
  }

  grpc::Status Return(const std::string& ticket_id, const std::string& token,
                      const std::string& reason) {
    v1::ReturnRequest req;
    req.set_request_id(Id());
    req.set_ticket_id(ticket_id);
    req.set_reason(reason);
    v1::ReturnResponse resp;
    return Call(routing_.get(), &v1::RoutingService::Stub::Return, token, req,
                &resp);
  }

  // Replies and returns the reply id.
  std::string Reply(const std::string& ticket_id, const std::string& token,
                    const std::string& text,
                    v1::ReplyContact contact = v1::REPLY_CONTACT_PHONE) {
    v1::ReplyRequest req;
    req.set_request_id(Id());
    req.set_ticket_id(ticket_id);
    req.set_text(text);
    req.set_contact(contact);
    *req.mutable_contacted_at() = ToProto(cluster_->now());
    req.mutable_checks()->set_policy_checked(true);
    req.mutable_checks()->set_confidentiality_checked(true);
    req.mutable_checks()->set_source_checked(true);
    req.mutable_checks()->set_wording_checked(true);
    req.set_resolved(true);
    v1::ReplyResponse resp;
    grpc::Status s = Call(routing_.get(), &v1::RoutingService::Stub::Reply,
                          token, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.assignment().latest_reply().reply_id();
  }

  grpc::Status Approve(const std::string& ticket_id,
                       const std::string& reply_id) {
    v1::ReviewRequest req;
    req.set_request_id(Id());
    req.set_ticket_id(ticket_id);
    req.set_reply_id(reply_id);
    req.set_approve(true);
    req.set_comment("答复规范，同意办结");
    v1::ReviewResponse resp;
    return Call(routing_.get(), &v1::RoutingService::Stub::Review, kCenterToken,
                req, &resp);
  }

  grpc::Status Evaluate(const std::string& ticket_id, v1::Satisfaction sat) {
    v1::RecordEvaluationRequest req;
    req.set_request_id(Id());
    req.set_ticket_id(ticket_id);
    req.set_reached(true);
    req.set_satisfaction(sat);
    req.set_resolved(sat != v1::SATISFACTION_DISSATISFIED);
    req.set_comment("回访：群众表示认可");
    *req.mutable_evaluated_at() = ToProto(cluster_->now());
    v1::RecordEvaluationResponse resp;
    return Call(assessment_.get(),
                &v1::AssessmentService::Stub::RecordEvaluation, kEvaluatorToken,
                req, &resp);
  }

  // Evaluation needs assessment to have seen the approval.
  void EvaluateWhenApproved(const std::string& ticket_id,
                            v1::Satisfaction sat) {
    grpc::Status last;
    EXPECT_TRUE(Eventually([&] {
      last = Evaluate(ticket_id, sat);
      return last.ok();
    })) << last.error_message();
  }

  // The order's clocks; empty until deadline has heard of the order.
  v1::GetClocksResponse Clocks(const std::string& ticket_id) {
    v1::GetClocksRequest req;
    req.set_ticket_id(ticket_id);
    v1::GetClocksResponse resp;
    grpc::Status s =
        Call(deadline_.get(), &v1::DeadlineService::Stub::GetClocks,
             kCenterToken, req, &resp);
    if (s.error_code() != grpc::StatusCode::NOT_FOUND) {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return resp;
  }

  const v1::Clock* FindClock(const v1::GetClocksResponse& clocks,
                             v1::ClockKind kind) {
    for (const v1::Clock& c : clocks.clocks()) {
      if (c.kind() == kind) return &c;
    }
    return nullptr;
  }

  // Waits until deadline runs the order's handling clock (against `unit`,
  // when given: forwards reach deadline as events).
  v1::Clock HandlingClock(const std::string& ticket_id,
                          const std::string& unit = "") {
    v1::Clock out;
    EXPECT_TRUE(Eventually([&] {
      v1::GetClocksResponse clocks = Clocks(ticket_id);
      for (const v1::Clock& c : clocks.clocks()) {
        if (c.kind() == v1::CLOCK_KIND_HANDLING &&
            c.state() == v1::CLOCK_STATE_RUNNING &&
            (unit.empty() || c.unit_id() == unit)) {
          out = c;
          return true;
        }
      }
      return false;
    })) << "no running handling clock for "
        << ticket_id;
    return out;
  }

  std::vector<v1::LadderStepRecord> Ladder(const std::string& ticket_id) {
    v1::ListLadderStepsRequest req;
    req.set_ticket_id(ticket_id);
    v1::ListLadderStepsResponse resp;
    grpc::Status s =
        Call(deadline_.get(), &v1::DeadlineService::Stub::ListLadderSteps,
             kCenterToken, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.steps().begin(), resp.steps().end()};
  }

  testing::Cluster* cluster_;
  std::unique_ptr<v1::IntakeService::Stub> intake_;
  std::unique_ptr<v1::KnowledgeService::Stub> knowledge_;
  std::unique_ptr<v1::RoutingService::Stub> routing_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
  std::unique_ptr<v1::CalendarService::Stub> calendar_;
  std::unique_ptr<v1::DeadlineService::Stub> deadline_;
  std::unique_ptr<v1::AssessmentService::Stub> assessment_;
};

class ScenarioTest : public ::testing::TestWithParam<int> {};

TEST_P(ScenarioTest, AMonthOfTheRegulation) {
  testing::ClusterOptions options;
  options.replicas = GetParam();
  // Two replicas run over mutual TLS as production does; one in plaintext.
  options.tls = GetParam() == 2;
  options.clock_start = Local(2024, 9, 23, 8, 30);  // Monday
  options.extra_tokens = kUnitTokens;
  auto cluster = testing::Cluster::Start(options);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  Scenario s(cluster->get());
  auto logs = [&] { return (*cluster)->Logs(); };

  // ---- The directory: the sample of Dazu District, one more level, duty.
  {
    v1::ImportDirectoryRequest req;
    req.set_request_id(Id());
    req.set_format(v1::DIRECTORY_FORMAT_CSV);
    std::ifstream in(std::string(HOTLINE_SOURCE_DIR) +
                     "/data/directory/dazu_sample.csv");
    std::stringstream csv;
    csv << in.rdbuf();
    req.set_content(csv.str());
    req.set_source("sample: Dazu District");
    v1::ImportDirectoryResponse resp;
    grpc::Status st =
        s.Call(s.directory_.get(), &v1::DirectoryService::Stub::ImportDirectory,
               kCenterToken, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_GT(resp.units_created(), 40);

    v1::UpsertUnitRequest unit;
    unit.set_request_id(Id());
    unit.mutable_unit()->set_unit_id("team.urban.law.longshui");
    unit.mutable_unit()->set_name("区城市管理综合行政执法支队龙水中队");
    unit.mutable_unit()->set_short_name("龙水中队");
    unit.mutable_unit()->set_kind(v1::UNIT_KIND_SECTION);
    unit.mutable_unit()->set_parent_unit_id("sec.urban.law");
    unit.mutable_unit()->mutable_liaison()->set_name("钱进（示例）");
    unit.mutable_unit()->mutable_liaison()->set_mobile("13900000099");
    unit.mutable_unit()->set_active(true);
    v1::UpsertUnitResponse unit_resp;
    st = s.Call(s.directory_.get(), &v1::DirectoryService::Stub::UpsertUnit,
                kCenterToken, unit, &unit_resp);
    ASSERT_TRUE(st.ok()) << st.error_message();

    v1::SetDutyRequest duty;
    duty.set_request_id(Id());
    duty.set_unit_id("town.longshui");
    for (int day = 23; day <= 30; ++day) {
      auto* e = duty.add_entries();
      e->set_date(absl::StrCat("2024-09-", day));
      e->mutable_leader()->set_name("值班副镇长甲（示例）");
      e->mutable_leader()->set_mobile("13900000101");
    }
    for (int day = 1; day <= 31; ++day) {
      auto* e = duty.add_entries();
      e->set_date(absl::StrFormat("2024-10-%02d", day));
      e->mutable_leader()->set_name(day % 2 ? "值班副镇长乙（示例）"
                                            : "值班副镇长丙（示例）");
      e->mutable_leader()->set_mobile("13900000102");
    }
    v1::SetDutyResponse duty_resp;
    st = s.Call(s.directory_.get(), &v1::DirectoryService::Stub::SetDuty,
                kCenterToken, duty, &duty_resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  // ---- 1. A consultation answered at intake from the knowledge base.
  std::string article_id;
  {
    v1::CreateArticleRequest req;
    req.set_request_id(Id());
    req.set_owner_unit_id("dept.hrss");
    auto* c = req.mutable_content();
    c->set_title("灵活就业人员参加城乡居民养老保险办理指南");
    c->set_body(
        "灵活就业人员可持身份证到户籍所在地镇街社保所办理城乡居民"
        "养老保险参保登记，缴费档次每年可选择一次。");
    c->add_category_codes("labor");
    c->add_keywords("养老保险");
    c->set_valid_from("2024-01-01");
    v1::CreateArticleResponse created;
    grpc::Status st =
        s.Call(s.knowledge_.get(), &v1::KnowledgeService::Stub::CreateArticle,
               kHrss, req, &created);
    ASSERT_TRUE(st.ok()) << st.error_message();
    article_id = created.article().article_id();

    v1::SubmitArticleRequest submit;
    submit.set_request_id(Id());
    submit.set_article_id(article_id);
    v1::SubmitArticleResponse submitted;
    st = s.Call(s.knowledge_.get(), &v1::KnowledgeService::Stub::SubmitArticle,
                kHrss, submit, &submitted);
    ASSERT_TRUE(st.ok()) << st.error_message();

    v1::ReviewArticleRequest review;
    review.set_request_id(Id());
    review.set_article_id(article_id);
    review.set_version(created.article().version());
    review.set_approve(true);
    v1::ReviewArticleResponse reviewed;
    // The author may not review its own article.
    EXPECT_EQ(
        s.Call(s.knowledge_.get(), &v1::KnowledgeService::Stub::ReviewArticle,
               kHrss, review, &reviewed)
            .error_code(),
        grpc::StatusCode::PERMISSION_DENIED);
    review.set_request_id(Id());
    st = s.Call(s.knowledge_.get(), &v1::KnowledgeService::Stub::ReviewArticle,
                kCenterToken, review, &reviewed);
    ASSERT_TRUE(st.ok()) << st.error_message();

    v1::SearchArticlesRequest search;
    search.set_query("养老保险怎么办理");
    v1::SearchArticlesResponse found;
    st = s.Call(s.knowledge_.get(), &v1::KnowledgeService::Stub::SearchArticles,
                kAgentToken, search, &found);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_GE(found.hits_size(), 1);
    EXPECT_EQ(found.hits(0).article().article_id(), article_id);

    v1::CreateTicketRequest create;
    create.set_request_id(Id());
    create.set_channel(v1::CHANNEL_PHONE);
    create.set_request_type(v1::REQUEST_TYPE_CONSULTATION);
    create.set_category_code("labor.employment");
    create.set_title("咨询灵活就业养老保险");
    create.set_content("来电人咨询灵活就业人员如何参加养老保险。");
    create.mutable_close_at_intake()->add_article_ids(article_id);
    create.mutable_close_at_intake()->set_answer(
        "已按知识库答复办理地点和材料。");
    v1::CreateTicketResponse resp;
    st = s.Call(s.intake_.get(), &v1::IntakeService::Stub::CreateTicket,
                kAgentToken, create, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(resp.ticket().status(), v1::TICKET_STATUS_CLOSED_AT_INTAKE);
  }

  // ---- 2. An order held by a unit that never responds: the full ladder.
  v1::Ticket late = s.Create(v1::REQUEST_TYPE_COMPLAINT, "urban.sanitation",
                             "town.longshui", "小区化粪池外溢无人处理",
                             "龙水镇某小区化粪池外溢，气味严重，多次反映无果。",
                             "13800001111");
  ASSERT_TRUE(s.WaitRouted(late.ticket_id())) << logs();
  ASSERT_TRUE(s.Dispatch(late.ticket_id(), "town.longshui").ok());

  // ---- 3. A complaint dispatched to a department and forwarded two levels.
  v1::Ticket noise =
      s.Create(v1::REQUEST_TYPE_COMPLAINT, "urban.construction.noise",
               "town.longshui", "夜间施工噪音扰民",
               "龙水镇五金街工地每晚施工至凌晨，严重影响休息。", "13800002222");
  ASSERT_TRUE(s.WaitRouted(noise.ticket_id()));
  ASSERT_TRUE(s.Dispatch(noise.ticket_id(), "dept.urban").ok());
  ASSERT_TRUE(s.Accept(noise.ticket_id(), kUrban).ok());
  // Never sideways: a department cannot push its work to a town.
  EXPECT_EQ(s.Forward(noise.ticket_id(), kUrban, "town.longshui").error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(s.Forward(noise.ticket_id(), kUrban, "sec.urban.law").ok());
  ASSERT_TRUE(s.Accept(noise.ticket_id(), kUrbanLaw).ok());
  ASSERT_TRUE(
      s.Forward(noise.ticket_id(), kUrbanLaw, "team.urban.law.longshui").ok());
  ASSERT_TRUE(s.Accept(noise.ticket_id(), kLawTeam).ok());

  // ---- 4. A wrongly routed order returned up two levels, re-dispatched.
  v1::Ticket shop =
      s.Create(v1::REQUEST_TYPE_COMPLAINT, "market.food", "town.longshui",
               "超市销售过期食品", "龙水镇某超市货架上有过期酸奶仍在销售。",
               "13800003333");
  ASSERT_TRUE(s.WaitRouted(shop.ticket_id()));
  ASSERT_TRUE(s.Dispatch(shop.ticket_id(), "town.longshui").ok());
  ASSERT_TRUE(s.Accept(shop.ticket_id(), kLongshui).ok());
  ASSERT_TRUE(
      s.Forward(shop.ticket_id(), kLongshui, "comm.longshui.nanshan").ok());

  // ---- 5. A confidential report: the unit never sees the caller.
  v1::Ticket report = s.Create(v1::REQUEST_TYPE_REPORT, "market.license",
                               "town.longshui", "举报无证经营诊所",
                               "举报龙水镇某诊所无证行医，请保护举报人信息。",
                               "13800004444", /*confidential=*/true);
  ASSERT_TRUE(s.WaitRouted(report.ticket_id()));
  ASSERT_TRUE(s.Dispatch(report.ticket_id(), "dept.market").ok());

  // ---- 6. A lead unit with a co-unit.
  v1::Ticket joint = s.Create(
      v1::REQUEST_TYPE_HELP_SEEKING, "urban.housing", "town.longgang",
      "老旧小区电梯加装协调",
      "龙岗街道某老旧小区申请加装电梯，需协调规划和物业。", "13800005555");
  ASSERT_TRUE(s.WaitRouted(joint.ticket_id()));
  ASSERT_TRUE(
      s.Dispatch(joint.ticket_id(), "dept.urban", {"dept.housing"}).ok());

  // ---- 7. A repeat request, merged into its original.
  v1::Ticket repeat =
      s.Create(v1::REQUEST_TYPE_COMPLAINT, "urban.construction.noise",
               "town.longshui", "夜间施工噪音扰民（再次来电）",
               "龙水镇五金街工地每晚施工至凌晨，严重影响休息。", "13800002222");
  {
    v1::MergeTicketRequest req;
    req.set_request_id(Id());
    req.set_ticket_id(repeat.ticket_id());
    req.set_original_ticket_id(noise.ticket_id());
    req.set_reason("同一来电人反映同一事项");
    v1::MergeTicketResponse resp;
    grpc::Status st =
        s.Call(s.intake_.get(), &v1::IntakeService::Stub::MergeTicket,
               kCenterToken, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_TRUE(s.WaitStatus(repeat.ticket_id(), v1::TICKET_STATUS_MERGED));
  }

  // Every unit but the late one responds on the day of dispatch.
  ASSERT_TRUE(s.Accept(report.ticket_id(), kMarket).ok());
  ASSERT_TRUE(s.Accept(joint.ticket_id(), kUrban).ok());

  // ---- Tuesday 09-24. The wrongly routed order goes back up: community →
  // town → center, on one day (well within 2 working days).
  s.Advance(Local(2024, 9, 24, 10, 0));
  ASSERT_TRUE(s.Accept(shop.ticket_id(), kNanshan).ok());
  ASSERT_TRUE(s.Return(shop.ticket_id(), kNanshan,
                       "食品安全属市场监管部门职责，非社区职责")
                  .ok());
  ASSERT_TRUE(
      s.Return(shop.ticket_id(), kLongshui, "属区市场监管局职责，请改派").ok());
  ASSERT_TRUE(s.Dispatch(shop.ticket_id(), "dept.market").ok());
  ASSERT_TRUE(s.Accept(shop.ticket_id(), kMarket).ok());

  // The market unit handles the report but is never shown its caller.
  {
    v1::Ticket seen = s.Get(report.ticket_id(), kMarket);
    EXPECT_TRUE(seen.caller().withheld());
    EXPECT_EQ(seen.caller().phone(), "");
    EXPECT_EQ(seen.caller().name(), "");
    v1::RevealCallerRequest reveal;
    reveal.set_request_id(Id());
    reveal.set_ticket_id(report.ticket_id());
    reveal.set_purpose(v1::REVEAL_PURPOSE_REPLY);
    reveal.set_reason("需电话答复举报人");
    v1::RevealCallerResponse revealed;
    EXPECT_EQ(s.Call(s.intake_.get(), &v1::IntakeService::Stub::RevealCaller,
                     kMarket, reveal, &revealed)
                  .error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
    // The center may, with a reason, and it is audited.
    reveal.set_request_id(Id());
    reveal.set_purpose(v1::REVEAL_PURPOSE_FOLLOW_UP);
    reveal.set_reason("中心代为答复举报人");
    grpc::Status st =
        s.Call(s.intake_.get(), &v1::IntakeService::Stub::RevealCaller,
               kCenterToken, reveal, &revealed);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(revealed.caller().phone(), "13800004444");
    v1::ListRevealAuditRequest audit;
    audit.set_ticket_id(report.ticket_id());
    v1::ListRevealAuditResponse audited;
    st = s.Call(s.intake_.get(), &v1::IntakeService::Stub::ListRevealAudit,
                kAuditorToken, audit, &audited);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(audited.entries_size(), 1);
    EXPECT_EQ(audited.entries(0).reason(), "中心代为答复举报人");
    // A masked view for the agent.
    v1::Ticket agent_view = s.Get(shop.ticket_id(), kAgentToken);
    EXPECT_EQ(agent_view.caller().phone(), "138****3333");
  }

  // ---- Wednesday 09-25: the late order's response period (1 working day,
  // 09-24) ended at 00:00 → first reminder (催办).
  s.Advance(Local(2024, 9, 25, 9, 0));
  EXPECT_TRUE(Scenario::Eventually([&] {
    for (const auto& step : s.Ladder(late.ticket_id())) {
      if (step.step() == v1::LADDER_STEP_REMINDER) return true;
    }
    return false;
  })) << logs();

  // The lead unit's co-unit gives its input.
  {
    v1::SubmitCoOpinionRequest req;
    req.set_request_id(Id());
    req.set_ticket_id(joint.ticket_id());
    req.set_opinion("住建委意见：符合加装条件，可给予补贴。");
    v1::SubmitCoOpinionResponse resp;
    grpc::Status st =
        s.Call(s.routing_.get(), &v1::RoutingService::Stub::SubmitCoOpinion,
               kHousing, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }

  // ---- 8. Monday 09-30 16:00: a consultation dispatched the day before
  // the National Day week, answered within 3 working days after it.
  s.Advance(Local(2024, 9, 30, 16, 0));
  v1::Ticket consult =
      s.Create(v1::REQUEST_TYPE_CONSULTATION, "labor.employment",
               "town.longgang", "咨询失业保险金领取条件",
               "来电人咨询失业后领取失业保险金的条件和期限。", "13800006666");
  ASSERT_TRUE(s.WaitRouted(consult.ticket_id()));
  ASSERT_TRUE(s.Dispatch(consult.ticket_id(), "dept.hrss").ok());
  {
    v1::Clock handling = s.HandlingClock(consult.ticket_id());
    // 10-08, 10-09, 10-10 are the three working days → due 10-11 00:00.
    EXPECT_EQ(FromProto(handling.due()), Local(2024, 10, 11)) << logs();
    EXPECT_THAT(handling.explanation().DebugString(), HasSubstr("2024-10-01"));
  }
  ASSERT_TRUE(s.Accept(consult.ticket_id(), kHrss).ok());

  // ---- The holiday week passes. Tuesday 10-08.
  s.Advance(Local(2024, 10, 8, 10, 0));

  // Extensions: the community may ask the level above it (the town) while at
  // least 2 working days are left.
  v1::Ticket road =
      s.Create(v1::REQUEST_TYPE_HELP_SEEKING, "transport.rural_road",
               "town.longshui", "村道塌方需修复",
               "龙水镇桥头村村道部分塌方，车辆无法通行。", "13800007777");
  ASSERT_TRUE(s.WaitRouted(road.ticket_id()));
  ASSERT_TRUE(s.Dispatch(road.ticket_id(), "town.longshui").ok());
  ASSERT_TRUE(s.Accept(road.ticket_id(), kLongshui).ok());
  ASSERT_TRUE(
      s.Forward(road.ticket_id(), kLongshui, "comm.longshui.nanshan").ok());
  ASSERT_TRUE(s.Accept(road.ticket_id(), kNanshan).ok());
  v1::Clock road_clock =
      s.HandlingClock(road.ticket_id(), "comm.longshui.nanshan");
  {
    v1::RequestExtensionRequest req;
    req.set_request_id(Id());
    req.set_ticket_id(road.ticket_id());
    req.set_reason("需等待工程队勘察并筹措修复资金");
    req.set_proposed_due_date("2024-11-08");
    req.set_progress_note("已设置警示标志，正在安排勘察。");
    v1::RequestExtensionResponse resp;
    grpc::Status st =
        s.Call(s.deadline_.get(), &v1::DeadlineService::Stub::RequestExtension,
               kNanshan, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_EQ(resp.extension().approver_unit_id(), "town.longshui");

    v1::DecideExtensionRequest decide;
    decide.set_request_id(Id());
    decide.set_extension_id(resp.extension().extension_id());
    decide.set_approve(true);
    decide.set_approved_due_date("2024-11-05");
    decide.set_reason("情况属实，同意延期");
    v1::DecideExtensionResponse decided;
    // Not the community itself, only the level above.
    EXPECT_EQ(
        s.Call(s.deadline_.get(), &v1::DeadlineService::Stub::DecideExtension,
               kNanshan, decide, &decided)
            .error_code(),
        grpc::StatusCode::PERMISSION_DENIED);
    decide.set_request_id(Id());
    st = s.Call(s.deadline_.get(), &v1::DeadlineService::Stub::DecideExtension,
                kLongshuiLead, decide, &decided);
    ASSERT_TRUE(st.ok()) << st.error_message();
    v1::Clock moved;
    EXPECT_TRUE(Scenario::Eventually([&] {
      moved = s.HandlingClock(road.ticket_id());
      return FromProto(moved.due()) == Local(2024, 11, 6);
    })) << moved.DebugString();
    EXPECT_GT(FromProto(moved.due()), FromProto(road_clock.due()));
    // The caller learns of it through intake's status view (6(3)).
    v1::Ticket seen;
    EXPECT_TRUE(Scenario::Eventually([&] {
      seen = s.Get(road.ticket_id(), kCenterToken);
      return seen.has_handling_due() &&
             FromProto(seen.handling_due()) == Local(2024, 11, 6);
    })) << seen.DebugString();
    bool told = false;
    for (const auto& p : seen.progress()) {
      told = told || (absl::StrContains(p.note(), "延期申请已批准") &&
                      absl::StrContains(p.note(), "2024-11-05"));
    }
    EXPECT_TRUE(told) << seen.DebugString();
  }

  // The consultation is answered on 10-09, on time, and approved.
  s.Advance(Local(2024, 10, 9, 15, 0));
  {
    std::string reply =
        s.Reply(consult.ticket_id(), kHrss,
                "已电话告知失业保险金领取条件、期限和办理地点。");
    ASSERT_TRUE(s.Approve(consult.ticket_id(), reply).ok());
    EXPECT_TRUE(s.WaitStatus(consult.ticket_id(),
                             v1::TICKET_STATUS_AWAITING_EVALUATION))
        << logs();
    s.EvaluateWhenApproved(consult.ticket_id(), v1::SATISFACTION_SATISFIED);
    v1::GetClocksResponse clocks = s.Clocks(consult.ticket_id());
    const v1::Clock* handling = s.FindClock(clocks, v1::CLOCK_KIND_HANDLING);
    ASSERT_NE(handling, nullptr);
    EXPECT_EQ(handling->state(), v1::CLOCK_STATE_STOPPED);
    EXPECT_EQ(handling->outcome(), v1::CLOCK_OUTCOME_MET);
  }

  // The forwarded complaint, the re-dispatched order, the report and the
  // joint order are answered and approved.
  for (auto [ticket, token] : std::vector<std::pair<std::string, std::string>>{
           {noise.ticket_id(), kLawTeam},
           {shop.ticket_id(), kMarket},
           {joint.ticket_id(), kUrban}}) {
    std::string reply =
        s.Reply(ticket, token, "已现场核查并依法处理，结果已告知来电人。");
    ASSERT_TRUE(s.Approve(ticket, reply).ok()) << ticket;
  }
  {
    std::string reply = s.Reply(report.ticket_id(), kMarket,
                                "已立案调查，结果由中心转告举报人。",
                                v1::REPLY_CONTACT_VIA_CENTER);
    ASSERT_TRUE(s.Approve(report.ticket_id(), reply).ok());
  }
  s.EvaluateWhenApproved(noise.ticket_id(), v1::SATISFACTION_SATISFIED);
  s.EvaluateWhenApproved(shop.ticket_id(),
                         v1::SATISFACTION_BASICALLY_SATISFIED);
  s.EvaluateWhenApproved(joint.ticket_id(), v1::SATISFACTION_SATISFIED);
  // One evaluation per order.
  EXPECT_EQ(
      s.Evaluate(noise.ticket_id(), v1::SATISFACTION_SATISFIED).error_code(),
      grpc::StatusCode::ALREADY_EXISTS);

  // An extension asked too late: a consultation dispatched on 10-09 has 3
  // working days; its unit asks on the last of them.
  v1::Ticket lamp =
      s.Create(v1::REQUEST_TYPE_CONSULTATION, "urban.road.streetlight",
               "town.longshui", "咨询路灯维修进度",
               "龙水镇滨河路路灯已坏一周，咨询何时维修。", "13800008888");
  ASSERT_TRUE(s.WaitRouted(lamp.ticket_id()));
  ASSERT_TRUE(s.Dispatch(lamp.ticket_id(), "town.longshui").ok());
  ASSERT_TRUE(s.Accept(lamp.ticket_id(), kLongshui).ok());
  // 10-10, 10-11 and Saturday 10-12 (worked) → due 10-13 00:00.
  EXPECT_EQ(FromProto(s.HandlingClock(lamp.ticket_id()).due()),
            Local(2024, 10, 13));
  s.Advance(Local(2024, 10, 12, 10, 0));  // adjusted Saturday, last day
  {
    v1::RequestExtensionRequest req;
    req.set_request_id(Id());
    req.set_ticket_id(lamp.ticket_id());
    req.set_reason("配件未到");
    req.set_proposed_due_date("2024-10-25");
    req.set_progress_note("已联系供电公司，等待配件。");
    v1::RequestExtensionResponse resp;
    grpc::Status st =
        s.Call(s.deadline_.get(), &v1::DeadlineService::Stub::RequestExtension,
               kLongshui, req, &resp);
    EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(st.error_message(), HasSubstr("0"));
  }

  // ---- The late order: 10 working days from 09-23 end on Saturday 10-12
  // (worked) → supervision (督办) at 10-13 00:00. Chased twice and still not
  // finished ("督办2次仍未办结"): the center, with the district office, opens
  // a special inspection (专项督查), then issues a district-wide notice
  // (全区通报) — acts of people, recorded with their findings (第七条).
  std::vector<v1::LadderStepRecord> steps;
  s.Advance(Local(2024, 10, 14, 9, 0));
  EXPECT_TRUE(Scenario::Eventually([&] {
    steps = s.Ladder(late.ticket_id());
    for (const auto& step : steps) {
      if (step.step() == v1::LADDER_STEP_SUPERVISION) return true;
    }
    return false;
  })) << logs();
  for (auto [when, rung, text] :
       std::vector<std::tuple<absl::Time, v1::LadderStep, std::string>>{
           {Local(2024, 10, 21, 9, 0), v1::LADDER_STEP_SPECIAL_INSPECTION,
            "经专项督查，龙水镇未落实专人办理，责令三个工作日内办结。"},
           {Local(2024, 10, 28, 9, 0), v1::LADDER_STEP_DISTRICT_NOTICE,
            "龙水镇对群众诉求拖延办理，经督查仍未办结，予以全区通报。"}}) {
    s.Advance(when);
    v1::ListEscalationCandidatesRequest lreq;
    lreq.set_step(rung);
    v1::ListEscalationCandidatesResponse cands;
    grpc::Status st = s.Call(
        s.deadline_.get(), &v1::DeadlineService::Stub::ListEscalationCandidates,
        kCenterToken, lreq, &cands);
    ASSERT_TRUE(st.ok()) << st.error_message();
    bool listed = false;
    for (const auto& c : cands.candidates()) {
      listed = listed || c.ticket_id() == late.ticket_id();
    }
    EXPECT_TRUE(listed) << v1::LadderStep_Name(rung) << cands.DebugString();
    v1::RecordSupervisionActRequest act;
    act.set_request_id(Id());
    act.set_step(rung);
    act.add_ticket_ids(late.ticket_id());
    act.add_unit_ids("town.longshui");
    act.set_text(text);
    act.add_district_office_participants("区政府办公室 督查科");
    v1::RecordSupervisionActResponse recorded;
    st = s.Call(s.deadline_.get(),
                &v1::DeadlineService::Stub::RecordSupervisionAct, kCenterToken,
                act, &recorded);
    ASSERT_TRUE(st.ok()) << st.error_message();
    steps = s.Ladder(late.ticket_id());
  }
  {
    std::set<v1::LadderStep> kinds;
    for (const auto& step : steps) kinds.insert(step.step());
    EXPECT_EQ(kinds, (std::set<v1::LadderStep>{
                         v1::LADDER_STEP_REMINDER, v1::LADDER_STEP_SUPERVISION,
                         v1::LADDER_STEP_SPECIAL_INSPECTION,
                         v1::LADDER_STEP_DISTRICT_NOTICE}));
    EXPECT_EQ(steps.size(), 4u);  // each exactly once

    // The notices name the town's liaison and the leader on duty that day.
    v1::ListNoticesRequest req;
    req.set_ticket_id(late.ticket_id());
    v1::ListNoticesResponse notices;
    grpc::Status st =
        s.Call(s.deadline_.get(), &v1::DeadlineService::Stub::ListNotices,
               kCenterToken, req, &notices);
    ASSERT_TRUE(st.ok()) << st.error_message();
    bool liaison = false, duty_leader = false;
    for (const v1::Notice& n : notices.notices()) {
      if (n.recipient().kind() == v1::RECIPIENT_KIND_LIAISON &&
          n.recipient().name() == "赵磊（示例）") {
        liaison = true;
      }
      if (n.recipient().kind() == v1::RECIPIENT_KIND_DUTY_LEADER &&
          absl::StartsWith(n.recipient().name(), "值班副镇长")) {
        duty_leader = true;
      }
      EXPECT_THAT(n.text(), HasSubstr(late.ticket_number()));
    }
    EXPECT_TRUE(liaison) << notices.DebugString();
    EXPECT_TRUE(duty_leader) << notices.DebugString();
  }

  // ---- The month's report, ranking and accountability.
  s.Advance(Local(2024, 11, 1, 9, 0));
  v1::Period month;
  month.set_from_date("2024-09-23");
  month.set_to_date("2024-10-31");
  month.set_granularity(v1::GRANULARITY_MONTH);
  {
    v1::AccountabilityCandidatesRequest req;
    *req.mutable_period() = month;
    v1::AccountabilityCandidatesResponse resp;
    EXPECT_TRUE(Scenario::Eventually([&] {
      resp.Clear();
      grpc::Status st =
          s.Call(s.assessment_.get(),
                 &v1::AssessmentService::Stub::AccountabilityCandidates,
                 kCenterToken, req, &resp);
      if (!st.ok()) return false;
      for (const auto& c : resp.candidates()) {
        if (c.unit_id() == "town.longshui" &&
            c.kind() == v1::ACCOUNTABILITY_KIND_NO_FEEDBACK_AFTER_SUPERVISION) {
          return true;
        }
      }
      return false;
    })) << resp.DebugString();
  }
  {
    v1::RankingRequest req;
    *req.mutable_period() = month;
    req.set_peer_kind(v1::UNIT_KIND_DEPARTMENT);
    v1::RankingResponse resp;
    grpc::Status st =
        s.Call(s.assessment_.get(), &v1::AssessmentService::Stub::Ranking,
               kCenterToken, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    std::set<std::string> ranked;
    for (const auto& e : resp.entries()) ranked.insert(e.unit_id());
    EXPECT_TRUE(ranked.count("dept.urban")) << resp.DebugString();
    EXPECT_TRUE(ranked.count("dept.market")) << resp.DebugString();
  }
  {
    v1::ReportRequest req;
    *req.mutable_period() = month;
    req.add_formats(v1::REPORT_FORMAT_HTML);
    req.add_formats(v1::REPORT_FORMAT_MARKDOWN);
    req.set_title("大足区12345热线2024年10月办理情况通报");
    v1::ReportResponse resp;
    grpc::Status st =
        s.Call(s.assessment_.get(), &v1::AssessmentService::Stub::Report,
               kCenterToken, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    bool html = false;
    for (const auto& doc : resp.documents()) {
      if (doc.format() != v1::REPORT_FORMAT_HTML) continue;
      html = true;
      EXPECT_THAT(doc.content(), HasSubstr("<svg"));
      EXPECT_THAT(doc.content(), HasSubstr("龙水镇"));
      EXPECT_THAT(doc.content(), HasSubstr("区城市管理局"));
      // The accountability section names the late order.
      EXPECT_THAT(doc.content(), HasSubstr(late.ticket_id()));
    }
    EXPECT_TRUE(html);
  }

  // No caller identity in any service's logs.
  const std::string all_logs = (*cluster)->Logs();
  for (const char* secret : {"13800001111", "13800004444", "李秀英"}) {
    EXPECT_FALSE(absl::StrContains(all_logs, secret)) << secret;
  }
}

INSTANTIATE_TEST_SUITE_P(Replicas, ScenarioTest, ::testing::Values(1, 2),
                         [](const auto& info) {
                           return info.param == 1
                                      ? std::string("OneReplica")
                                      : std::string("TwoReplicasOverMutualTls");
                         });

}  // namespace
}  // namespace hotline
