#include "tests/e2e/scenario.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"
#include "gtest/gtest.h"

namespace hotline::testing {

absl::Time Local(int y, int m, int d, int hh, int mm) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm),
                         absl::FixedTimeZone(8 * 3600));
}

std::string Id() {
  static int n = 0;
  return absl::StrCat("e2e-", ++n);
}

v1::Period PeriodOf(const std::string& from, const std::string& to,
                    v1::Granularity granularity) {
  v1::Period p;
  p.set_from_date(from);
  p.set_to_date(to);
  p.set_granularity(granularity);
  return p;
}

Scenario::Scenario(Cluster* cluster)
    : cluster_(cluster),
      intake_(v1::IntakeService::NewStub(cluster->channel("intake"))),
      knowledge_(v1::KnowledgeService::NewStub(cluster->channel("intake"))),
      routing_(v1::RoutingService::NewStub(cluster->channel("routing"))),
      directory_(v1::DirectoryService::NewStub(cluster->channel("routing"))),
      calendar_(v1::CalendarService::NewStub(cluster->channel("deadline"))),
      deadline_(v1::DeadlineService::NewStub(cluster->channel("deadline"))),
      assessment_(
          v1::AssessmentService::NewStub(cluster->channel("assessment"))) {}

bool Scenario::Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 400; ++i) {  // ≤ 20 s
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

void Scenario::Advance(absl::Time to) {
  ASSERT_TRUE(cluster_->Advance(to - cluster_->now()).ok());
}

v1::ImportDirectoryResponse Scenario::ImportSampleDirectory() {
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
  grpc::Status s =
      Call(directory_.get(), &v1::DirectoryService::Stub::ImportDirectory,
           kCenterToken, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

v1::Ticket Scenario::Create(v1::RequestType type, const std::string& category,
                            const std::string& town, const std::string& title,
                            const std::string& content,
                            const std::string& phone, bool confidential) {
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

v1::Ticket Scenario::Get(const std::string& ticket_id,
                         const std::string& token) {
  v1::GetTicketRequest req;
  req.set_ticket_id(ticket_id);
  v1::GetTicketResponse resp;
  grpc::Status s = Call(intake_.get(), &v1::IntakeService::Stub::GetTicket,
                        token, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp.ticket();
}

bool Scenario::WaitStatus(const std::string& ticket_id,
                          v1::TicketStatus status) {
  return Eventually(
      [&] { return Get(ticket_id, kCenterToken).status() == status; });
}

bool Scenario::WaitRouted(const std::string& ticket_id) {
  return Eventually([&] {
    v1::GetAssignmentRequest req;
    req.set_ticket_id(ticket_id);
    v1::GetAssignmentResponse resp;
    return Call(routing_.get(), &v1::RoutingService::Stub::GetAssignment,
                kCenterToken, req, &resp)
        .ok();
  });
}

bool Scenario::WaitRoutingStatus(const std::string& ticket_id,
                                 v1::TicketStatus status) {
  return Eventually([&] {
    v1::GetAssignmentRequest req;
    req.set_ticket_id(ticket_id);
    v1::GetAssignmentResponse resp;
    return Call(routing_.get(), &v1::RoutingService::Stub::GetAssignment,
                kCenterToken, req, &resp)
               .ok() &&
           resp.assignment().status() == status;
  });
}

v1::Ticket Scenario::CreateAndDispatch(
    v1::RequestType type, const std::string& category, const std::string& town,
    const std::string& title, const std::string& content,
    const std::string& phone, const std::string& unit,
    int own_limit_working_days) {
  v1::Ticket t = Create(type, category, town, title, content, phone);
  EXPECT_TRUE(WaitRouted(t.ticket_id())) << t.ticket_id();
  grpc::Status s = Dispatch(t.ticket_id(), unit, {}, own_limit_working_days);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return t;
}

grpc::Status Scenario::Dispatch(const std::string& ticket_id,
                                const std::string& unit,
                                std::vector<std::string> co_units,
                                int own_limit_working_days) {
  v1::DispatchRequest req;
  req.set_request_id(Id());
  req.set_ticket_id(ticket_id);
  req.set_unit_id(unit);
  for (auto& c : co_units) req.add_co_unit_ids(c);
  if (own_limit_working_days > 0) {
    req.mutable_limit()->set_working_days(own_limit_working_days);
  }
  req.set_note("请按时办理");
  v1::DispatchResponse resp;
  return Call(routing_.get(), &v1::RoutingService::Stub::Dispatch, kCenterToken,
              req, &resp);
}

grpc::Status Scenario::Accept(const std::string& ticket_id,
                              const std::string& token) {
  v1::AcceptRequest req;
  req.set_request_id(Id());
  req.set_ticket_id(ticket_id);
  v1::AcceptResponse resp;
  return Call(routing_.get(), &v1::RoutingService::Stub::Accept, token, req,
              &resp);
}

grpc::Status Scenario::Forward(const std::string& ticket_id,
                               const std::string& token,
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

grpc::Status Scenario::Return(const std::string& ticket_id,
                              const std::string& token,
                              const std::string& reason) {
  v1::ReturnRequest req;
  req.set_request_id(Id());
  req.set_ticket_id(ticket_id);
  req.set_reason(reason);
  v1::ReturnResponse resp;
  return Call(routing_.get(), &v1::RoutingService::Stub::Return, token, req,
              &resp);
}

std::string Scenario::Reply(const std::string& ticket_id,
                            const std::string& token, const std::string& text,
                            v1::ReplyContact contact) {
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
  grpc::Status s =
      Call(routing_.get(), &v1::RoutingService::Stub::Reply, token, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp.assignment().latest_reply().reply_id();
}

grpc::Status Scenario::Approve(const std::string& ticket_id,
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

grpc::Status Scenario::Reject(const std::string& ticket_id,
                              const std::string& reply_id,
                              const std::string& comment) {
  v1::ReviewRequest req;
  req.set_request_id(Id());
  req.set_ticket_id(ticket_id);
  req.set_reply_id(reply_id);
  req.set_approve(false);
  req.add_reasons(v1::REVIEW_REASON_NOT_RESOLVED);
  req.set_comment(comment);
  v1::ReviewResponse resp;
  return Call(routing_.get(), &v1::RoutingService::Stub::Review, kCenterToken,
              req, &resp);
}

grpc::Status Scenario::AddCoUnits(const std::string& ticket_id,
                                  std::vector<std::string> co_units) {
  v1::AddCoUnitsRequest req;
  req.set_request_id(Id());
  req.set_ticket_id(ticket_id);
  for (auto& c : co_units) req.add_co_unit_ids(c);
  req.set_note("请协办单位提出意见");
  v1::AddCoUnitsResponse resp;
  return Call(routing_.get(), &v1::RoutingService::Stub::AddCoUnits,
              kCenterToken, req, &resp);
}

grpc::Status Scenario::SubmitCoOpinion(const std::string& ticket_id,
                                       const std::string& token,
                                       const std::string& opinion) {
  v1::SubmitCoOpinionRequest req;
  req.set_request_id(Id());
  req.set_ticket_id(ticket_id);
  req.set_opinion(opinion);
  v1::SubmitCoOpinionResponse resp;
  return Call(routing_.get(), &v1::RoutingService::Stub::SubmitCoOpinion, token,
              req, &resp);
}

grpc::Status Scenario::ReleaseCoUnit(const std::string& ticket_id,
                                     const std::string& co_unit,
                                     const std::string& reason) {
  v1::ReleaseCoUnitRequest req;
  req.set_request_id(Id());
  req.set_ticket_id(ticket_id);
  req.set_co_unit_id(co_unit);
  req.set_reason(reason);
  v1::ReleaseCoUnitResponse resp;
  return Call(routing_.get(), &v1::RoutingService::Stub::ReleaseCoUnit,
              kCenterToken, req, &resp);
}

v1::GetClocksResponse Scenario::Clocks(const std::string& ticket_id) {
  v1::GetClocksRequest req;
  req.set_ticket_id(ticket_id);
  v1::GetClocksResponse resp;
  grpc::Status s = Call(deadline_.get(), &v1::DeadlineService::Stub::GetClocks,
                        kCenterToken, req, &resp);
  if (s.error_code() != grpc::StatusCode::NOT_FOUND) {
    EXPECT_TRUE(s.ok()) << s.error_message();
  }
  return resp;
}

const v1::Clock* Scenario::FindClock(const v1::GetClocksResponse& clocks,
                                     v1::ClockKind kind,
                                     const std::string& unit) {
  for (const v1::Clock& c : clocks.clocks()) {
    if (c.kind() == kind && (unit.empty() || c.unit_id() == unit)) return &c;
  }
  return nullptr;
}

v1::Clock Scenario::HandlingClock(const std::string& ticket_id,
                                  const std::string& unit) {
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

v1::Clock Scenario::StoppedClock(const std::string& ticket_id,
                                 v1::ClockKind kind, const std::string& unit) {
  v1::Clock out;
  v1::GetClocksResponse last;
  EXPECT_TRUE(Eventually([&] {
    last = Clocks(ticket_id);
    for (const v1::Clock& c : last.clocks()) {
      if (c.kind() == kind && c.state() == v1::CLOCK_STATE_STOPPED &&
          (unit.empty() || c.unit_id() == unit)) {
        out = c;
        return true;
      }
    }
    return false;
  })) << "no stopped "
      << v1::ClockKind_Name(kind) << " clock of " << ticket_id << ": "
      << last.DebugString();
  return out;
}

std::vector<v1::LadderStepRecord> Scenario::Ladder(
    const std::string& ticket_id) {
  v1::ListLadderStepsRequest req;
  req.set_ticket_id(ticket_id);
  v1::ListLadderStepsResponse resp;
  grpc::Status s =
      Call(deadline_.get(), &v1::DeadlineService::Stub::ListLadderSteps,
           kCenterToken, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return {resp.steps().begin(), resp.steps().end()};
}

bool Scenario::WaitStep(const std::string& ticket_id, v1::LadderStep step,
                        const std::string& unit) {
  return Eventually([&] {
    for (const auto& s : Ladder(ticket_id)) {
      if (s.step() == step && (unit.empty() || s.unit_id() == unit)) {
        return true;
      }
    }
    return false;
  });
}

grpc::Status Scenario::RequestExtension(const std::string& ticket_id,
                                        const std::string& token,
                                        const std::string& proposed_due_date,
                                        v1::Extension* out) {
  v1::RequestExtensionRequest req;
  req.set_request_id(Id());
  req.set_ticket_id(ticket_id);
  req.set_reason("需协调相关部门并筹措资金，无法按期办结");
  req.set_proposed_due_date(proposed_due_date);
  req.set_progress_note("已现场查看，正在协调处理。");
  v1::RequestExtensionResponse resp;
  grpc::Status s =
      Call(deadline_.get(), &v1::DeadlineService::Stub::RequestExtension, token,
           req, &resp);
  if (out != nullptr) *out = resp.extension();
  return s;
}

grpc::Status Scenario::DecideExtension(const std::string& extension_id,
                                       const std::string& token, bool approve,
                                       const std::string& approved_due_date,
                                       v1::DecideExtensionResponse* out) {
  v1::DecideExtensionRequest req;
  req.set_request_id(Id());
  req.set_extension_id(extension_id);
  req.set_approve(approve);
  req.set_approved_due_date(approved_due_date);
  req.set_reason(approve ? "情况属实，同意延期" : "理由不充分，不同意延期");
  v1::DecideExtensionResponse resp;
  grpc::Status s =
      Call(deadline_.get(), &v1::DeadlineService::Stub::DecideExtension, token,
           req, &resp);
  if (out != nullptr) *out = resp;
  return s;
}

grpc::Status Scenario::LoadYear(int year, std::vector<std::string> holidays,
                                const std::string& source,
                                v1::LoadYearResponse* out) {
  v1::LoadYearRequest req;
  req.set_request_id(Id());
  req.set_year(year);
  for (auto& h : holidays) req.add_holidays(h);
  req.set_source(source);
  v1::LoadYearResponse resp;
  grpc::Status s = Call(calendar_.get(), &v1::CalendarService::Stub::LoadYear,
                        kCenterToken, req, &resp);
  if (out != nullptr) *out = resp;
  return s;
}

v1::CountWorkingDaysResponse Scenario::CountWorkingDays(const std::string& from,
                                                        const std::string& to) {
  v1::CountWorkingDaysRequest req;
  req.set_from_date(from);
  req.set_to_date(to);
  v1::CountWorkingDaysResponse resp;
  grpc::Status s =
      Call(calendar_.get(), &v1::CalendarService::Stub::CountWorkingDays,
           kCenterToken, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

grpc::Status Scenario::Evaluate(const std::string& ticket_id,
                                v1::Satisfaction sat) {
  v1::RecordEvaluationRequest req;
  req.set_request_id(Id());
  req.set_ticket_id(ticket_id);
  req.set_reached(true);
  req.set_satisfaction(sat);
  req.set_resolved(sat != v1::SATISFACTION_DISSATISFIED);
  req.set_comment(sat != v1::SATISFACTION_DISSATISFIED
                      ? "回访：群众表示认可"
                      : "回访：群众表示问题未解决");
  *req.mutable_evaluated_at() = ToProto(cluster_->now());
  v1::RecordEvaluationResponse resp;
  return Call(assessment_.get(), &v1::AssessmentService::Stub::RecordEvaluation,
              kEvaluatorToken, req, &resp);
}

void Scenario::EvaluateWhenApproved(const std::string& ticket_id,
                                    v1::Satisfaction sat) {
  grpc::Status last;
  EXPECT_TRUE(Eventually([&] {
    last = Evaluate(ticket_id, sat);
    return last.ok();
  })) << last.error_message();
}

grpc::Status Scenario::Scorecard(const std::string& unit,
                                 const v1::Period& period, bool include_subtree,
                                 v1::Scorecard* out) {
  v1::UnitScorecardRequest req;
  req.set_unit_id(unit);
  *req.mutable_period() = period;
  req.set_include_subtree(include_subtree);
  v1::UnitScorecardResponse resp;
  grpc::Status s =
      Call(assessment_.get(), &v1::AssessmentService::Stub::UnitScorecard,
           kCenterToken, req, &resp);
  *out = resp.scorecard();
  return s;
}

grpc::Status Scenario::Ranking(const v1::Period& period, v1::UnitKind peers,
                               v1::RankingResponse* out) {
  v1::RankingRequest req;
  *req.mutable_period() = period;
  req.set_peer_kind(peers);
  return Call(assessment_.get(), &v1::AssessmentService::Stub::Ranking,
              kCenterToken, req, out);
}

grpc::Status Scenario::Accountability(
    const v1::Period& period, v1::AccountabilityCandidatesResponse* out) {
  v1::AccountabilityCandidatesRequest req;
  *req.mutable_period() = period;
  req.mutable_page()->set_page_size(500);
  return Call(assessment_.get(),
              &v1::AssessmentService::Stub::AccountabilityCandidates,
              kCenterToken, req, out);
}

grpc::Status Scenario::Explain(const std::string& unit,
                               const v1::Period& period,
                               const std::string& indicator,
                               v1::ExplainFigureResponse* out) {
  v1::ExplainFigureRequest req;
  req.set_unit_id(unit);
  *req.mutable_period() = period;
  req.set_indicator(indicator);
  req.mutable_page()->set_page_size(500);
  return Call(assessment_.get(), &v1::AssessmentService::Stub::ExplainFigure,
              kCenterToken, req, out);
}

std::vector<v1::Fact> Scenario::Facts(const std::string& ticket_id) {
  std::vector<v1::Fact> out;
  v1::ListFactsRequest req;
  req.set_ticket_id(ticket_id);
  req.mutable_page()->set_page_size(500);
  while (true) {
    v1::ListFactsResponse resp;
    grpc::Status s =
        Call(assessment_.get(), &v1::AssessmentService::Stub::ListFacts,
             kCenterToken, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (!s.ok()) break;
    out.insert(out.end(), resp.facts().begin(), resp.facts().end());
    if (resp.page().next_page_token().empty()) break;
    req.mutable_page()->set_page_token(resp.page().next_page_token());
  }
  return out;
}

}  // namespace hotline::testing
