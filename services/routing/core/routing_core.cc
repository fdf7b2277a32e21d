#include "services/routing/core/routing_core.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/server/actor.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/routing/domain/work_queues.h"

namespace hotline::routing {

using auth::Principal;
using auth::Role;
using server::ActorOf;

Core::Core(runtime::Context& ctx, RoutingStore& store)
    : ctx_(ctx), store_(store), directory_(store) {
  const char* env = std::getenv("HOTLINE_ROUTING_AUTO_DISPATCH");
  auto_dispatch_ =
      env == nullptr || !(std::string(env) == "0" || std::string(env) == "off");
}

absl::StatusOr<std::shared_ptr<const Directory>> Core::Dir(db::Connection& c) {
  return directory_.Get(c);
}

absl::Status Core::AuthorizeTransit(db::Connection& c, const Principal& who,
                                    const std::string& ticket,
                                    const TransitAuthorize& authorize) {
  if (!who.IsUnitRole() && !authorize) return absl::OkStatus();
  ASSIGN_OR_RETURN(AssignmentState s, Load(c, ticket, true));
  ASSIGN_OR_RETURN(auto dir, Dir(c));
  const UnitTree& tree = dir->tree;
  if (who.IsUnitRole()) {
    RETURN_IF_ERROR(CheckTakesPart(who, tree, s));
  }
  if (authorize) RETURN_IF_ERROR(authorize(c, who, s, tree));
  return absl::OkStatus();
}

absl::StatusOr<v1::Assignment> Core::RunTransition(db::Connection& c,
                                                   const Principal& who,
                                                   const std::string& ticket,
                                                   const TransitionOp& op) {
  ASSIGN_OR_RETURN(AssignmentState s, Load(c, ticket, true));
  ASSIGN_OR_RETURN(auto dir, Dir(c));
  const UnitTree& tree = dir->tree;
  AssignmentMachine m(&tree);
  const std::string unit = who.IsUnitRole() ? who.unit_id : std::string();
  const std::string acting = unit.empty() ? tree.CenterId() : unit;
  ASSIGN_OR_RETURN(Transition t, op(m, s, acting, who));
  RETURN_IF_ERROR(Commit(c, t, ActorOf(who), &s));
  return t.after.view;
}

absl::Status Core::CheckTakesPart(const Principal& who, const UnitTree& tree,
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

absl::Status Core::Commit(db::Connection& c, Transition& t,
                          const v1::Actor& actor,
                          const AssignmentState* stored) {
  RETURN_IF_ERROR(store_.SaveAssignment(c, t.after, stored));
  if (t.has_event) {
    *t.event.mutable_actor() = actor;
    RETURN_IF_ERROR(ctx_.outbox.Append(c, &t.event));
  }
  return absl::OkStatus();
}

absl::StatusOr<AssignmentState> Core::Load(db::Connection& c,
                                           const std::string& ticket,
                                           bool for_update) {
  ASSIGN_OR_RETURN(auto s, store_.LoadAssignment(c, ticket, for_update));
  if (!s) {
    return absl::NotFoundError(
        absl::StrCat("ticket_id: ", ticket, ": no such order in routing"));
  }
  return *std::move(s);
}

absl::Status Core::CheckCanSee(const Principal& who, const UnitTree& tree,
                               const AssignmentState& s) {
  if (who.Is(Role::kCenterStaff) || who.Is(Role::kAuditor)) {
    return absl::OkStatus();
  }
  if (who.IsUnitRole()) {
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

v1::DispatchSuggestion Core::SuggestFor(
    const std::vector<v1::DispatchRule>& rules, const v1::Assignment& a) {
  Facts f{a.category_code(), a.location().town_code(),
          absl::StrCat(a.title(), "\n", a.content())};
  return Suggest(rules, f, auto_dispatch_);
}

absl::Status Core::CheckDispatchByRule(db::Connection& c,
                                       const AssignmentState& s,
                                       const v1::DispatchRequest& req) {
  if (req.rule_id().empty()) {
    return absl::PermissionDeniedError(
        "rule_id: a SERVICE dispatches only by a catalogue rule");
  }
  ASSIGN_OR_RETURN(auto dir, Dir(c));
  const auto& rules = dir->rules;
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

absl::StatusOr<v1::Assignment> Core::GetAssignment(const Principal& who,
                                                   const std::string& ticket) {
  ASSIGN_OR_RETURN(auto conn, ctx_.pool.Acquire());
  ASSIGN_OR_RETURN(AssignmentState s, Load(*conn, ticket, false));
  ASSIGN_OR_RETURN(auto dir, Dir(*conn));
  const UnitTree& tree = dir->tree;
  RETURN_IF_ERROR(CheckCanSee(who, tree, s));
  return s.view;
}

absl::StatusOr<std::vector<v1::TicketEvent>> Core::History(
    const Principal& who, const std::string& ticket) {
  ASSIGN_OR_RETURN(auto conn, ctx_.pool.Acquire());
  ASSIGN_OR_RETURN(AssignmentState s, Load(*conn, ticket, false));
  ASSIGN_OR_RETURN(auto dir, Dir(*conn));
  const UnitTree& tree = dir->tree;
  RETURN_IF_ERROR(CheckCanSee(who, tree, s));
  return store_.History(*conn, ticket, ctx_.outbox.producer());
}

absl::Status Core::ListWork(const Principal& who, const std::string& unit,
                            const std::set<int>& reasons, WorkQuery q,
                            const paging::OffsetPage& page,
                            v1::ListWorkResponse* resp) {
  auto want = [&](v1::WorkReason r) {
    return reasons.empty() || reasons.count(r);
  };
  ASSIGN_OR_RETURN(auto conn, ctx_.pool.Acquire());
  ASSIGN_OR_RETURN(auto dir, Dir(*conn));
  const UnitTree& tree = dir->tree;
  if (!tree.Contains(unit)) {
    return absl::NotFoundError(
        absl::StrCat("unit_id: ", unit, ": unknown unit"));
  }
  if (who.IsUnitRole() && !tree.InSubtree(who.unit_id, unit)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "unit_id: ", unit, " is outside the caller's unit ", who.unit_id));
  }
  std::vector<std::string> subtree = tree.Subtree(unit);
  if (want(v1::WORK_REASON_HELD)) q.holders.push_back(unit);
  if (want(v1::WORK_REASON_HELD_BELOW)) {
    q.holders.insert(q.holders.end(), subtree.begin() + 1, subtree.end());
  }
  if (want(v1::WORK_REASON_CO_OPINION_DUE)) q.co_units.push_back(unit);
  q.limit = page.limit();
  q.offset = page.offset();
  ASSIGN_OR_RETURN(auto items, store_.ListWork(*conn, q));
  const absl::Time now = Now();
  for (size_t i = 0; i < items.size() && static_cast<int>(i) < page.size();
       ++i) {
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
  resp->mutable_page()->set_next_page_token(page.NextAfterRead(items.size()));
  return absl::OkStatus();
}

absl::Status Core::ListCenterQueue(const std::set<int>& reasons,
                                   const paging::OffsetPage& page,
                                   v1::ListCenterQueueResponse* resp) {
  const CenterQueueSelection selection = CenterQueueFor(reasons);
  ASSIGN_OR_RETURN(auto conn, ctx_.pool.Acquire());
  ASSIGN_OR_RETURN(auto dir, Dir(*conn));
  const UnitTree& tree = dir->tree;
  std::string center =
      tree.CenterId().empty() ? kCenterUnitId : tree.CenterId();
  ASSIGN_OR_RETURN(
      auto items, store_.ListCenterQueue(*conn, center, selection, page.limit(),
                                         page.offset()));
  for (size_t i = 0; i < items.size() && static_cast<int>(i) < page.size();
       ++i) {
    auto* q = resp->add_items();
    const auto& v = items[i].view;
    *q->mutable_assignment() = v;
    q->set_reason(QueueReasonOf(v.status()));
    if (SuggestsDispatch(q->reason())) {
      *q->mutable_suggestion() =
          Suggest(dir->rules,
                  Facts{v.category_code(), v.location().town_code(),
                        absl::StrCat(v.title(), "\n", v.content())},
                  auto_dispatch_);
    }
  }
  resp->mutable_page()->set_next_page_token(page.NextAfterRead(items.size()));
  return absl::OkStatus();
}

absl::StatusOr<v1::DispatchSuggestion> Core::SuggestForTicket(
    const std::string& ticket) {
  ASSIGN_OR_RETURN(auto conn, ctx_.pool.Acquire());
  ASSIGN_OR_RETURN(AssignmentState s, Load(*conn, ticket, false));
  ASSIGN_OR_RETURN(auto dir, Dir(*conn));
  return SuggestFor(dir->rules, s.view);
}

absl::StatusOr<v1::DispatchSuggestion> Core::SuggestForFacts(const Facts& f) {
  ASSIGN_OR_RETURN(auto conn, ctx_.pool.Acquire());
  ASSIGN_OR_RETURN(auto dir, Dir(*conn));
  return Suggest(dir->rules, f, auto_dispatch_);
}

}  // namespace hotline::routing
