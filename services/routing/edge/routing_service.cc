#include "services/routing/edge/routing_service.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "common/db/transaction.h"
#include "common/log/log.h"
#include "common/server/actor.h"
#include "common/server/call_gate.h"
#include "common/server/idempotency.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "hotline_routing_SchemaMigrations.h"
#include "services/routing/domain/assignment_machine.h"
#include "services/routing/domain/catalogue.h"
#include "services/routing/domain/directory_csv.h"
#include "services/routing/domain/directory_json.h"
#include "services/routing/store/mysql_routing_store.h"
#include "services/routing/edge/request_checks.h"
#include "services/routing/domain/unit_tree.h"

namespace hotline::routing {
namespace {

using auth::Principal;
using auth::Role;
using server::ActorOf;

// ------------------------------------------------------------ validation

struct Page {
  int size = 50;
  int offset = 0;
};

absl::StatusOr<Page> ParsePage(const v1::PageRequest& p,
                               absl::string_view kind) {
  Page out;
  if (p.page_size() < 0 || p.page_size() > 500) {
    return Bad("page.page_size", "0-500");
  }
  if (p.page_size() > 0) out.size = p.page_size();
  if (!p.page_token().empty()) {
    const std::string prefix = absl::StrCat(kind, ":");
    if (!absl::StartsWith(p.page_token(), prefix) ||
        !absl::SimpleAtoi(p.page_token().substr(prefix.size()), &out.offset) ||
        out.offset < 0) {
      return Bad("page.page_token", "not a token of this list");
    }
  }
  return out;
}

std::string NextToken(absl::string_view kind, const Page& p, size_t got) {
  if (static_cast<int>(got) <= p.size) return "";
  return absl::StrCat(kind, ":", p.offset + p.size);
}

// Copies the page's slice of `all` (held in memory) into `out` and sets the
// token of the next page, if any.
template <typename T, typename Out>
void CopyPage(const std::vector<const T*>& all, const Page& page,
              absl::string_view kind, Out* out, v1::PageResponse* page_out) {
  const int end =
      std::min(static_cast<int>(all.size()), page.offset + page.size);
  for (int i = page.offset; i < end; ++i) *out->Add() = *all[i];
  if (end < static_cast<int>(all.size())) {
    page_out->set_next_page_token(absl::StrCat(kind, ":", end));
  }
}

bool IsUnitRole(const Principal& who) {
  return who.Is(Role::kUnitStaff) || who.Is(Role::kUnitLead);
}

std::string RandomHex(int bytes) {
  static thread_local absl::BitGen gen;
  std::string out;
  for (int i = 0; i < bytes; ++i) {
    absl::StrAppend(&out,
                    absl::Hex(absl::Uniform<uint8_t>(gen), absl::kZeroPad2));
  }
  return out;
}

// A rule's units against the directory: lead and co-units first-level,
// areas towns/streets.
absl::Status CheckRuleUnits(const v1::DispatchRule& r, const UnitTree& tree,
                            absl::string_view field) {
  auto first_level = [&](const std::string& f,
                         const std::string& u) -> absl::Status {
    if (!tree.Contains(u)) {
      return absl::NotFoundError(absl::StrCat(f, ": ", u, ": unknown unit"));
    }
    if (!tree.IsFirstLevel(u)) {
      return Bad(f, absl::StrCat(u, " is not a first-level unit"));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(first_level(absl::StrCat(field, ".unit_id"), r.unit_id()));
  for (int i = 0; i < r.co_unit_ids_size(); ++i) {
    RETURN_IF_ERROR(first_level(absl::StrCat(field, ".co_unit_ids[", i, "]"),
                                r.co_unit_ids(i)));
  }
  for (int i = 0; i < r.area_codes_size(); ++i) {
    const std::string f = absl::StrCat(field, ".area_codes[", i, "]");
    const v1::Unit* a = tree.Find(r.area_codes(i));
    if (a == nullptr) {
      return absl::NotFoundError(
          absl::StrCat(f, ": ", r.area_codes(i), ": unknown unit"));
    }
    if (a->kind() != v1::UNIT_KIND_TOWN_STREET) {
      return Bad(f, "not a town/street");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDutyEntry(const v1::DutyEntry& e, const std::string& f) {
  if (!ParseDate(e.date())) return Bad(f + ".date", "YYYY-MM-DD, 2000-2099");
  if (e.has_leader() && !e.leader().name().empty()) {
    return ValidateContact(e.leader(), f + ".leader", true);
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------------ core

class Core {
 public:
  explicit Core(runtime::Context& ctx) : ctx_(ctx) {
    const char* env = std::getenv("HOTLINE_ROUTING_AUTO_DISPATCH");
    auto_dispatch_ = env == nullptr ||
                     !(std::string(env) == "0" || std::string(env) == "off");
  }

  runtime::Context& ctx() { return ctx_; }
  RoutingStore& store() { return store_; }
  bool auto_dispatch() const { return auto_dispatch_; }
  absl::Time Now() { return ctx_.clock.Now(); }

  absl::StatusOr<UnitTree> Tree(db::Connection& c) {
    ASSIGN_OR_RETURN(auto units, store_.LoadUnits(c));
    return UnitTree(units);
  }

  // Runs `body` in one transaction, exactly once per request_id, after
  // `authorize` (server/idempotency.h): the caller's right to make this call
  // on this object now is checked against the current state first, so a
  // replayed request id is answered only to a caller who may make the call.
  // A retry with the same request returns the stored answer; another request
  // under the same id is ALREADY_EXISTS. Refusals are not recorded.
  template <typename Req, typename Resp, typename Authorize, typename Body>
  absl::Status Mutate(const char* method, const std::string& request_id,
                      const Req& req, Resp* resp, Authorize&& authorize,
                      Body&& body) {
    RETURN_IF_ERROR(CheckId("request_id", request_id));
    const std::string bytes = req.SerializeAsString();
    absl::Status s = server::RunIdempotentResponse(
        ctx_.pool, authorize,
        [&](db::Connection& c) -> absl::StatusOr<std::optional<std::string>> {
          ASSIGN_OR_RETURN(auto logged, store_.FindRequest(c, request_id));
          if (logged) {
            if (logged->method != method || logged->request != bytes) {
              return absl::AlreadyExistsError(
                  "request_id: already used for a different request");
            }
            return std::optional<std::string>(logged->response);
          }
          // Claim the id first: a concurrent twin waits here, then retries
          // (ABORTED) and finds the answer above.
          absl::Status claim =
              store_.ClaimRequest(c, request_id, {method, bytes, ""});
          if (absl::IsAlreadyExists(claim)) {
            return absl::AbortedError("request_id: claimed concurrently");
          }
          RETURN_IF_ERROR(claim);
          return std::optional<std::string>();
        },
        [&](db::Connection& c, const std::string& answer) {
          return store_.FinishRequest(c, request_id, answer);
        },
        body, resp);
    if (s.ok()) ctx_.relay.Wake();
    return s;
  }

  // No check beyond the role (already made): center-only calls.
  static absl::Status Anyone(db::Connection&) { return absl::OkStatus(); }

  // Whether a unit principal takes part in the order: its unit holds it or
  // held it (any round), or it belongs to a co-unit (its first-level unit is
  // one). Unit-side calls and their replays require it, before the request
  // id is looked up; the machine then requires the holder for most
  // transitions. So a replayed request id is answered to the holder, a
  // co-unit, and a unit that held the order (its own retry after it
  // forwarded or returned it stays idempotent; it sees the order with
  // GetAssignment anyway), and never to another unit, a sibling, or a unit
  // below that never held it (PERMISSION_DENIED, nothing revealed).
  absl::Status CheckTakesPart(const Principal& who, const UnitTree& tree,
                              const AssignmentState& s) {
    if (s.view.holder_unit_id() == who.unit_id) return absl::OkStatus();
    for (const auto& u : s.touched_units) {
      if (u == who.unit_id) return absl::OkStatus();
    }
    const std::string first = tree.FirstLevelOf(who.unit_id);
    for (const auto& c : s.view.co_units()) {
      if (!first.empty() && c.unit_id() == first) return absl::OkStatus();
    }
    return absl::PermissionDeniedError(
        absl::StrCat(s.view.ticket_number(), ": unit ", who.unit_id,
                     " takes no part in this order"));
  }

  // Saves the new state and appends its event (inside the transaction).
  absl::Status Commit(db::Connection& c, Transition& t,
                      const v1::Actor& actor) {
    RETURN_IF_ERROR(store_.SaveAssignment(c, t.after));
    if (t.has_event) {
      *t.event.mutable_actor() = actor;
      RETURN_IF_ERROR(ctx_.outbox.Append(c, &t.event));
    }
    return absl::OkStatus();
  }

  // The order's assignment (locked for a transition); NOT_FOUND if routing
  // has never seen the order.
  absl::StatusOr<AssignmentState> Load(db::Connection& c,
                                       const std::string& ticket,
                                       bool for_update) {
    ASSIGN_OR_RETURN(auto s, store_.LoadAssignment(c, ticket, for_update));
    if (!s) {
      return absl::NotFoundError(
          absl::StrCat("ticket_id: ", ticket, ": no such order in routing"));
    }
    return *std::move(s);
  }

  // Recomputes the due instants of the current round from running clocks.
  absl::Status RefreshDues(db::Connection& c, AssignmentState& s) {
    ASSIGN_OR_RETURN(auto clocks, store_.RunningClocks(c, s.view.ticket_id()));
    auto& v = s.view;
    v.clear_response_due();
    v.clear_handling_due();
    v.clear_next_due();
    std::optional<absl::Time> resp, handling, next;
    for (const auto& k : clocks) {
      if (k.dispatch_round != v.dispatch_round()) continue;
      if (k.kind == v1::CLOCK_KIND_RESPONSE) {
        if (!resp || k.due < *resp) resp = k.due;
      }
      if (k.kind == v1::CLOCK_KIND_HANDLING ||
          k.kind == v1::CLOCK_KIND_REHANDLING ||
          k.kind == v1::CLOCK_KIND_LEAD_UNIT) {
        if (!handling || k.due < *handling) handling = k.due;
      }
      if (!next || k.due < *next) next = k.due;
    }
    if (resp) *v.mutable_response_due() = ToProto(*resp);
    if (handling) *v.mutable_handling_due() = ToProto(*handling);
    if (next) *v.mutable_next_due() = ToProto(*next);
    return absl::OkStatus();
  }

  // Visibility of one order for GetAssignment/History.
  absl::Status CheckCanSee(const Principal& who, const UnitTree& tree,
                           const AssignmentState& s) {
    if (who.Is(Role::kCenterStaff) || who.Is(Role::kAuditor)) {
      return absl::OkStatus();
    }
    if (IsUnitRole(who)) {
      for (const auto& u : s.touched_units) {
        if (tree.InSubtree(who.unit_id, u)) return absl::OkStatus();
      }
      const std::string first = tree.FirstLevelOf(who.unit_id);
      for (const auto& c : s.view.co_units()) {
        if (tree.InSubtree(who.unit_id, c.unit_id()) || c.unit_id() == first) {
          return absl::OkStatus();
        }
      }
    }
    return absl::PermissionDeniedError(
        absl::StrCat(s.view.ticket_number(), ": outside the caller's units"));
  }

  // Suggestion for an order routing knows.
  absl::StatusOr<v1::DispatchSuggestion> SuggestFor(db::Connection& c,
                                                    const v1::Assignment& a) {
    ASSIGN_OR_RETURN(auto rules, store_.LoadRules(c));
    Facts f{a.category_code(), a.location().town_code(),
            absl::StrCat(a.title(), "\n", a.content())};
    return Suggest(rules, f, auto_dispatch_);
  }

  // SERVICE (automatic dispatch by another system) may dispatch only by the
  // catalogue: `req.rule_id` must name an existing, active rule that matches
  // the order's facts (catalogue.h), and the dispatch must go to that rule's
  // unit, with co-units among the rule's. PERMISSION_DENIED otherwise: the
  // center (CENTER_STAFF) dispatches by judgement, a service never does.
  absl::Status CheckDispatchByRule(db::Connection& c, const AssignmentState& s,
                                   const v1::DispatchRequest& req) {
    if (req.rule_id().empty()) {
      return absl::PermissionDeniedError(
          "rule_id: a SERVICE dispatches only by a catalogue rule");
    }
    ASSIGN_OR_RETURN(auto rules, store_.LoadRules(c));
    const v1::DispatchRule* rule = nullptr;
    for (const auto& r : rules) {
      if (r.rule_id() == req.rule_id()) rule = &r;
    }
    if (rule == nullptr) {
      return absl::PermissionDeniedError(
          absl::StrCat("rule_id: ", req.rule_id(), ": no such rule"));
    }
    if (!rule->active()) {
      return absl::PermissionDeniedError(
          absl::StrCat("rule_id: ", req.rule_id(), " is inactive"));
    }
    const auto& a = s.view;
    Facts f{a.category_code(), a.location().town_code(),
            absl::StrCat(a.title(), "\n", a.content())};
    bool matches = false;
    for (const auto& cand : MatchRules({*rule}, f)) {
      matches |= cand.rule_id() == rule->rule_id();
    }
    if (!matches) {
      return absl::PermissionDeniedError(absl::StrCat(
          "rule_id: ", req.rule_id(), " does not match ", a.ticket_number()));
    }
    if (req.unit_id() != rule->unit_id()) {
      return absl::PermissionDeniedError(
          absl::StrCat("unit_id: rule ", req.rule_id(), " dispatches to ",
                       rule->unit_id(), ", not ", req.unit_id()));
    }
    for (int i = 0; i < req.co_unit_ids_size(); ++i) {
      if (std::find(rule->co_unit_ids().begin(), rule->co_unit_ids().end(),
                    req.co_unit_ids(i)) == rule->co_unit_ids().end()) {
        return absl::PermissionDeniedError(absl::StrCat(
            "co_unit_ids[", i, "]: not a co-unit of rule ", req.rule_id()));
      }
    }
    return absl::OkStatus();
  }

  // Inbox handler.
  absl::Status OnEvent(db::Connection& c, const v1::TicketEvent& e);

 private:
  runtime::Context& ctx_;
  MysqlRoutingStore store_;
  bool auto_dispatch_ = true;
};

absl::Status Core::OnEvent(db::Connection& c, const v1::TicketEvent& e) {
  const absl::Time now = Now();
  v1::Actor system;
  system.set_principal_id("system");
  system.set_role(v1::SERVICE);
  switch (e.payload_case()) {
    case v1::TicketEvent::kTicketCreated: {
      const auto& created = e.ticket_created();
      if (created.closed_at_intake()) return absl::OkStatus();
      ASSIGN_OR_RETURN(auto existing,
                       store_.LoadAssignment(c, e.ticket_id(), true));
      if (existing) return absl::OkStatus();
      ASSIGN_OR_RETURN(UnitTree tree, Tree(c));
      AssignmentMachine m(&tree);
      AssignmentState s =
          m.Received(e.ticket_id(), e.ticket_number(), created, now);
      ASSIGN_OR_RETURN(auto suggestion, SuggestFor(c, s.view));
      if (suggestion.automatic()) {
        const auto& best = suggestion.candidates(0);
        DispatchCommand cmd;
        cmd.unit_id = best.unit_id();
        cmd.co_unit_ids.assign(best.co_unit_ids().begin(),
                               best.co_unit_ids().end());
        cmd.rule_id = best.rule_id();
        cmd.automatic = true;
        cmd.note = absl::StrCat("派单目录自动派单: ", best.rule_name());
        if (cmd.note.size() > 1024) cmd.note.resize(0);
        auto t = m.Dispatch(s, cmd, now);
        if (t.ok()) {
          return Commit(c, *t, system);
        }
        // The rule names a unit that cannot take it now: the center decides.
      }
      return store_.SaveAssignment(c, s);
    }
    case v1::TicketEvent::kTicketMerged:
    case v1::TicketEvent::kTicketUnmerged:
    case v1::TicketEvent::kEvaluationRecorded: {
      ASSIGN_OR_RETURN(auto s, store_.LoadAssignment(c, e.ticket_id(), true));
      if (!s) return absl::OkStatus();  // closed at intake or unknown
      ASSIGN_OR_RETURN(UnitTree tree, Tree(c));
      AssignmentMachine m(&tree);
      absl::StatusOr<Transition> t = e.has_ticket_merged() ? m.Merge(*s, now)
                                     : e.has_ticket_unmerged()
                                         ? m.Unmerge(*s, now)
                                         : m.Evaluated(*s, now);
      if (!t.ok()) return absl::OkStatus();  // nothing to do in this state
      return Commit(c, *t, system);
    }
    case v1::TicketEvent::kClockStarted:
    case v1::TicketEvent::kClockMoved:
    case v1::TicketEvent::kClockStopped: {
      if (e.has_clock_started()) {
        const auto& k = e.clock_started();
        RETURN_IF_ERROR(store_.PutClock(
            c, e.ticket_id(),
            RunningClock{k.clock_id(), k.kind(), k.dispatch_round(),
                         FromProto(k.due())}));
      } else if (e.has_clock_moved()) {
        RETURN_IF_ERROR(store_.SetClockDue(c, e.clock_moved().clock_id(),
                                           FromProto(e.clock_moved().due())));
      } else {
        RETURN_IF_ERROR(store_.StopClock(c, e.clock_stopped().clock_id()));
      }
      ASSIGN_OR_RETURN(auto s, store_.LoadAssignment(c, e.ticket_id(), true));
      if (!s) return absl::OkStatus();
      RETURN_IF_ERROR(RefreshDues(c, *s));
      return store_.SaveAssignment(c, *s);
    }
    case v1::TicketEvent::kClockOverdue:
      // Acknowledged without effect. The worklist's only notion of overdue
      // is WorkItem.overdue, "next_due has passed", and next_due is the
      // earliest due of the round's running clocks (ClockStarted/Moved/
      // Stopped above): a clock deadline reports overdue is one of them, so
      // the order already shows overdue. Routing keeps no verdicts.
      return absl::OkStatus();
    case v1::TicketEvent::kLadderStepFired: {
      ASSIGN_OR_RETURN(auto s, store_.LoadAssignment(c, e.ticket_id(), true));
      if (!s) return absl::OkStatus();
      if (e.ladder_step_fired().step() > s->view.ladder_step()) {
        s->view.set_ladder_step(e.ladder_step_fired().step());
      }
      return store_.SaveAssignment(c, *s);
    }
    default:
      return absl::OkStatus();
  }
}

// --------------------------------------------------------- RoutingService

class RoutingImpl final : public v1::RoutingService::Service {
 public:
  explicit RoutingImpl(Core* core) : core_(core) {}

  // Common shape of the unit-side transitions: validate → authorize → load →
  // machine → commit, answering with the assignment after the change.
  // Authorization (before the request id is looked up, so that a replay is
  // checked like a first call): the role; a unit principal must take part in
  // in the order (CheckTakesPart); `authorize`, when given, adds its own
  // rule.
  template <typename Req, typename Resp, typename Op>
  grpc::Status Transit(
      grpc::ServerContext* context, const char* method, const Req* req,
      Resp* resp, std::initializer_list<Role> roles,
      std::function<absl::Status()> validate, Op op,
      std::function<absl::Status(db::Connection&, const Principal&,
                                 const AssignmentState&, const UnitTree&)>
          authorize = nullptr) {
    return server::Handle(
        gate(), context, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(who, roles));
          RETURN_IF_ERROR(CheckId("request_id", req->request_id()));
          RETURN_IF_ERROR(CheckId("ticket_id", req->ticket_id()));
          if (validate) RETURN_IF_ERROR(validate());
          const std::string unit =
              IsUnitRole(who) ? who.unit_id : std::string();
          return core_->Mutate(
              method, req->request_id(), *req, resp,
              [&](db::Connection& c) -> absl::Status {
                if (!IsUnitRole(who) && !authorize) return absl::OkStatus();
                ASSIGN_OR_RETURN(AssignmentState s,
                                 core_->Load(c, req->ticket_id(), true));
                ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(c));
                if (IsUnitRole(who)) {
                  RETURN_IF_ERROR(core_->CheckTakesPart(who, tree, s));
                }
                if (authorize) RETURN_IF_ERROR(authorize(c, who, s, tree));
                return absl::OkStatus();
              },
              [&](db::Connection& c) -> absl::Status {
                ASSIGN_OR_RETURN(AssignmentState s,
                                 core_->Load(c, req->ticket_id(), true));
                ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(c));
                AssignmentMachine m(&tree);
                const std::string acting =
                    unit.empty() ? tree.CenterId() : unit;
                ASSIGN_OR_RETURN(Transition t, op(m, s, acting, who));
                RETURN_IF_ERROR(core_->Commit(c, t, ActorOf(who)));
                *resp->mutable_assignment() = t.after.view;
                return absl::OkStatus();
              });
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
          return m.Dispute(s, unit, "dsp-" + RandomHex(8), req->reason(),
                           req->suggested_unit_id(), now);
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
          cmd.reply_id = "rpl-" + RandomHex(8);
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
          ASSIGN_OR_RETURN(Page page, ParsePage(req->page(), "work"));
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
          auto want = [&](v1::WorkReason r) {
            return reasons.empty() || reasons.count(r);
          };
          ASSIGN_OR_RETURN(auto conn, core_->ctx().pool.Acquire());
          ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(*conn));
          if (!tree.Contains(unit)) {
            return absl::NotFoundError(
                absl::StrCat("unit_id: ", unit, ": unknown unit"));
          }
          if (IsUnitRole(who) && !tree.InSubtree(who.unit_id, unit)) {
            return absl::PermissionDeniedError(
                absl::StrCat("unit_id: ", unit,
                             " is outside the caller's unit ", who.unit_id));
          }
          std::vector<std::string> subtree = tree.Subtree(unit);
          if (want(v1::WORK_REASON_HELD)) q.holders.push_back(unit);
          if (want(v1::WORK_REASON_HELD_BELOW)) {
            q.holders.insert(q.holders.end(), subtree.begin() + 1,
                             subtree.end());
          }
          if (want(v1::WORK_REASON_CO_OPINION_DUE)) q.co_units.push_back(unit);
          q.limit = page.size + 1;
          q.offset = page.offset;
          ASSIGN_OR_RETURN(auto items, core_->store().ListWork(*conn, q));
          const absl::Time now = core_->Now();
          for (size_t i = 0;
               i < items.size() && static_cast<int>(i) < page.size; ++i) {
            auto* w = resp->add_items();
            const auto& v = items[i].view;
            *w->mutable_assignment() = v;
            if (v.holder_unit_id() == unit && want(v1::WORK_REASON_HELD)) {
              w->set_reason(v1::WORK_REASON_HELD);
            } else if (v.holder_unit_id() != unit &&
                       tree.InSubtree(unit, v.holder_unit_id()) &&
                       want(v1::WORK_REASON_HELD_BELOW)) {
              w->set_reason(v1::WORK_REASON_HELD_BELOW);
            } else {
              w->set_reason(v1::WORK_REASON_CO_OPINION_DUE);
            }
            w->set_overdue(v.has_next_due() && FromProto(v.next_due()) <= now);
          }
          resp->mutable_page()->set_next_page_token(
              NextToken("work", page, items.size()));
          return absl::OkStatus();
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
          ASSIGN_OR_RETURN(auto conn, core_->ctx().pool.Acquire());
          ASSIGN_OR_RETURN(AssignmentState s,
                           core_->Load(*conn, req->ticket_id(), false));
          ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(*conn));
          RETURN_IF_ERROR(core_->CheckCanSee(who, tree, s));
          *resp->mutable_assignment() = s.view;
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
          ASSIGN_OR_RETURN(auto conn, core_->ctx().pool.Acquire());
          ASSIGN_OR_RETURN(AssignmentState s,
                           core_->Load(*conn, req->ticket_id(), false));
          ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(*conn));
          RETURN_IF_ERROR(core_->CheckCanSee(who, tree, s));
          ASSIGN_OR_RETURN(auto events, core_->store().History(
                                            *conn, req->ticket_id(),
                                            core_->ctx().outbox.producer()));
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
          ASSIGN_OR_RETURN(Page page, ParsePage(req->page(), "queue"));
          std::set<int> reasons;
          for (int i = 0; i < req->reasons_size(); ++i) {
            if (req->reasons(i) == 0 ||
                !v1::QueueReason_IsValid(req->reasons(i))) {
              return Bad(absl::StrCat("reasons[", i, "]"),
                         "not a queue reason");
            }
            reasons.insert(req->reasons(i));
          }
          auto want = [&](v1::QueueReason r) {
            return reasons.empty() || reasons.count(r);
          };
          std::vector<int> statuses;
          if (want(v1::QUEUE_REASON_NEW))
            statuses.push_back(v1::TICKET_STATUS_RECEIVED);
          if (want(v1::QUEUE_REASON_RETURNED))
            statuses.push_back(v1::TICKET_STATUS_RETURNED);
          if (want(v1::QUEUE_REASON_DISPUTED))
            statuses.push_back(v1::TICKET_STATUS_DISPUTED);
          if (want(v1::QUEUE_REASON_AWAITING_REVIEW))
            statuses.push_back(v1::TICKET_STATUS_REPLIED);
          ASSIGN_OR_RETURN(auto conn, core_->ctx().pool.Acquire());
          ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(*conn));
          std::string center =
              tree.CenterId().empty() ? kCenterUnitId : tree.CenterId();
          ASSIGN_OR_RETURN(auto items, core_->store().ListCenterQueue(
                                           *conn, center, statuses,
                                           page.size + 1, page.offset));
          std::optional<std::vector<v1::DispatchRule>> rules;  // loaded once
          for (size_t i = 0;
               i < items.size() && static_cast<int>(i) < page.size; ++i) {
            auto* q = resp->add_items();
            const auto& v = items[i].view;
            *q->mutable_assignment() = v;
            switch (v.status()) {
              case v1::TICKET_STATUS_RECEIVED:
                q->set_reason(v1::QUEUE_REASON_NEW);
                break;
              case v1::TICKET_STATUS_RETURNED:
                q->set_reason(v1::QUEUE_REASON_RETURNED);
                break;
              case v1::TICKET_STATUS_DISPUTED:
                q->set_reason(v1::QUEUE_REASON_DISPUTED);
                break;
              default:
                q->set_reason(v1::QUEUE_REASON_AWAITING_REVIEW);
                break;
            }
            if (q->reason() == v1::QUEUE_REASON_NEW ||
                q->reason() == v1::QUEUE_REASON_RETURNED) {
              if (!rules) {
                ASSIGN_OR_RETURN(auto loaded, core_->store().LoadRules(*conn));
                rules = std::move(loaded);
              }
              *q->mutable_suggestion() =
                  Suggest(*rules,
                          Facts{v.category_code(), v.location().town_code(),
                                absl::StrCat(v.title(), "\n", v.content())},
                          core_->auto_dispatch());
            }
          }
          resp->mutable_page()->set_next_page_token(
              NextToken("queue", page, items.size()));
          return absl::OkStatus();
        });
  }

  grpc::Status SuggestDispatch(grpc::ServerContext* ctx,
                               const v1::SuggestDispatchRequest* req,
                               v1::SuggestDispatchResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kCenterStaff, Role::kCallAgent, Role::kService}));
          ASSIGN_OR_RETURN(auto conn, core_->ctx().pool.Acquire());
          if (req->subject_case() == v1::SuggestDispatchRequest::kTicketId) {
            RETURN_IF_ERROR(CheckId("ticket_id", req->ticket_id()));
            ASSIGN_OR_RETURN(AssignmentState s,
                             core_->Load(*conn, req->ticket_id(), false));
            ASSIGN_OR_RETURN(*resp->mutable_suggestion(),
                             core_->SuggestFor(*conn, s.view));
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
          ASSIGN_OR_RETURN(auto rules, core_->store().LoadRules(*conn));
          *resp->mutable_suggestion() =
              Suggest(rules, Facts{f.category_code(), f.area_code(), f.text()},
                      core_->auto_dispatch());
          return absl::OkStatus();
        });
  }

 private:
  const server::CallGate& gate() { return core_->ctx().host.gate(); }
  Core* core_;
};

// ------------------------------------------------------- DirectoryService

class DirectoryImpl final : public v1::DirectoryService::Service {
 public:
  explicit DirectoryImpl(Core* core) : core_(core) {}

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
          const absl::Time now = core_->Now();
          return core_->Mutate(
              "UpsertUnit", req->request_id(), *req, resp, Core::Anyone,
              [&](db::Connection& c) -> absl::Status {
                ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(c));
                const v1::Unit* old = tree.Find(in.unit_id());
                v1::Unit u = in;
                u.clear_version();
                u.clear_updated_at();
                if (req->expected_version() == 0) {
                  if (old != nullptr) {
                    return absl::AlreadyExistsError(absl::StrCat(
                        "unit.unit_id: ", in.unit_id(), " already exists"));
                  }
                  u.set_version(1);
                } else {
                  if (old == nullptr) {
                    return absl::NotFoundError(absl::StrCat(
                        "unit.unit_id: ", in.unit_id(), ": unknown unit"));
                  }
                  if (old->version() != req->expected_version()) {
                    return absl::FailedPreconditionError(absl::StrCat(
                        "expected_version: ", req->expected_version(),
                        " is stale; unit ", in.unit_id(), " is at version ",
                        old->version()));
                  }
                  if (who.Is(Role::kUnitLead)) {
                    v1::Unit a = *old, b = u;
                    a.clear_liaison();
                    b.clear_liaison();
                    a.clear_version();
                    a.clear_updated_at();
                    if (a.SerializeAsString() != b.SerializeAsString()) {
                      return absl::PermissionDeniedError(
                          "unit: a unit lead may change only the liaison");
                    }
                  }
                  u.set_version(old->version() + 1);
                }
                RETURN_IF_ERROR(ValidateUnit(u, tree, "unit"));
                if (old != nullptr && old->active() && !u.active()) {
                  ASSIGN_OR_RETURN(int64_t open, core_->store().CountOpenHeld(
                                                     c, {u.unit_id()}));
                  if (open > 0) {
                    return absl::FailedPreconditionError(
                        absl::StrCat("unit.active: ", u.unit_id(), " holds ",
                                     open, " open orders"));
                  }
                }
                UnitTree next = tree;
                next.Put(u);
                for (const v1::Unit* child : next.Children(u.unit_id())) {
                  absl::Status s = ValidateUnit(*child, next, "unit");
                  if (!s.ok()) {
                    return absl::FailedPreconditionError(
                        absl::StrCat("unit.kind: child ", child->unit_id(),
                                     " would not fit: ", s.message()));
                  }
                }
                *u.mutable_updated_at() = ToProto(now);
                RETURN_IF_ERROR(core_->store().PutUnit(c, u));
                *resp->mutable_unit() = u;
                return absl::OkStatus();
              });
        });
  }

  grpc::Status GetUnit(grpc::ServerContext* ctx, const v1::GetUnitRequest* req,
                       v1::GetUnitResponse* resp) override {
    return server::Handle(gate(), ctx, [&](const Principal&) -> absl::Status {
      RETURN_IF_ERROR(CheckUnitRef("unit_id", req->unit_id()));
      ASSIGN_OR_RETURN(auto conn, core_->ctx().pool.Acquire());
      ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(*conn));
      const v1::Unit* u = tree.Find(req->unit_id());
      if (u == nullptr) return absl::NotFoundError("unit_id: unknown unit");
      *resp->mutable_unit() = *u;
      for (const v1::Unit* k : tree.Children(u->unit_id()))
        *resp->add_children() = *k;
      for (const auto& a : tree.Ancestors(u->unit_id()))
        resp->add_ancestor_unit_ids(a);
      return absl::OkStatus();
    });
  }

  grpc::Status ListUnits(grpc::ServerContext* ctx,
                         const v1::ListUnitsRequest* req,
                         v1::ListUnitsResponse* resp) override {
    return server::Handle(gate(), ctx, [&](const Principal&) -> absl::Status {
      ASSIGN_OR_RETURN(Page page, ParsePage(req->page(), "units"));
      std::set<int> kinds;
      for (int i = 0; i < req->kinds_size(); ++i) {
        if (req->kinds(i) == 0 || !v1::UnitKind_IsValid(req->kinds(i))) {
          return Bad(absl::StrCat("kinds[", i, "]"), "not a unit kind");
        }
        kinds.insert(req->kinds(i));
      }
      ASSIGN_OR_RETURN(auto conn, core_->ctx().pool.Acquire());
      ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(*conn));
      std::string root =
          req->root_unit_id().empty() ? tree.CenterId() : req->root_unit_id();
      if (!tree.Contains(root))
        return absl::NotFoundError("root_unit_id: unknown unit");
      std::vector<const v1::Unit*> all;
      for (const v1::Unit* u : tree.Preorder(root)) {
        if (!req->include_inactive() && !u->active()) continue;
        if (!kinds.empty() && !kinds.count(u->kind())) continue;
        all.push_back(u);
      }
      CopyPage(all, page, "units", resp->mutable_units(), resp->mutable_page());
      return absl::OkStatus();
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
          const bool csv = req->format() == v1::DIRECTORY_FORMAT_CSV;
          const absl::Time now = core_->Now();
          auto run = [&](db::Connection& c) -> absl::Status {
            DirectoryDocument doc;
            if (csv) {
              CsvParseResult parsed = ParseDirectoryCsv(req->content());
              doc.units = std::move(parsed.units);
              doc.errors = std::move(parsed.errors);
            } else {
              doc = ParseDirectoryJson(req->content());
            }
            auto where = [&](const CsvUnit& cu) {
              return csv ? absl::StrCat("line ", cu.line)
                         : absl::StrCat("units[", cu.line - 1, "]");
            };
            auto error = [&](std::string e) {
              if (doc.errors.size() < 100) doc.errors.push_back(std::move(e));
            };
            ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(c));
            UnitTree next = tree;
            std::set<std::string> ids;
            for (const auto& cu : doc.units) {
              if (!ids.insert(cu.unit.unit_id()).second) {
                error(absl::StrCat(where(cu), ": unit_id ", cu.unit.unit_id(),
                                   " repeated"));
              }
              next.Put(cu.unit);
            }
            auto same = [](const v1::Unit& stored, const v1::Unit& in) {
              v1::Unit a = stored;
              a.clear_version();
              a.clear_updated_at();
              return a.SerializeAsString() == in.SerializeAsString();
            };
            for (const auto& cu : doc.units) {
              absl::Status st = ValidateUnit(cu.unit, next, "unit");
              if (!st.ok()) error(absl::StrCat(where(cu), ": ", st.message()));
              const v1::Unit* old = tree.Find(cu.unit.unit_id());
              if (old == nullptr) {
                resp->set_units_created(resp->units_created() + 1);
              } else if (same(*old, cu.unit)) {
                resp->set_units_unchanged(resp->units_unchanged() + 1);
              } else {
                if (old->active() && !cu.unit.active()) {
                  ASSIGN_OR_RETURN(int64_t open, core_->store().CountOpenHeld(
                                                     c, {old->unit_id()}));
                  if (open > 0) {
                    error(absl::StrCat(where(cu), ": active: ", old->unit_id(),
                                       " holds ", open, " open orders"));
                  }
                }
                resp->set_units_updated(resp->units_updated() + 1);
              }
            }
            for (size_t i = 0; i < doc.duty.size(); ++i) {
              const auto& d = doc.duty[i];
              const std::string f =
                  absl::StrCat("duty[", d.unit_id, " ", i, "]");
              if (!next.Contains(d.unit_id)) {
                error(
                    absl::StrCat(f, ".unitId: ", d.unit_id, ": unknown unit"));
                continue;
              }
              absl::Status st = CheckDutyEntry(d.entry, f);
              if (!st.ok()) error(std::string(st.message()));
            }
            for (size_t i = 0; i < doc.rules.size(); ++i) {
              const std::string f = absl::StrCat("rules[", i, "]");
              absl::Status st = ValidateRuleFields(doc.rules[i], f);
              if (st.ok()) st = CheckId(f + ".rule_id", doc.rules[i].rule_id());
              if (st.ok()) st = CheckRuleUnits(doc.rules[i], next, f);
              if (!st.ok()) error(std::string(st.message()));
            }
            resp->set_duty_entries(static_cast<int32_t>(doc.duty.size()));
            resp->set_rules(static_cast<int32_t>(doc.rules.size()));
            if (req->dry_run()) {
              for (auto& e : doc.errors) resp->add_errors(e);
              return absl::OkStatus();
            }
            if (!doc.errors.empty()) {
              std::vector<std::string> first(
                  doc.errors.begin(),
                  doc.errors.begin() + std::min<size_t>(5, doc.errors.size()));
              return Bad("content", absl::StrJoin(first, "; "));
            }
            for (const auto& cu : doc.units) {
              const v1::Unit* old = tree.Find(cu.unit.unit_id());
              if (old != nullptr && same(*old, cu.unit)) continue;
              v1::Unit u = cu.unit;
              u.set_version(old == nullptr ? 1 : old->version() + 1);
              *u.mutable_updated_at() = ToProto(now);
              RETURN_IF_ERROR(core_->store().PutUnit(c, u));
            }
            for (const auto& d : doc.duty) {
              RETURN_IF_ERROR(core_->store().PutDuty(c, d.unit_id, d.entry));
            }
            ASSIGN_OR_RETURN(auto existing, core_->store().LoadRules(c));
            for (auto r : doc.rules) {
              r.set_version(1);
              for (const auto& x : existing) {
                if (x.rule_id() == r.rule_id()) r.set_version(x.version() + 1);
              }
              RETURN_IF_ERROR(core_->store().PutRule(c, r));
            }
            return absl::OkStatus();
          };
          if (req->dry_run()) {
            ASSIGN_OR_RETURN(auto conn, core_->ctx().pool.Acquire());
            return run(*conn);
          }
          absl::Status st = core_->Mutate("ImportDirectory", req->request_id(),
                                          *req, resp, Core::Anyone, run);
          if (st.ok()) {
            log::Info("routing.directory_imported",
                      {{"units_created", absl::StrCat(resp->units_created())},
                       {"units_updated", absl::StrCat(resp->units_updated())},
                       {"duty_entries", absl::StrCat(resp->duty_entries())},
                       {"rules", absl::StrCat(resp->rules())}});
          }
          return st;
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
          ASSIGN_OR_RETURN(auto conn, core_->ctx().pool.Acquire());
          ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(*conn));
          std::vector<const v1::Unit*> units;
          for (const v1::Unit* u : tree.Preorder(tree.CenterId())) {
            if (req->include_inactive() || u->active()) units.push_back(u);
          }
          if (req->format() == v1::DIRECTORY_FORMAT_CSV) {
            resp->set_content(WriteDirectoryCsv(units));
            resp->set_media_type("text/csv");
            return absl::OkStatus();
          }
          ASSIGN_OR_RETURN(auto duty, core_->store().AllDuty(*conn));
          ASSIGN_OR_RETURN(auto rules, core_->store().LoadRules(*conn));
          std::vector<DutyRow> rows;
          for (auto& [unit, e] : duty) rows.push_back({unit, e});
          resp->set_content(WriteDirectoryJson(units, rows, rules));
          resp->set_media_type("application/json");
          return absl::OkStatus();
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
          return core_->Mutate(
              "UpsertRule", req->request_id(), *req, resp, Core::Anyone,
              [&](db::Connection& c) -> absl::Status {
                ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(c));
                v1::DispatchRule r = req->rule();
                RETURN_IF_ERROR(CheckRuleUnits(r, tree, "rule"));
                ASSIGN_OR_RETURN(auto rules, core_->store().LoadRules(c));
                const v1::DispatchRule* old = nullptr;
                for (const auto& x : rules) {
                  if (!r.rule_id().empty() && x.rule_id() == r.rule_id())
                    old = &x;
                }
                if (req->expected_version() == 0) {
                  if (old != nullptr) {
                    return absl::AlreadyExistsError(absl::StrCat(
                        "rule.rule_id: ", r.rule_id(), " already exists"));
                  }
                  if (r.rule_id().empty())
                    r.set_rule_id("rule-" + RandomHex(8));
                  r.set_version(1);
                } else {
                  if (old == nullptr)
                    return absl::NotFoundError("rule.rule_id: unknown rule");
                  if (old->version() != req->expected_version()) {
                    return absl::FailedPreconditionError(absl::StrCat(
                        "expected_version: ", req->expected_version(),
                        " is stale; rule is at version ", old->version()));
                  }
                  r.set_version(old->version() + 1);
                }
                RETURN_IF_ERROR(core_->store().PutRule(c, r));
                *resp->mutable_rule() = r;
                return absl::OkStatus();
              });
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
          ASSIGN_OR_RETURN(Page page, ParsePage(req->page(), "rules"));
          ASSIGN_OR_RETURN(auto conn, core_->ctx().pool.Acquire());
          ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(*conn));
          ASSIGN_OR_RETURN(auto rules, core_->store().LoadRules(*conn));
          std::vector<const v1::DispatchRule*> out;
          auto targets = [&](const v1::DispatchRule& r, auto pred) {
            if (pred(r.unit_id())) return true;
            for (const auto& u : r.co_unit_ids())
              if (pred(u)) return true;
            return false;
          };
          for (const auto& r : rules) {
            if (!req->include_inactive() && !r.active()) continue;
            if (!req->unit_id().empty() &&
                !targets(r, [&](const std::string& u) {
                  return u == req->unit_id();
                }))
              continue;
            if (IsUnitRole(who) && !targets(r, [&](const std::string& u) {
                  return tree.InSubtree(who.unit_id, u);
                }))
              continue;
            if (!req->category_code().empty()) {
              bool m = false;
              for (const auto& c : r.category_codes())
                m |= CategoryMatches(c, req->category_code());
              if (!m) continue;
            }
            if (!req->area_code().empty() && r.area_codes_size() > 0 &&
                std::find(r.area_codes().begin(), r.area_codes().end(),
                          req->area_code()) == r.area_codes().end())
              continue;
            out.push_back(&r);
          }
          CopyPage(out, page, "rules", resp->mutable_rules(),
                   resp->mutable_page());
          return absl::OkStatus();
        });
  }

  grpc::Status DeleteRule(grpc::ServerContext* ctx,
                          const v1::DeleteRuleRequest* req,
                          v1::DeleteRuleResponse* resp) override {
    return server::Handle(
        gate(), ctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(who, {Role::kCenterStaff}));
          RETURN_IF_ERROR(CheckId("rule_id", req->rule_id()));
          return core_->Mutate(
              "DeleteRule", req->request_id(), *req, resp, Core::Anyone,
              [&](db::Connection& c) -> absl::Status {
                ASSIGN_OR_RETURN(bool deleted,
                                 core_->store().DeleteRule(c, req->rule_id()));
                if (!deleted)
                  return absl::NotFoundError("rule_id: unknown rule");
                return absl::OkStatus();
              });
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
            if (!ParseDate(e.date()))
              return Bad(f + ".date", "YYYY-MM-DD, 2000-2099");
            if (!dates.insert(e.date()).second)
              return Bad(f + ".date", "repeated date");
            if (e.has_leader() && !e.leader().name().empty()) {
              RETURN_IF_ERROR(ValidateContact(e.leader(), f + ".leader", true));
            }
          }
          return core_->Mutate(
              "SetDuty", req->request_id(), *req, resp,
              [&](db::Connection& c) -> absl::Status {
                ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(c));
                if (!tree.Contains(req->unit_id())) {
                  return absl::NotFoundError("unit_id: unknown unit");
                }
                if (IsUnitRole(who) &&
                    !tree.InSubtree(who.unit_id, req->unit_id())) {
                  return absl::PermissionDeniedError(
                      absl::StrCat("unit_id: ", req->unit_id(),
                                   " is outside the caller's unit"));
                }
                return absl::OkStatus();
              },
              [&](db::Connection& c) -> absl::Status {
                for (const auto& e : req->entries()) {
                  RETURN_IF_ERROR(core_->store().PutDuty(c, req->unit_id(), e));
                  if (e.has_leader() && !e.leader().name().empty())
                    *resp->add_entries() = e;
                }
                return absl::OkStatus();
              });
        });
  }

  grpc::Status GetDuty(grpc::ServerContext* ctx, const v1::GetDutyRequest* req,
                       v1::GetDutyResponse* resp) override {
    return server::Handle(gate(), ctx, [&](const Principal&) -> absl::Status {
      RETURN_IF_ERROR(CheckUnitRef("unit_id", req->unit_id()));
      auto from = ParseDate(req->from_date());
      if (!from) return Bad("from_date", "YYYY-MM-DD, 2000-2099");
      std::string to_s =
          req->to_date().empty() ? req->from_date() : req->to_date();
      auto to = ParseDate(to_s);
      if (!to) return Bad("to_date", "YYYY-MM-DD, 2000-2099");
      if (*to < *from) return Bad("to_date", "before from_date");
      if (*to - *from > 366)
        return Bad("to_date", "more than 366 days after from_date");
      ASSIGN_OR_RETURN(auto conn, core_->ctx().pool.Acquire());
      ASSIGN_OR_RETURN(UnitTree tree, core_->Tree(*conn));
      if (!tree.Contains(req->unit_id()))
        return absl::NotFoundError("unit_id: unknown unit");
      ASSIGN_OR_RETURN(auto entries,
                       core_->store().GetDuty(*conn, req->unit_id(),
                                              req->from_date(), to_s));
      for (auto& e : entries) *resp->add_entries() = std::move(e);
      return absl::OkStatus();
    });
  }

 private:
  const server::CallGate& gate() { return core_->ctx().host.gate(); }
  Core* core_;
};

class RoutingComponent final : public runtime::Component {
 public:
  explicit RoutingComponent(runtime::Context& ctx)
      : core_(ctx), routing_(&core_), directory_(&core_) {
    ctx.host.AddService(&routing_, "hotline.v1.RoutingService");
    ctx.host.AddService(&directory_, "hotline.v1.DirectoryService");
    inbox_ = std::make_unique<outbox::Inbox>(
        &ctx.pool,
        [this](db::Connection& c, const v1::TicketEvent& e) {
          return core_.OnEvent(c, e);
        },
        ctx.config.service_name);
    sink_ = outbox::NewEventSinkService(inbox_.get(), &ctx.host.gate());
    ctx.host.AddService(sink_.get(), "hotline.v1.EventSink");
  }

 private:
  Core core_;
  RoutingImpl routing_;
  DirectoryImpl directory_;
  std::unique_ptr<outbox::Inbox> inbox_;
  std::unique_ptr<grpc::Service> sink_;
};

}  // namespace

runtime::ServiceDefinition Definition() {
  runtime::ServiceDefinition d;
  d.name = "routing";
  d.migrations = SchemaMigrations;
  d.build = [](runtime::Context& ctx)
      -> absl::StatusOr<std::unique_ptr<runtime::Component>> {
    return std::make_unique<RoutingComponent>(ctx);
  };
  return d;
}

}  // namespace hotline::routing
