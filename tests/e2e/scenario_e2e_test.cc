// A month of the regulation (大足府办发〔2021〕45号) through all four services
// as real processes, over gRPC only, with manual clocks: 2024-09-23 (Mon) to
// 2024-10-31, across the National Day week (10-01..10-07 off, Sunday 09-29
// and Saturday 10-12 worked).
//
// The month is played as named steps of one fixture (TEST_P at the end
// reads as its calendar: At(month, day, hour) moves every clock, then the
// steps of that day act through Scenario, scenario.h). At the end every
// unit's scorecard is compared with a table worked out by hand from
// docs/clocks.md and docs/indicators.md (EveryUnitsScorecard, reasoning
// above kCards). Every assertion is on what the services answer. Events travel
// between the services through their outboxes; Eventually() waits for them
// (bounded), never for time to pass: time moves only by Cluster::Advance.

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
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

  // Moves every clock to a local instant of the month.
  void At(int m, int d, int hh, int mm = 0) {
    s_->Advance(Local(2024, m, d, hh, mm));
  }

  // ---- The steps of the month, in the order of the calendar (TEST_P).
  void LoadDirectory();
  void AnswerAtIntake();
  void DispatchTheFirstOrders();
  void ClimbBackAndRedispatch();
  void ConfidentialReport();
  void FirstReminders();
  void ConsultationOverTheHoliday();
  void ExtensionApprovedInTime();
  void DispatchAfterTheHoliday();
  void RepliesApprovedAndEvaluated();
  void CoUnitsAddedLater();
  void FirstLevelReturnsLate();
  void ExtensionAskedTooLate();
  void LateOrderSupervised();
  void LampSupervised();
  void DispatchMidOctober();
  void CoOpinionOverdue();
  void SecondHopArrivesLate();
  void ReturnAfterTheHandlingDue();
  void CoUnitReleasedPastItsDue();
  void HandledAfterALateHop();
  void LeadUnitAnswers();
  void ExtensionDecidedAfterTheDue();
  void ReplyRejected();
  void RecordAct(v1::LadderStep rung, const std::string& text);
  void RehandlingPastTheDue();
  void RehandlingApproved();
  void TheLadderOfTheLateOrder();
  void TheMonthsReport();
  void AccountabilityAcrossMonths();
  void EveryUnitsScorecard();
  void Rankings();

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
  v1::Ticket drain_;    // returned to the center by the town after 3 days
  v1::Ticket bus_;      // rejected on working day 9, approved on day 12
  v1::Ticket river_;    // own limit of 15 days, co-units added later
  v1::Ticket stall_;    // second hop down after the 1 working day
  v1::Ticket flyer_;    // 1-day own limit, returned after it
  v1::Ticket well_;     // extension asked in time, decided after the due
  std::string well_extension_;
  std::string bus_reply_;
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
  ASSERT_TRUE(s.Accept(shop_.ticket_id(), kNanshan).ok());
  ASSERT_TRUE(s.Return(shop_.ticket_id(), kNanshan,
                       "食品安全属市场监管部门职责，非社区职责")
                  .ok());
  ASSERT_TRUE(
      s.Return(shop_.ticket_id(), kLongshui, "属区市场监管局职责，请改派")
          .ok());
  // A two-level climb back to the center within the 2 working days of 6(1)
  // counted from the dispatch (09-23 08:30 → due 09-26 00:00): RETURN MET,
  // charged to the dispatched first-level unit, with each level's holding.
  v1::Clock climb = s.StoppedClock(shop_.ticket_id(), v1::CLOCK_KIND_RETURN);
  EXPECT_EQ(climb.outcome(), v1::CLOCK_OUTCOME_MET) << climb.DebugString();
  EXPECT_EQ(climb.unit_id(), "town.longshui");
  EXPECT_EQ(climb.stop_cause(), "reached_center");
  EXPECT_EQ(FromProto(climb.started_at()), Local(2024, 9, 23, 8, 30));
  EXPECT_EQ(FromProto(climb.due()), Local(2024, 9, 26));
  EXPECT_EQ(FromProto(climb.judged_at()), Local(2024, 9, 24, 10, 0));
  ASSERT_EQ(climb.holdings_size(), 3) << climb.DebugString();
  const std::vector<std::tuple<std::string, std::string, int>> held = {
      {"town.longshui", "dispatched", 0},
      {"comm.longshui.nanshan", "forwarded", 1},
      {"town.longshui", "returned", 0}};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(climb.holdings(i).unit_id(), std::get<0>(held[i]));
    EXPECT_EQ(climb.holdings(i).arrived_by(), std::get<1>(held[i]));
    EXPECT_EQ(climb.holdings(i).working_days(), std::get<2>(held[i]));
  }
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
// 09-24) ended at 00:00 → first reminder (催办); so did the co-unit's, which
// never acknowledged its part. The co-unit then gives its input, within
// its 3 working days.
void ScenarioTest::FirstReminders() {
  Scenario& s = *s_;
  EXPECT_TRUE(s.WaitStep(late_.ticket_id(), v1::LADDER_STEP_REMINDER))
      << logs();
  EXPECT_TRUE(
      s.WaitStep(joint_.ticket_id(), v1::LADDER_STEP_REMINDER, "dept.housing"))
      << logs();
  ASSERT_TRUE(s.SubmitCoOpinion(joint_.ticket_id(), kHousing,
                                "住建委意见：符合加装条件，可给予补贴。")
                  .ok());
}

// ---- 8. Monday 09-30 16:00: a consultation dispatched the day before the
// National Day week, to be answered within 3 working days after it.
void ScenarioTest::ConsultationOverTheHoliday() {
  Scenario& s = *s_;
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
  // Routing hears assessment too: once evaluated, the order is closed (in
  // the units' worklists and then in the caller's view), not left awaiting
  // evaluation.
  EXPECT_TRUE(s.WaitStatus(noise_.ticket_id(), v1::TICKET_STATUS_CLOSED));
  EXPECT_TRUE(
      s.WaitRoutingStatus(noise_.ticket_id(), v1::TICKET_STATUS_CLOSED));
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
  grpc::Status st =
      s.RequestExtension(lamp_.ticket_id(), kLongshui, "2024-10-25");
  EXPECT_EQ(st.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(st.error_message(), HasSubstr("0"));
}

// ---- Tuesday 10-08, after the holiday: three more orders.
void ScenarioTest::DispatchAfterTheHoliday() {
  Scenario& s = *s_;
  // The late order's 10 working days from 09-23 end on Friday 10-11 (09-29
  // worked, 10-01..10-07 off) → due 10-12 00:00.
  EXPECT_EQ(FromProto(s.HandlingClock(late_.ticket_id()).due()),
            Local(2024, 10, 12));

  // A town that keeps an order 3 working days and then returns it straight
  // to the center (10-09, 10-10, 10-11: the 2 working days of 6(1) end with
  // 10-10).
  drain_ = s.CreateAndDispatch(v1::REQUEST_TYPE_COMPLAINT, "urban.road.manhole",
                               "town.longgang", "雨水井盖缺失",
                               "龙岗街道西街路口雨水井盖缺失，夜间行人易跌落。",
                               "13800010001", "town.longgang");
  ASSERT_TRUE(s.Accept(drain_.ticket_id(), testing::kLonggang).ok());

  // A department whose first reply is rejected on working day 9 (10-18)
  // and whose second is approved on working day 12 (10-23); due 10-22 00:00.
  bus_ = s.CreateAndDispatch(
      v1::REQUEST_TYPE_COMPLAINT, "transport.bus", "town.longgang",
      "公交站台顶棚破损", "龙岗街道北禅路公交站台顶棚破损漏雨，候车群众淋雨。",
      "13800010002", "dept.transport");
  ASSERT_TRUE(s.Accept(bus_.ticket_id(), testing::kTransport).ok());
  EXPECT_EQ(FromProto(s.HandlingClock(bus_.ticket_id()).due()),
            Local(2024, 10, 22));

  // An order dispatched with its own limit of 15 working days (due 10-29
  // 00:00); co-units are added on 10-10.
  river_ = s.CreateAndDispatch(
      v1::REQUEST_TYPE_COMPLAINT, "eco.water", "town.longgang",
      "河道排污致鱼类死亡", "龙岗街道濑溪河段有企业偷排污水，出现死鱼。",
      "13800010003", "dept.ecology", /*own_limit_working_days=*/15);
  ASSERT_TRUE(s.Accept(river_.ticket_id(), testing::kEcology).ok());
  v1::Clock own = s.HandlingClock(river_.ticket_id());
  EXPECT_EQ(FromProto(own.due()), Local(2024, 10, 29));
  EXPECT_EQ(own.explanation().rule(), "handling.own_limit");
}

// ---- Thursday 10-10: co-units are added to the order with its own limit
// of 15 working days. The handling clock becomes the lead unit's, capped at
// the 10 working days of 6(2) (ClockMoved LEAD_UNIT_CAP): due 10-22 00:00.
// Each co-unit has 3 working days for its input: 10-11, 10-12, 10-14 →
// due 10-15 00:00. Both acknowledge their part at once.
void ScenarioTest::CoUnitsAddedLater() {
  Scenario& s = *s_;
  ASSERT_TRUE(
      s.AddCoUnits(river_.ticket_id(), {"dept.water", "dept.agri"}).ok());
  v1::GetClocksResponse clocks;
  const v1::Clock* lead = nullptr;
  EXPECT_TRUE(Scenario::Eventually([&] {
    clocks = s.Clocks(river_.ticket_id());
    lead = Scenario::FindClock(clocks, v1::CLOCK_KIND_LEAD_UNIT);
    return lead != nullptr &&
           Scenario::FindClock(clocks, v1::CLOCK_KIND_CO_OPINION,
                               "dept.agri") != nullptr;
  })) << clocks.DebugString();
  ASSERT_NE(lead, nullptr);
  EXPECT_EQ(lead->unit_id(), "dept.ecology");
  EXPECT_EQ(FromProto(lead->due()), Local(2024, 10, 22));
  EXPECT_EQ(FromProto(lead->original_due()), Local(2024, 10, 29));
  for (const char* co : {"dept.water", "dept.agri"}) {
    const v1::Clock* c =
        Scenario::FindClock(clocks, v1::CLOCK_KIND_CO_OPINION, co);
    ASSERT_NE(c, nullptr) << co;
    EXPECT_EQ(FromProto(c->due()), Local(2024, 10, 15)) << co;
  }
  bool capped = false;
  EXPECT_TRUE(Scenario::Eventually([&] {
    for (const v1::Fact& f : s.Facts(river_.ticket_id())) {
      const auto& e = f.event();
      capped =
          capped ||
          (e.has_clock_moved() &&
           e.clock_moved().cause() == v1::CLOCK_MOVE_CAUSE_LEAD_UNIT_CAP &&
           e.clock_moved().kind() == v1::CLOCK_KIND_LEAD_UNIT &&
           FromProto(e.clock_moved().previous_due()) == Local(2024, 10, 29) &&
           FromProto(e.clock_moved().due()) == Local(2024, 10, 22));
    }
    return capped;
  })) << "no ClockMoved LEAD_UNIT_CAP";
  ASSERT_TRUE(s.Accept(river_.ticket_id(), testing::kWater).ok());
  ASSERT_TRUE(s.Accept(river_.ticket_id(), testing::kAgri).ok());
}

// ---- Friday 10-11: the town returns its order straight to the center on
// the third working day — past the 2 working days of 6(1): RETURN MISSED,
// charged to it (a late return). The handling clock, still inside its
// limit, is cancelled. One co-unit gives its input on time.
void ScenarioTest::FirstLevelReturnsLate() {
  Scenario& s = *s_;
  ASSERT_TRUE(s.Return(drain_.ticket_id(), testing::kLonggang,
                       "井盖属交通部门管养设施，非街道职责")
                  .ok());
  v1::Clock ret = s.StoppedClock(drain_.ticket_id(), v1::CLOCK_KIND_RETURN);
  EXPECT_EQ(ret.outcome(), v1::CLOCK_OUTCOME_MISSED) << ret.DebugString();
  EXPECT_EQ(ret.unit_id(), "town.longgang");
  EXPECT_EQ(FromProto(ret.due()), Local(2024, 10, 11));
  EXPECT_EQ(FromProto(ret.judged_at()), Local(2024, 10, 11, 10, 0));
  ASSERT_EQ(ret.holdings_size(), 1) << ret.DebugString();
  EXPECT_EQ(ret.holdings(0).unit_id(), "town.longgang");
  EXPECT_EQ(ret.holdings(0).working_days(), 3);
  v1::Clock handling =
      s.StoppedClock(drain_.ticket_id(), v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(handling.outcome(), v1::CLOCK_OUTCOME_CANCELLED);

  ASSERT_TRUE(s.SubmitCoOpinion(river_.ticket_id(), testing::kWater,
                                "水利局意见：已核实排污口位置，建议联合执法。")
                  .ok());
}

// ---- Saturday 10-12: the late order's handling due passed at 00:00 →
// supervision (督办), fired on the day it fell due.
void ScenarioTest::LateOrderSupervised() {
  EXPECT_TRUE(s_->WaitStep(late_.ticket_id(), v1::LADDER_STEP_SUPERVISION))
      << logs();
}

// ---- Monday 10-14: the lamp's due (10-13 00:00, a Sunday) has passed →
// supervision.
void ScenarioTest::LampSupervised() {
  EXPECT_TRUE(s_->WaitStep(lamp_.ticket_id(), v1::LADDER_STEP_SUPERVISION))
      << logs();
}

// ---- Monday 10-14: three orders of the second half of the month.
void ScenarioTest::DispatchMidOctober() {
  Scenario& s = *s_;
  // Two hops down from a department; the second only on 10-16, after the
  // 1 working day of 6(1) (due 10-16 00:00).
  stall_ = s.CreateAndDispatch(
      v1::REQUEST_TYPE_COMPLAINT, "urban.sanitation.vendor", "town.longshui",
      "流动摊贩占道经营", "龙水镇菜市场外流动摊贩占道，早高峰车辆无法通行。",
      "13800010004", "dept.urban");
  ASSERT_TRUE(s.Accept(stall_.ticket_id(), kUrban).ok());
  ASSERT_TRUE(s.Forward(stall_.ticket_id(), kUrban, "sec.urban.law").ok());

  // An urgent matter dispatched with its own limit of 1 working day (due
  // 10-16 00:00), returned to the center on 10-16: inside the 2 working
  // days of return (due 10-17 00:00), after the handling due.
  flyer_ = s.CreateAndDispatch(
      v1::REQUEST_TYPE_COMPLAINT, "urban.road.damage", "town.longshui",
      "道路塌陷需紧急处置", "龙水镇环城路出现塌陷坑，已有车辆受损。",
      "13800010005", "dept.transport", /*own_limit_working_days=*/1);
  ASSERT_TRUE(s.Accept(flyer_.ticket_id(), testing::kTransport).ok());
  EXPECT_EQ(FromProto(s.HandlingClock(flyer_.ticket_id()).due()),
            Local(2024, 10, 16));

  // A consultation (3 working days: 10-15, 10-16, 10-17 → due 10-18 00:00)
  // passed from the street to its community, which asks for more time in
  // time; the street's leader decides only after the due.
  well_ = s.CreateAndDispatch(
      v1::REQUEST_TYPE_CONSULTATION, "urban.utility.water", "town.longgang",
      "咨询小区二次供水改造", "龙岗街道北禅社区居民咨询二次供水改造何时开工。",
      "13800010006", "town.longgang");
  ASSERT_TRUE(s.Accept(well_.ticket_id(), testing::kLonggang).ok());
  ASSERT_TRUE(
      s.Forward(well_.ticket_id(), testing::kLonggang, "comm.longgang.beichan")
          .ok());
  ASSERT_TRUE(s.Accept(well_.ticket_id(), testing::kBeichan).ok());
  EXPECT_EQ(
      FromProto(
          s.HandlingClock(well_.ticket_id(), "comm.longgang.beichan").due()),
      Local(2024, 10, 18));
}

// ---- Tuesday 10-15: the section accepts the second-hop order; the
// community asks for an extension (2 working days left: 10-16, 10-17); the
// co-unit that gave no input is past its 3 working days → 督办.
void ScenarioTest::CoOpinionOverdue() {
  Scenario& s = *s_;
  ASSERT_TRUE(s.Accept(stall_.ticket_id(), kUrbanLaw).ok());
  v1::Extension asked;
  grpc::Status st = s.RequestExtension(well_.ticket_id(), testing::kBeichan,
                                       "2024-10-25", &asked);
  ASSERT_TRUE(st.ok()) << st.error_message();
  well_extension_ = asked.extension_id();
  EXPECT_EQ(asked.approver_unit_id(), "town.longgang");
  EXPECT_EQ(asked.working_days_left(), 2);
  EXPECT_TRUE(
      s.WaitStep(river_.ticket_id(), v1::LADDER_STEP_SUPERVISION, "dept.agri"))
      << logs();
}

// ---- Wednesday 10-16: the section passes the order on to the team that
// handles it — after the 1 working day of 6(1).
void ScenarioTest::SecondHopArrivesLate() {
  Scenario& s = *s_;
  ASSERT_TRUE(
      s.Forward(stall_.ticket_id(), kUrbanLaw, "team.urban.law.longshui").ok());
  ASSERT_TRUE(s.Accept(stall_.ticket_id(), kLawTeam).ok());
}

// ---- 10-16: the 1-working-day order passed its due at 00:00 (督办, and
// overdue); the department returns it to the center, inside the 2 working
// days of return. The return is on time; the handling clock stops MISSED,
// not CANCELLED: lateness is never erased.
void ScenarioTest::ReturnAfterTheHandlingDue() {
  Scenario& s = *s_;
  EXPECT_TRUE(s.WaitStep(flyer_.ticket_id(), v1::LADDER_STEP_SUPERVISION))
      << logs();
  ASSERT_TRUE(s.Return(flyer_.ticket_id(), testing::kTransport,
                       "塌陷系燃气管道施工所致，请改派")
                  .ok());
  v1::Clock handling =
      s.StoppedClock(flyer_.ticket_id(), v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(handling.outcome(), v1::CLOCK_OUTCOME_MISSED)
      << handling.DebugString();
  EXPECT_EQ(handling.stop_cause(), "reached_center");
  EXPECT_EQ(handling.overdue_working_days(), 1);
  EXPECT_EQ(FromProto(handling.overdue_since()), Local(2024, 10, 16));
  v1::Clock ret = s.StoppedClock(flyer_.ticket_id(), v1::CLOCK_KIND_RETURN);
  EXPECT_EQ(ret.outcome(), v1::CLOCK_OUTCOME_MET) << ret.DebugString();
  EXPECT_EQ(FromProto(ret.due()), Local(2024, 10, 17));
}

// ---- 10-16: the center releases the co-unit that never gave its input.
// Its co-opinion clock was overdue since 10-15 00:00: released past its
// due, it stops MISSED (docs/clocks.md: only a clock inside its limit is
// cancelled by a release).
void ScenarioTest::CoUnitReleasedPastItsDue() {
  Scenario& s = *s_;
  ASSERT_TRUE(s.ReleaseCoUnit(river_.ticket_id(), "dept.agri",
                              "农业农村委职责不涉及工业排污，无需其意见")
                  .ok());
  v1::Clock co = s.StoppedClock(river_.ticket_id(), v1::CLOCK_KIND_CO_OPINION,
                                "dept.agri");
  EXPECT_EQ(co.outcome(), v1::CLOCK_OUTCOME_MISSED) << co.DebugString();
  EXPECT_EQ(co.stop_cause(), "co_unit_released");
  EXPECT_EQ(FromProto(co.overdue_since()), Local(2024, 10, 15));
  v1::Clock water = s.StoppedClock(river_.ticket_id(),
                                   v1::CLOCK_KIND_CO_OPINION, "dept.water");
  EXPECT_EQ(water.outcome(), v1::CLOCK_OUTCOME_MET);
}

// ---- Thursday 10-17: the team answers the order that reached it late; the
// center approves; the caller is not satisfied. The FORWARD clock is judged
// at the team's arrival (10-16 10:00, past 10-16 00:00): MISSED, charged to
// the department that was dispatched.
void ScenarioTest::HandledAfterALateHop() {
  Scenario& s = *s_;
  std::string reply =
      s.Reply(stall_.ticket_id(), kLawTeam, "已现场劝离摊贩并设置临时疏导点。");
  ASSERT_TRUE(s.Approve(stall_.ticket_id(), reply).ok());
  s.EvaluateWhenApproved(stall_.ticket_id(), v1::SATISFACTION_DISSATISFIED);
  v1::Clock fwd = s.StoppedClock(stall_.ticket_id(), v1::CLOCK_KIND_FORWARD);
  EXPECT_EQ(fwd.outcome(), v1::CLOCK_OUTCOME_MISSED) << fwd.DebugString();
  EXPECT_EQ(fwd.unit_id(), "dept.urban");
  EXPECT_EQ(fwd.stop_cause(), "handling_unit_reached");
  EXPECT_EQ(FromProto(fwd.due()), Local(2024, 10, 16));
  EXPECT_EQ(FromProto(fwd.judged_at()), Local(2024, 10, 16, 10, 0));
  v1::Clock handling =
      s.StoppedClock(stall_.ticket_id(), v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(handling.outcome(), v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(handling.unit_id(), "team.urban.law.longshui");
}

// ---- 10-17: the lead unit answers (its co-units: one opinion, one
// released) before its capped due of 10-22 00:00.
void ScenarioTest::LeadUnitAnswers() {
  Scenario& s = *s_;
  std::string reply = s.Reply(river_.ticket_id(), testing::kEcology,
                              "已会同水利部门查处偷排企业，责令停产整改。");
  ASSERT_TRUE(s.Approve(river_.ticket_id(), reply).ok());
  v1::Clock lead = s.StoppedClock(river_.ticket_id(), v1::CLOCK_KIND_LEAD_UNIT);
  EXPECT_EQ(lead.outcome(), v1::CLOCK_OUTCOME_MET) << lead.DebugString();
}

// ---- Friday 10-18: the consultation's due passed at 00:00 (督办); only now
// does the street's leader approve the extension asked in time. Decided
// after the due, it does not turn lateness into time met: the order is
// answered and approved the same day and stays MISSED; the delay is the
// approver's (late_extension_decisions).
void ScenarioTest::ExtensionDecidedAfterTheDue() {
  Scenario& s = *s_;
  EXPECT_TRUE(s.WaitStep(well_.ticket_id(), v1::LADDER_STEP_SUPERVISION,
                         "comm.longgang.beichan"))
      << logs();
  v1::DecideExtensionResponse decided;
  grpc::Status st = s.DecideExtension(well_extension_, testing::kLonggangLead,
                                      true, "2024-10-25", &decided);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(decided.extension().decided_after_due());
  EXPECT_EQ(FromProto(decided.clock().due()), Local(2024, 10, 26));
  std::string reply = s.Reply(well_.ticket_id(), testing::kBeichan,
                              "已告知二次供水改造计划于11月开工。");
  ASSERT_TRUE(s.Approve(well_.ticket_id(), reply).ok());
  v1::Clock handling =
      s.StoppedClock(well_.ticket_id(), v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(handling.outcome(), v1::CLOCK_OUTCOME_MISSED)
      << handling.DebugString();
  EXPECT_EQ(handling.unit_id(), "comm.longgang.beichan");
  EXPECT_EQ(handling.overdue_working_days(), 1);
  v1::Clock fwd = s.StoppedClock(well_.ticket_id(), v1::CLOCK_KIND_FORWARD);
  EXPECT_EQ(fwd.outcome(), v1::CLOCK_OUTCOME_MET);
}

// ---- 10-18, working day 9 of the bus-stop order: its reply is rejected.
void ScenarioTest::ReplyRejected() {
  Scenario& s = *s_;
  bus_reply_ = s.Reply(bus_.ticket_id(), testing::kTransport,
                       "已联系公交公司，近期安排维修。");
  ASSERT_TRUE(s.Reject(bus_.ticket_id(), bus_reply_,
                       "未实际维修，仅作答复，请落实后再答复")
                  .ok());
  v1::GetClocksResponse clocks;
  EXPECT_TRUE(Scenario::Eventually([&] {
    clocks = s.Clocks(bus_.ticket_id());
    return Scenario::FindClock(clocks, v1::CLOCK_KIND_REHANDLING) != nullptr;
  })) << clocks.DebugString();
}

// ---- An act of people on the late order: listed first
// (ListEscalationCandidates), then recorded with its findings.
void ScenarioTest::RecordAct(v1::LadderStep rung, const std::string& text) {
  Scenario& s = *s_;
  v1::ListEscalationCandidatesRequest lreq;
  lreq.set_step(rung);
  v1::ListEscalationCandidatesResponse cands;
  grpc::Status st = s.Call(s.deadline_.get(),
                           &v1::DeadlineService::Stub::ListEscalationCandidates,
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
}

// ---- Tuesday 10-22: the bus-stop order, re-handled, is past its handling
// due (10-22 00:00): 督办, overdue.
void ScenarioTest::RehandlingPastTheDue() {
  EXPECT_TRUE(s_->WaitStep(bus_.ticket_id(), v1::LADDER_STEP_SUPERVISION,
                           "dept.transport"))
      << logs();
}

// ---- Wednesday 10-23, working day 12: the second reply is approved. The
// re-handling clock is met, the completion is not: overdue since 10-22,
// 2 working days (10-22, 10-23).
void ScenarioTest::RehandlingApproved() {
  Scenario& s = *s_;
  std::string reply = s.Reply(bus_.ticket_id(), testing::kTransport,
                              "站台顶棚已更换完毕，已回访来电人。");
  ASSERT_NE(reply, bus_reply_);
  ASSERT_TRUE(s.Approve(bus_.ticket_id(), reply).ok());
  s.EvaluateWhenApproved(bus_.ticket_id(), v1::SATISFACTION_SATISFIED);
  v1::Clock handling =
      s.StoppedClock(bus_.ticket_id(), v1::CLOCK_KIND_HANDLING);
  EXPECT_EQ(handling.outcome(), v1::CLOCK_OUTCOME_MISSED)
      << handling.DebugString();
  EXPECT_EQ(handling.overdue_working_days(), 2);
  EXPECT_EQ(FromProto(handling.judged_at()), Local(2024, 10, 23, 10, 0));
  v1::Clock rehandling =
      s.StoppedClock(bus_.ticket_id(), v1::CLOCK_KIND_REHANDLING);
  EXPECT_EQ(rehandling.outcome(), v1::CLOCK_OUTCOME_MET);
  EXPECT_EQ(rehandling.unit_id(), "dept.transport");
}

// ---- After the district notice (10-28): the late order's ladder, each
// step exactly once, and its notices.
void ScenarioTest::TheLadderOfTheLateOrder() {
  Scenario& s = *s_;
  std::vector<v1::LadderStepRecord> steps = s.Ladder(late_.ticket_id());
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
    bool html = false, markdown = false;
    for (const auto& doc : resp.documents()) {
      if (doc.format() == v1::REPORT_FORMAT_MARKDOWN) {
        markdown = true;
        // Rates with nothing to judge, units with nothing to judge, and the
        // orders open past their due at the month's end.
        EXPECT_THAT(doc.content(), HasSubstr("不适用"));
        EXPECT_THAT(doc.content(), HasSubstr("不参与评分"));
        EXPECT_THAT(doc.content(), HasSubstr(late_.ticket_number()));
        EXPECT_THAT(doc.content(), HasSubstr(lamp_.ticket_number()));
      }
      if (doc.format() != v1::REPORT_FORMAT_HTML) continue;
      html = true;
      EXPECT_THAT(doc.content(), HasSubstr("<svg"));
      EXPECT_THAT(doc.content(), HasSubstr("龙水镇"));
      EXPECT_THAT(doc.content(), HasSubstr("区城市管理局"));
      // The accountability section names the late order.
      EXPECT_THAT(doc.content(), HasSubstr(late_.ticket_id()));
    }
    EXPECT_TRUE(html);
    EXPECT_TRUE(markdown);
  }

  // No caller identity in any service's logs.
  const std::string all_logs = cluster_->Logs();
  for (const char* secret : {"13800001111", "13800004444", "李秀英"}) {
    EXPECT_FALSE(absl::StrContains(all_logs, secret)) << secret;
  }
}

// ---- 10(3) across a month boundary: the late order's 催办 fired in
// September (09-25), its 督办 in October (10-12), no reply since. For
// October alone it is a candidate (the second step lies in the period and
// no feedback came before its end); for September alone it is not (one step
// only before that period's end).
void ScenarioTest::AccountabilityAcrossMonths() {
  Scenario& s = *s_;
  auto listed = [&](const v1::Period& period) {
    v1::AccountabilityCandidatesResponse resp;
    grpc::Status st = s.Accountability(period, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
    for (const auto& c : resp.candidates()) {
      if (c.kind() != v1::ACCOUNTABILITY_KIND_NO_FEEDBACK_AFTER_SUPERVISION ||
          c.unit_id() != "town.longshui") {
        continue;
      }
      for (const auto& t : c.ticket_ids()) {
        if (t == late_.ticket_id()) return c;
      }
    }
    return v1::AccountabilityCandidate();
  };
  v1::AccountabilityCandidate october;
  EXPECT_TRUE(Scenario::Eventually([&] {
    october = listed(testing::PeriodOf("2024-10-01", "2024-10-31"));
    return !october.candidate_id().empty();
  })) << "the late order is no 10(3) candidate for October";
  EXPECT_EQ(october.article(), "10(3)");
  bool reminder = false, supervision = false;
  for (const v1::Evidence& e : october.evidence()) {
    const absl::Time at = FromProto(e.occurred_at());
    reminder =
        reminder || (at >= Local(2024, 9, 25) && at < Local(2024, 9, 26));
    supervision =
        supervision || (at >= Local(2024, 10, 12) && at < Local(2024, 10, 13));
  }
  EXPECT_TRUE(reminder) << october.DebugString();
  EXPECT_TRUE(supervision) << october.DebugString();
  EXPECT_TRUE(listed(testing::PeriodOf("2024-09-01", "2024-09-30"))
                  .candidate_id()
                  .empty());

  // One late return in the month is below the threshold of 10(7) (2).
  v1::AccountabilityCandidatesResponse month;
  ASSERT_TRUE(
      s.Accountability(testing::PeriodOf("2024-09-23", "2024-10-31"), &month)
          .ok());
  for (const auto& c : month.candidates()) {
    EXPECT_NE(c.kind(), v1::ACCOUNTABILITY_KIND_REPEATED_LATE_RETURNS)
        << c.DebugString();
  }
}

// ---- The expected scorecard of every unit of the month.
//
// Period 2024-09-23..2024-10-31 (include_subtree = false), as of 11-01
// 09:00. Working days: 09-23..27, 09-29 (Sun, worked), 09-30, 10-08..11,
// 10-12 (Sat, worked), 10-14..18, 10-21..25, 10-28..31. Rules
// (docs/indicators.md): MET counts on the stop's day, MISSED on the first
// ClockOverdue's as_of day, to the clock's unit then; CANCELLED nowhere; a
// completion clock's first ClockOverdue at its due adds 1 when the due's
// day is a working day, then 1 per working day that begins unanswered;
// FORWARD/RETURN are judged only when the handling unit / the center is
// reached. Score: rates with a denominator, weights response .15,
// forwarding .10, completion .30, satisfaction .25, resolution .10,
// rehandling .10 (as 1 − rate), renormalised over the applicable ones, ×100,
// less 0.5 per 催办, 1 per 督办, 3 per 专项督查, 5 per 全区通报; not scored
// only with no weighted rate and no lateness. Duty gaps: a ladder step's
// notices to a unit with no leader on duty that day (only town.longshui has
// a roster), one per unit and day. Median handling days: over the
// completion clocks judged (MET or MISSED with a judged instant, a return's
// included), working days in (start date, judged date].
//
// town.longshui — late: dispatched 09-23, RESPONSE due 09-25 00:00 never
//   met → MISSED 09-25 (催办 09-25); HANDLING due 10-12 00:00 (10 wd end
//   10-11) → MISSED 10-12, +1 (10-12 is worked), +1 for each of 10-14..18,
//   21..25, 28..31 (14) = 15, open at the end with 15; 督办 10-12, 专项督查
//   10-21, 全区通报 10-28; FORWARD never judged (no handling unit reached).
//   shop round 1: dispatched 09-23, accepted 09-23 (RESPONSE MET), returned
//   09-24 (a return; RETURN MET counts nowhere; FORWARD and HANDLING
//   CANCELLED inside their limits). road: dispatched 10-08, RESPONSE MET
//   10-08, FORWARD still running (not judged: never replied); it approved
//   nanshan's extension in time (no late decision). lamp: dispatched 10-09,
//   RESPONSE MET; HANDLING due 10-13 00:00 (Sun) → MISSED 10-13 +0, then
//   +14 (10-14..31), open with 14; 督办 10-14.
//   orders 4, response 3/4, forwarding n/a, completion 0/2, overdue 2 / 29
//   wd, open 2, returns 1; steps 1+2+1+1.
//   score = 0.75×.15/.45×100 = 25 − (0.5 + 2 + 3 + 5) = 14.50.
// comm.longshui.nanshan — shop: forwarded 09-23 (RESPONSE due 09-25 00:00,
//   accepted 09-24 → MET), returned 09-24. road: forwarded 10-08, accepted
//   (MET), extension asked 10-08 and approved 10-08; its HANDLING runs to
//   11-06 00:00. orders 2, response 2/2, returns 1, ext 1/1 → 100.
// dept.urban — noise: dispatched 09-23, RESPONSE MET 09-23, FORWARD judged
//   at the team's arrival 09-23 < 09-25 00:00 → MET (stopped 10-09). joint:
//   lead unit, RESPONSE MET, FORWARD CANCELLED (handled itself), LEAD_UNIT
//   due 10-12 00:00 approved 10-09 → MET; review approved (first reply);
//   evaluation satisfied, resolved. stall: dispatched 10-14, RESPONSE MET,
//   FORWARD due 10-16 00:00 judged at the team's arrival 10-16 10:00 →
//   MISSED 10-16. orders 3, response 3/3, forwarding 1/2, completion 1/1,
//   rehandling 0/1, first-time 1/1, evaluations 1/1/1.
//   score = 15 + 5 + 30 + 25 + 10 + 10 = 95.00.
// sec.urban.law — noise: forwarded 09-23, accepted 09-23 (MET). stall:
//   forwarded 10-14, accepted 10-15 < 10-16 00:00 (MET), passed on 10-16.
//   orders 2, response 2/2 → 100.
// team.urban.law.longshui — noise: forwarded 09-23, accepted (MET),
//   HANDLING (due 10-12 00:00) approved 10-09 → MET, first reply approved,
//   satisfied. stall: forwarded 10-16, accepted (MET, due 10-18 00:00),
//   HANDLING (due 10-29 00:00) approved 10-17 → MET, first reply approved,
//   dissatisfied and unresolved. orders 2, response 2/2, completion 2/2,
//   rehandling 0/2, first-time 2/2, reached 2/2, satisfaction 1/2,
//   resolution 1/2.
//   score = (.15 + .30 + .125 + .05 + .10)/.90×100 = 80.56.
// dept.housing — joint's co-unit: its RESPONSE (due 09-25 00:00) never met
//   before its input on 09-25 09:00 → MISSED 09-25, 催办 09-25 (a duty gap
//   that day); CO_OPINION (3 wd: due 09-27 00:00) met 09-25. orders 0 (a
//   co-unit is not dispatched the order), response 0/1, co-opinion 1/1.
//   score = 0 − 0.5 → 0.00 (scored).
// dept.market — report: dispatched 09-23, RESPONSE MET, FORWARD CANCELLED,
//   HANDLING (due 10-12 00:00) approved 10-09 → MET, first reply approved,
//   not evaluated. shop round 2: re-dispatched 09-24, RESPONSE MET, FORWARD
//   CANCELLED, HANDLING (due 10-13 00:00) approved 10-09 → MET, first reply
//   approved, basically satisfied. orders 2, response 2/2, completion 2/2,
//   rehandling 0/2, first-time 2/2, evaluations 1/1/1 → 100.
// dept.hrss — consult: dispatched 09-30, RESPONSE MET, HANDLING (due 10-11
//   00:00) approved 10-09 → MET, first reply approved, satisfied → 100.
// town.longgang — drain: dispatched 10-08, RESPONSE MET; returned to the
//   center 10-11 10:00, RETURN due 10-11 00:00 → MISSED 10-11 (late return);
//   HANDLING and FORWARD CANCELLED. well: dispatched 10-14, RESPONSE MET,
//   FORWARD judged at beichan's arrival 10-14 < 10-16 00:00 → MET (stopped
//   10-18); decided beichan's extension on 10-18, after its due → a late
//   decision. orders 2, response 2/2, forwarding 1/1, returns 1, late
//   returns 1, late decisions 1 → 100 (neither figure is weighted).
// comm.longgang.beichan — well: forwarded 10-14, accepted (MET); extension
//   asked 10-15 (2 wd left), approved 10-18 after the due; HANDLING due
//   10-18 00:00 → MISSED 10-18 +1, 督办 10-18 (duty gap); replied and
//   approved 10-18 (before 10-21 could accrue). orders 1, response 1/1,
//   completion 0/1, overdue 1 / 1 wd, ext 1/1, rehandling 0/1, first-time
//   1/1. score = (.15 + 0 + .10)/.55×100 = 45.45 − 1 = 44.45.
// dept.transport — bus: dispatched 10-08, RESPONSE MET, FORWARD CANCELLED
//   (handled itself), first reply rejected 10-18, HANDLING due 10-22 00:00 →
//   MISSED 10-22 +1, +1 on 10-23, 督办 10-22 (duty gap); second reply
//   approved 10-23 (REHANDLING met, counted nowhere); satisfied. flyer:
//   dispatched 10-14 with 1 wd, RESPONSE MET, HANDLING due 10-16 00:00 →
//   MISSED 10-16 +1, 督办 10-16 (duty gap), returned to the center 10-16
//   (RETURN due 10-17 00:00 → MET; FORWARD CANCELLED). orders 2, response
//   2/2, forwarding n/a, completion 0/2, overdue 2 / 3 wd, returns 1,
//   rehandling 1/2, first-time 0/1, evaluations 1/1/1.
//   score = (.15 + 0 + .25 + .10 + .05)/.90×100 = 61.11 − 2 = 59.11.
// dept.ecology — river: dispatched 10-08, RESPONSE MET, FORWARD CANCELLED,
//   LEAD_UNIT capped to 10-22 00:00, approved 10-17 → MET, first reply
//   approved. orders 1, response 1/1, completion 1/1, rehandling 0/1,
//   first-time 1/1 → 100.
// dept.water — river's co-unit: acknowledged 10-10 (RESPONSE MET), input
//   10-11 (CO_OPINION due 10-15 00:00 → MET). response 1/1, co-opinion 1/1
//   → 100.
// dept.agri — river's co-unit: acknowledged 10-10 (MET); no input by 10-15
//   00:00 → CO_OPINION MISSED 10-15, 督办 10-15 (duty gap); released 10-16
//   (stays MISSED). response 1/1, co-opinion 0/1 (not weighted)
//   → 100 − 1 = 99.00.
// Medians of handling days: team — noise 8 (09-24..27, 09-29, 09-30,
//   10-08, 10-09), stall 3 (10-15..17) → 5.5; urban — joint 8; market —
//   report 8, shop 7 (from the re-dispatch of 09-24) → 7.5; hrss — consult 2
//   (10-08, 10-09); beichan — well 4 (10-15..18); transport — bus 12
//   (10-09..12, 10-14..18, 10-21..23), flyer 2 (stopped MISSED by its
//   return on 10-16, judged then) → 7; ecology — river 8; none elsewhere
//   (CANCELLED and running clocks are not judged) → 0.
struct R {
  int64_t num, den;
};
struct ExpectedCard {
  const char* unit;
  int64_t orders;
  R response, forwarding, completion;
  int64_t overdue_orders, overdue_working_days, open_overdue_orders;
  int64_t returns, late_returns;
  R rehandling, first_time_approval;
  int64_t ext_requested, ext_approved, late_ext_decisions;
  int64_t reminders, supervisions, special_inspections, district_notices;
  R reached, satisfaction, resolution, co_opinion;
  int64_t duty_gaps;
  double median_handling_working_days;
  bool not_scored;
  double score;
};
constexpr R kNa{0, 0};
// clang-format off
const ExpectedCard kCards[] = {
//  unit                      ord resp    fwd    compl  ovd  wd open ret late rehand fta    ext rq/ap/late  催 督 查 通 reached sat    res    co    gaps med not  score
  {"town.longshui",            4, {3, 4}, kNa,   {0, 2}, 2, 29, 2,   1, 0,  kNa,   kNa,   0, 0, 0,        1, 2, 1, 1, kNa,    kNa,   kNa,   kNa,   0, 0, false, 14.50},
  {"comm.longshui.nanshan",    2, {2, 2}, kNa,   kNa,    0,  0, 0,   1, 0,  kNa,   kNa,   1, 1, 0,        0, 0, 0, 0, kNa,    kNa,   kNa,   kNa,   0, 0, false, 100.00},
  {"dept.urban",               3, {3, 3}, {1, 2}, {1, 1}, 0, 0, 0,   0, 0,  {0, 1}, {1, 1}, 0, 0, 0,      0, 0, 0, 0, {1, 1}, {1, 1}, {1, 1}, kNa, 0, 8, false, 95.00},
  {"sec.urban.law",            2, {2, 2}, kNa,   kNa,    0,  0, 0,   0, 0,  kNa,   kNa,   0, 0, 0,        0, 0, 0, 0, kNa,    kNa,   kNa,   kNa,   0, 0, false, 100.00},
  {"team.urban.law.longshui",  2, {2, 2}, kNa,   {2, 2}, 0,  0, 0,   0, 0,  {0, 2}, {2, 2}, 0, 0, 0,      0, 0, 0, 0, {2, 2}, {1, 2}, {1, 2}, kNa, 0, 5.5, false, 80.56},
  {"dept.housing",             0, {0, 1}, kNa,   kNa,    0,  0, 0,   0, 0,  kNa,   kNa,   0, 0, 0,        1, 0, 0, 0, kNa,    kNa,   kNa,   {1, 1}, 1, 0, false, 0.00},
  {"dept.market",              2, {2, 2}, kNa,   {2, 2}, 0,  0, 0,   0, 0,  {0, 2}, {2, 2}, 0, 0, 0,      0, 0, 0, 0, {1, 1}, {1, 1}, {1, 1}, kNa, 0, 7.5, false, 100.00},
  {"dept.hrss",                1, {1, 1}, kNa,   {1, 1}, 0,  0, 0,   0, 0,  {0, 1}, {1, 1}, 0, 0, 0,      0, 0, 0, 0, {1, 1}, {1, 1}, {1, 1}, kNa, 0, 2, false, 100.00},
  {"town.longgang",            2, {2, 2}, {1, 1}, kNa,   0,  0, 0,   1, 1,  kNa,   kNa,   0, 0, 1,        0, 0, 0, 0, kNa,    kNa,   kNa,   kNa,   0, 0, false, 100.00},
  {"comm.longgang.beichan",    1, {1, 1}, kNa,   {0, 1}, 1,  1, 0,   0, 0,  {0, 1}, {1, 1}, 1, 1, 0,      0, 1, 0, 0, kNa,    kNa,   kNa,   kNa,   1, 4, false, 44.45},
  {"dept.transport",           2, {2, 2}, kNa,   {0, 2}, 2,  3, 0,   1, 0,  {1, 2}, {0, 1}, 0, 0, 0,      0, 2, 0, 0, {1, 1}, {1, 1}, {1, 1}, kNa, 2, 7, false, 59.11},
  {"dept.ecology",             1, {1, 1}, kNa,   {1, 1}, 0,  0, 0,   0, 0,  {0, 1}, {1, 1}, 0, 0, 0,      0, 0, 0, 0, kNa,    kNa,   kNa,   kNa,   0, 8, false, 100.00},
  {"dept.water",               0, {1, 1}, kNa,   kNa,    0,  0, 0,   0, 0,  kNa,   kNa,   0, 0, 0,        0, 0, 0, 0, kNa,    kNa,   kNa,   {1, 1}, 0, 0, false, 100.00},
  {"dept.agri",                0, {1, 1}, kNa,   kNa,    0,  0, 0,   0, 0,  kNa,   kNa,   0, 0, 0,        0, 1, 0, 0, kNa,    kNa,   kNa,   {0, 1}, 1, 0, false, 99.00},
};
// clang-format on

void CompareRatio(const std::string& name, const v1::Ratio& got, R want,
                  std::vector<std::string>* diffs) {
  if (got.numerator() != want.num || got.denominator() != want.den ||
      got.not_applicable() != (want.den == 0)) {
    diffs->push_back(absl::StrFormat(
        "%s %d/%d%s, expected %d/%d", name, got.numerator(), got.denominator(),
        got.not_applicable() ? " (n/a)" : "", want.num, want.den));
  }
}

void CompareCount(const std::string& name, int64_t got, int64_t want,
                  std::vector<std::string>* diffs) {
  if (got != want) {
    diffs->push_back(absl::StrFormat("%s %d, expected %d", name, got, want));
  }
}

// The fields of `card` that differ from `want`, in words.
std::vector<std::string> Differences(const v1::Scorecard& card,
                                     const ExpectedCard& want) {
  std::vector<std::string> d;
  const v1::Indicators& i = card.total();
  CompareCount("orders", i.orders(), want.orders, &d);
  CompareRatio("on_time_response", i.on_time_response(), want.response, &d);
  CompareRatio("on_time_forwarding", i.on_time_forwarding(), want.forwarding,
               &d);
  CompareRatio("on_time_completion", i.on_time_completion(), want.completion,
               &d);
  CompareCount("overdue_orders", i.overdue_orders(), want.overdue_orders, &d);
  CompareCount("overdue_working_days", i.overdue_working_days(),
               want.overdue_working_days, &d);
  CompareCount("open_overdue_orders", i.open_overdue_orders(),
               want.open_overdue_orders, &d);
  CompareCount("open_overdue listed", card.open_overdue_size(),
               want.open_overdue_orders, &d);
  CompareCount("returns", i.returns(), want.returns, &d);
  CompareCount("late_returns", i.late_returns(), want.late_returns, &d);
  CompareRatio("rehandling", i.rehandling(), want.rehandling, &d);
  CompareRatio("first_time_approval", i.first_time_approval(),
               want.first_time_approval, &d);
  CompareCount("extensions_requested", i.extensions_requested(),
               want.ext_requested, &d);
  CompareCount("extensions_approved", i.extensions_approved(),
               want.ext_approved, &d);
  CompareCount("late_extension_decisions", i.late_extension_decisions(),
               want.late_ext_decisions, &d);
  CompareCount("reminders", i.reminders(), want.reminders, &d);
  CompareCount("supervisions", i.supervisions(), want.supervisions, &d);
  CompareCount("special_inspections", i.special_inspections(),
               want.special_inspections, &d);
  CompareCount("district_notices", i.district_notices(), want.district_notices,
               &d);
  CompareRatio("reached", i.reached(), want.reached, &d);
  CompareRatio("satisfaction", i.satisfaction(), want.satisfaction, &d);
  CompareRatio("resolution", i.resolution(), want.resolution, &d);
  CompareRatio("on_time_co_opinion", i.on_time_co_opinion(), want.co_opinion,
               &d);
  CompareCount("duty_gaps", i.duty_gaps(), want.duty_gaps, &d);
  if (std::abs(i.median_handling_working_days() -
               want.median_handling_working_days) > 1e-9) {
    d.push_back(absl::StrFormat("median_handling_working_days %g, expected %g",
                                i.median_handling_working_days(),
                                want.median_handling_working_days));
  }
  CompareCount("disputes_raised", i.disputes_raised(), 0, &d);
  if (card.not_scored() != want.not_scored) {
    d.push_back(absl::StrCat("not_scored ", card.not_scored()));
  }
  if (std::abs(card.composite_score() - want.score) >= 0.005) {
    d.push_back(absl::StrFormat("composite_score %.4f, expected %.2f",
                                card.composite_score(), want.score));
  }
  return d;
}

void ScenarioTest::EveryUnitsScorecard() {
  Scenario& s = *s_;
  const v1::Period month = testing::PeriodOf("2024-09-23", "2024-10-31");
  std::map<std::string, std::vector<std::string>> diffs;
  std::map<std::string, v1::Scorecard> cards;
  // Lateness up to 10-31 reaches assessment once deadline's scanner has run
  // past the month (bounded wait for event delivery).
  Scenario::Eventually([&] {
    diffs.clear();
    for (const ExpectedCard& want : kCards) {
      v1::Scorecard& card = cards[want.unit];
      grpc::Status st = s.Scorecard(want.unit, month, false, &card);
      if (!st.ok()) {
        diffs[want.unit].push_back(st.error_message());
        continue;
      }
      std::vector<std::string> d = Differences(card, want);
      if (!d.empty()) diffs[want.unit] = std::move(d);
    }
    return diffs.empty();
  });
  for (const auto& [unit, d] : diffs) {
    ADD_FAILURE() << unit << ": " << absl::StrJoin(d, "; ") << "\n"
                  << cards[unit].total().DebugString();
  }

  // The never-answered orders, open at the month's end with their overdue
  // working days to 10-31.
  const v1::Scorecard& longshui = cards["town.longshui"];
  std::map<std::string, int> open;
  for (const auto& o : longshui.open_overdue()) {
    open[o.ticket_id()] = o.overdue_working_days();
    EXPECT_EQ(o.unit_id(), "town.longshui");
  }
  EXPECT_EQ(open, (std::map<std::string, int>{{late_.ticket_id(), 15},
                                              {lamp_.ticket_id(), 14}}));
  v1::ExplainFigureResponse days;
  ASSERT_TRUE(
      s.Explain("town.longshui", month, "overdue_working_days", &days).ok());
  EXPECT_EQ(days.value().numerator(), 29);
  int64_t sum = 0;
  for (const auto& item : days.items()) sum += item.amount();
  EXPECT_EQ(sum, 29);

  // The center's own scope: orders received and answered at intake.
  v1::Scorecard center;
  ASSERT_TRUE(s.Scorecard("center", month, false, &center).ok());
  EXPECT_EQ(center.total().received(), 16);
  EXPECT_EQ(center.total().closed_at_intake().numerator(), 1);
  EXPECT_EQ(center.total().closed_at_intake().denominator(), 16);
  EXPECT_TRUE(center.not_scored());
  // The district: the sum of the units above.
  v1::Scorecard district;
  ASSERT_TRUE(s.Scorecard("center", month, true, &district).ok());
  int64_t orders = 0, overdue_days = 0, supervisions = 0;
  for (const ExpectedCard& want : kCards) {
    orders += want.orders;
    overdue_days += want.overdue_working_days;
    supervisions += want.supervisions;
  }
  EXPECT_EQ(district.total().orders(), orders);
  EXPECT_EQ(district.total().received(), 16);
  EXPECT_EQ(district.total().overdue_working_days(), overdue_days);
  EXPECT_EQ(district.total().supervisions(), supervisions);
  EXPECT_EQ(district.total().open_overdue_orders(), 2);
}

// ---- The rankings of the month, each peer over its subtree. Towns:
// longgang (with beichan: response 3/3, forwarding 1/1, completion 0/1,
// rehandling 0/1 → 35/.65 = 53.85 − 1 督办 = 52.85) before longshui (with
// nanshan: response 5/6, completion 0/2 → 27.78 − 10.5 = 17.28). Departments:
// ecology, hrss, market, water 100 (rank 1, shared), agri 99 (5), urban with
// its section and team (response 7/7, forwarding 1/2, completion 3/3,
// rehandling 0/3, satisfaction and resolution 2/3 → 83.33, rank 6),
// transport 59.11 (7), housing 0 (8). Every other town or department had
// nothing to judge: rank 0, after the scored ones, by unit id.
void ScenarioTest::Rankings() {
  Scenario& s = *s_;
  const v1::Period month = testing::PeriodOf("2024-09-23", "2024-10-31");
  struct Want {
    int rank;
    double score;
  };
  const std::map<std::string, Want> towns = {{"town.longgang", {1, 52.85}},
                                             {"town.longshui", {2, 17.28}}};
  const std::map<std::string, Want> departments = {
      {"dept.ecology", {1, 100}},     {"dept.hrss", {1, 100}},
      {"dept.market", {1, 100}},      {"dept.water", {1, 100}},
      {"dept.agri", {5, 99}},         {"dept.urban", {6, 83.33}},
      {"dept.transport", {7, 59.11}}, {"dept.housing", {8, 0}}};
  for (const auto& [kind, scored, peers] :
       std::vector<std::tuple<v1::UnitKind, std::map<std::string, Want>, int>>{
           {v1::UNIT_KIND_TOWN_STREET, towns, 27},
           {v1::UNIT_KIND_DEPARTMENT, departments, 15}}) {
    SCOPED_TRACE(v1::UnitKind_Name(kind));
    v1::RankingResponse resp;
    grpc::Status st = s.Ranking(month, kind, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
    ASSERT_EQ(resp.entries_size(), peers) << resp.DebugString();
    std::vector<std::string> not_scored;
    for (int i = 0; i < resp.entries_size(); ++i) {
      const v1::RankingEntry& e = resp.entries(i);
      auto it = scored.find(e.unit_id());
      if (i < static_cast<int>(scored.size())) {
        // Scored peers first, best first.
        ASSERT_NE(it, scored.end()) << e.unit_id() << " ranked at " << i;
        EXPECT_FALSE(e.not_scored()) << e.unit_id();
        EXPECT_EQ(e.rank(), it->second.rank) << e.unit_id();
        EXPECT_NEAR(e.composite_score(), it->second.score, 0.005)
            << e.unit_id();
        EXPECT_EQ(e.previous_rank(), 0) << e.unit_id();
      } else {
        EXPECT_EQ(it, scored.end()) << e.unit_id();
        EXPECT_TRUE(e.not_scored()) << e.unit_id();
        EXPECT_EQ(e.rank(), 0) << e.unit_id();
        not_scored.push_back(e.unit_id());
      }
    }
    EXPECT_TRUE(std::is_sorted(not_scored.begin(), not_scored.end()));
  }
  // Monday 10-21 ranked against Sunday 10-20: on that Sunday longshui
  // accrued nothing and was chased for nothing, but sat on two orders open
  // past their due (late, lamp) — lateness, so it was scored then (0) and
  // its previous rank is 1, as its scorecard's previous period says. On
  // 10-21 it accrues 2 working days and is inspected (−3): 0, rank 1.
  const v1::Period monday = testing::PeriodOf("2024-10-21", "2024-10-21");
  v1::Scorecard card;
  ASSERT_TRUE(s.Scorecard("town.longshui", monday, true, &card).ok());
  EXPECT_EQ(card.previous_total().open_overdue_orders(), 2);
  EXPECT_EQ(card.previous_total().overdue_working_days(), 0);
  EXPECT_FALSE(card.previous_not_scored());
  EXPECT_EQ(card.total().overdue_working_days(), 2);
  EXPECT_EQ(card.total().special_inspections(), 1);
  v1::RankingResponse resp;
  ASSERT_TRUE(s.Ranking(monday, v1::UNIT_KIND_TOWN_STREET, &resp).ok());
  ASSERT_GT(resp.entries_size(), 0);
  const v1::RankingEntry& first = resp.entries(0);
  EXPECT_EQ(first.unit_id(), "town.longshui") << resp.DebugString();
  EXPECT_EQ(first.rank(), 1);
  EXPECT_FALSE(first.not_scored());
  EXPECT_EQ(first.composite_score(), 0);
  EXPECT_EQ(first.previous_rank(), 1);
  for (int i = 1; i < resp.entries_size(); ++i) {
    EXPECT_TRUE(resp.entries(i).not_scored()) << resp.entries(i).unit_id();
  }
}

TEST_P(ScenarioTest, AMonthOfTheRegulation) {
  // Monday 09-23 08:30.
  ASSERT_NO_FATAL_FAILURE(LoadDirectory());
  ASSERT_NO_FATAL_FAILURE(AnswerAtIntake());
  ASSERT_NO_FATAL_FAILURE(DispatchTheFirstOrders());
  At(9, 24, 10);
  ASSERT_NO_FATAL_FAILURE(ClimbBackAndRedispatch());
  ASSERT_NO_FATAL_FAILURE(ConfidentialReport());
  At(9, 25, 9);
  ASSERT_NO_FATAL_FAILURE(FirstReminders());
  At(9, 30, 16);
  ASSERT_NO_FATAL_FAILURE(ConsultationOverTheHoliday());
  At(10, 8, 10);  // the National Day week has passed
  ASSERT_NO_FATAL_FAILURE(ExtensionApprovedInTime());
  ASSERT_NO_FATAL_FAILURE(DispatchAfterTheHoliday());
  At(10, 9, 15);
  ASSERT_NO_FATAL_FAILURE(RepliesApprovedAndEvaluated());
  At(10, 10, 10);
  ASSERT_NO_FATAL_FAILURE(CoUnitsAddedLater());
  At(10, 11, 10);
  ASSERT_NO_FATAL_FAILURE(FirstLevelReturnsLate());
  At(10, 12, 10);  // Saturday, worked
  ASSERT_NO_FATAL_FAILURE(ExtensionAskedTooLate());
  ASSERT_NO_FATAL_FAILURE(LateOrderSupervised());
  At(10, 14, 9);
  ASSERT_NO_FATAL_FAILURE(LampSupervised());
  ASSERT_NO_FATAL_FAILURE(DispatchMidOctober());
  At(10, 15, 10);
  ASSERT_NO_FATAL_FAILURE(CoOpinionOverdue());
  At(10, 16, 10);
  ASSERT_NO_FATAL_FAILURE(SecondHopArrivesLate());
  ASSERT_NO_FATAL_FAILURE(ReturnAfterTheHandlingDue());
  ASSERT_NO_FATAL_FAILURE(CoUnitReleasedPastItsDue());
  At(10, 17, 10);
  ASSERT_NO_FATAL_FAILURE(HandledAfterALateHop());
  ASSERT_NO_FATAL_FAILURE(LeadUnitAnswers());
  At(10, 18, 10);
  ASSERT_NO_FATAL_FAILURE(ExtensionDecidedAfterTheDue());
  ASSERT_NO_FATAL_FAILURE(ReplyRejected());
  At(10, 21, 9);
  ASSERT_NO_FATAL_FAILURE(
      RecordAct(v1::LADDER_STEP_SPECIAL_INSPECTION,
                "经专项督查，龙水镇未落实专人办理，责令三个工作日内办结。"));
  At(10, 22, 9);
  ASSERT_NO_FATAL_FAILURE(RehandlingPastTheDue());
  At(10, 23, 10);
  ASSERT_NO_FATAL_FAILURE(RehandlingApproved());
  At(10, 28, 9);
  ASSERT_NO_FATAL_FAILURE(
      RecordAct(v1::LADDER_STEP_DISTRICT_NOTICE,
                "龙水镇对群众诉求拖延办理，经督查仍未办结，予以全区通报。"));
  ASSERT_NO_FATAL_FAILURE(TheLadderOfTheLateOrder());
  At(11, 1, 9);
  ASSERT_NO_FATAL_FAILURE(EveryUnitsScorecard());
  ASSERT_NO_FATAL_FAILURE(Rankings());
  ASSERT_NO_FATAL_FAILURE(AccountabilityAcrossMonths());
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
