// Routing's gRPC edge: RoutingService, DirectoryService and the EventSink.
// Each handler checks the wire fields (INVALID_ARGUMENT naming the field,
// request_checks.h) and the caller's role (UNAUTHENTICATED/PERMISSION_DENIED,
// server::Handle), turns the request into one core call (core/routing_core.h)
// and maps its absl::Status to the gRPC code. No SQL, no transactions, no
// rules here. About 600 lines because it holds the 26 handlers of two
// services (RoutingService, DirectoryService), each a short wire check.

#include "services/routing/edge/routing_service.h"

#include <functional>
#include <initializer_list>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"
#include "common/id/id.h"
#include "common/server/actor.h"
#include "common/server/call_gate.h"
#include "common/server/paging.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "hotline_routing_SchemaMigrations.h"
#include "services/routing/core/routing_core.h"
#include "services/routing/edge/request_checks.h"
#include "services/routing/store/mysql_routing_store.h"

namespace hotline::routing {
namespace {

using auth::Principal;
using auth::Role;
using server::ActorOf;

// The page of a list request (common/server/paging.h): its token belongs
// to `list` and the request's filters. INVALID_ARGUMENT naming the field.
template <typename Request>
absl::StatusOr<paging::OffsetPage> ParsePage(const Request& req,
                                             absl::string_view list) {
  return paging::OffsetPage::Parse(req.page(), paging::Query(list, req));
}

// --------------------------------------------------------- RoutingService

// hotline.v1.RoutingService: the life of an assignment, worklists, the
// center's queue, suggestions.
class RoutingImpl final : public v1::RoutingService::Service {
 public:
  // Takes `core` and `gate`, which outlive it; thread-safe as the core is.
  RoutingImpl(Core* core, const server::CallGate& gate)
      : core_(core), gate_(gate) {}

  // Common shape of the transitions: the role, request_id and ticket_id,
  // then `validate`; then the core runs the transition (Core::Transit:
  // authorize → load → machine → commit) and answers with the assignment
  // after the change. `authorize`, when given, adds its own rule.
  template <typename Req, typename Resp>
  grpc::Status Transit(grpc::ServerContext* context, const char* method,
                       const Req* req, Resp* resp,
                       std::initializer_list<Role> roles,
                       std::function<absl::Status()> validate,
                       Core::TransitionOp op,
                       Core::TransitAuthorize authorize = nullptr) {
    return server::Handle(
        gate(), context, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(who, roles));
          RETURN_IF_ERROR(CheckId("request_id", req->request_id()));
          RETURN_IF_ERROR(CheckId("ticket_id", req->ticket_id()));
          if (validate) RETURN_IF_ERROR(validate());
          return core_->Transit(method, *req, resp, who, op, authorize);
        });
  }

  grpc::Status Dispatch(grpc::ServerContext* ctx,
                        const v1::DispatchRequest* req,
                        v1::DispatchResponse* resp) override {
    const absl::Time now = core_->Now();
    return Transit(
        ctx, "Dispatch", req, resp, {Role::kCenterStaff, Role::kService},
        [&]() -> absl::Status { return CheckDispatchRequest(*req, now); },
        [&](AssignmentMachine& m, const AssignmentState& s, const std::string&,
            const Principal&) {
          DispatchCommand cmd;
          cmd.unit_id = req->unit_id();
          cmd.co_unit_ids.assign(req->co_unit_ids().begin(),
                                 req->co_unit_ids().end());
          cmd.has_limit = req->has_limit();
          cmd.limit = req->limit();
          cmd.note = req->note();
          cmd.rule_id = req->rule_id();
          cmd.reason = std::string(absl::StripAsciiWhitespace(req->reason()));
          return m.Dispatch(s, cmd, now);
        },
        [&](db::Connection& c, const Principal& who, const AssignmentState& s,
            const UnitTree&) -> absl::Status {
          if (!who.Is(Role::kService)) return absl::OkStatus();
          return core_->CheckDispatchByRule(c, s, *req);
        });
  }

  grpc::Status Accept(grpc::ServerContext* ctx, const v1::AcceptRequest* req,
                      v1::AcceptResponse* resp) override {
    const absl::Time now = core_->Now();
    return Transit(ctx, "Accept", req, resp,
                   {Role::kUnitStaff, Role::kUnitLead}, nullptr,
                   [&](AssignmentMachine& m, const AssignmentState& s,
                       const std::string& unit,
                       const Principal&) { return m.Accept(s, unit, now); });
  }

  grpc::Status Forward(grpc::ServerContext* ctx, const v1::ForwardRequest* req,
                       v1::ForwardResponse* resp) override {
    const absl::Time now = core_->Now();
    return Transit(
        ctx, "Forward", req, resp, {Role::kUnitStaff, Role::kUnitLead},
        [&]() -> absl::Status { return CheckForwardRequest(*req); },
        [&](AssignmentMachine& m, const AssignmentState& s,
            const std::string& unit, const Principal&) {
          return m.Forward(s, unit, req->to_unit_id(), req->note(), now);
        });
  }

  grpc::Status Return(grpc::ServerContext* ctx, const v1::ReturnRequest* req,
                      v1::ReturnResponse* resp) override {
    const absl::Time now = core_->Now();
    return Transit(
        ctx, "Return", req, resp, {Role::kUnitStaff, Role::kUnitLead},
        [&]() { return CheckReturnRequest(*req); },
        [&](AssignmentMachine& m, const AssignmentState& s,
            const std::string& unit, const Principal&) {
          return m.Return(s, unit, req->reason(), now);
        });
  }

  grpc::Status Dispute(grpc::ServerContext* ctx, const v1::DisputeRequest* req,
                       v1::DisputeResponse* resp) override {
    const absl::Time now = core_->Now();
    return Transit(
        ctx, "Dispute", req, resp, {Role::kUnitStaff, Role::kUnitLead},
        [&]() -> absl::Status { return CheckDisputeRequest(*req); },
        [&](AssignmentMachine& m, const AssignmentState& s,
            const std::string& unit, const Principal&) {
          return m.Dispute(s, unit, id::NewId("dsp-", id::kShortIdBytes),
                           req->reason(), req->suggested_unit_id(), now);
        });
  }

  grpc::Status DecideDispute(grpc::ServerContext* ctx,
                             const v1::DecideDisputeRequest* req,
                             v1::DecideDisputeResponse* resp) override {
    const absl::Time now = core_->Now();
    return Transit(
        ctx, "DecideDispute", req, resp, {Role::kCenterStaff},
        [&]() -> absl::Status { return CheckDecideDisputeRequest(*req); },
        [&](AssignmentMachine& m, const AssignmentState& s, const std::string&,
            const Principal&) {
          return m.DecideDispute(s, req->dispute_id(), req->outcome(),
                                 req->reason(), now);
        });
  }

  grpc::Status AddCoUnits(grpc::ServerContext* ctx,
                          const v1::AddCoUnitsRequest* req,
                          v1::AddCoUnitsResponse* resp) override {
    const absl::Time now = core_->Now();
    return Transit(
        ctx, "AddCoUnits", req, resp, {Role::kCenterStaff},
        [&]() -> absl::Status { return CheckAddCoUnitsRequest(*req); },
        [&](AssignmentMachine& m, const AssignmentState& s, const std::string&,
            const Principal&) {
          std::vector<std::string> units(req->co_unit_ids().begin(),
                                         req->co_unit_ids().end());
          return m.AddCoUnits(s, units, req->note(), now);
        });
  }

  grpc::Status SubmitCoOpinion(grpc::ServerContext* ctx,
                               const v1::SubmitCoOpinionRequest* req,
                               v1::SubmitCoOpinionResponse* resp) override {
    const absl::Time now = core_->Now();
    return Transit(
        ctx, "SubmitCoOpinion", req, resp, {Role::kUnitStaff, Role::kUnitLead},
        [&]() { return CheckSubmitCoOpinionRequest(*req); },
        [&](AssignmentMachine& m, const AssignmentState& s,
            const std::string& unit, const Principal&) {
          return m.SubmitCoOpinion(s, unit, req->opinion(), now);
        });
  }

  grpc::Status ReleaseCoUnit(grpc::ServerContext* ctx,
                             const v1::ReleaseCoUnitRequest* req,
                             v1::ReleaseCoUnitResponse* resp) override {
    const absl::Time now = core_->Now();
    return Transit(
        ctx, "ReleaseCoUnit", req, resp, {Role::kCenterStaff},
        [&]() -> absl::Status { return CheckReleaseCoUnitRequest(*req); },
        [&](AssignmentMachine& m, const AssignmentState& s, const std::string&,
            const Principal&) {
          return m.ReleaseCoUnit(s, req->co_unit_id(), req->reason(), now);
        });
  }

  grpc::Status Reply(grpc::ServerContext* ctx, const v1::ReplyRequest* req,
                     v1::ReplyResponse* resp) override {
    const absl::Time now = core_->Now();
    absl::Time contacted;
    return Transit(
        ctx, "Reply", req, resp, {Role::kUnitStaff, Role::kUnitLead},
        [&]() -> absl::Status {
          ASSIGN_OR_RETURN(contacted, CheckReplyRequest(*req, now));
          return absl::OkStatus();
        },
        [&](AssignmentMachine& m, const AssignmentState& s,
            const std::string& unit, const Principal& who) {
          ReplyCommand cmd;
          cmd.reply_id = id::NewId("rpl-", id::kShortIdBytes);
          cmd.text = req->text();
          cmd.contact = req->contact();
          cmd.contacted_at = contacted;
          cmd.checks = req->checks();
          cmd.resolved = req->resolved();
          cmd.replied_by = ActorOf(who);
          return m.Reply(s, unit, cmd, now);
        });
  }

  grpc::Status Review(grpc::ServerContext* ctx, const v1::ReviewRequest* req,
                      v1::ReviewResponse* resp) override {
    const absl::Time now = core_->Now();
    return Transit(
        ctx, "Review", req, resp, {Role::kCenterStaff},
        [&]() -> absl::Status { return CheckReviewRequest(*req); },
        [&](AssignmentMachine& m, const AssignmentState& s, const std::string&,
            const Principal&) {
          std::vector<v1::ReviewReason> reasons;
          for (int r : req->reasons())
            reasons.push_back(static_cast<v1::ReviewReason>(r));
          return m.Review(s, req->reply_id(), req->approve(), reasons,
                          req->comment(), now);
        });
  }

  grpc::Status ListWork(grpc::ServerContext* ctx,
                        const v1::ListWorkRequest* req,
                        v1::ListWorkResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kUnitStaff, Role::kUnitLead, Role::kCenterStaff}));
          std::string unit = req->unit_id();
          if (unit.empty()) {
            if (who.Is(Role::kCenterStaff))
              return Bad("unit_id", "required for the center");
            unit = who.unit_id;
          }
          RETURN_IF_ERROR(CheckUnitRef("unit_id", unit));
          ASSIGN_OR_RETURN(paging::OffsetPage page,
                           ParsePage(*req, "routing.ListWork"));
          std::set<int> reasons;
          for (int i = 0; i < req->reasons_size(); ++i) {
            if (req->reasons(i) == 0 ||
                !v1::WorkReason_IsValid(req->reasons(i))) {
              return Bad(absl::StrCat("reasons[", i, "]"), "not a work reason");
            }
            reasons.insert(req->reasons(i));
          }
          WorkQuery q;
          for (int i = 0; i < req->statuses_size(); ++i) {
            if (req->statuses(i) == 0 ||
                !v1::TicketStatus_IsValid(req->statuses(i))) {
              return Bad(absl::StrCat("statuses[", i, "]"), "not a status");
            }
            q.statuses.push_back(req->statuses(i));
          }
          if (req->has_due_before()) {
            ASSIGN_OR_RETURN(
                absl::Time t,
                ParseTimestampField("due_before", req->due_before()));
            q.due_before = t;
          }
          return core_->ListWork(who, unit, reasons, std::move(q), page, resp);
        });
  }

  grpc::Status GetAssignment(grpc::ServerContext* ctx,
                             const v1::GetAssignmentRequest* req,
                             v1::GetAssignmentResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor,
                                      Role::kUnitStaff, Role::kUnitLead}));
          RETURN_IF_ERROR(CheckId("ticket_id", req->ticket_id()));
          ASSIGN_OR_RETURN(*resp->mutable_assignment(),
                           core_->GetAssignment(who, req->ticket_id()));
          return absl::OkStatus();
        });
  }

  grpc::Status GetAssignmentHistory(
      grpc::ServerContext* ctx, const v1::GetAssignmentHistoryRequest* req,
      v1::GetAssignmentHistoryResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor,
                                      Role::kUnitStaff, Role::kUnitLead}));
          RETURN_IF_ERROR(CheckId("ticket_id", req->ticket_id()));
          ASSIGN_OR_RETURN(auto events, core_->History(who, req->ticket_id()));
          for (auto& e : events) *resp->add_events() = std::move(e);
          return absl::OkStatus();
        });
  }

  grpc::Status ListCenterQueue(grpc::ServerContext* ctx,
                               const v1::ListCenterQueueRequest* req,
                               v1::ListCenterQueueResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(who, {Role::kCenterStaff}));
          ASSIGN_OR_RETURN(paging::OffsetPage page,
                           ParsePage(*req, "routing.ListCenterQueue"));
          std::set<int> reasons;
          for (int i = 0; i < req->reasons_size(); ++i) {
            if (req->reasons(i) == 0 ||
                !v1::QueueReason_IsValid(req->reasons(i))) {
              return Bad(absl::StrCat("reasons[", i, "]"),
                         "not a queue reason");
            }
            reasons.insert(req->reasons(i));
          }
          return core_->ListCenterQueue(reasons, page, resp);
        });
  }

  grpc::Status SuggestDispatch(grpc::ServerContext* ctx,
                               const v1::SuggestDispatchRequest* req,
                               v1::SuggestDispatchResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kCenterStaff, Role::kCallAgent, Role::kService}));
          if (req->subject_case() == v1::SuggestDispatchRequest::kTicketId) {
            RETURN_IF_ERROR(CheckId("ticket_id", req->ticket_id()));
            ASSIGN_OR_RETURN(*resp->mutable_suggestion(),
                             core_->SuggestForTicket(req->ticket_id()));
            return absl::OkStatus();
          }
          if (req->subject_case() != v1::SuggestDispatchRequest::kFacts) {
            return Bad("subject", "ticket_id or facts required");
          }
          const auto& f = req->facts();
          RETURN_IF_ERROR(CheckText("facts.category_code", f.category_code(),
                                    64, true, false));
          if (!f.area_code().empty() && !IsValidUnitId(f.area_code())) {
            return Bad("facts.area_code", "not a unit id");
          }
          RETURN_IF_ERROR(CheckText("facts.text", f.text(), 8192, false, true));
          ASSIGN_OR_RETURN(*resp->mutable_suggestion(),
                           core_->SuggestForFacts(Facts{
                               f.category_code(), f.area_code(), f.text()}));
          return absl::OkStatus();
        });
  }

 private:
  const server::CallGate& gate() { return gate_; }
  Core* core_;
  const server::CallGate& gate_;
};

// ------------------------------------------------------- DirectoryService

// hotline.v1.DirectoryService: units, catalogue rules, duty roster, import
// and export of the directory.
class DirectoryImpl final : public v1::DirectoryService::Service {
 public:
  // Takes `core` and `gate`, which outlive it; thread-safe as the core is.
  DirectoryImpl(Core* core, const server::CallGate& gate)
      : core_(core), gate_(gate) {}

  grpc::Status UpsertUnit(grpc::ServerContext* ctx,
                          const v1::UpsertUnitRequest* req,
                          v1::UpsertUnitResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kUnitLead}));
          if (!req->has_unit()) return Bad("unit", "required");
          const v1::Unit& in = req->unit();
          if (who.Is(Role::kUnitLead) && in.unit_id() != who.unit_id) {
            return absl::PermissionDeniedError(
                "unit.unit_id: a unit lead may update only its own unit's "
                "liaison");
          }
          if (req->expected_version() < 0)
            return Bad("expected_version", "negative");
          return core_->UpsertUnit(who, *req, resp);
        });
  }

  grpc::Status GetUnit(grpc::ServerContext* ctx, const v1::GetUnitRequest* req,
                       v1::GetUnitResponse* resp) override {
    return server::Handle(gate(), ctx, [&](const Principal&) -> absl::Status {
      RETURN_IF_ERROR(CheckUnitRef("unit_id", req->unit_id()));
      return core_->GetUnit(req->unit_id(), resp);
    });
  }

  grpc::Status ListUnits(grpc::ServerContext* ctx,
                         const v1::ListUnitsRequest* req,
                         v1::ListUnitsResponse* resp) override {
    return server::Handle(gate(), ctx, [&](const Principal&) -> absl::Status {
      ASSIGN_OR_RETURN(paging::OffsetPage page,
                       ParsePage(*req, "routing.ListUnits"));
      std::set<int> kinds;
      for (int i = 0; i < req->kinds_size(); ++i) {
        if (req->kinds(i) == 0 || !v1::UnitKind_IsValid(req->kinds(i))) {
          return Bad(absl::StrCat("kinds[", i, "]"), "not a unit kind");
        }
        kinds.insert(req->kinds(i));
      }
      return core_->ListUnits(*req, kinds, page, resp);
    });
  }

  grpc::Status ImportDirectory(grpc::ServerContext* ctx,
                               const v1::ImportDirectoryRequest* req,
                               v1::ImportDirectoryResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kService}));
          RETURN_IF_ERROR(CheckId("request_id", req->request_id()));
          if (req->format() == v1::DIRECTORY_FORMAT_UNSPECIFIED ||
              !v1::DirectoryFormat_IsValid(req->format())) {
            return Bad("format", "required");
          }
          if (req->content().empty()) return Bad("content", "required");
          if (req->content().size() > 8 * 1024 * 1024) {
            return Bad("content", "larger than 8 MiB");
          }
          RETURN_IF_ERROR(
              CheckText("source", req->source(), 128, false, false));
          return core_->ImportDirectory(*req, resp);
        });
  }

  grpc::Status ExportDirectory(grpc::ServerContext* ctx,
                               const v1::ExportDirectoryRequest* req,
                               v1::ExportDirectoryResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kCenterStaff, Role::kAuditor, Role::kService}));
          if (req->format() == v1::DIRECTORY_FORMAT_UNSPECIFIED ||
              !v1::DirectoryFormat_IsValid(req->format())) {
            return Bad("format", "required");
          }
          return core_->ExportDirectory(*req, resp);
        });
  }

  grpc::Status UpsertRule(grpc::ServerContext* ctx,
                          const v1::UpsertRuleRequest* req,
                          v1::UpsertRuleResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(who, {Role::kCenterStaff}));
          if (!req->has_rule()) return Bad("rule", "required");
          RETURN_IF_ERROR(ValidateRuleFields(req->rule(), "rule"));
          if (!req->rule().rule_id().empty())
            RETURN_IF_ERROR(CheckId("rule.rule_id", req->rule().rule_id()));
          if (req->expected_version() != 0 && req->rule().rule_id().empty()) {
            return Bad("rule.rule_id", "required on update");
          }
          return core_->UpsertRule(*req, resp);
        });
  }

  grpc::Status ListRules(grpc::ServerContext* ctx,
                         const v1::ListRulesRequest* req,
                         v1::ListRulesResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kCenterStaff, Role::kCallAgent, Role::kAuditor,
                    Role::kService, Role::kUnitStaff, Role::kUnitLead}));
          ASSIGN_OR_RETURN(paging::OffsetPage page,
                           ParsePage(*req, "routing.ListRules"));
          return core_->ListRules(who, *req, page, resp);
        });
  }

  grpc::Status DeleteRule(grpc::ServerContext* ctx,
                          const v1::DeleteRuleRequest* req,
                          v1::DeleteRuleResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(who, {Role::kCenterStaff}));
          RETURN_IF_ERROR(CheckId("rule_id", req->rule_id()));
          return core_->DeleteRule(*req, resp);
        });
  }

  grpc::Status SetDuty(grpc::ServerContext* ctx, const v1::SetDutyRequest* req,
                       v1::SetDutyResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kCenterStaff, Role::kUnitStaff, Role::kUnitLead}));
          RETURN_IF_ERROR(CheckUnitRef("unit_id", req->unit_id()));
          if (req->entries_size() < 1 || req->entries_size() > 366) {
            return Bad("entries", "1-366 entries required");
          }
          std::set<std::string> dates;
          for (int i = 0; i < req->entries_size(); ++i) {
            const auto& e = req->entries(i);
            const std::string f = absl::StrCat("entries[", i, "]");
            RETURN_IF_ERROR(
                calendar::ParseDateField(f + ".date", e.date()).status());
            if (!dates.insert(e.date()).second)
              return Bad(f + ".date", "repeated date");
            if (e.has_leader() && !e.leader().name().empty()) {
              RETURN_IF_ERROR(ValidateContact(e.leader(), f + ".leader", true));
            }
          }
          return core_->SetDuty(who, *req, resp);
        });
  }

  grpc::Status GetDuty(grpc::ServerContext* ctx, const v1::GetDutyRequest* req,
                       v1::GetDutyResponse* resp) override {
    return server::Handle(gate(), ctx, [&](const Principal&) -> absl::Status {
      RETURN_IF_ERROR(CheckUnitRef("unit_id", req->unit_id()));
      ASSIGN_OR_RETURN(absl::CivilDay from,
                       calendar::ParseDateField("from_date", req->from_date()));
      std::string to_s =
          req->to_date().empty() ? req->from_date() : req->to_date();
      ASSIGN_OR_RETURN(absl::CivilDay to,
                       calendar::ParseDateField("to_date", to_s));
      if (to < from) return Bad("to_date", "before from_date");
      if (to - from > 366)
        return Bad("to_date", "more than 366 days after from_date");
      return core_->GetDuty(req->unit_id(), req->from_date(), to_s, resp);
    });
  }

 private:
  const server::CallGate& gate() { return gate_; }
  Core* core_;
  const server::CallGate& gate_;
};

// The running service: one MySQL store, the core over it, the two gRPC
// services and the inbox (EventSink) that feeds Core::NewEventBatch's
// batches. Built once by
// the runtime; owns everything it registers on ctx.host.
class RoutingComponent final : public runtime::Component {
 public:
  explicit RoutingComponent(runtime::Context& ctx)
      : core_(ctx, store_),
        routing_(&core_, ctx.host.gate()),
        directory_(&core_, ctx.host.gate()) {
    ctx.host.AddService(&routing_, "hotline.v1.RoutingService");
    ctx.host.AddService(&directory_, "hotline.v1.DirectoryService");
    ctx.ServeEventBatches([this] { return core_.NewEventBatch(); });
  }

 private:
  MysqlRoutingStore store_;
  Core core_;
  RoutingImpl routing_;
  DirectoryImpl directory_;
};

}  // namespace

runtime::ServiceDefinition Definition() {
  runtime::ServiceDefinition d;
  d.name = "routing";
  d.migrations = SchemaMigrations;
  // New and merged orders, the clocks' dues and steps for the worklists, the
  // evaluation that closes an order. (ClockOverdue is not among them: a
  // worklist's overdue is "next_due has passed", and the overdue clock's due
  // is already one of the round's dues.)
  d.consumes = {
      v1::TicketEvent::kTicketCreated,   v1::TicketEvent::kTicketMerged,
      v1::TicketEvent::kTicketUnmerged,  v1::TicketEvent::kClockStarted,
      v1::TicketEvent::kClockMoved,      v1::TicketEvent::kClockStopped,
      v1::TicketEvent::kLadderStepFired, v1::TicketEvent::kEvaluationRecorded};
  d.build = [](runtime::Context& ctx)
      -> absl::StatusOr<std::unique_ptr<runtime::Component>> {
    return std::make_unique<RoutingComponent>(ctx);
  };
  return d;
}

}  // namespace hotline::routing
