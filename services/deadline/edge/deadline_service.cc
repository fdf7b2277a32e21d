#include "services/deadline/edge/deadline_service.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"
#include "common/server/call_gate.h"
#include "common/server/paging.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "hotline/v1/deadline.grpc.pb.h"
#include "services/deadline/core/deadline_core_queries.h"
#include "services/deadline/edge/request_checks.h"
#include "services/deadline/edge/request_id.h"

namespace hotline::deadline {
namespace {

using auth::Role;

// The page of a list request (common/server/paging.h): its token belongs
// to `list` and the request's filters. INVALID_ARGUMENT naming the field.
template <typename Request>
absl::StatusOr<paging::OffsetPage> ParsePage(const Request& req,
                                             absl::string_view list) {
  return paging::OffsetPage::Parse(req.page(), paging::Query(list, req));
}

absl::Status ParsePeriod(const v1::Period& p, StepFilter* f) {
  if (p.from_date().empty() && p.to_date().empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(absl::CivilDay from,
                   calendar::ParseDateField("period.from_date", p.from_date()));
  ASSIGN_OR_RETURN(absl::CivilDay to,
                   calendar::ParseDateField("period.to_date", p.to_date()));
  if (to < from) {
    return absl::InvalidArgumentError("period.to_date: before from_date");
  }
  f->from = calendar::StartOfLocalDay(from);
  f->to = calendar::StartOfLocalDay(to + 1);
  return absl::OkStatus();
}

class DeadlineServiceImpl final : public v1::DeadlineService::Service {
 public:
  explicit DeadlineServiceImpl(const DeadlineServiceDeps& deps)
      : gate_(deps.gate),
        queries_(deps.queries),
        clock_(deps.clock),
        engine_(deps.engine),
        runner_(deps.runner) {}

  grpc::Status GetClocks(grpc::ServerContext* ctx,
                         const v1::GetClocksRequest* req,
                         v1::GetClocksResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          RETURN_IF_ERROR(RejectUnknownFields(*req));
          if (req->ticket_id().empty()) {
            return absl::InvalidArgumentError("ticket_id: required");
          }
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kCenterStaff, Role::kCallAgent, Role::kAuditor,
                    Role::kService, Role::kUnitStaff, Role::kUnitLead}));
          return queries_->GetClocks(req->ticket_id(),
                                     who.IsUnitRole() ? who.unit_id : "", resp);
        });
  }

  grpc::Status RequestExtension(grpc::ServerContext* ctx,
                                const v1::RequestExtensionRequest* req,
                                v1::RequestExtensionResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          ASSIGN_OR_RETURN(absl::CivilDay proposed,
                           ValidateRequestExtension(*req));
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kUnitStaff, Role::kUnitLead}));
          return Idempotent(
              "RequestExtension", req->request_id(), *req, resp,
              [&](db::Connection& conn) {
                return engine_->MayRequestExtension(conn, who,
                                                    req->ticket_id());
              },
              [&](db::Connection& conn) -> absl::Status {
                ASSIGN_OR_RETURN(
                    *resp->mutable_extension(),
                    engine_->RequestExtension(conn, who, *req, proposed));
                return absl::OkStatus();
              });
        });
  }

  grpc::Status DecideExtension(grpc::ServerContext* ctx,
                               const v1::DecideExtensionRequest* req,
                               v1::DecideExtensionResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          // Approving without a date grants the date the unit asked for.
          ASSIGN_OR_RETURN(std::optional<absl::CivilDay> approved,
                           ValidateDecideExtension(*req));
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kUnitLead, Role::kCenterStaff}));
          return Idempotent(
              "DecideExtension", req->request_id(), *req, resp,
              [&](db::Connection& conn) {
                return engine_->MayDecideExtension(conn, who,
                                                   req->extension_id());
              },
              [&](db::Connection& conn) -> absl::Status {
                ASSIGN_OR_RETURN(
                    *resp, engine_->DecideExtension(conn, who, *req, approved));
                return absl::OkStatus();
              });
        });
  }

  grpc::Status ListDue(grpc::ServerContext* ctx, const v1::ListDueRequest* req,
                       v1::ListDueResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          RETURN_IF_ERROR(RejectUnknownFields(*req));
          if (!req->has_due_before()) {
            return absl::InvalidArgumentError("due_before: required");
          }
          ASSIGN_OR_RETURN(
              absl::Time before,
              ParseTimestampField("due_before", req->due_before()));
          for (int k : req->kinds()) {
            if (!v1::ClockKind_IsValid(k) || k == 0) {
              return absl::InvalidArgumentError("kinds: not a clock kind");
            }
          }
          ASSIGN_OR_RETURN(paging::OffsetPage page,
                           ParsePage(*req, "deadline.ListDue"));
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kCenterStaff, Role::kService, Role::kAuditor,
                    Role::kUnitStaff, Role::kUnitLead}));
          DueFilter f;
          ASSIGN_OR_RETURN(f.units, queries_->Scope(who, req->unit_id()));
          f.due_before = before;
          const absl::Time now = clock_->Now();
          if (req->exclude_overdue()) f.not_before = now;
          for (int k : req->kinds()) f.kinds.push_back(k);
          f.offset = page.offset();
          f.limit = page.limit();
          ASSIGN_OR_RETURN(std::vector<v1::DueItem> rows, queries_->ListDue(f));
          for (size_t i = 0;
               i < rows.size() && static_cast<int>(i) < page.size(); ++i) {
            *resp->add_items() = std::move(rows[i]);
          }
          resp->mutable_page()->set_next_page_token(
              page.NextAfterRead(rows.size()));
          return absl::OkStatus();
        });
  }

  grpc::Status ListNotices(grpc::ServerContext* ctx,
                           const v1::ListNoticesRequest* req,
                           v1::ListNoticesResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          RETURN_IF_ERROR(RejectUnknownFields(*req));
          StepFilter f;
          ASSIGN_OR_RETURN(
              paging::OffsetPage page,
              ParseFilter(who, req->ticket_id(), req->unit_id(), req->steps(),
                          req->period(),
                          ParsePage(*req, "deadline.ListNotices"), &f));
          for (int d : req->deliveries()) {
            if (!v1::NoticeDelivery_IsValid(d) || d == 0) {
              return absl::InvalidArgumentError(
                  "deliveries: not a delivery state");
            }
            f.deliveries.push_back(d);
          }
          ASSIGN_OR_RETURN(std::vector<NoticeRow> rows,
                           queries_->ListNotices(f));
          for (size_t i = 0;
               i < rows.size() && static_cast<int>(i) < page.size(); ++i) {
            *resp->add_notices() = rows[i].ToProto();
          }
          resp->mutable_page()->set_next_page_token(
              page.NextAfterRead(rows.size()));
          return absl::OkStatus();
        });
  }

  grpc::Status ListLadderSteps(grpc::ServerContext* ctx,
                               const v1::ListLadderStepsRequest* req,
                               v1::ListLadderStepsResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          RETURN_IF_ERROR(RejectUnknownFields(*req));
          StepFilter f;
          ASSIGN_OR_RETURN(
              paging::OffsetPage page,
              ParseFilter(who, req->ticket_id(), req->unit_id(), req->steps(),
                          req->period(),
                          ParsePage(*req, "deadline.ListLadderSteps"), &f));
          ASSIGN_OR_RETURN(std::vector<v1::LadderStepRecord> rows,
                           queries_->ListSteps(f));
          for (size_t i = 0;
               i < rows.size() && static_cast<int>(i) < page.size(); ++i) {
            *resp->add_steps() = rows[i];
          }
          resp->mutable_page()->set_next_page_token(
              page.NextAfterRead(rows.size()));
          return absl::OkStatus();
        });
  }

  grpc::Status ListEscalationCandidates(
      grpc::ServerContext* ctx, const v1::ListEscalationCandidatesRequest* req,
      v1::ListEscalationCandidatesResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          RETURN_IF_ERROR(RejectUnknownFields(*req));
          RETURN_IF_ERROR(ValidateActStep(req->step()));
          ASSIGN_OR_RETURN(
              paging::OffsetPage page,
              ParsePage(*req, "deadline.ListEscalationCandidates"));
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor}));
          ASSIGN_OR_RETURN(UnitScope units,
                           queries_->Scope(who, req->unit_id()));
          ASSIGN_OR_RETURN(
              std::vector<v1::EscalationCandidate> rows,
              queries_->EscalationCandidates(req->step(), units, page.offset(),
                                             page.limit()));
          for (size_t i = 0;
               i < rows.size() && static_cast<int>(i) < page.size(); ++i) {
            *resp->add_candidates() = std::move(rows[i]);
          }
          resp->mutable_page()->set_next_page_token(
              page.NextAfterRead(rows.size()));
          return absl::OkStatus();
        });
  }

  grpc::Status RecordSupervisionAct(
      grpc::ServerContext* ctx, const v1::RecordSupervisionActRequest* req,
      v1::RecordSupervisionActResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          RETURN_IF_ERROR(RejectUnknownFields(*req));
          RETURN_IF_ERROR(ValidateRequestId(req->request_id()));
          RETURN_IF_ERROR(ValidateActStep(req->step()));
          RETURN_IF_ERROR(ValidateIds("ticket_ids", req->ticket_ids(), 100));
          RETURN_IF_ERROR(ValidateIds("unit_ids", req->unit_ids(), 50));
          RETURN_IF_ERROR(ValidateText("text", req->text(), 8192, true));
          if (req->district_office_participants_size() > 20) {
            return absl::InvalidArgumentError(
                "district_office_participants: more than 20");
          }
          for (int i = 0; i < req->district_office_participants_size(); ++i) {
            RETURN_IF_ERROR(ValidateText(
                absl::StrCat("district_office_participants[", i, "]"),
                req->district_office_participants(i), 64, true));
          }
          RETURN_IF_ERROR(auth::RequireRole(who, {Role::kCenterStaff}));
          return Idempotent(
              "RecordSupervisionAct", req->request_id(), *req, resp, Anyone,
              [&](db::Connection& conn) -> absl::Status {
                ASSIGN_OR_RETURN(
                    *resp->mutable_act(),
                    engine_->RecordSupervisionAct(conn, who, *req));
                return absl::OkStatus();
              });
        });
  }

  grpc::Status ListSupervisionActs(
      grpc::ServerContext* ctx, const v1::ListSupervisionActsRequest* req,
      v1::ListSupervisionActsResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          RETURN_IF_ERROR(RejectUnknownFields(*req));
          if (req->step() != v1::LADDER_STEP_UNSPECIFIED) {
            RETURN_IF_ERROR(ValidateActStep(req->step()));
          }
          StepFilter period;
          RETURN_IF_ERROR(ParsePeriod(req->period(), &period));
          ASSIGN_OR_RETURN(paging::OffsetPage page,
                           ParsePage(*req, "deadline.ListSupervisionActs"));
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor,
                                      Role::kUnitStaff, Role::kUnitLead}));
          ActFilter f;
          ASSIGN_OR_RETURN(f.units, queries_->Scope(who, req->unit_id()));
          f.step = req->step();
          f.ticket_id = req->ticket_id();
          f.from = period.from;
          f.to = period.to;
          f.offset = page.offset();
          f.limit = page.limit();
          ASSIGN_OR_RETURN(std::vector<v1::SupervisionAct> rows,
                           queries_->ListSupervisionActs(f));
          for (size_t i = 0;
               i < rows.size() && static_cast<int>(i) < page.size(); ++i) {
            *resp->add_acts() = std::move(rows[i]);
          }
          resp->mutable_page()->set_next_page_token(
              page.NextAfterRead(rows.size()));
          return absl::OkStatus();
        });
  }

  grpc::Status RecordCallerInformed(
      grpc::ServerContext* ctx, const v1::RecordCallerInformedRequest* req,
      v1::RecordCallerInformedResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          RETURN_IF_ERROR(ValidateRecordCallerInformed(*req));
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kUnitStaff, Role::kUnitLead}));
          return Idempotent(
              "RecordCallerInformed", req->request_id(), *req, resp,
              [&](db::Connection& conn) {
                return engine_->MayRecordCallerInformed(conn, who,
                                                        req->extension_id());
              },
              [&](db::Connection& conn) -> absl::Status {
                ASSIGN_OR_RETURN(
                    *resp->mutable_extension(),
                    engine_->RecordCallerInformed(conn, who, *req));
                return absl::OkStatus();
              });
        });
  }

  grpc::Status ListExtensions(grpc::ServerContext* ctx,
                              const v1::ListExtensionsRequest* req,
                              v1::ListExtensionsResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          RETURN_IF_ERROR(RejectUnknownFields(*req));
          ExtensionFilter f;
          for (int st : req->states()) {
            if (!v1::ExtensionState_IsValid(st) || st == 0) {
              return absl::InvalidArgumentError(
                  "states: not an extension state");
            }
            f.states.push_back(st);
          }
          ASSIGN_OR_RETURN(paging::OffsetPage page,
                           ParsePage(*req, "deadline.ListExtensions"));
          f.offset = page.offset();
          f.limit = page.limit();
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor,
                                      Role::kUnitStaff, Role::kUnitLead}));
          ASSIGN_OR_RETURN(f.units, queries_->Scope(who, req->unit_id()));
          f.ticket_id = req->ticket_id();
          f.caller_not_informed = req->caller_not_informed();
          ASSIGN_OR_RETURN(std::vector<v1::Extension> rows,
                           queries_->ListExtensions(f));
          for (size_t i = 0;
               i < rows.size() && static_cast<int>(i) < page.size(); ++i) {
            *resp->add_extensions() = std::move(rows[i]);
          }
          resp->mutable_page()->set_next_page_token(
              page.NextAfterRead(rows.size()));
          return absl::OkStatus();
        });
  }

 private:
  static absl::Status ValidateActStep(v1::LadderStep step) {
    if (step != v1::LADDER_STEP_SPECIAL_INSPECTION &&
        step != v1::LADDER_STEP_DISTRICT_NOTICE) {
      return absl::InvalidArgumentError(
          "step: SPECIAL_INSPECTION or DISTRICT_NOTICE (the automatic steps "
          "fire by themselves)");
    }
    return absl::OkStatus();
  }

  static absl::Status ValidateIds(
      absl::string_view field,
      const google::protobuf::RepeatedPtrField<std::string>& ids, int max) {
    if (ids.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
    }
    if (ids.size() > max) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": more than ", max));
    }
    for (int i = 0; i < ids.size(); ++i) {
      const std::string& id = ids.Get(i);
      if (id.empty() || id.size() > 64) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, "[", i, "]: 1–64 characters"));
      }
      for (int j = 0; j < i; ++j) {
        if (ids.Get(j) == id) {
          return absl::InvalidArgumentError(
              absl::StrCat(field, "[", i, "]: ", id, " repeated"));
        }
      }
    }
    return absl::OkStatus();
  }

  // The filter of ListNotices and ListLadderSteps, and the page (`page`,
  // parsed by the caller, is reported after the steps and the period).
  absl::StatusOr<paging::OffsetPage> ParseFilter(
      const auth::Principal& who, const std::string& ticket_id,
      const std::string& unit_id,
      const google::protobuf::RepeatedField<int>& steps,
      const v1::Period& period, absl::StatusOr<paging::OffsetPage> page,
      StepFilter* f) {
    for (int s : steps) {
      if (!v1::LadderStep_IsValid(s) || s == 0) {
        return absl::InvalidArgumentError("steps: not a ladder step");
      }
      f->steps.push_back(s);
    }
    RETURN_IF_ERROR(ParsePeriod(period, f));
    if (!page.ok()) return page.status();
    f->offset = page->offset();
    f->limit = page->limit();
    RETURN_IF_ERROR(
        auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor,
                                Role::kUnitStaff, Role::kUnitLead}));
    ASSIGN_OR_RETURN(f->units, queries_->Scope(who, unit_id));
    f->ticket_id = ticket_id;
    return page;
  }

  // Runs `body` once per request id, after `authorize` (the caller's right
  // on the object now): the core's RequestRunner owns the transaction. A
  // replay is answered only to a caller who may make the call.
  template <typename Req, typename Resp>
  absl::Status Idempotent(
      const std::string& rpc, const std::string& request_id, const Req& req,
      Resp* resp, std::function<absl::Status(db::Connection&)> authorize,
      std::function<absl::Status(db::Connection&)> body) {
    return runner_->Run(rpc, request_id, req, std::move(authorize),
                        std::move(body), resp);
  }

  static absl::Status Anyone(db::Connection&) { return absl::OkStatus(); }

  const server::CallGate* gate_;
  DeadlineQueries* queries_;
  Clock* clock_;
  ClockEngine* engine_;
  RequestRunner* runner_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewDeadlineService(
    const DeadlineServiceDeps& deps) {
  return std::make_unique<DeadlineServiceImpl>(deps);
}

}  // namespace hotline::deadline
