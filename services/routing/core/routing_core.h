#pragma once

// Routing's core: the sole owner of its transactions. Every call loads
// through the store (store/routing_store.h), applies the domain
// (domain/assignment_machine.h, unit_tree.h, catalogue.h, directory_*.h),
// writes rows and the one outbox event, and commits; state changes run once
// per request id (common/server/idempotency.h); consumed events arrive through
// the inbox (NewEventBatch, routing_core_events.cc). The gRPC edge
// (edge/routing_service.cc) checks the wire fields and the caller's role and
// then calls in here with the checked request.
//
// Files: routing_core.cc (transactions, idempotency, assignments and their
// lists), routing_core_events.cc (consumed events, automatic dispatch),
// routing_core_directory.cc (units, catalogue rules, duty roster, import and
// export of the directory).

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/db/connection.h"
#include "common/outbox/outbox.h"
#include "common/runtime/service_runtime.h"
#include "common/server/idempotency.h"
#include "common/server/mysql_request_log.h"
#include "common/server/paging.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/routing.pb.h"
#include "services/routing/core/directory_cache.h"
#include "services/routing/domain/assignment_machine.h"
#include "services/routing/domain/catalogue.h"
#include "services/routing/domain/unit_tree.h"
#include "services/routing/edge/request_checks.h"
#include "services/routing/store/routing_store.h"

namespace hotline::routing {

// Routing's core over one runtime context and one store. Thread-safe: holds
// no state of its own beyond the auto-dispatch switch read at construction
// and the directory cache (directory_cache.h, checked against the store on
// every use); every call takes its own connection from ctx.pool. Does not own
// `ctx` or `store`, which must outlive it.
class Core {
 public:
  // Reads HOTLINE_ROUTING_AUTO_DISPATCH ("0"/"off" switch automatic dispatch
  // off; anything else or unset leaves it on).
  Core(runtime::Context& ctx, RoutingStore& store);

  // The service clock's now.
  absl::Time Now() { return ctx_.clock.Now(); }
  // Whether catalogue rules with `automatic` may dispatch on their own.
  bool auto_dispatch() const { return auto_dispatch_; }

  // ------------------------------------------------------------ generic
  // The directory (tree) and the catalogue (rules) as stored and as `c`
  // sees them now (DirectoryCache: one stamp read when unchanged). Errors:
  // the store's.
  absl::StatusOr<std::shared_ptr<const Directory>> Dir(db::Connection& c);
  // How many times the directory was read in full (DirectoryCache::loads).
  int64_t directory_loads() const { return directory_.loads(); }

  // Runs `body` in one transaction, exactly once per request_id, after
  // `authorize` (server/idempotency.h): the caller's right to make this call
  // on this object now is checked against the current state first, so a
  // replayed request id is answered only to a caller who may make the call.
  // A retry with the same request returns the stored answer; another request
  // under the same id is ALREADY_EXISTS; a concurrent twin is retried
  // (ABORTED inside). Refusals (any non-OK of `authorize` or `body`) are not
  // recorded and write nothing. INVALID_ARGUMENT if request_id is malformed.
  // Wakes the outbox relay after a commit.
  template <typename Req, typename Resp, typename Authorize, typename Body>
  absl::Status Mutate(const char* method, const std::string& request_id,
                      const Req& req, Resp* resp, Authorize&& authorize,
                      Body&& body) {
    RETURN_IF_ERROR(CheckId("request_id", request_id));
    server::RequestKey key = server::KeyOf(method, req);
    key.request_id = request_id;
    return server::RunIdempotentResponse(ctx_.pool, request_log_, key,
                                         authorize, body, resp);
  }

  // No check beyond the role (already made at the edge): center-only calls.
  static absl::Status Anyone(db::Connection&) { return absl::OkStatus(); }

  // ------------------------------------------------------- assignments
  // What a transition does to the loaded state: calls the machine with the
  // acting unit (the caller's unit, or the center for center roles).
  using TransitionOp = std::function<absl::StatusOr<Transition>(
      AssignmentMachine&, const AssignmentState&, const std::string& acting,
      const auth::Principal&)>;
  // An extra authorization of one transition on the current state.
  using TransitAuthorize =
      std::function<absl::Status(db::Connection&, const auth::Principal&,
                                 const AssignmentState&, const UnitTree&)>;

  // One transition of an order, idempotent by req.request_id() (Mutate):
  // authorize (a unit principal must take part in the order,
  // CheckTakesPart; then `authorize` if given) → load → `op` → save + event →
  // commit; answers with the assignment after the change. NOT_FOUND if
  // routing does not know the order; PERMISSION_DENIED from the checks;
  // FAILED_PRECONDITION etc. from the machine; nothing written on refusal.
  template <typename Req, typename Resp>
  absl::Status Transit(const char* method, const Req& req, Resp* resp,
                       const auth::Principal& who, const TransitionOp& op,
                       const TransitAuthorize& authorize = nullptr) {
    return Mutate(
        method, req.request_id(), req, resp,
        [&](db::Connection& c) {
          return AuthorizeTransit(c, who, req.ticket_id(), authorize);
        },
        [&](db::Connection& c) -> absl::Status {
          ASSIGN_OR_RETURN(v1::Assignment after,
                           RunTransition(c, who, req.ticket_id(), op));
          *resp->mutable_assignment() = std::move(after);
          return absl::OkStatus();
        });
  }

  // SERVICE (automatic dispatch by another system) may dispatch only by the
  // catalogue: `req.rule_id` must name an existing, active rule that matches
  // the order's facts (catalogue.h), and the dispatch must go to that rule's
  // unit, with co-units among the rule's. PERMISSION_DENIED otherwise: the
  // center (CENTER_STAFF) dispatches by judgement, a service never does.
  absl::Status CheckDispatchByRule(db::Connection& c, const AssignmentState& s,
                                   const v1::DispatchRequest& req);

  // The order's assignment as `who` may see it. NOT_FOUND if unknown;
  // PERMISSION_DENIED outside the caller's units (CheckCanSee).
  absl::StatusOr<v1::Assignment> GetAssignment(const auth::Principal& who,
                                               const std::string& ticket);
  // Routing's events of one order, seq ascending; errors as GetAssignment.
  absl::StatusOr<std::vector<v1::TicketEvent>> History(
      const auth::Principal& who, const std::string& ticket);

  // The worklist of `unit` for `who` (reasons: WorkReason values, empty =
  // all; `q` carries statuses and due_before, the rest is filled here).
  // NOT_FOUND for an unknown unit; PERMISSION_DENIED when a unit principal
  // asks outside its subtree.
  absl::Status ListWork(const auth::Principal& who, const std::string& unit,
                        const std::set<int>& reasons, WorkQuery q,
                        const paging::OffsetPage& page,
                        v1::ListWorkResponse* resp);
  // The center's queue (reasons: QueueReason values, empty = all), with a
  // suggestion for new and returned orders. Errors: the store's.
  absl::Status ListCenterQueue(const std::set<int>& reasons,
                               const paging::OffsetPage& page,
                               v1::ListCenterQueueResponse* resp);
  // The catalogue's suggestion for an order routing knows (NOT_FOUND
  // otherwise) or for free facts.
  absl::StatusOr<v1::DispatchSuggestion> SuggestForTicket(
      const std::string& ticket);
  absl::StatusOr<v1::DispatchSuggestion> SuggestForFacts(const Facts& f);

  // ----------------------------------------- directory
  // (routing_core_directory.cc) Creates (expected_version 0) or updates a unit,
  // idempotent by request_id. ALREADY_EXISTS / NOT_FOUND / FAILED_PRECONDITION
  // (stale version, deactivating a unit that holds open orders, a child that
  // would no longer fit); INVALID_ARGUMENT from ValidateUnit; PERMISSION_DENIED
  // when a unit lead changes more than the liaison.
  absl::Status UpsertUnit(const auth::Principal& who,
                          const v1::UpsertUnitRequest& req,
                          v1::UpsertUnitResponse* resp);
  // One unit with its children and ancestors; NOT_FOUND if unknown.
  absl::Status GetUnit(const std::string& unit_id, v1::GetUnitResponse* resp);
  // Units of a subtree in preorder, filtered by `kinds` (empty = all).
  // NOT_FOUND for an unknown root.
  absl::Status ListUnits(const v1::ListUnitsRequest& req,
                         const std::set<int>& kinds,
                         const paging::OffsetPage& page,
                         v1::ListUnitsResponse* resp);
  // Parses and checks a directory file and, unless dry_run, stores it in one
  // transaction, idempotent by request_id. A dry run answers with the errors
  // found; a real import with any error is INVALID_ARGUMENT "content: ..."
  // (the first five) and writes nothing.
  absl::Status ImportDirectory(const v1::ImportDirectoryRequest& req,
                               v1::ImportDirectoryResponse* resp);
  // The directory (and, as JSON, duty roster and rules) as a file.
  absl::Status ExportDirectory(const v1::ExportDirectoryRequest& req,
                               v1::ExportDirectoryResponse* resp);
  // Creates (expected_version 0) or updates a catalogue rule, idempotent by
  // request_id. NOT_FOUND for unknown units or rule; INVALID_ARGUMENT for a
  // unit of the wrong level; ALREADY_EXISTS; FAILED_PRECONDITION (stale).
  absl::Status UpsertRule(const v1::UpsertRuleRequest& req,
                          v1::UpsertRuleResponse* resp);
  // The catalogue as `who` may see it, filtered as the request asks.
  absl::Status ListRules(const auth::Principal& who,
                         const v1::ListRulesRequest& req,
                         const paging::OffsetPage& page,
                         v1::ListRulesResponse* resp);
  // Deletes a rule, idempotent by request_id; NOT_FOUND if unknown.
  absl::Status DeleteRule(const v1::DeleteRuleRequest& req,
                          v1::DeleteRuleResponse* resp);
  // Writes duty roster entries (an empty leader clears the date), idempotent
  // by request_id. NOT_FOUND for an unknown unit; PERMISSION_DENIED when a
  // unit principal writes outside its subtree.
  absl::Status SetDuty(const auth::Principal& who,
                       const v1::SetDutyRequest& req,
                       v1::SetDutyResponse* resp);
  // Duty entries of a unit between two dates (inclusive); NOT_FOUND if the
  // unit is unknown.
  absl::Status GetDuty(const std::string& unit_id, const std::string& from,
                       const std::string& to, v1::GetDutyResponse* resp);

  // ------------------------------------------ events (routing_core_events.cc)
  // The inbox's EventBatch (outbox.h): the events of one inbox transaction —
  // TicketCreated (→ RECEIVED, maybe automatic dispatch),
  // TicketMerged/Unmerged, EvaluationRecorded, the clocks' events (due
  // instants), LadderStepFired — applied to the batch's orders as one
  // event-by-event application would, with the reads and writes folded:
  // Begin reads (and locks) the assignments of all the batch's orders, and
  // the clocks of its clock events, in one statement per key; the directory
  // is read (its stamp checked) at most once per batch, so the whole batch
  // sees it as at that read (as if applied before a directory or catalogue
  // write that commits meanwhile); Finish writes every
  // changed clock, every changed assignment (multi-row) and every event the
  // batch emits (one AppendAll, in the order one by one would append them).
  // Nothing in the batch reads these rows back from the database: each
  // event sees the batch's state so far. Events for unknown orders or
  // states where they mean nothing are acknowledged without effect; replays
  // are deduplicated by the inbox. Errors: the store's and the outbox's
  // (the inbox retries).
  std::unique_ptr<outbox::EventBatch> NewEventBatch();

 private:
  friend class RoutingEventBatch;
  // Transit's authorization (see Transit).
  absl::Status AuthorizeTransit(db::Connection& c, const auth::Principal& who,
                                const std::string& ticket,
                                const TransitAuthorize& authorize);
  // Transit's body: load, op, commit; the assignment after the change.
  absl::StatusOr<v1::Assignment> RunTransition(db::Connection& c,
                                               const auth::Principal& who,
                                               const std::string& ticket,
                                               const TransitionOp& op);

  // Whether a unit principal takes part in the order: its unit holds it or
  // held it (any round), or it belongs to a co-unit (its first-level unit is
  // one). Unit-side calls and their replays require it, before the request
  // id is looked up; the machine then requires the holder for most
  // transitions. So a replayed request id is answered to the holder, a
  // co-unit, and a unit that held the order (its own retry after it
  // forwarded or returned it stays idempotent; it sees the order with
  // GetAssignment anyway), and never to another unit, a sibling, or a unit
  // below that never held it (PERMISSION_DENIED, nothing revealed).
  absl::Status CheckTakesPart(const auth::Principal& who, const UnitTree& tree,
                              const AssignmentState& s);
  // Visibility of one order for GetAssignment/History: center staff and
  // auditors see all; a unit principal sees orders its subtree held or that
  // name its subtree or its first-level unit as co-unit. PERMISSION_DENIED
  // otherwise.
  absl::Status CheckCanSee(const auth::Principal& who, const UnitTree& tree,
                           const AssignmentState& s);
  // Saves the new state and appends its event (inside the transaction).
  // `stored`: the state as loaded in this transaction, nullptr for a new
  // order (RoutingStore::SaveAssignment).
  absl::Status Commit(db::Connection& c, Transition& t, const v1::Actor& actor,
                      const AssignmentState* stored);
  // The order's assignment (locked for a transition); NOT_FOUND if routing
  // has never seen the order.
  absl::StatusOr<AssignmentState> Load(db::Connection& c,
                                       const std::string& ticket,
                                       bool for_update);
  // Recomputes the due instants of the current round from running clocks.
  static void RefreshDues(const std::vector<RunningClock>& clocks,
                          AssignmentState& s);
  // One duty roster entry: cleared when it names no leader, else written.
  absl::Status WriteDuty(db::Connection& c, const std::string& unit,
                         const v1::DutyEntry& e);
  // Suggestion of the catalogue `rules` for an order routing knows.
  v1::DispatchSuggestion SuggestFor(const std::vector<v1::DispatchRule>& rules,
                                    const v1::Assignment& a);

  runtime::Context& ctx_;
  RoutingStore& store_;
  // Mutate's request log: the shared one (idempotency_log).
  server::MysqlRequestLog request_log_;
  DirectoryCache directory_;
  bool auto_dispatch_ = true;
};

}  // namespace hotline::routing
