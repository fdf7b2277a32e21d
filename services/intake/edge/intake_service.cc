#include "services/intake/edge/intake_service.h"

#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/directory/directory_follower.h"
#include "common/directory/mysql_directory_store.h"
#include "common/directory/routing_directory_source.h"
#include "common/log/log.h"
#include "common/server/actor.h"
#include "common/server/call_gate.h"
#include "common/server/idempotency.h"
#include "common/server/paging.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline_intake_SchemaMigrations.h"
#include "services/intake/core/intake_core.h"
#include "services/intake/domain/caller_crypto.h"
#include "services/intake/domain/caller_privacy.h"
#include "services/intake/domain/places.h"
#include "services/intake/domain/similarity.h"
#include "services/intake/domain/text_rules.h"
#include "services/intake/domain/ticket_numbers.h"
#include "services/intake/edge/knowledge_service.h"
#include "services/intake/store/mysql_intake_store.h"
#include "services/intake/store/mysql_knowledge_store.h"

ABSL_FLAG(std::string, caller_key_file, "",
          "File of caller-data keys (`KEY_ID HEX64` lines, first active; "
          "`hmac HEX64`). Env fallback HOTLINE_CALLER_KEY_FILE. Required.");
ABSL_FLAG(int, repeat_window_days, -1,
          "Repeat suggestions look back this many days (env "
          "HOTLINE_REPEAT_WINDOW_DAYS; default 30).");
ABSL_FLAG(double, repeat_similarity, -1,
          "Bigram Jaccard similarity from which same-place orders are "
          "suggested as repeats (env HOTLINE_REPEAT_SIMILARITY; default 0.5).");
ABSL_FLAG(absl::Duration, directory_refresh, absl::Minutes(5),
          "How often the towns/streets and villages/communities are read "
          "again from routing's directory (HOTLINE_ROUTING).");
ABSL_FLAG(absl::Duration, directory_min_gap, absl::Seconds(10),
          "An order naming a place intake does not know reads the directory "
          "at once, at most this often.");

namespace hotline::intake {

namespace {

using auth::Role;
using server::ActorOf;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

class IntakeServiceImpl final : public v1::IntakeService::Service {
 public:
  // `core` is not owned and must outlive the service.
  IntakeServiceImpl(runtime::Context& ctx, IntakeCore* core)
      : ctx_(ctx), core_(core) {}

  grpc::Status CreateTicket(grpc::ServerContext* context,
                            const v1::CreateTicketRequest* req,
                            v1::CreateTicketResponse* resp) override {
    return server::HandleGatewayCall(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          // CHANNEL_GATEWAY: a call-center gateway creates orders and may
          // call nothing else (every other RPC's role list omits it).
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCallAgent, Role::kCenterStaff,
                                      Role::kService, Role::kChannelGateway}));
          ASSIGN_OR_RETURN(CreateOutcome out,
                           core_->CreateTicket(*req, who, ctx_.clock.Now()));
          ASSIGN_OR_RETURN(*resp->mutable_ticket(),
                           core_->Render(out.record, who));
          resp->set_replayed(out.replayed);
          for (auto& c : out.candidates) *resp->add_repeat_candidates() = c;
          return absl::OkStatus();
        });
  }

  grpc::Status GetTicket(grpc::ServerContext* context,
                         const v1::GetTicketRequest* req,
                         v1::GetTicketResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(ReadRoles(who));
          std::string id, number;
          if (req->key_case() == v1::GetTicketRequest::kTicketId) {
            RETURN_IF_ERROR(CheckId("ticket_id", req->ticket_id()));
            id = req->ticket_id();
          } else if (req->key_case() == v1::GetTicketRequest::kTicketNumber) {
            if (!IsTicketNumberPrefix(req->ticket_number()) ||
                req->ticket_number().size() < 17) {
              return absl::InvalidArgumentError(
                  "ticket_number: not a ticket number DZYYYYMMDD-NNNNNN");
            }
            number = req->ticket_number();
          } else {
            return absl::InvalidArgumentError(
                "key: ticket_id or ticket_number required");
          }
          ASSIGN_OR_RETURN(TicketRecord rec, core_->GetTicket(id, number, who));
          ASSIGN_OR_RETURN(*resp->mutable_ticket(), core_->Render(rec, who));
          return absl::OkStatus();
        });
  }

  grpc::Status ListTickets(grpc::ServerContext* context,
                           const v1::ListTicketsRequest* req,
                           v1::ListTicketsResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(ReadRoles(who));
          ASSIGN_OR_RETURN(
              paging::OffsetPage page,
              paging::OffsetPage::Parse(
                  req->page(), paging::Query("intake.ListTickets", *req)));
          TicketFilter f;
          for (int s : req->statuses()) {
            if (!v1::TicketStatus_IsValid(s) || s == 0) {
              return absl::InvalidArgumentError(
                  "statuses: not a TicketStatus value");
            }
            f.statuses.push_back(static_cast<v1::TicketStatus>(s));
          }
          if (!req->holder_unit_id().empty() &&
              !IsCode(req->holder_unit_id(), 32)) {
            return absl::InvalidArgumentError("holder_unit_id: not a unit id");
          }
          if (!v1::RequestType_IsValid(req->request_type())) {
            return absl::InvalidArgumentError(
                "request_type: not a RequestType value");
          }
          f.request_type = req->request_type();
          if (!v1::Channel_IsValid(req->channel())) {
            return absl::InvalidArgumentError("channel: not a Channel value");
          }
          f.channel = req->channel();
          if (!req->category_code().empty() &&
              !IsCode(req->category_code(), 64)) {
            return absl::InvalidArgumentError(
                "category_code: not a category code");
          }
          f.category_code = req->category_code();
          if (!req->town_code().empty() && !IsCode(req->town_code(), 32)) {
            return absl::InvalidArgumentError("town_code: not a unit id");
          }
          f.town_code = req->town_code();
          // The holder's subtree and whether `who` may ask for it: the core.
          return List(std::move(f), req->holder_unit_id(), *req, who, page,
                      resp);
        });
  }

  grpc::Status SearchTickets(grpc::ServerContext* context,
                             const v1::SearchTicketsRequest* req,
                             v1::SearchTicketsResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(ReadRoles(who));
          ASSIGN_OR_RETURN(
              paging::OffsetPage page,
              paging::OffsetPage::Parse(
                  req->page(), paging::Query("intake.SearchTickets", *req)));
          TicketFilter f;
          const bool caller_key =
              !req->caller_phone().empty() || !req->caller_hash().empty();
          if (req->ticket_number().empty() && !caller_key &&
              req->text().empty()) {
            return absl::InvalidArgumentError(
                "ticket_number: one of ticket_number, caller_phone, "
                "caller_hash, "
                "text is required");
          }
          if (caller_key && !who.Is(Role::kCallAgent) &&
              !who.Is(Role::kCenterStaff)) {
            return absl::PermissionDeniedError(absl::StrCat(
                "caller keys are for CALL_AGENT and CENTER_STAFF, not ",
                auth::RoleName(who.role)));
          }
          if (!req->ticket_number().empty()) {
            if (!IsTicketNumberPrefix(req->ticket_number())) {
              return absl::InvalidArgumentError(
                  "ticket_number: not \"DZ\" + 8 digits or a longer prefix");
            }
            f.number_prefix = req->ticket_number();
          }
          if (!req->caller_phone().empty()) {
            std::optional<std::string> phone =
                NormalizePhone(req->caller_phone());
            if (!phone)
              return absl::InvalidArgumentError(
                  "caller_phone: not a phone number");
            f.caller_hashes = core_->PhoneHashes(*phone);
          }
          if (!req->caller_hash().empty()) {
            bool hex = req->caller_hash().size() == 64;
            for (char c : req->caller_hash()) {
              hex &= (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
            }
            if (!hex)
              return absl::InvalidArgumentError(
                  "caller_hash: not 64 hex chars");
            if (!f.caller_hashes.empty() &&
                std::find(f.caller_hashes.begin(), f.caller_hashes.end(),
                          req->caller_hash()) == f.caller_hashes.end()) {
              return absl::OkStatus();  // ANDed keys that cannot both match
            }
            f.caller_hashes = {req->caller_hash()};
          }
          if (!req->text().empty()) {
            RETURN_IF_ERROR(CheckText("text", req->text(), {true, 200, false}));
            if (req->text().size() < 2) {
              return absl::InvalidArgumentError("text: at least 2 bytes");
            }
            f.terms = Terms(req->text());
            if (f.terms.empty()) {
              return absl::InvalidArgumentError("text: no searchable words");
            }
          }
          for (int s : req->statuses()) {
            if (!v1::TicketStatus_IsValid(s) || s == 0) {
              return absl::InvalidArgumentError(
                  "statuses: not a TicketStatus value");
            }
            f.statuses.push_back(static_cast<v1::TicketStatus>(s));
          }
          return List(std::move(f), "", *req, who, page, resp);
        });
  }

  grpc::Status RevealCaller(grpc::ServerContext* context,
                            const v1::RevealCallerRequest* req,
                            v1::RevealCallerResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kEvaluator,
                                      Role::kUnitStaff, Role::kUnitLead}));
          RETURN_IF_ERROR(CheckId("request_id", req->request_id()));
          RETURN_IF_ERROR(CheckId("ticket_id", req->ticket_id()));
          if (req->purpose() == v1::REVEAL_PURPOSE_UNSPECIFIED ||
              !v1::RevealPurpose_IsValid(req->purpose())) {
            return absl::InvalidArgumentError("purpose: required");
          }
          RETURN_IF_ERROR(
              CheckText("reason", req->reason(), {true, 512, true}));
          if (req->reason().size() < 4) {
            return absl::InvalidArgumentError("reason: at least 4 bytes");
          }
          ASSIGN_OR_RETURN(
              auto revealed,
              core_->RevealCaller(
                  req->request_id(),
                  RequestHash(absl::StrCat("RevealCaller/", who.id), *req),
                  req->ticket_id(), req->purpose(), req->reason(), who,
                  ctx_.clock.Now()));
          *resp->mutable_caller() = std::move(revealed.first);
          resp->set_audit_id(revealed.second);
          return absl::OkStatus();
        });
  }

  grpc::Status ListRevealAudit(grpc::ServerContext* context,
                               const v1::ListRevealAuditRequest* req,
                               v1::ListRevealAuditResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kAuditor, Role::kCenterStaff}));
          ASSIGN_OR_RETURN(
              paging::OffsetPage page,
              paging::OffsetPage::Parse(
                  req->page(), paging::Query("intake.ListRevealAudit", *req)));
          AuditFilter f;
          RETURN_IF_ERROR(CheckId("ticket_id", req->ticket_id(), false));
          RETURN_IF_ERROR(CheckId("principal_id", req->principal_id(), false));
          if (!req->unit_id().empty() && !IsCode(req->unit_id(), 32)) {
            return absl::InvalidArgumentError("unit_id: not a unit id");
          }
          f.ticket_id = req->ticket_id();
          f.principal_id = req->principal_id();
          f.unit_id = req->unit_id();
          if (req->has_period()) {
            RETURN_IF_ERROR(
                ParsePeriod("period", req->period(), &f.from, &f.to));
          }
          f.offset = page.offset();
          f.limit = page.size();
          ASSIGN_OR_RETURN(auto rows, core_->ListRevealAudit(f));
          resp->mutable_page()->set_next_page_token(
              page.NextAfterRead(rows.size()));
          if (static_cast<int>(rows.size()) > page.size()) {
            rows.resize(page.size());
          }
          for (auto& e : rows) *resp->add_entries() = std::move(e);
          return absl::OkStatus();
        });
  }

  grpc::Status MergeTicket(grpc::ServerContext* context,
                           const v1::MergeTicketRequest* req,
                           v1::MergeTicketResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCallAgent, Role::kCenterStaff}));
          RETURN_IF_ERROR(CheckId("request_id", req->request_id()));
          RETURN_IF_ERROR(CheckId("ticket_id", req->ticket_id()));
          RETURN_IF_ERROR(
              CheckId("original_ticket_id", req->original_ticket_id()));
          if (req->ticket_id() == req->original_ticket_id()) {
            return absl::InvalidArgumentError(
                "original_ticket_id: must differ from ticket_id");
          }
          RETURN_IF_ERROR(
              CheckText("reason", req->reason(), {true, 512, true}));
          ASSIGN_OR_RETURN(
              TicketRecord rec,
              core_->Merge(req->request_id(), server::RequestHash(*req),
                           req->ticket_id(), req->original_ticket_id(),
                           req->reason(), ActorOf(who), ctx_.clock.Now()));
          ASSIGN_OR_RETURN(*resp->mutable_ticket(), core_->Render(rec, who));
          return absl::OkStatus();
        });
  }

  grpc::Status UnmergeTicket(grpc::ServerContext* context,
                             const v1::UnmergeTicketRequest* req,
                             v1::UnmergeTicketResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(auth::RequireRole(who, {Role::kCenterStaff}));
          RETURN_IF_ERROR(CheckId("request_id", req->request_id()));
          RETURN_IF_ERROR(CheckId("ticket_id", req->ticket_id()));
          RETURN_IF_ERROR(
              CheckText("reason", req->reason(), {true, 512, true}));
          ASSIGN_OR_RETURN(
              TicketRecord rec,
              core_->Merge(req->request_id(), server::RequestHash(*req),
                           req->ticket_id(), "", req->reason(), ActorOf(who),
                           ctx_.clock.Now()));
          ASSIGN_OR_RETURN(*resp->mutable_ticket(), core_->Render(rec, who));
          return absl::OkStatus();
        });
  }

  grpc::Status ListCategories(grpc::ServerContext* context,
                              const v1::ListCategoriesRequest* req,
                              v1::ListCategoriesResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal&) {
          std::shared_ptr<const Catalog> catalog = core_->catalog();
          for (const auto& c : catalog->categories) *resp->add_categories() = c;
          resp->set_version(catalog->version);
          return absl::OkStatus();
        });
  }

 private:
  static absl::Status ReadRoles(const auth::Principal& who) {
    return auth::RequireRole(
        who, {Role::kCallAgent, Role::kCenterStaff, Role::kEvaluator,
              Role::kAuditor, Role::kUnitStaff, Role::kUnitLead});
  }

  static absl::Status ParsePeriod(absl::string_view field, const v1::Period& p,
                                  std::optional<absl::Time>* from,
                                  std::optional<absl::Time>* to) {
    ASSIGN_OR_RETURN(
        absl::Time f,
        ParseLocalDate(absl::StrCat(field, ".from_date"), p.from_date()));
    ASSIGN_OR_RETURN(
        absl::Time t,
        ParseLocalDate(absl::StrCat(field, ".to_date"), p.to_date()));
    if (t < f) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".to_date: before from_date"));
    }
    *from = f;
    *to = t + absl::Hours(24);
    return absl::OkStatus();
  }

  // ListTickets and SearchTickets: `f` plus the request's received period and
  // page, held by `holder_unit_id`'s subtree when it is not empty,
  // restricted to what `who` may see, rendered for `who`.
  template <typename Req, typename Resp>
  absl::Status List(TicketFilter f, const std::string& holder_unit_id,
                    const Req& req, const auth::Principal& who,
                    const paging::OffsetPage& page, Resp* resp) {
    if (req.has_received()) {
      RETURN_IF_ERROR(ParsePeriod("received", req.received(), &f.from, &f.to));
    }
    f.offset = page.offset();
    f.limit = page.size();
    ASSIGN_OR_RETURN(std::vector<TicketRecord> rows,
                     core_->ListTickets(std::move(f), holder_unit_id, who));
    resp->mutable_page()->set_next_page_token(page.NextAfterRead(rows.size()));
    if (static_cast<int>(rows.size()) > page.size()) rows.resize(page.size());
    for (const auto& r : rows) {
      ASSIGN_OR_RETURN(*resp->add_tickets(), core_->Render(r, who));
    }
    return absl::OkStatus();
  }

  runtime::Context& ctx_;
  IntakeCore* core_;
};

// Orders per CreateTicket transaction (MysqlIntakeStore's group commit).
std::function<void(int)> BatchSizeMetric(prometheus::Registry& registry) {
  prometheus::Histogram* h =
      &prometheus::BuildHistogram()
           .Name("hotline_intake_create_batch_orders")
           .Help(
               "Orders written per CreateTicket transaction (concurrent "
               "calls share transactions)")
           .Register(registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32,
                                                            64});
  return [h](int n) { h->Observe(n); };
}

class IntakeComponent final : public runtime::Component {
 public:
  // `routing` null: no routing to follow; the stored copy of the directory
  // stays.
  IntakeComponent(runtime::Context& ctx, CallerCrypto crypto,
                  IntakeSettings settings,
                  std::unique_ptr<directory::DirectorySource> routing)
      : ctx_(ctx),
        crypto_(std::move(crypto)),
        store_(&ctx.pool, &ctx.outbox, BatchSizeMetric(ctx.host.registry())),
        kb_(&ctx.pool),
        directory_store_(&ctx.pool),
        // The places in the catalog follow each new copy of the directory.
        follower_(std::move(routing), &directory_store_,
                  {settings.directory_refresh, settings.directory_min_gap,
                   // Until routing has towns/streets, the installed ones.
                   [](const directory::Directory& d) {
                     return !PlacesFromDirectory(d).towns.empty();
                   }},
                  [this](std::shared_ptr<const directory::Directory> d) {
                    Catalog next = *catalog_.Get();
                    next.places = PlacesFromDirectory(*d);
                    log::Info(
                        "directory.places",
                        {{"towns", absl::StrCat(next.places.towns.size())},
                         {"communities",
                          absl::StrCat(next.places.communities.size())}});
                    catalog_.Set(std::move(next));
                  }),
        core_(&ctx.pool, &ctx.outbox, &crypto_, &store_, &kb_, &catalog_,
              &follower_, settings),
        intake_(ctx, &core_),
        knowledge_(NewKnowledgeService(ctx, &kb_, &catalog_, &follower_)) {
    ctx.host.AddService(&intake_, "hotline.v1.IntakeService");
    ctx.host.AddService(knowledge_.get(), "hotline.v1.KnowledgeService");
    ctx.ServeEventBatches([this] { return core_.NewEventBatch(); });
  }

  absl::Status Prepare() override {
    ASSIGN_OR_RETURN(Catalog c, store_.LoadCatalog());
    if (c.categories.empty()) {
      return absl::FailedPreconditionError("matter taxonomy is empty");
    }
    c.places = PlacesFromDirectory(*follower_.Snapshot());
    catalog_.Set(std::move(c));
    // The stored copy, then routing's (routing down or empty: the stored
    // copy serves until it answers).
    return follower_.Prime();
  }

  void Start() override { follower_.Start(); }
  void Stop() override { follower_.Stop(); }

 private:
  runtime::Context& ctx_;
  CallerCrypto crypto_;
  CatalogHolder catalog_;
  MysqlIntakeStore store_;
  MysqlKnowledgeStore kb_;
  directory::MysqlDirectoryStore directory_store_;
  directory::DirectoryFollower follower_;
  IntakeCore core_;
  IntakeServiceImpl intake_;
  std::unique_ptr<grpc::Service> knowledge_;
};

}  // namespace

runtime::ServiceDefinition Definition() {
  runtime::ServiceDefinition d;
  d.name = "intake";
  // The shared copy of the directory (common/directory), then intake's own.
  d.migrations = &directory::WithDirectoryCopy<SchemaMigrations>;
  // What the caller's progress and the order's status follow.
  d.consumes = {
      v1::TicketEvent::kDispatched,         v1::TicketEvent::kRedispatched,
      v1::TicketEvent::kAccepted,           v1::TicketEvent::kForwarded,
      v1::TicketEvent::kReturned,           v1::TicketEvent::kDisputeRaised,
      v1::TicketEvent::kDisputeDecided,     v1::TicketEvent::kReplied,
      v1::TicketEvent::kReviewed,           v1::TicketEvent::kClosed,
      v1::TicketEvent::kClockStarted,       v1::TicketEvent::kClockMoved,
      v1::TicketEvent::kExtensionRequested, v1::TicketEvent::kExtensionDecided,
      v1::TicketEvent::kEvaluationRecorded};
  d.build = [](runtime::Context& ctx)
      -> absl::StatusOr<std::unique_ptr<runtime::Component>> {
    const std::string path = !absl::GetFlag(FLAGS_caller_key_file).empty()
                                 ? absl::GetFlag(FLAGS_caller_key_file)
                                 : EnvOr("HOTLINE_CALLER_KEY_FILE", "");
    if (path.empty()) {
      return absl::InvalidArgumentError(
          "--caller_key_file (or HOTLINE_CALLER_KEY_FILE) is required: caller "
          "data cannot be stored without a key");
    }
    ASSIGN_OR_RETURN(CallerCrypto crypto, CallerCrypto::LoadFile(path));
    IntakeSettings s;
    int days = absl::GetFlag(FLAGS_repeat_window_days);
    if (days < 0) {
      std::string env = EnvOr("HOTLINE_REPEAT_WINDOW_DAYS", "30");
      if (!absl::SimpleAtoi(env, &days) || days < 0 || days > 365) {
        return absl::InvalidArgumentError(
            "HOTLINE_REPEAT_WINDOW_DAYS: not a number of days 0–365");
      }
    }
    s.repeat_window_days = days;
    double sim = absl::GetFlag(FLAGS_repeat_similarity);
    if (sim < 0) {
      std::string env = EnvOr("HOTLINE_REPEAT_SIMILARITY", "0.5");
      if (!absl::SimpleAtod(env, &sim) || sim < 0 || sim > 1) {
        return absl::InvalidArgumentError(
            "HOTLINE_REPEAT_SIMILARITY: not a number in [0, 1]");
      }
    }
    s.repeat_similarity = sim;
    s.directory_refresh =
        std::max(absl::Seconds(1), absl::GetFlag(FLAGS_directory_refresh));
    s.directory_min_gap = absl::GetFlag(FLAGS_directory_min_gap);
    // The directory: routing's address (replicas a|b), or none.
    ASSIGN_OR_RETURN(std::unique_ptr<directory::DirectorySource> source,
                     directory::SourceFromConfig(config::ProcessEnv(),
                                                 ctx.channel_credentials,
                                                 ctx.config.service_token));
    return std::make_unique<IntakeComponent>(ctx, std::move(crypto), s,
                                             std::move(source));
  };
  return d;
}

}  // namespace hotline::intake
