#include "services/intake/intake_service.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/server/call_gate.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline_intake_SchemaMigrations.h"
#include "services/intake/caller_crypto.h"
#include "services/intake/intake_rules.h"
#include "services/intake/knowledge_service.h"
#include "services/intake/mysql_intake_store.h"
#include "services/intake/mysql_knowledge_store.h"
#include "services/intake/paging.h"
#include "services/intake/places_follower.h"

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

std::string RequestHash(absl::string_view rpc,
                        const google::protobuf::Message& request) {
  std::string bytes(rpc);
  bytes.push_back('\0');
  {
    google::protobuf::io::StringOutputStream sos(&bytes);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&cos);
  }
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         md);
  return std::string(reinterpret_cast<const char*>(md), SHA256_DIGEST_LENGTH);
}

std::string NewId(absl::string_view prefix) {
  unsigned char b[12];
  RAND_bytes(b, sizeof b);
  return absl::StrCat(prefix, absl::BytesToHexString(absl::string_view(
                                  reinterpret_cast<const char*>(b), sizeof b)));
}

bool IsUnitRole(const auth::Principal& who) {
  return who.Is(auth::Role::kUnitStaff) || who.Is(auth::Role::kUnitLead);
}

namespace {

using auth::Role;

struct IntakeSettings {
  int repeat_window_days = 30;
  double repeat_similarity = 0.5;
  absl::Duration directory_refresh = absl::Minutes(5);
  absl::Duration directory_min_gap = absl::Seconds(10);
};

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

class IntakeServiceImpl final : public v1::IntakeService::Service {
 public:
  IntakeServiceImpl(runtime::Context& ctx, const CallerCrypto* crypto,
                    IntakeStore* store, KnowledgeStore* kb,
                    const CatalogHolder* catalog, PlacesFollower* places,
                    IntakeSettings settings)
      : ctx_(ctx),
        crypto_(crypto),
        store_(store),
        kb_(kb),
        catalog_(catalog),
        places_(places),
        settings_(settings) {}

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
          const absl::Time now = ctx_.clock.Now();
          std::shared_ptr<const Catalog> catalog = catalog_->Get();
          if (!KnowsPlaces(*catalog, req->location()) && places_ != nullptr) {
            // Read again even when this call did not refresh: a concurrent
            // one it waited for may have.
            places_->RefreshForUnknownPlace();
            catalog = catalog_->Get();
          }
          RETURN_IF_ERROR(ValidateCreateTicket(*req, *catalog, now));
          if (req->has_close_at_intake()) {
            RETURN_IF_ERROR(CheckCitable(req->close_at_intake(), now));
          }
          NewTicket nt;
          nt.request_id = req->request_id();
          nt.request_hash = CreateTicketFingerprint(*req);
          v1::Ticket& t = nt.ticket;
          t.set_ticket_id(NewId("tk-"));
          const std::string day = LocalDayCompact(now);
          ASSIGN_OR_RETURN(int64_t serial, store_->NextSerial(day));
          t.set_ticket_number(TicketNumber(day, serial));
          t.set_channel(req->channel());
          t.set_request_type(req->request_type());
          t.set_category_code(req->category_code());
          t.set_urgency(req->urgency() == v1::URGENCY_UNSPECIFIED
                            ? v1::URGENCY_NORMAL
                            : req->urgency());
          *t.mutable_location() = req->location();
          t.set_title(req->title());
          t.set_content(req->content());
          if (req->has_limit()) *t.mutable_limit() = req->limit();
          t.set_confidential(req->confidential() ||
                             req->request_type() == v1::REQUEST_TYPE_REPORT);
          const bool anonymous = IsAnonymous(req->caller());
          t.mutable_caller()->set_anonymous(anonymous);
          std::vector<std::string> other_hashes;  // under older hash keys
          if (!anonymous) {
            v1::CallerIdentity c = req->caller();
            if (!c.phone().empty()) {
              const std::string phone = *NormalizePhone(c.phone());
              c.set_phone(phone);
              other_hashes = crypto_->PhoneHashes(phone);
              t.set_caller_hash(other_hashes.front());
              other_hashes.erase(other_hashes.begin());
              nt.caller_hash_key = crypto_->active_hmac_id();
            }
            if (!c.id_number().empty() && c.id_number().back() == 'x') {
              c.mutable_id_number()->back() = 'X';
            }
            ASSIGN_OR_RETURN(
                nt.caller_ct,
                crypto_->Encrypt(c.SerializeAsString(), t.ticket_id()));
          }
          t.set_status(req->has_close_at_intake()
                           ? v1::TICKET_STATUS_CLOSED_AT_INTAKE
                           : v1::TICKET_STATUS_RECEIVED);
          *t.mutable_received_at() =
              req->has_received_at() ? req->received_at() : ToProto(now);
          *t.mutable_created_at() = ToProto(now);
          *t.mutable_updated_at() = ToProto(now);
          *t.mutable_created_by() = ActorOf(who);
          if (req->has_close_at_intake()) {
            for (const auto& id : req->close_at_intake().article_ids()) {
              t.add_cited_article_ids(id);
            }
            t.set_intake_answer(req->close_at_intake().answer());
          }
          nt.terms = Terms(absl::StrCat(req->title(), "\n", req->content()));
          nt.signature = MinHash(nt.terms);

          v1::TicketEvent created;
          created.set_ticket_id(t.ticket_id());
          created.set_ticket_number(t.ticket_number());
          *created.mutable_occurred_at() = ToProto(now);
          *created.mutable_actor() = ActorOf(who);
          v1::TicketCreated* p = created.mutable_ticket_created();
          p->set_channel(t.channel());
          p->set_request_type(t.request_type());
          p->set_category_code(t.category_code());
          p->set_urgency(t.urgency());
          *p->mutable_location() = t.location();
          p->set_title(t.title());
          p->set_content(t.content());
          *p->mutable_received_at() = t.received_at();
          if (t.has_limit()) *p->mutable_limit() = t.limit();
          p->set_confidential(t.confidential());
          p->set_caller_hash(t.caller_hash());
          p->set_anonymous(anonymous);
          p->set_closed_at_intake(req->has_close_at_intake());
          nt.events.push_back(created);
          if (req->has_close_at_intake()) {
            v1::TicketEvent closed = created;
            closed.clear_ticket_created();
            for (const auto& id : req->close_at_intake().article_ids()) {
              closed.mutable_ticket_closed_at_intake()->add_article_ids(id);
            }
            nt.events.push_back(closed);
          }

          RepeatQuery q;
          q.caller_hash = t.caller_hash();
          q.other_caller_hashes = std::move(other_hashes);
          q.town_code = t.location().town_code();
          q.signature = nt.signature;
          q.since = now - absl::Hours(24) * settings_.repeat_window_days;
          q.threshold = settings_.repeat_similarity;
          q.exclude_ticket_id = t.ticket_id();
          ASSIGN_OR_RETURN(CreateOutcome out, store_->CreateTicket(nt, q));
          if (out.replayed && !SameRequest(out.record, *req)) {
            return absl::AlreadyExistsError(
                absl::StrCat("request_id ", req->request_id(),
                             " was used for a different request (order ",
                             out.record.ticket.ticket_number(), ")"));
          }
          if (!out.replayed) {
            ctx_.relay.Wake();
            log::Info("ticket.created",
                      {{"ticket_id", t.ticket_id()},
                       {"ticket_number", t.ticket_number()},
                       {"category", t.category_code()},
                       {"candidates", absl::StrCat(out.candidates.size())}});
          }
          ASSIGN_OR_RETURN(*resp->mutable_ticket(), Render(out.record, who));
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
          std::vector<std::string> held;
          ASSIGN_OR_RETURN(TicketRecord rec,
                           store_->GetTicket(id, number, &held));
          if (IsUnitRole(who)) {
            bool visible = false;
            const Places& places = catalog_->Get()->places;
            for (const auto& u : held) {
              visible |= InUnitTree(places, u, who.unit_id);
            }
            if (!visible) {
              return absl::PermissionDeniedError(absl::StrCat(
                  rec.ticket.ticket_number(), " was never held by ",
                  who.unit_id, " or its sub-units"));
            }
          }
          ASSIGN_OR_RETURN(*resp->mutable_ticket(), Render(rec, who));
          return absl::OkStatus();
        });
  }

  grpc::Status ListTickets(grpc::ServerContext* context,
                           const v1::ListTicketsRequest* req,
                           v1::ListTicketsResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(ReadRoles(who));
          v1::ListTicketsRequest filters = *req;
          filters.clear_page();
          ASSIGN_OR_RETURN(Page page, ParsePage(req->page(), filters));
          TicketFilter f;
          for (int s : req->statuses()) {
            if (!v1::TicketStatus_IsValid(s) || s == 0) {
              return absl::InvalidArgumentError(
                  "statuses: not a TicketStatus value");
            }
            f.statuses.push_back(static_cast<v1::TicketStatus>(s));
          }
          if (!req->holder_unit_id().empty()) {
            if (!IsCode(req->holder_unit_id(), 32)) {
              return absl::InvalidArgumentError(
                  "holder_unit_id: not a unit id");
            }
            if (IsUnitRole(who) &&
                !InUnitTree(catalog_->Get()->places, req->holder_unit_id(),
                            who.unit_id)) {
              return absl::PermissionDeniedError(
                  absl::StrCat("holder_unit_id: ", req->holder_unit_id(),
                               " is outside ", who.unit_id, "'s subtree"));
            }
            f.holder_unit_id = req->holder_unit_id();
            f.holder_also_units =
                PlacesBelowOffPrefix(catalog_->Get()->places, f.holder_unit_id);
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
          return List(std::move(f), *req, who, page, filters, resp);
        });
  }

  grpc::Status SearchTickets(grpc::ServerContext* context,
                             const v1::SearchTicketsRequest* req,
                             v1::SearchTicketsResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(ReadRoles(who));
          v1::SearchTicketsRequest filters = *req;
          filters.clear_page();
          ASSIGN_OR_RETURN(Page page, ParsePage(req->page(), filters));
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
            f.caller_hashes = crypto_->PhoneHashes(*phone);
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
          return List(std::move(f), *req, who, page, filters, resp);
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
          std::vector<std::string> held;
          ASSIGN_OR_RETURN(TicketRecord rec,
                           store_->GetTicket(req->ticket_id(), "", &held));
          const v1::Ticket& t = rec.ticket;
          RETURN_IF_ERROR(CheckReportReveal(t, who));  // whistle-blowers
          if (who.Is(Role::kEvaluator)) {
            if (req->purpose() != v1::REVEAL_PURPOSE_EVALUATION) {
              return absl::PermissionDeniedError(
                  "EVALUATOR may reveal only for purpose EVALUATION");
            }
            if (t.status() != v1::TICKET_STATUS_AWAITING_EVALUATION &&
                t.status() != v1::TICKET_STATUS_EVALUATED) {
              return absl::FailedPreconditionError(absl::StrCat(
                  t.ticket_number(), " is ", StatusName(t.status()),
                  ": no approved reply to evaluate yet"));
            }
          }
          if (IsUnitRole(who)) {
            if (t.confidential() ||
                t.request_type() == v1::REQUEST_TYPE_REPORT) {
              return absl::PermissionDeniedError(absl::StrCat(
                  t.ticket_number(),
                  " is confidential: its caller is never shown to units"));
            }
            if (req->purpose() != v1::REVEAL_PURPOSE_REPLY) {
              return absl::PermissionDeniedError(
                  "units may reveal only for purpose REPLY");
            }
            if (!InSubtree(t.holder_unit_id(), who.unit_id)) {
              return absl::PermissionDeniedError(
                  absl::StrCat(t.ticket_number(), " is held by ",
                               t.holder_unit_id().empty() ? "the center"
                                                          : t.holder_unit_id(),
                               ", not ", who.unit_id));
            }
          }
          if (t.caller().anonymous() || rec.caller_ct.empty()) {
            return absl::FailedPreconditionError(
                absl::StrCat(t.ticket_number(), ": the caller is anonymous"));
          }
          RevealRecord r;
          r.request_id = req->request_id();
          v1::RevealCallerRequest keyed = *req;
          r.request_hash =
              RequestHash(absl::StrCat("RevealCaller/", who.id), keyed);
          r.ticket_id = t.ticket_id();
          r.ticket_number = t.ticket_number();
          r.who = who;
          r.purpose = req->purpose();
          r.reason = req->reason();
          r.at = ctx_.clock.Now();
          ASSIGN_OR_RETURN(auto audit, store_->RecordReveal(r));
          if (audit.second != r.request_hash) {
            return absl::AlreadyExistsError(
                absl::StrCat("request_id ", req->request_id(),
                             " was used for another request"));
          }
          ASSIGN_OR_RETURN(std::string plain,
                           crypto_->Decrypt(rec.caller_ct, t.ticket_id()));
          if (!resp->mutable_caller()->ParseFromString(plain)) {
            return absl::DataLossError("caller identity: cannot be parsed");
          }
          resp->set_audit_id(audit.first);
          log::Info("caller.revealed", {{"ticket_id", t.ticket_id()},
                                        {"audit_id", audit.first},
                                        {"principal", who.id}});
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
          v1::ListRevealAuditRequest filters = *req;
          filters.clear_page();
          ASSIGN_OR_RETURN(Page page, ParsePage(req->page(), filters));
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
          f.offset = page.offset;
          f.limit = page.size;
          ASSIGN_OR_RETURN(auto rows, store_->ListRevealAudit(f));
          const bool more = static_cast<int>(rows.size()) > page.size;
          if (more) rows.resize(page.size);
          for (auto& e : rows) *resp->add_entries() = std::move(e);
          if (more) {
            resp->mutable_page()->set_next_page_token(
                NextPageToken(page.offset + page.size, filters));
          }
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
              store_->Merge(req->request_id(), RequestHash("MergeTicket", *req),
                            req->ticket_id(), req->original_ticket_id(),
                            req->reason(), ActorOf(who), ctx_.clock.Now()));
          ctx_.relay.Wake();
          ASSIGN_OR_RETURN(*resp->mutable_ticket(), Render(rec, who));
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
          ASSIGN_OR_RETURN(TicketRecord rec,
                           store_->Merge(req->request_id(),
                                         RequestHash("UnmergeTicket", *req),
                                         req->ticket_id(), "", req->reason(),
                                         ActorOf(who), ctx_.clock.Now()));
          ctx_.relay.Wake();
          ASSIGN_OR_RETURN(*resp->mutable_ticket(), Render(rec, who));
          return absl::OkStatus();
        });
  }

  grpc::Status ListCategories(grpc::ServerContext* context,
                              const v1::ListCategoriesRequest* req,
                              v1::ListCategoriesResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal&) {
          std::shared_ptr<const Catalog> catalog = catalog_->Get();
          for (const auto& c : catalog->categories) *resp->add_categories() = c;
          resp->set_version(catalog->version);
          return absl::OkStatus();
        });
  }

 private:
  // Whether a retry of a stored order's request id is the same request: its
  // fingerprint (for orders stored before fingerprints, the stored order
  // itself) and its caller, compared with the stored ciphertext's (the
  // fingerprint holds no caller data).
  bool SameRequest(const TicketRecord& rec,
                   const v1::CreateTicketRequest& req) const {
    if (rec.request_hash.empty()
            ? !RequestMatchesOrder(req, rec.ticket)
            : rec.request_hash != CreateTicketFingerprint(req)) {
      return false;
    }
    const bool anonymous = IsAnonymous(req.caller());
    if (rec.caller_ct.empty() || anonymous) {
      return rec.caller_ct.empty() && anonymous;
    }
    absl::StatusOr<std::string> plain =
        crypto_->Decrypt(rec.caller_ct, rec.ticket.ticket_id());
    v1::CallerIdentity stored;
    return plain.ok() && stored.ParseFromString(*plain) &&
           SameCaller(stored, StoredCaller(req.caller()));
  }

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

  absl::Status CheckCitable(const v1::CloseAtIntake& c, absl::Time now) {
    const std::string today = LocalDay(now);
    for (int i = 0; i < c.article_ids_size(); ++i) {
      const std::string field =
          absl::StrCat("close_at_intake.article_ids[", i, "]");
      absl::StatusOr<ArticleSnapshot> a = kb_->Get(c.article_ids(i));
      if (!a.ok() && a.status().code() == absl::StatusCode::kNotFound) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": no such article"));
      }
      RETURN_IF_ERROR(a.status());
      if (a->retired || !a->published.has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": article is not published"));
      }
      const v1::ArticleContent& ct = a->published->content();
      if ((!ct.valid_from().empty() && today < ct.valid_from()) ||
          (!ct.valid_to().empty() && today > ct.valid_to())) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": article is not valid today"));
      }
    }
    return absl::OkStatus();
  }

  // The order as `who` may see it (DESIGN.md §6).
  absl::StatusOr<v1::Ticket> Render(const TicketRecord& rec,
                                    const auth::Principal& who) const {
    v1::Ticket t = rec.ticket;
    t.clear_caller();
    v1::MaskedCaller* mc = t.mutable_caller();
    const bool shielded =
        t.confidential() || t.request_type() == v1::REQUEST_TYPE_REPORT;
    if (IsUnitRole(who) && shielded) {
      mc->set_withheld(true);
    } else if (rec.caller_ct.empty()) {
      mc->set_anonymous(true);
    } else {
      ASSIGN_OR_RETURN(std::string plain,
                       crypto_->Decrypt(rec.caller_ct, t.ticket_id()));
      v1::CallerIdentity c;
      if (!c.ParseFromString(plain)) {
        return absl::DataLossError("caller identity: cannot be parsed");
      }
      *mc = Mask(c);
    }
    if (!who.Is(Role::kCallAgent) && !who.Is(Role::kCenterStaff) &&
        !who.Is(Role::kAuditor)) {
      t.clear_caller_hash();
    }
    return t;
  }

  // ListTickets and SearchTickets: `f` plus the request's received period and
  // page, restricted to what `who` may see, rendered for `who`.
  template <typename Req, typename Resp>
  absl::Status List(TicketFilter f, const Req& req, const auth::Principal& who,
                    const Page& page, const google::protobuf::Message& filters,
                    Resp* resp) {
    if (req.has_received()) {
      RETURN_IF_ERROR(ParsePeriod("received", req.received(), &f.from, &f.to));
    }
    f.offset = page.offset;
    f.limit = page.size;
    ReaderScope scope;
    if (IsUnitRole(who)) {
      scope.unit_id = who.unit_id;
      scope.also_units =
          PlacesBelowOffPrefix(catalog_->Get()->places, who.unit_id);
    }
    ASSIGN_OR_RETURN(std::vector<TicketRecord> rows,
                     store_->ListTickets(f, scope));
    const bool more = static_cast<int>(rows.size()) > page.size;
    if (more) rows.resize(page.size);
    for (const auto& r : rows) {
      ASSIGN_OR_RETURN(*resp->add_tickets(), Render(r, who));
    }
    if (more) {
      resp->mutable_page()->set_next_page_token(
          NextPageToken(page.offset + page.size, filters));
    }
    return absl::OkStatus();
  }

  runtime::Context& ctx_;
  const CallerCrypto* crypto_;
  IntakeStore* store_;
  KnowledgeStore* kb_;
  const CatalogHolder* catalog_;
  PlacesFollower* places_;  // null without routing's address
  IntakeSettings settings_;
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
  // `places` null: no routing to follow; the stored places stay.
  IntakeComponent(runtime::Context& ctx, CallerCrypto crypto,
                  IntakeSettings settings, std::unique_ptr<PlacesSource> places)
      : ctx_(ctx),
        crypto_(std::move(crypto)),
        store_(&ctx.pool, &ctx.outbox, BatchSizeMetric(ctx.host.registry())),
        kb_(&ctx.pool),
        follower_(places == nullptr ? nullptr
                                    : std::make_unique<PlacesFollower>(
                                          std::move(places), &store_, &catalog_,
                                          settings.directory_refresh,
                                          settings.directory_min_gap)),
        intake_(ctx, &crypto_, &store_, &kb_, &catalog_, follower_.get(),
                settings),
        knowledge_(NewKnowledgeService(ctx, &kb_, &catalog_)) {
    ctx.host.AddService(&intake_, "hotline.v1.IntakeService");
    ctx.host.AddService(knowledge_.get(), "hotline.v1.KnowledgeService");
    inbox_ = std::make_unique<outbox::Inbox>(
        &ctx.pool,
        [this](db::Connection& conn, const v1::TicketEvent& e) {
          // A unit the caller's progress is to name but intake has no name
          // for (e.g. the directory was loaded since intake last read it):
          // read the directory first (at most once per min_gap).
          const std::string unit = NamedUnitOf(e);
          if (follower_ != nullptr && !unit.empty() &&
              !catalog_.Get()->places.names.contains(unit)) {
            follower_->RefreshForUnknownPlace();
          }
          return store_.ApplyEvent(conn, e);
        },
        ctx.config.service_name);
    sink_ = outbox::NewEventSinkService(inbox_.get(), &ctx.host.gate());
    ctx.host.AddService(sink_.get(), "hotline.v1.EventSink");
  }

  absl::Status Prepare() override {
    ASSIGN_OR_RETURN(Catalog c, store_.LoadCatalog());
    if (c.categories.empty()) {
      return absl::FailedPreconditionError("matter taxonomy is empty");
    }
    catalog_.Set(std::move(c));
    // Routing down or empty: the stored places serve until it answers.
    if (follower_ != nullptr) (void)follower_->Refresh();
    return absl::OkStatus();
  }

  void Start() override {
    if (follower_ != nullptr) follower_->Start();
  }
  void Stop() override {
    if (follower_ != nullptr) follower_->Stop();
  }

 private:
  runtime::Context& ctx_;
  CallerCrypto crypto_;
  CatalogHolder catalog_;
  MysqlIntakeStore store_;
  MysqlKnowledgeStore kb_;
  std::unique_ptr<PlacesFollower> follower_;
  IntakeServiceImpl intake_;
  std::unique_ptr<grpc::Service> knowledge_;
  std::unique_ptr<outbox::Inbox> inbox_;
  std::unique_ptr<grpc::Service> sink_;
};

}  // namespace

runtime::ServiceDefinition Definition() {
  runtime::ServiceDefinition d;
  d.name = "intake";
  d.migrations = SchemaMigrations;
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
    ASSIGN_OR_RETURN(std::string routing,
                     config::ResolveRouting(config::ProcessEnv()));
    std::unique_ptr<PlacesSource> places;
    if (!routing.empty()) {
      places = NewRoutingPlacesSource(routing, ctx.channel_credentials,
                                      ctx.config.service_token);
    }
    return std::make_unique<IntakeComponent>(ctx, std::move(crypto), s,
                                             std::move(places));
  };
  return d;
}

}  // namespace hotline::intake
