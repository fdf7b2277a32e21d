#include "services/deadline/edge/deadline_service.h"

#include <unistd.h>

#include <atomic>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/config/config.h"
#include "common/db/transaction.h"
#include "common/log/log.h"
#include "common/server/idempotency.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "hotline/v1/deadline.grpc.pb.h"
#include "hotline_deadline_SchemaMigrations.h"
#include "services/deadline/core/deadline_core.h"
#include "services/deadline/core/notifier.h"
#include "services/deadline/domain/calendar_state.h"
#include "services/deadline/domain/policy.h"
#include "services/deadline/edge/calendar_service.h"
#include "services/deadline/edge/request_checks.h"
#include "services/deadline/edge/request_id.h"
#include "services/deadline/store/mysql_deadline_store.h"

ABSL_FLAG(std::string, notify_webhook, "",
          "http://host:port/path receiving ladder notices as JSON POSTs "
          "(HOTLINE_NOTIFY_WEBHOOK); empty: notices are stored and logged");

ABSL_FLAG(absl::Duration, judge_lag_limit, absl::Minutes(15),
          "how long the scanner waits for a silent producer's watermark "
          "before judging clocks without it");

ABSL_FLAG(bool, ladder_scanner, true,
          "run the ladder scanner and notice delivery thread (tests turn it "
          "off to drive Scanner::ScanOnce themselves)");

namespace hotline::deadline {
namespace {

using auth::Role;

constexpr int kDefaultPage = 50;
constexpr int kMaxPage = 500;

absl::StatusOr<int64_t> ParsePage(const v1::PageRequest& page, int* size) {
  if (page.page_size() < 0 || page.page_size() > kMaxPage) {
    return absl::InvalidArgumentError("page.page_size: outside 0–500");
  }
  *size = page.page_size() == 0 ? kDefaultPage : page.page_size();
  if (page.page_token().empty()) return 0;
  int64_t offset = 0;
  if (page.page_token()[0] != 'o' ||
      !absl::SimpleAtoi(page.page_token().substr(1), &offset) || offset < 0) {
    return absl::InvalidArgumentError(
        "page.page_token: not a token of this list");
  }
  return offset;
}

void SetNextPage(int64_t offset, int size, size_t got, v1::PageResponse* out) {
  if (static_cast<int>(got) > size) {
    out->set_next_page_token(absl::StrCat("o", offset + size));
  }
}

bool IsUnitRole(const auth::Principal& who) {
  return who.Is(Role::kUnitStaff) || who.Is(Role::kUnitLead);
}

// The subtree root a list query may see: any for the center/auditors/
// services, the unit's own subtree for units.
absl::StatusOr<std::string> SubtreeRoot(db::ConnectionPool& pool,
                                        DeadlineStore& store,
                                        const auth::Principal& who,
                                        const std::string& requested) {
  if (!IsUnitRole(who)) return requested.empty() ? "center" : requested;
  if (requested.empty() || requested == who.unit_id) return who.unit_id;
  // A unit may look at a unit below it, as the chains show it.
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool.Acquire());
  ASSIGN_OR_RETURN(bool below, store.UnitBelow(*conn, requested, who.unit_id));
  if (!below) {
    return absl::PermissionDeniedError(absl::StrCat(
        "unit_id: ", requested, " is outside the subtree of ", who.unit_id));
  }
  return requested;
}

absl::Status ParsePeriod(const v1::Period& p, StepFilter* f) {
  if (p.from_date().empty() && p.to_date().empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(absl::CivilDay from,
                   ParseDay("period.from_date", p.from_date()));
  ASSIGN_OR_RETURN(absl::CivilDay to, ParseDay("period.to_date", p.to_date()));
  if (to < from) {
    return absl::InvalidArgumentError("period.to_date: before from_date");
  }
  f->from = calendar::StartOfLocalDay(from);
  f->to = calendar::StartOfLocalDay(to + 1);
  return absl::OkStatus();
}

class DeadlineServiceImpl final : public v1::DeadlineService::Service {
 public:
  DeadlineServiceImpl(const server::CallGate* gate, db::ConnectionPool* pool,
                      DeadlineStore* store, Clock* clock, ClockEngine* engine,
                      outbox::Relay* relay)
      : gate_(gate),
        pool_(pool),
        store_(store),
        clock_(clock),
        engine_(engine),
        relay_(relay) {}

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
          ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
          ASSIGN_OR_RETURN(
              std::vector<ClockRow> clocks,
              store_->ClocksOfTicket(*conn, req->ticket_id(), false, false));
          if (clocks.empty()) {
            return absl::NotFoundError(
                absl::StrCat("ticket_id: no clocks for ", req->ticket_id()));
          }
          if (IsUnitRole(who)) {
            ASSIGN_OR_RETURN(
                bool touched,
                store_->SubtreeTouched(*conn, req->ticket_id(), who.unit_id));
            if (!touched) {
              return absl::PermissionDeniedError(absl::StrCat(
                  "ticket_id: never held by the subtree of ", who.unit_id));
            }
          }
          const absl::Time now = clock_->Now();
          for (const ClockRow& c : clocks) {
            v1::Clock* out = resp->add_clocks();
            *out = c.ToProto();
            out->set_overdue_working_days(engine_->OverdueSoFar(c, now));
            if (c.kind == v1::CLOCK_KIND_RETURN) {
              ASSIGN_OR_RETURN(std::vector<v1::HoldingSpan> spans,
                               engine_->HoldingSpans(*conn, c, now));
              for (auto& h : spans) *out->add_holdings() = std::move(h);
            }
          }
          ASSIGN_OR_RETURN(std::vector<v1::Extension> exts,
                           store_->ExtensionsOfTicket(*conn, req->ticket_id()));
          for (auto& e : exts) *resp->add_extensions() = std::move(e);
          ASSIGN_OR_RETURN(std::vector<v1::LadderStepRecord> steps,
                           store_->StepsOfTicket(*conn, req->ticket_id()));
          for (auto& s : steps) *resp->add_ladder_steps() = std::move(s);
          return absl::OkStatus();
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
          int size = 0;
          ASSIGN_OR_RETURN(int64_t offset, ParsePage(req->page(), &size));
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kCenterStaff, Role::kService, Role::kAuditor,
                    Role::kUnitStaff, Role::kUnitLead}));
          ASSIGN_OR_RETURN(std::string root,
                           SubtreeRoot(*pool_, *store_, who, req->unit_id()));
          DueFilter f;
          f.unit_root = root;
          f.due_before = before;
          const absl::Time now = clock_->Now();
          if (req->exclude_overdue()) f.not_before = now;
          for (int k : req->kinds()) f.kinds.push_back(k);
          f.offset = offset;
          f.limit = size + 1;
          ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
          ASSIGN_OR_RETURN(std::vector<ClockRow> rows,
                           store_->ListDueClocks(*conn, f));
          std::shared_ptr<const calendar::Calendar> cal =
              engine_->state().Get();
          const absl::CivilDay today = calendar::LocalDay(now);
          for (size_t i = 0; i < rows.size() && static_cast<int>(i) < size;
               ++i) {
            v1::DueItem* item = resp->add_items();
            *item->mutable_clock() = rows[i].ToProto();
            item->set_ticket_number(rows[i].ticket_number);
            absl::StatusOr<calendar::CountResult> left = cal->CountWorkingDays(
                today, calendar::LocalDay(rows[i].due - absl::Nanoseconds(1)));
            item->set_working_days_left(
                left.ok() ? static_cast<int32_t>(left->working_days) : 0);
            item->mutable_clock()->set_overdue_working_days(
                engine_->OverdueSoFar(rows[i], now));
          }
          SetNextPage(offset, size, rows.size(), resp->mutable_page());
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
          RETURN_IF_ERROR(ParseFilter(who, req->ticket_id(), req->unit_id(),
                                      req->steps(), req->period(), req->page(),
                                      &f));
          for (int d : req->deliveries()) {
            if (!v1::NoticeDelivery_IsValid(d) || d == 0) {
              return absl::InvalidArgumentError(
                  "deliveries: not a delivery state");
            }
            f.deliveries.push_back(d);
          }
          const int size = f.limit - 1;
          ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
          ASSIGN_OR_RETURN(std::vector<NoticeRow> rows,
                           store_->ListNotices(*conn, f));
          for (size_t i = 0; i < rows.size() && static_cast<int>(i) < size;
               ++i) {
            *resp->add_notices() = rows[i].ToProto();
          }
          SetNextPage(f.offset, size, rows.size(), resp->mutable_page());
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
          RETURN_IF_ERROR(ParseFilter(who, req->ticket_id(), req->unit_id(),
                                      req->steps(), req->period(), req->page(),
                                      &f));
          const int size = f.limit - 1;
          ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
          ASSIGN_OR_RETURN(std::vector<v1::LadderStepRecord> rows,
                           store_->ListSteps(*conn, f));
          for (size_t i = 0; i < rows.size() && static_cast<int>(i) < size;
               ++i) {
            *resp->add_steps() = rows[i];
          }
          SetNextPage(f.offset, size, rows.size(), resp->mutable_page());
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
          int size = 0;
          ASSIGN_OR_RETURN(int64_t offset, ParsePage(req->page(), &size));
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor}));
          ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
          ASSIGN_OR_RETURN(
              std::vector<v1::EscalationCandidate> rows,
              engine_->EscalationCandidates(*conn, req->step(), req->unit_id(),
                                            offset, size + 1));
          for (size_t i = 0; i < rows.size() && static_cast<int>(i) < size;
               ++i) {
            *resp->add_candidates() = std::move(rows[i]);
          }
          SetNextPage(offset, size, rows.size(), resp->mutable_page());
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
          int size = 0;
          ASSIGN_OR_RETURN(int64_t offset, ParsePage(req->page(), &size));
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor,
                                      Role::kUnitStaff, Role::kUnitLead}));
          ActFilter f;
          ASSIGN_OR_RETURN(f.unit_root,
                           SubtreeRoot(*pool_, *store_, who, req->unit_id()));
          f.step = req->step();
          f.ticket_id = req->ticket_id();
          f.from = period.from;
          f.to = period.to;
          f.offset = offset;
          f.limit = size + 1;
          ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
          ASSIGN_OR_RETURN(std::vector<v1::SupervisionAct> rows,
                           store_->ListSupervisionActs(*conn, f));
          for (size_t i = 0; i < rows.size() && static_cast<int>(i) < size;
               ++i) {
            *resp->add_acts() = std::move(rows[i]);
          }
          SetNextPage(offset, size, rows.size(), resp->mutable_page());
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
          int size = 0;
          ASSIGN_OR_RETURN(f.offset, ParsePage(req->page(), &size));
          f.limit = size + 1;
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor,
                                      Role::kUnitStaff, Role::kUnitLead}));
          ASSIGN_OR_RETURN(f.unit_root,
                           SubtreeRoot(*pool_, *store_, who, req->unit_id()));
          f.ticket_id = req->ticket_id();
          f.caller_not_informed = req->caller_not_informed();
          ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
          ASSIGN_OR_RETURN(std::vector<v1::Extension> rows,
                           store_->ListExtensions(*conn, f));
          for (size_t i = 0; i < rows.size() && static_cast<int>(i) < size;
               ++i) {
            *resp->add_extensions() = std::move(rows[i]);
          }
          SetNextPage(f.offset, size, rows.size(), resp->mutable_page());
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

  absl::Status ParseFilter(const auth::Principal& who,
                           const std::string& ticket_id,
                           const std::string& unit_id,
                           const google::protobuf::RepeatedField<int>& steps,
                           const v1::Period& period,
                           const v1::PageRequest& page, StepFilter* f) {
    for (int s : steps) {
      if (!v1::LadderStep_IsValid(s) || s == 0) {
        return absl::InvalidArgumentError("steps: not a ladder step");
      }
      f->steps.push_back(s);
    }
    RETURN_IF_ERROR(ParsePeriod(period, f));
    int size = 0;
    ASSIGN_OR_RETURN(f->offset, ParsePage(page, &size));
    f->limit = size + 1;
    RETURN_IF_ERROR(
        auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor,
                                Role::kUnitStaff, Role::kUnitLead}));
    ASSIGN_OR_RETURN(f->unit_root, SubtreeRoot(*pool_, *store_, who, unit_id));
    f->ticket_id = ticket_id;
    return absl::OkStatus();
  }

  // Runs `body` once per request id, after `authorize` (the caller's right
  // on the object now): server/idempotency.h. A replay is answered only to a
  // caller who may make the call.
  template <typename Req, typename Resp>
  absl::Status Idempotent(
      const std::string& rpc, const std::string& request_id, const Req& req,
      Resp* resp, std::function<absl::Status(db::Connection&)> authorize,
      std::function<absl::Status(db::Connection&)> body) {
    const uint64_t fp = Fingerprint(rpc, req.SerializeAsString());
    RETURN_IF_ERROR(server::RunIdempotentResponse(
        *pool_, std::move(authorize),
        [&](db::Connection& conn) {
          return store_->LookupRequest(conn, request_id, rpc, fp);
        },
        [&](db::Connection& conn, const std::string& answer) {
          return store_->RecordRequest(conn, request_id, rpc, fp, answer,
                                       clock_->Now());
        },
        std::move(body), resp));
    relay_->Wake();
    return absl::OkStatus();
  }

  static absl::Status Anyone(db::Connection&) { return absl::OkStatus(); }

  const server::CallGate* gate_;
  db::ConnectionPool* pool_;
  DeadlineStore* store_;
  Clock* clock_;
  ClockEngine* engine_;
  outbox::Relay* relay_;
};

std::string ReplicaId() {
  char host[64] = {0};
  gethostname(host, sizeof host - 1);
  absl::BitGen gen;
  return absl::StrCat(host, "-", getpid(), "-",
                      absl::Uniform<uint32_t>(gen, 0, 1u << 30))
      .substr(0, 64);
}

class DeadlineComponent final : public runtime::Component {
 public:
  explicit DeadlineComponent(runtime::Context& ctx,
                             std::unique_ptr<Directory> directory,
                             std::unique_ptr<Notifier> notifier)
      : ctx_(ctx),
        state_(&ctx.host.registry()),
        engine_(&store_, &state_, &Policy::Builtin(), &ctx.outbox, &ctx.clock),
        scanner_(&ctx.pool, &engine_, ReplicaId()),
        directory_(std::move(directory)),
        notifier_(std::move(notifier)) {
    CalendarServiceDeps deps;
    deps.gate = &ctx.host.gate();
    deps.clock = &ctx.clock;
    deps.pool = &ctx.pool;
    deps.store = &store_;
    deps.state = &state_;
    deps.policy = &Policy::Builtin();
    deps.recompute = [this](db::Connection& conn,
                            const calendar::Calendar& next, int year) {
      return engine_.Recompute(conn, next, year);
    };
    deps.after_commit = [&relay = ctx.relay] { relay.Wake(); };
    calendar_service_ = NewCalendarService(std::move(deps));
    deadline_service_ = std::make_unique<DeadlineServiceImpl>(
        &ctx.host.gate(), &ctx.pool, &store_, &ctx.clock, &engine_, &ctx.relay);
    inbox_ = std::make_unique<outbox::Inbox>(
        &ctx.pool,
        [this](db::Connection& conn, const v1::TicketEvent& ev) {
          return engine_.Apply(conn, ev);
        },
        ctx.config.service_name);
    sink_ = outbox::NewEventSinkService(inbox_.get(), &ctx.host.gate());
    ctx.host.AddService(calendar_service_.get(), "hotline.v1.CalendarService");
    ctx.host.AddService(deadline_service_.get(), "hotline.v1.DeadlineService");
    ctx.host.AddService(sink_.get(), "hotline.v1.EventSink");
  }

  ~DeadlineComponent() override { Stop(); }

  // Loads the persisted calendar years over the builtin data.
  absl::Status Prepare() override {
    ASSIGN_OR_RETURN(db::PooledConnection conn, ctx_.pool.Acquire());
    ASSIGN_OR_RETURN(std::vector<PersistedYear> years,
                     store_.LoadCalendarYears(*conn));
    conn.Release();
    RETURN_IF_ERROR(state_.Init(years));
    persisted_years_ = years.size();
    state_.CheckNextYear(ctx_.clock.Now());
    return absl::OkStatus();
  }

  // The scanner: polls ctx.clock every 200 ms (real time), fires due rungs,
  // delivers pending notices, and picks up calendar years other replicas
  // loaded.
  void Start() override {
    if (!absl::GetFlag(FLAGS_ladder_scanner)) return;
    thread_ = std::thread([this] { Loop(); });
  }

  void Stop() override {
    if (!thread_.joinable()) return;
    stop_.Notify();
    thread_.join();
  }

 private:
  void Loop() {
    int tick = 0;
    bool failing = false;  // log a failure once, not every 200 ms
    while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(200))) {
      const absl::Time now = ctx_.clock.Now();
      absl::StatusOr<int> fired = scanner_.ScanOnce(JudgeUntil(now));
      if (!fired.ok()) {
        if (!failing) {
          log::Warning("ladder.scan_failed",
                       {{"error", std::string(fired.status().message())}});
        }
        failing = true;
        continue;
      }
      if (failing) log::Info("ladder.scan_recovered");
      failing = false;
      if (*fired > 0) {
        log::Info("ladder.fired", {{"steps", absl::StrCat(*fired)}});
        ctx_.relay.Wake();
      }
      absl::StatusOr<int> delivered =
          scanner_.DeliverNotices(now, directory_.get(), notifier_.get());
      if (!delivered.ok() && !failing) {
        log::Warning("notice.pass_failed",
                     {{"error", std::string(delivered.status().message())}});
      }
      if (++tick % 10 == 0) RefreshCalendar();  // every ~2 s
      // Once a local day: next year's calendar, due from December on.
      const absl::CivilDay today = calendar::LocalDay(now);
      if (today != checked_day_) {
        checked_day_ = today;
        state_.CheckNextYear(now);
      }
    }
  }

  // How far clocks may be judged: now, but never past the producers'
  // watermark — an event that happened before a due and is still on its way
  // (a relay behind, routing briefly away) must not be judged late. A
  // producer silent for longer than --judge_lag_limit no longer holds the
  // ladder back.
  absl::Time JudgeUntil(absl::Time now) {
    absl::StatusOr<db::PooledConnection> conn = ctx_.pool.Acquire();
    if (!conn.ok()) return now;
    absl::StatusOr<std::optional<absl::Time>> wm =
        outbox::LowWatermark(**conn, absl::GetFlag(FLAGS_judge_lag_limit));
    if (!wm.ok() || !wm->has_value() || **wm >= now) {
      if (lagging_) log::Info("ladder.caught_up");
      lagging_ = false;
      return now;
    }
    if (!lagging_ && now - **wm > absl::Minutes(1)) {
      log::Warning("ladder.waiting_for_events",
                   {{"behind", absl::FormatDuration(now - **wm)}});
      lagging_ = true;
    }
    return **wm;
  }

  // Years loaded through another replica (rows appear in calendar_year).
  void RefreshCalendar() {
    absl::StatusOr<db::PooledConnection> conn = ctx_.pool.Acquire();
    if (!conn.ok()) return;
    absl::StatusOr<std::vector<PersistedYear>> years =
        store_.LoadCalendarYears(**conn);
    if (!years.ok()) return;
    std::shared_ptr<const calendar::Calendar> cal = state_.Get();
    bool differs = years->size() != persisted_years_;
    for (const PersistedYear& y : *years) {
      auto it = cal->data().years().find(y.data.year);
      differs = differs || it == cal->data().years().end() ||
                it->second.holidays != y.data.holidays ||
                it->second.workdays != y.data.workdays;
    }
    if (differs && state_.Init(*years).ok()) persisted_years_ = years->size();
  }

  runtime::Context& ctx_;
  MysqlDeadlineStore store_;
  CalendarState state_;
  ClockEngine engine_;
  Scanner scanner_;
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<grpc::Service> calendar_service_;
  std::unique_ptr<grpc::Service> deadline_service_;
  std::unique_ptr<outbox::Inbox> inbox_;
  std::unique_ptr<grpc::Service> sink_;
  size_t persisted_years_ = 0;
  bool lagging_ = false;        // the scanner thread's: waiting for a watermark
  absl::CivilDay checked_day_;  // the scanner thread's: last CheckNextYear
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace

runtime::ServiceDefinition Definition() {
  runtime::ServiceDefinition d;
  d.name = "deadline";
  d.migrations = SchemaMigrations;
  d.build = [](runtime::Context& ctx)
      -> absl::StatusOr<std::unique_ptr<runtime::Component>> {
    const config::EnvLookup env = config::ProcessEnv();
    // The liaison and leader on duty of notices; without routing they are
    // stored with recipient "unresolved".
    ASSIGN_OR_RETURN(std::string routing, config::ResolveRouting(env));
    ASSIGN_OR_RETURN(
        std::string webhook,
        config::ResolveSetting({"notify_webhook", "HOTLINE_NOTIFY_WEBHOOK"},
                               absl::GetFlag(FLAGS_notify_webhook), env));
    std::unique_ptr<Directory> directory;
    if (!routing.empty()) {
      directory = NewGrpcDirectory(routing, ctx.channel_credentials,
                                   ctx.config.service_token);
    }
    std::unique_ptr<Notifier> notifier = NewLogNotifier();
    if (!webhook.empty()) {
      ASSIGN_OR_RETURN(notifier, NewWebhookNotifier(webhook));
    }
    return std::make_unique<DeadlineComponent>(ctx, std::move(directory),
                                               std::move(notifier));
  };
  return d;
}

}  // namespace hotline::deadline
