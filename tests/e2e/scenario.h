#pragma once

// Client-side view of the suite for end-to-end scenarios: one helper per
// operation of the four services, over gRPC only (cluster.h starts them as
// real processes with manual clocks).
//
// Helpers that must succeed for the scenario to make sense check their
// status with EXPECT and return what the service answered; helpers whose
// refusal a test may want to see return the grpc::Status. Events travel
// between the services through their outboxes: Eventually() polls for them
// (bounded), never for simulated time to pass — time moves only through
// Advance() (Cluster::Advance).

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "hotline/v1/assessment.grpc.pb.h"
#include "hotline/v1/deadline.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "tests/e2e/cluster.h"
#include "tests/support/service_fixture.h"

namespace hotline::testing {

// Unit principals of the scenarios (token, role, unit): lines of the token
// file (ClusterOptions::extra_tokens).
inline constexpr char kUnitTokens[] =
    "staff-longshui-01 UNIT_STAFF town.longshui\n"
    "lead-longshui-001 UNIT_LEAD town.longshui\n"
    "staff-nanshan-001 UNIT_STAFF comm.longshui.nanshan\n"
    "staff-urban-0001 UNIT_STAFF dept.urban\n"
    "staff-urbanlaw-01 UNIT_STAFF sec.urban.law\n"
    "staff-lawteam-001 UNIT_STAFF team.urban.law.longshui\n"
    "staff-housing-01 UNIT_STAFF dept.housing\n"
    "staff-market-001 UNIT_STAFF dept.market\n"
    "staff-hrss-00001 UNIT_STAFF dept.hrss\n"
    "staff-longgang-01 UNIT_STAFF town.longgang\n"
    "lead-longgang-001 UNIT_LEAD town.longgang\n"
    "staff-beichan-001 UNIT_STAFF comm.longgang.beichan\n"
    "staff-transport-1 UNIT_STAFF dept.transport\n"
    "staff-ecology-001 UNIT_STAFF dept.ecology\n"
    "staff-water-00001 UNIT_STAFF dept.water\n"
    "staff-agri-000001 UNIT_STAFF dept.agri\n";
inline constexpr char kLongshui[] = "staff-longshui-01";
inline constexpr char kLongshuiLead[] = "lead-longshui-001";
inline constexpr char kNanshan[] = "staff-nanshan-001";
inline constexpr char kUrban[] = "staff-urban-0001";
inline constexpr char kUrbanLaw[] = "staff-urbanlaw-01";
inline constexpr char kLawTeam[] = "staff-lawteam-001";
inline constexpr char kHousing[] = "staff-housing-01";
inline constexpr char kMarket[] = "staff-market-001";
inline constexpr char kHrss[] = "staff-hrss-00001";
inline constexpr char kLonggang[] = "staff-longgang-01";
inline constexpr char kLonggangLead[] = "lead-longgang-001";
inline constexpr char kBeichan[] = "staff-beichan-001";
inline constexpr char kTransport[] = "staff-transport-1";
inline constexpr char kEcology[] = "staff-ecology-001";
inline constexpr char kWater[] = "staff-water-00001";
inline constexpr char kAgri[] = "staff-agri-000001";

// An instant in China Standard Time.
absl::Time Local(int y, int m, int d, int hh = 0, int mm = 0);
// A fresh request id.
std::string Id();
// A period of local dates (granularity UNSPECIFIED unless given).
v1::Period PeriodOf(const std::string& from, const std::string& to,
                    v1::Granularity granularity = v1::GRANULARITY_UNSPECIFIED);

class Scenario {
 public:
  explicit Scenario(Cluster* cluster);

  template <typename Stub, typename Req, typename Resp>
  grpc::Status Call(Stub* stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                 const Req&, Resp*),
                    const std::string& token, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, token);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(20));
    return (stub->*method)(&ctx, req, resp);
  }

  // Polls `done` until it holds (≤ 20 s): events cross services
  // asynchronously.
  static bool Eventually(const std::function<bool()>& done);

  // Moves every process's manual clock to `to`.
  void Advance(absl::Time to);
  absl::Time now() const { return cluster_->now(); }

  // ---- routing: the directory
  // Imports data/directory/dazu_sample.csv (CENTER_STAFF); the response.
  v1::ImportDirectoryResponse ImportSampleDirectory();

  // ---- intake
  v1::Ticket Create(v1::RequestType type, const std::string& category,
                    const std::string& town, const std::string& title,
                    const std::string& content, const std::string& phone,
                    bool confidential = false);
  v1::Ticket Get(const std::string& ticket_id, const std::string& token);
  // Waits until intake's view of the order reaches `status`.
  bool WaitStatus(const std::string& ticket_id, v1::TicketStatus status);
  // Waits until routing has the order in the center's queue.
  bool WaitRouted(const std::string& ticket_id);
  // Waits until routing's assignment of the order reaches `status`.
  bool WaitRoutingStatus(const std::string& ticket_id, v1::TicketStatus status);
  // Create + WaitRouted + Dispatch, checked.
  v1::Ticket CreateAndDispatch(
      v1::RequestType type, const std::string& category,
      const std::string& town, const std::string& title,
      const std::string& content, const std::string& phone,
      const std::string& unit, int own_limit_working_days = 0);

  // ---- routing: the assignment
  grpc::Status Dispatch(const std::string& ticket_id, const std::string& unit,
                        std::vector<std::string> co_units = {},
                        int own_limit_working_days = 0);
  // Accept by the holder, or by a co-unit (its acknowledgement).
  grpc::Status Accept(const std::string& ticket_id, const std::string& token);
  grpc::Status Forward(const std::string& ticket_id, const std::string& token,
                       const std::string& to);
  grpc::Status Return(const std::string& ticket_id, const std::string& token,
                      const std::string& reason);
  // Replies and returns the reply id.
  std::string Reply(const std::string& ticket_id, const std::string& token,
                    const std::string& text,
                    v1::ReplyContact contact = v1::REPLY_CONTACT_PHONE);
  grpc::Status Approve(const std::string& ticket_id,
                       const std::string& reply_id);
  // Review rejected (重办) with reason NOT_RESOLVED.
  grpc::Status Reject(const std::string& ticket_id, const std::string& reply_id,
                      const std::string& comment);
  grpc::Status AddCoUnits(const std::string& ticket_id,
                          std::vector<std::string> co_units);
  grpc::Status SubmitCoOpinion(const std::string& ticket_id,
                               const std::string& token,
                               const std::string& opinion);
  grpc::Status ReleaseCoUnit(const std::string& ticket_id,
                             const std::string& co_unit,
                             const std::string& reason);

  // ---- deadline
  // The order's clocks; empty until deadline has heard of the order.
  v1::GetClocksResponse Clocks(const std::string& ticket_id);
  static const v1::Clock* FindClock(const v1::GetClocksResponse& clocks,
                                    v1::ClockKind kind,
                                    const std::string& unit = "");
  // Waits until deadline runs the order's handling clock (against `unit`,
  // when given: forwards reach deadline as events).
  v1::Clock HandlingClock(const std::string& ticket_id,
                          const std::string& unit = "");
  // Waits until the clock of `kind` (against `unit`, when given) is
  // stopped, and returns it.
  v1::Clock StoppedClock(const std::string& ticket_id, v1::ClockKind kind,
                         const std::string& unit = "");
  std::vector<v1::LadderStepRecord> Ladder(const std::string& ticket_id);
  // Waits until `step` has fired for the order (against `unit`, when
  // given): after Advance, once routing's watermark has passed the due.
  bool WaitStep(const std::string& ticket_id, v1::LadderStep step,
                const std::string& unit = "");
  grpc::Status RequestExtension(const std::string& ticket_id,
                                const std::string& token,
                                const std::string& proposed_due_date,
                                v1::Extension* out = nullptr);
  grpc::Status DecideExtension(const std::string& extension_id,
                               const std::string& token, bool approve,
                               const std::string& approved_due_date,
                               v1::DecideExtensionResponse* out = nullptr);
  grpc::Status LoadYear(int year, std::vector<std::string> holidays,
                        const std::string& source,
                        v1::LoadYearResponse* out = nullptr);
  // Working days in (from, to] by deadline's calendar in force.
  v1::CountWorkingDaysResponse CountWorkingDays(const std::string& from,
                                                const std::string& to);

  // ---- assessment
  grpc::Status Evaluate(const std::string& ticket_id, v1::Satisfaction sat);
  // Evaluation needs assessment to have seen the approval.
  void EvaluateWhenApproved(const std::string& ticket_id, v1::Satisfaction sat);
  grpc::Status Scorecard(const std::string& unit, const v1::Period& period,
                         bool include_subtree, v1::Scorecard* out);
  grpc::Status Ranking(const v1::Period& period, v1::UnitKind peers,
                       v1::RankingResponse* out);
  grpc::Status Accountability(const v1::Period& period,
                              v1::AccountabilityCandidatesResponse* out);
  grpc::Status Explain(const std::string& unit, const v1::Period& period,
                       const std::string& indicator,
                       v1::ExplainFigureResponse* out);
  // Every fact assessment recorded for one order.
  std::vector<v1::Fact> Facts(const std::string& ticket_id);

  Cluster* cluster_;
  std::unique_ptr<v1::IntakeService::Stub> intake_;
  std::unique_ptr<v1::KnowledgeService::Stub> knowledge_;
  std::unique_ptr<v1::RoutingService::Stub> routing_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
  std::unique_ptr<v1::CalendarService::Stub> calendar_;
  std::unique_ptr<v1::DeadlineService::Stub> deadline_;
  std::unique_ptr<v1::AssessmentService::Stub> assessment_;
};

}  // namespace hotline::testing
