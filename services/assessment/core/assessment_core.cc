#include "services/assessment/core/assessment_core.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <variant>

#include "common/db/sql_text.h"
#include "common/db/transaction.h"
#include "common/id/id.h"
#include "common/log/log.h"
#include "common/server/idempotency.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/assessment/domain/overdue.h"
#include "services/assessment/domain/rebuild_diff.h"

namespace hotline::assessment {

AssessmentCore::AssessmentCore(db::ConnectionPool* pool, AssessmentStore* store,
                               const outbox::Outbox* outbox, Clock* clock,
                               directory::DirectoryFollower* directory,
                               int rebuild_chunk)
    : pool_(pool),
      store_(store),
      outbox_(outbox),
      clock_(clock),
      directory_(directory),
      rebuild_chunk_(std::max(1, rebuild_chunk)),
      analytics_(store, &DefaultWeights()),
      monthly_(store, &analytics_, [this] { return Tree(); }) {}

AssessmentCore::~AssessmentCore() { Stop(); }

namespace {

// One inbox transaction's events (AssessmentCore::NewEventBatch): their
// orders locked and their states read once at Begin, every event applied on
// the held copies, everything but the overdue clocks and duty-gap days
// written at Finish. Used by one thread for one transaction attempt.
class AssessmentEventBatch final : public outbox::EventBatch {
 public:
  explicit AssessmentEventBatch(AssessmentCore* core) : core_(core) {}
  absl::Status Begin(
      db::Connection& conn,
      const std::vector<const v1::TicketEvent*>& events) override {
    RETURN_IF_ERROR(core_->LockOrders(conn, events));
    std::vector<std::string> ids;
    ids.reserve(events.size());
    for (const v1::TicketEvent* e : events) ids.push_back(e->ticket_id());
    return core_->LoadTickets(conn, ids, &deferred_);
  }
  absl::Status Handle(db::Connection& conn,
                      const v1::TicketEvent& event) override {
    return core_->ApplyEvent(conn, event, &deferred_);
  }
  absl::Status Finish(db::Connection& conn) override {
    return core_->WriteDeferred(conn, &deferred_);
  }

 private:
  AssessmentCore* core_;
  DeferredWrites deferred_;
};

// `t` as its ticket_state row holds it once written (SaveTickets) and read
// back: the ticket number cut to the column's 32, the dispatch instant to
// DATETIME(6)'s microseconds. The held copies are kept in this form, so a
// later event of the transaction sees what it would have read.
TicketInfo StoredForm(TicketInfo t) {
  t.ticket_number = t.ticket_number.substr(0, 32);
  if (t.dispatched_at.has_value()) {
    t.dispatched_at = db::ParseSqlTime(db::SqlTime(*t.dispatched_at));
  }
  return t;
}

}  // namespace

std::unique_ptr<outbox::EventBatch> AssessmentCore::NewEventBatch() {
  return std::make_unique<AssessmentEventBatch>(this);
}

absl::Status AssessmentCore::LockOrders(
    db::Connection& conn, const std::vector<const v1::TicketEvent*>& events) {
  std::vector<std::string> ids;
  ids.reserve(events.size());
  for (const v1::TicketEvent* e : events) ids.push_back(e->ticket_id());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return store_->LockTickets(conn, ids);
}

absl::Status AssessmentCore::LoadTickets(
    db::Connection& conn, const std::vector<std::string>& ticket_ids,
    DeferredWrites* deferred) {
  std::vector<std::string> missing;
  for (const std::string& id : ticket_ids) {
    if (deferred->tickets.count(id) == 0) missing.push_back(id);
  }
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  if (missing.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto loaded, store_->LoadTickets(conn, missing));
  for (const std::string& id : missing) {
    DeferredWrites::Ticket& held = deferred->tickets[id];
    if (auto it = loaded.find(id); it != loaded.end()) {
      held.stored = it->second;
      held.now = it->second;
    }
  }
  return absl::OkStatus();
}

absl::Status AssessmentCore::WriteDeferred(db::Connection& conn,
                                           DeferredWrites* deferred) {
  if (!deferred->facts.empty()) {
    RETURN_IF_ERROR(store_->InsertFacts(conn, deferred->facts));
    deferred->facts.clear();
  }
  // The states that changed, in key order (the map's; the rows are locked
  // already, and their orders' order_lock rows before them).
  std::vector<std::pair<std::string, const TicketInfo*>> changed;
  for (const auto& [id, t] : deferred->tickets) {
    if (!SameTicket(t.stored, t.now)) changed.emplace_back(id, &t.now);
  }
  if (!changed.empty()) RETURN_IF_ERROR(store_->SaveTickets(conn, changed));
  // Written: what is held is what is stored now.
  for (auto& [id, t] : deferred->tickets) t.stored = t.now;
  if (!deferred->units.empty()) {
    std::vector<UnitLink> links;
    links.reserve(deferred->units.size());
    for (const auto& [unit, link] : deferred->units) links.push_back(link);
    RETURN_IF_ERROR(store_->SaveUnitLinks(conn, links));
    deferred->units.clear();
  }
  RETURN_IF_ERROR(store_->AddRollupSums(conn, deferred->rollups));
  deferred->rollups = RollupSet();
  return absl::OkStatus();
}

absl::Status AssessmentCore::ApplyEvent(db::Connection& conn,
                                        const v1::TicketEvent& event,
                                        DeferredWrites* deferred) {
  // The order's state as the events before this one left it (read now when
  // the transaction does not hold it yet: never for an inbox batch, whose
  // Begin read them all).
  RETURN_IF_ERROR(LoadTickets(conn, {event.ticket_id()}, deferred));
  TicketInfo& now = deferred->tickets[event.ticket_id()].now;
  PlanContext context;
  if (auto day = DutyGapDayOf(event); day.has_value()) {
    ASSIGN_OR_RETURN(context.first_duty_gap_of_day,
                     store_->RecordDutyGapDay(conn, day->first, day->second,
                                              event.event_id()));
  }
  ASSIGN_OR_RETURN(FactPlan plan, PlanFact(event, now, context));
  deferred->facts.emplace_back(plan.fact, event.SerializeAsString());
  RETURN_IF_ERROR(ApplyOverdueChange(conn, PlanOverdue(event, plan)));
  if (!SameTicket(now, plan.ticket)) now = StoredForm(plan.ticket);
  // The unit links folded as upserting them one by one would leave each row
  // (MergeUnitLink).
  for (const UnitLink& u : plan.units) {
    auto [it, fresh] = deferred->units.try_emplace(u.unit_id, u);
    if (!fresh) it->second = MergeUnitLink(it->second, u);
  }
  AddFactToRollups(plan.fact, &deferred->rollups);
  return absl::OkStatus();
}

absl::Status AssessmentCore::ApplyOverdueChange(db::Connection& conn,
                                                const OverdueChange& change) {
  if (const auto* open = std::get_if<OverdueOpen>(&change)) {
    RETURN_IF_ERROR(store_->UpsertOverdueClock(conn, open->clock));
    return store_->InsertOverdueAccrual(conn, open->clock.clock_id,
                                        open->accrual);
  }
  if (const auto* close = std::get_if<OverdueClose>(&change)) {
    return store_->CloseOverdueClock(conn, close->clock_id, close->at);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Evaluation> AssessmentCore::RecordEvaluation(
    const EvaluationRequest& in) {
  const std::string fresh_id = id::NewId("eval-", id::kShortIdBytes);
  v1::Evaluation out;
  server::IdempotentCall call;
  // EVALUATOR is the only role that records, and any evaluator may record
  // any order's callback (checked by the edge): nothing more to check.
  call.authorize = [](db::Connection&) { return absl::OkStatus(); };
  call.replay = [&](db::Connection&, const std::string& answer) {
    if (!out.ParseFromString(answer)) {
      return absl::InternalError("evaluation: unreadable");
    }
    return absl::OkStatus();
  };
  // The evaluation row (with its request_id) is the record.
  call.record = [](db::Connection&, const std::string&) {
    return absl::OkStatus();
  };
  call.find =
      [&](db::Connection& conn) -> absl::StatusOr<std::optional<std::string>> {
    ASSIGN_OR_RETURN(auto prior,
                     store_->FindEvaluationByRequest(conn, in.request_id));
    if (!prior.has_value()) return std::optional<std::string>();
    if (prior->second != in.request_hash) {
      return server::RequestIdReused(in.request_id);
    }
    return std::optional<std::string>(prior->first.SerializeAsString());
  };
  call.run = [&](db::Connection& conn) -> absl::StatusOr<std::string> {
    // The order's lock first, as an inbox batch takes it (LockOrders): the
    // evaluation's writes then follow the batches' key order.
    RETURN_IF_ERROR(store_->LockTickets(conn, {in.ticket_id}));
    ASSIGN_OR_RETURN(TicketInfo t, store_->LoadTicket(conn, in.ticket_id));
    std::string existing;
    if (t.known) {
      ASSIGN_OR_RETURN(existing,
                       store_->FindEvaluationIdByTicket(conn, in.ticket_id));
    }
    RETURN_IF_ERROR(CheckEvaluable(in.ticket_id, t, existing));
    const v1::Evaluation ev =
        MakeEvaluation(fresh_id, in.ticket_id, t, in.answer);
    v1::TicketEvent event = EvaluationRecordedEvent(ev, t, clock_->Now());
    RETURN_IF_ERROR(outbox_->Append(conn, &event));
    // The order's state read above is the transaction's copy (no second
    // read).
    DeferredWrites writes;
    writes.tickets[in.ticket_id] = {t, t};
    RETURN_IF_ERROR(ApplyEvent(conn, event, &writes));
    RETURN_IF_ERROR(WriteDeferred(conn, &writes));
    RETURN_IF_ERROR(
        store_->InsertEvaluation(conn, ev, in.request_id, in.request_hash));
    out = ev;
    return ev.SerializeAsString();
  };
  RETURN_IF_ERROR(server::RunIdempotent(*pool_, call));
  return out;
}

absl::StatusOr<RebuildOutcome> AssessmentCore::Rebuild(
    db::Connection& conn, const std::optional<DateRange>& requested,
    bool verify_only) {
  // Monthly rollups cover whole months: work on the widened range.
  std::optional<DateRange> range;
  if (requested.has_value()) range = WidenToMonths(*requested);
  RebuildOutcome out;
  RollupSet fresh, stored;
  // The facts a chunk at a time, each folded into `fresh` before the next
  // is read (memory: the rollups and one chunk), then the stored rollups:
  // all on a connection of their own, at one snapshot.
  {
    ASSIGN_OR_RETURN(db::PooledConnection scan, pool_->Acquire());
    RETURN_IF_ERROR(store_->BeginRebuildSnapshot(*scan));
    std::vector<FactRecord> chunk;
    chunk.reserve(static_cast<size_t>(rebuild_chunk_));
    // A range's facts lie between its first and last id (a late event's fact
    // has a later id than its day's others): only that span is paged.
    int64_t after = 0;
    int64_t up_to = std::numeric_limits<int64_t>::max();
    bool any = true;
    if (range.has_value()) {
      ASSIGN_OR_RETURN(auto span, store_->FactIdSpan(*scan, *range));
      any = span.has_value();
      if (any) {
        after = span->first - 1;
        up_to = span->second;
      }
    }
    while (any) {
      chunk.clear();
      RETURN_IF_ERROR(store_->ReadFactChunk(*scan, range, after, up_to,
                                            rebuild_chunk_, &chunk, &after));
      for (const FactRecord& f : chunk) AddFactToRollups(f, &fresh);
      out.facts_scanned += static_cast<int64_t>(chunk.size());
      any = chunk.size() == static_cast<size_t>(rebuild_chunk_);
    }
    RETURN_IF_ERROR(store_->ReadStoredRollups(*scan, range, &stored));
    RETURN_IF_ERROR(scan->Commit());
  }
  CompareRollups(stored, fresh, &out);
  if (verify_only || out.mismatches == 0) return out;
  RETURN_IF_ERROR(store_->ReplaceRollups(conn, range, fresh));
  return out;
}

absl::Status AssessmentCore::RebuildRollups(
    const std::string& request_id, const std::string& request_hash,
    const std::optional<DateRange>& range, bool verify_only,
    v1::RebuildRollupsResponse* resp) {
  // The caller's role was checked by the edge; nothing else limits who
  // rebuilds.
  return server::RunIdempotentResponse(
      *pool_, request_log_, {request_id, "RebuildRollups", request_hash},
      [](db::Connection&) { return absl::OkStatus(); },
      [&](db::Connection& conn) -> absl::Status {
        std::unique_lock<std::mutex> lock(rebuild_mu_, std::try_to_lock);
        if (!lock.owns_lock()) {
          return absl::FailedPreconditionError(
              "rollups: a rebuild is already running");
        }
        ASSIGN_OR_RETURN(RebuildOutcome r, Rebuild(conn, range, verify_only));
        resp->set_facts_scanned(r.facts_scanned);
        resp->set_rollup_rows(r.rollup_rows);
        resp->set_mismatches(r.mismatches);
        for (auto& m : r.examples) *resp->add_examples() = std::move(m);
        *resp->mutable_finished_at() = ToProto(clock_->Now());
        return absl::OkStatus();
      },
      resp);
}

absl::StatusOr<UnitTree> AssessmentCore::Tree() {
  ASSIGN_OR_RETURN(UnitTree tree, store_->LoadUnits());
  // A unit an event named that the copy lacks (none at all before routing's
  // directory was first read): read it again first.
  std::vector<std::string> named = tree.Subtree(kCenterUnitId);
  named.erase(std::remove(named.begin(), named.end(), kCenterUnitId),
              named.end());
  tree.LayOver(*directory_->SnapshotKnowing(named));
  return tree;
}

absl::StatusOr<std::optional<absl::Time>> AssessmentCore::FactsThrough() {
  return store_->FactsThrough();
}

void AssessmentCore::Start() {
  thread_ = std::thread([this] { MonthlyLoop(); });
}

void AssessmentCore::Stop() {
  if (!thread_.joinable()) return;
  stop_.Notify();
  thread_.join();
}

void AssessmentCore::MonthlyLoop() {
  bool failing = false;  // log a failure once, not every tick
  do {
    absl::StatusOr<std::string> month = monthly_.GenerateDue(clock_->Now());
    if (!month.ok()) {
      if (!failing) {
        log::Warning("assessment.monthly_report_failed",
                     {{"error", month.status().ToString()}});
      }
      failing = true;
      continue;
    }
    failing = false;
    if (!month->empty()) {
      log::Info("assessment.monthly_report_stored", {{"month", *month}});
    }
  } while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(500)));
}

}  // namespace hotline::assessment
