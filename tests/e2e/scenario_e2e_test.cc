// A month of the regulation (大足府办发〔2021〕45号) through all four services
// as real processes, over gRPC only, with manual clocks: 2024-09-23 (Mon) to
// 2024-10-31, across the National Day week (10-01..10-07 off, Sunday 09-29
// and Saturday 10-12 worked).
//
// The month is played as named steps of one fixture, in the order of the
// calendar; each step is a fixture method that advances the clock (if it
// must) and acts through Scenario (scenario.h). Every assertion is on what
// the services answer. Events travel between the services through their
// outboxes; Eventually() waits for them (bounded), never for time to pass:
// time moves only by Cluster::Advance.

#include <grpcpp/grpcpp.h>

#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/scenario.h"

namespace hotline {
namespace {

using ::testing::HasSubstr;
using testing::Id;
using testing::kAgentToken;
using testing::kAuditorToken;
using testing::kCenterToken;
using testing::kHousing;
using testing::kHrss;
using testing::kLawTeam;
using testing::kLongshui;
using testing::kLongshuiLead;
using testing::kMarket;
using testing::kNanshan;
using testing::kUrban;
using testing::kUrbanLaw;
using testing::Local;
using testing::Scenario;

class ScenarioTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    testing::ClusterOptions options;
    options.replicas = GetParam();
    // Two replicas run over mutual TLS as production does; one in plaintext.
    options.tls = GetParam() == 2;
    options.clock_start = Local(2024, 9, 23, 8, 30);  // Monday
    options.extra_tokens = testing::kUnitTokens;
    auto cluster = testing::Cluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    s_ = std::make_unique<Scenario>(cluster_.get());
  }

  std::string logs() const { return cluster_->Logs(); }

  // ---- The steps of the month, in the order of the calendar.
  void LoadDirectory();
  void AnswerAtIntake();
  void DispatchTheFirstOrders();
  void ClimbBackAndRedispatch();
  void ConfidentialReport();
  void FirstReminder();
  void ConsultationOverTheHoliday();
  void ExtensionApprovedInTime();
  void RepliesApprovedAndEvaluated();
  void ExtensionAskedTooLate();
  void SupervisionAndActsOfPeople();
  void TheMonthsReport();

  std::unique_ptr<testing::Cluster> cluster_;
  std::unique_ptr<Scenario> s_;
  // The orders of the month, by what happens to them.
  v1::Ticket late_;     // never answered: the whole ladder
  v1::Ticket noise_;    // forwarded two levels down, answered
  v1::Ticket shop_;     // climbs back two levels, re-dispatched
  v1::Ticket report_;   // confidential report
  v1::Ticket joint_;    // lead unit with a co-unit
  v1::Ticket repeat_;   // merged into noise_
  v1::Ticket consult_;  // consultation over the holiday
  v1::Ticket road_;     // extension approved in time
  v1::Ticket lamp_;     // extension asked too late, never answered
};

// ---- The directory: the sample of Dazu District, one more level, duty.
void ScenarioTest::LoadDirectory() {
  Scenario& s = *s_;
  v1::ImportDirectoryResponse imported = s.ImportSampleDirectory();
  EXPECT_GT(imported.units_created(), 40);

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
  grpc::Status st =
      s.Call(s.directory_.get(), &v1::DirectoryService::Stub::UpsertUnit,
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
void ScenarioTest::AnswerAtIntake() {
  Scenario& s = *s_;
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
  const std::string article_id = created.article().article_id();

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

// ---- 2.–7. Monday 09-23: the first orders are dispatched.
void ScenarioTest::DispatchTheFirstOrders() {
  Scenario& s = *s_;
  // 2. An order held by a unit that never responds: the full ladder.
  late_ = s.Create(v1::REQUEST_TYPE_COMPLAINT, "urban.sanitation",
                   "town.longshui", "小区化粪池外溢无人处理",
                   "龙水镇某小区化粪池外溢，气味严重，多次反映无果。",
                   "13800001111");
  ASSERT_TRUE(s.WaitRouted(late_.ticket_id())) << logs();
  ASSERT_TRUE(s.Dispatch(late_.ticket_id(), "town.longshui").ok());

  // 3. A complaint dispatched to a department and forwarded two levels.
  noise_ =
      s.Create(v1::REQUEST_TYPE_COMPLAINT, "urban.construction.noise",
               "town.longshui", "夜间施工噪音扰民",
               "龙水镇五金街工地每晚施工至凌晨，严重影响休息。", "13800002222");
  ASSERT_TRUE(s.WaitRouted(noise_.ticket_id()));
  ASSERT_TRUE(s.Dispatch(noise_.ticket_id(), "dept.urban").ok());
  ASSERT_TRUE(s.Accept(noise_.ticket_id(), kUrban).ok());
  // Never sideways: a department cannot push its work to a town.
  EXPECT_EQ(s.Forward(noise_.ticket_id(), kUrban, "town.longshui").error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(s.Forward(noise_.ticket_id(), kUrban, "sec.urban.law").ok());
  ASSERT_TRUE(s.Accept(noise_.ticket_id(), kUrbanLaw).ok());
  ASSERT_TRUE(
      s.Forward(noise_.ticket_id(), kUrbanLaw, "team.urban.law.longshui").ok());
  ASSERT_TRUE(s.Accept(noise_.ticket_id(), kLawTeam).ok());

  // 4. A wrongly routed order, forwarded down (it climbs back on 09-24).
  shop_ = s.Create(v1::REQUEST_TYPE_COMPLAINT, "market.food", "town.longshui",
                   "超市销售过期食品", "龙水镇某超市货架上有过期酸奶仍在销售。",
                   "13800003333");
  ASSERT_TRUE(s.WaitRouted(shop_.ticket_id()));
  ASSERT_TRUE(s.Dispatch(shop_.ticket_id(), "town.longshui").ok());
  ASSERT_TRUE(s.Accept(shop_.ticket_id(), kLongshui).ok());
  ASSERT_TRUE(
      s.Forward(shop_.ticket_id(), kLongshui, "comm.longshui.nanshan").ok());

  // 5. A confidential report: the unit never sees the caller.
  report_ = s.Create(v1::REQUEST_TYPE_REPORT, "market.license", "town.longshui",
                     "举报无证经营诊所",
                     "举报龙水镇某诊所无证行医，请保护举报人信息。",
                     "13800004444", /*confidential=*/true);
  ASSERT_TRUE(s.WaitRouted(report_.ticket_id()));
  ASSERT_TRUE(s.Dispatch(report_.ticket_id(), "dept.market").ok());

  // 6. A lead unit with a co-unit.
  joint_ = s.Create(v1::REQUEST_TYPE_HELP_SEEKING, "urban.housing",
                    "town.longgang", "老旧小区电梯加装协调",
                    "龙岗街道某老旧小区申请加装电梯，需协调规划和物业。",
                    "13800005555");
  ASSERT_TRUE(s.WaitRouted(joint_.ticket_id()));
  ASSERT_TRUE(
      s.Dispatch(joint_.ticket_id(), "dept.urban", {"dept.housing"}).ok());

  // 7. A repeat request, merged into its original.
  repeat_ =
      s.Create(v1::REQUEST_TYPE_COMPLAINT, "urban.construction.noise",
               "town.longshui", "夜间施工噪音扰民（再次来电）",
               "龙水镇五金街工地每晚施工至凌晨，严重影响休息。", "13800002222");
  {
    v1::MergeTicketRequest req;
    req.set_request_id(Id());
    req.set_ticket_id(repeat_.ticket_id());
    req.set_original_ticket_id(noise_.ticket_id());
    req.set_reason("同一来电人反映同一事项");
    v1::MergeTicketResponse resp;
    grpc::Status st =
        s.Call(s.intake_.get(), &v1::IntakeService::Stub::MergeTicket,
               kCenterToken, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_TRUE(s.WaitStatus(repeat_.ticket_id(), v1::TICKET_STATUS_MERGED));
  }

  // Every unit but the late one (and the co-unit) responds on the day of
  // dispatch.
  ASSERT_TRUE(s.Accept(report_.ticket_id(), kMarket).ok());
  ASSERT_TRUE(s.Accept(joint_.ticket_id(), kUrban).ok());
}

// ---- Tuesday 09-24. The wrongly routed order goes back up: community →
// town → center, on one day (well within 2 working days), and is
// re-dispatched.
void ScenarioTest::ClimbBackAndRedispatch() {
  Scenario& s = *s_;
  s.Advance(Local(2024, 9, 24, 10, 0));
  ASSERT_TRUE(s.Accept(shop_.ticket_id(), kNanshan).ok());
  ASSERT_TRUE(s.Return(shop_.ticket_id(), kNanshan,
                       "食品安全属市场监管部门职责，非社区职责")
                  .ok());
  ASSERT_TRUE(
      s.Return(shop_.ticket_id(), kLongshui, "属区市场监管局职责，请改派")
          .ok());
  ASSERT_TRUE(s.Dispatch(shop_.ticket_id(), "dept.market").ok());
  ASSERT_TRUE(s.Accept(shop_.ticket_id(), kMarket).ok());
}

// ---- 09-24: the market unit handles the report but is never shown its
// caller; the center may see it, with a reason, and it is audited.
void ScenarioTest::ConfidentialReport() {
  Scenario& s = *s_;
  v1::Ticket seen = s.Get(report_.ticket_id(), kMarket);
  EXPECT_TRUE(seen.caller().withheld());
  EXPECT_EQ(seen.caller().phone(), "");
  EXPECT_EQ(seen.caller().name(), "");
  v1::RevealCallerRequest reveal;
  reveal.set_request_id(Id());
  reveal.set_ticket_id(report_.ticket_id());
  reveal.set_purpose(v1::REVEAL_PURPOSE_REPLY);
  reveal.set_reason("需电话答复举报人");
  v1::RevealCallerResponse revealed;
  EXPECT_EQ(s.Call(s.intake_.get(), &v1::IntakeService::Stub::RevealCaller,
                   kMarket, reveal, &revealed)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  reveal.set_request_id(Id());
  reveal.set_purpose(v1::REVEAL_PURPOSE_FOLLOW_UP);
  reveal.set_reason("中心代为答复举报人");
  grpc::Status st =
      s.Call(s.intake_.get(), &v1::IntakeService::Stub::RevealCaller,
             kCenterToken, reveal, &revealed);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(revealed.caller().phone(), "13800004444");
  v1::ListRevealAuditRequest audit;
  audit.set_ticket_id(report_.ticket_id());
  v1::ListRevealAuditResponse audited;
  st = s.Call(s.intake_.get(), &v1::IntakeService::Stub::ListRevealAudit,
              kAuditorToken, audit, &audited);
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(audited.entries_size(), 1);
  EXPECT_EQ(audited.entries(0).reason(), "中心代为答复举报人");
  // A masked view for the agent.
  v1::Ticket agent_view = s.Get(shop_.ticket_id(), kAgentToken);
  EXPECT_EQ(agent_view.caller().phone(), "138****3333");
}

// ---- Wednesday 09-25: the late order's response period (1 working day,
// 09-24) ended at 00:00 → first reminder (催办). The co-unit gives its
// input.
void ScenarioTest::FirstReminder() {
  Scenario& s = *s_;
  s.Advance(Local(2024, 9, 25, 9, 0));
  EXPECT_TRUE(s.WaitStep(late_.ticket_id(), v1::LADDER_STEP_REMINDER))
      << logs();
  ASSERT_TRUE(s.SubmitCoOpinion(joint_.ticket_id(), kHousing,
                                "住建委意见：符合加装条件，可给予补贴。")
                  .ok());
}

// ---- 8. Monday 09-30 16:00: a consultation dispatched the day before the
// National Day week, to be answered within 3 working days after it. The
// holiday week passes: Tuesday 10-08.
void ScenarioTest::ConsultationOverTheHoliday() {
  Scenario& s = *s_;
  s.Advance(Local(2024, 9, 30, 16, 0));
  consult_ =
      s.Create(v1::REQUEST_TYPE_CONSULTATION, "labor.employment",
               "town.longgang", "咨询失业保险金领取条件",
               "来电人咨询失业后领取失业保险金的条件和期限。", "13800006666");
  ASSERT_TRUE(s.WaitRouted(consult_.ticket_id()));
  ASSERT_TRUE(s.Dispatch(consult_.ticket_id(), "dept.hrss").ok());
  {
    v1::Clock handling = s.HandlingClock(consult_.ticket_id());
    // 10-08, 10-09, 10-10 are the three working days → due 10-11 00:00.
    EXPECT_EQ(FromProto(handling.due()), Local(2024, 10, 11)) << logs();
    EXPECT_THAT(handling.explanation().DebugString(), HasSubstr("2024-10-01"));
  }
  ASSERT_TRUE(s.Accept(consult_.ticket_id(), kHrss).ok());
  s.Advance(Local(2024, 10, 8, 10, 0));
}

// ---- Tuesday 10-08. Extensions: the community may ask the level above it
// (the town) while at least 2 working days are left.
void ScenarioTest::ExtensionApprovedInTime() {
  Scenario& s = *s_;
  road_ = s.Create(v1::REQUEST_TYPE_HELP_SEEKING, "transport.rural_road",
                   "town.longshui", "村道塌方需修复",
                   "龙水镇桥头村村道部分塌方，车辆无法通行。", "13800007777");
  ASSERT_TRUE(s.WaitRouted(road_.ticket_id()));
  ASSERT_TRUE(s.Dispatch(road_.ticket_id(), "town.longshui").ok());
  ASSERT_TRUE(s.Accept(road_.ticket_id(), kLongshui).ok());
  ASSERT_TRUE(
      s.Forward(road_.ticket_id(), kLongshui, "comm.longshui.nanshan").ok());
  ASSERT_TRUE(s.Accept(road_.ticket_id(), kNanshan).ok());
  v1::Clock road_clock =
      s.HandlingClock(road_.ticket_id(), "comm.longshui.nanshan");
  v1::Extension asked;
  grpc::Status st =
      s.RequestExtension(road_.ticket_id(), kNanshan, "2024-11-08", &asked);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(asked.approver_unit_id(), "town.longshui");
  // Not the community itself, only the level above.
  EXPECT_EQ(
      s.DecideExtension(asked.extension_id(), kNanshan, true, "2024-11-05")
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  st = s.DecideExtension(asked.extension_id(), kLongshuiLead, true,
                         "2024-11-05");
  ASSERT_TRUE(st.ok()) << st.error_message();
  v1::Clock moved;
  EXPECT_TRUE(Scenario::Eventually([&] {
    moved = s.HandlingClock(road_.ticket_id());
    return FromProto(moved.due()) == Local(2024, 11, 6);
  })) << moved.DebugString();
  EXPECT_GT(FromProto(moved.due()), FromProto(road_clock.due()));
  // The caller learns of it through intake's status view (6(3)).
  v1::Ticket seen;
  EXPECT_TRUE(Scenario::Eventually([&] {
    seen = s.Get(road_.ticket_id(), kCenterToken);
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

// ---- Wednesday 10-09 15:00: the consultation is answered on time; the
// forwarded complaint, the re-dispatched order, the report and the joint
// order are answered and approved; the callers are called back. A
// consultation is dispatched whose unit will ask for more time too late.
void ScenarioTest::RepliesApprovedAndEvaluated() {
  Scenario& s = *s_;
  s.Advance(Local(2024, 10, 9, 15, 0));
  {
    std::string reply =
        s.Reply(consult_.ticket_id(), kHrss,
                "已电话告知失业保险金领取条件、期限和办理地点。");
    ASSERT_TRUE(s.Approve(consult_.ticket_id(), reply).ok());
    EXPECT_TRUE(s.WaitStatus(consult_.ticket_id(),
                             v1::TICKET_STATUS_AWAITING_EVALUATION))
        << logs();
    s.EvaluateWhenApproved(consult_.ticket_id(), v1::SATISFACTION_SATISFIED);
    v1::Clock handling =
        s.StoppedClock(consult_.ticket_id(), v1::CLOCK_KIND_HANDLING);
    EXPECT_EQ(handling.outcome(), v1::CLOCK_OUTCOME_MET);
  }
  for (auto [ticket, token] : std::vector<std::pair<std::string, std::string>>{
           {noise_.ticket_id(), kLawTeam},
           {shop_.ticket_id(), kMarket},
           {joint_.ticket_id(), kUrban}}) {
    std::string reply =
        s.Reply(ticket, token, "已现场核查并依法处理，结果已告知来电人。");
    ASSERT_TRUE(s.Approve(ticket, reply).ok()) << ticket;
  }
  {
    std::string reply = s.Reply(report_.ticket_id(), kMarket,
                                "已立案调查，结果由中心转告举报人。",
                                v1::REPLY_CONTACT_VIA_CENTER);
    ASSERT_TRUE(s.Approve(report_.ticket_id(), reply).ok());
  }
  s.EvaluateWhenApproved(noise_.ticket_id(), v1::SATISFACTION_SATISFIED);
  s.EvaluateWhenApproved(shop_.ticket_id(),
                         v1::SATISFACTION_BASICALLY_SATISFIED);
  s.EvaluateWhenApproved(joint_.ticket_id(), v1::SATISFACTION_SATISFIED);
  // One evaluation per order.
  EXPECT_EQ(
      s.Evaluate(noise_.ticket_id(), v1::SATISFACTION_SATISFIED).error_code(),
      grpc::StatusCode::ALREADY_EXISTS);

  // A consultation dispatched on 10-09 has 3 working days: 10-10, 10-11 and
  // Saturday 10-12 (worked) → due 10-13 00:00.
  lamp_ = s.Create(v1::REQUEST_TYPE_CONSULTATION, "urban.road.streetlight",
                   "town.longshui", "咨询路灯维修进度",
                   "龙水镇滨河路路灯已坏一周，咨询何时维修。", "13800008888");
  ASSERT_TRUE(s.WaitRouted(lamp_.ticket_id()));
  ASSERT_TRUE(s.Dispatch(lamp_.ticket_id(), "town.longshui").ok());
  ASSERT_TRUE(s.Accept(lamp_.ticket_id(), kLongshui).ok());
  EXPECT_EQ(FromProto(s.HandlingClock(lamp_.ticket_id()).due()),
            Local(2024, 10, 13));
}

// ---- Saturday 10-12 (adjusted, worked): the lamp's unit asks on the last
// of its three working days — too late (6(3): 2 working days left).
void ScenarioTest::ExtensionAskedTooLate() {
  Scenario& s = *s_;
  s.Advance(Local(2024, 10, 12, 10, 0));
  grpc::Status st =
      s.RequestExtension(lamp_.ticket_id(), kLongshui, "2024-10-25");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), HasSubstr("0"));
}

// ---- The late order: 10 working days from 09-23 end on Friday 10-11 →
// supervision (督办) at 10-12 00:00. Chased twice and still not finished
// ("督办2次仍未办结"): the center, with the district office, opens a special
// inspection (专项督查), then issues a district-wide notice (全区通报) —
// acts of people, recorded with their findings (第七条).
void ScenarioTest::SupervisionAndActsOfPeople() {
  Scenario& s = *s_;
  s.Advance(Local(2024, 10, 14, 9, 0));
  EXPECT_TRUE(s.WaitStep(late_.ticket_id(), v1::LADDER_STEP_SUPERVISION))
      << logs();
  std::vector<v1::LadderStepRecord> steps;
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
      listed = listed || c.ticket_id() == late_.ticket_id();
    }
    EXPECT_TRUE(listed) << v1::LadderStep_Name(rung) << cands.DebugString();
    v1::RecordSupervisionActRequest act;
    act.set_request_id(Id());
    act.set_step(rung);
    act.add_ticket_ids(late_.ticket_id());
    act.add_unit_ids("town.longshui");
    act.set_text(text);
    act.add_district_office_participants("区政府办公室 督查科");
    v1::RecordSupervisionActResponse recorded;
    st = s.Call(s.deadline_.get(),
                &v1::DeadlineService::Stub::RecordSupervisionAct, kCenterToken,
                act, &recorded);
    ASSERT_TRUE(st.ok()) << st.error_message();
    steps = s.Ladder(late_.ticket_id());
  }
  std::set<v1::LadderStep> kinds;
  for (const auto& step : steps) kinds.insert(step.step());
  EXPECT_EQ(kinds, (std::set<v1::LadderStep>{v1::LADDER_STEP_REMINDER,
                                             v1::LADDER_STEP_SUPERVISION,
                                             v1::LADDER_STEP_SPECIAL_INSPECTION,
                                             v1::LADDER_STEP_DISTRICT_NOTICE}));
  EXPECT_EQ(steps.size(), 4u);  // each exactly once

  // The notices name the town's liaison and the leader on duty that day.
  v1::ListNoticesRequest req;
  req.set_ticket_id(late_.ticket_id());
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
    EXPECT_THAT(n.text(), HasSubstr(late_.ticket_number()));
  }
  EXPECT_TRUE(liaison) << notices.DebugString();
  EXPECT_TRUE(duty_leader) << notices.DebugString();
}

// ---- Friday 11-01: the month's report, ranking and accountability.
void ScenarioTest::TheMonthsReport() {
  Scenario& s = *s_;
  s.Advance(Local(2024, 11, 1, 9, 0));
  const v1::Period month =
      testing::PeriodOf("2024-09-23", "2024-10-31", v1::GRANULARITY_MONTH);
  {
    v1::AccountabilityCandidatesResponse resp;
    EXPECT_TRUE(Scenario::Eventually([&] {
      resp.Clear();
      if (!s.Accountability(month, &resp).ok()) return false;
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
    v1::RankingResponse resp;
    grpc::Status st = s.Ranking(month, v1::UNIT_KIND_DEPARTMENT, &resp);
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
      EXPECT_THAT(doc.content(), HasSubstr(late_.ticket_id()));
    }
    EXPECT_TRUE(html);
  }

  // No caller identity in any service's logs.
  const std::string all_logs = cluster_->Logs();
  for (const char* secret : {"13800001111", "13800004444", "李秀英"}) {
    EXPECT_FALSE(absl::StrContains(all_logs, secret)) << secret;
  }
}

TEST_P(ScenarioTest, AMonthOfTheRegulation) {
  ASSERT_NO_FATAL_FAILURE(LoadDirectory());
  ASSERT_NO_FATAL_FAILURE(AnswerAtIntake());
  ASSERT_NO_FATAL_FAILURE(DispatchTheFirstOrders());
  ASSERT_NO_FATAL_FAILURE(ClimbBackAndRedispatch());
  ASSERT_NO_FATAL_FAILURE(ConfidentialReport());
  ASSERT_NO_FATAL_FAILURE(FirstReminder());
  ASSERT_NO_FATAL_FAILURE(ConsultationOverTheHoliday());
  ASSERT_NO_FATAL_FAILURE(ExtensionApprovedInTime());
  ASSERT_NO_FATAL_FAILURE(RepliesApprovedAndEvaluated());
  ASSERT_NO_FATAL_FAILURE(ExtensionAskedTooLate());
  ASSERT_NO_FATAL_FAILURE(SupervisionAndActsOfPeople());
  ASSERT_NO_FATAL_FAILURE(TheMonthsReport());
}

INSTANTIATE_TEST_SUITE_P(Replicas, ScenarioTest, ::testing::Values(1, 2),
                         [](const auto& info) {
                           return info.param == 1
                                      ? std::string("OneReplica")
                                      : std::string("TwoReplicasOverMutualTls");
                         });

}  // namespace
}  // namespace hotline
