#pragma once

// The core of the assessment service: the sole owner of its transactions.
// It applies every delivered event (the inbox handler), records evaluations
// idempotently with their EvaluationRecorded event in the outbox, rebuilds
// the rollups idempotently, keeps the monthly bulletins on schedule, and
// answers the queries through Analytics and the store. Rules are in
// domain/, SQL in store/, the wire in edge/.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "common/clock/clock.h"
#include "common/db/connection.h"
#include "common/directory/directory_follower.h"
#include "common/outbox/outbox.h"
#include "common/server/mysql_request_log.h"
#include "hotline/v1/assessment.pb.h"
#include "services/assessment/core/analytics.h"
#include "services/assessment/core/monthly_reports.h"
#include "services/assessment/domain/evaluation.h"
#include "services/assessment/store/assessment_store.h"

namespace hotline::assessment {

// A RecordEvaluation request as the edge validated it.
struct EvaluationRequest {
  std::string request_id;
  std::string request_hash;  // of the request's content
  std::string ticket_id;
  EvaluationAnswer answer;
};

// What several events applied in one transaction read once and write at its
// end, in few multi-row statements (AssessmentCore::ApplyEvent,
// WriteDeferred).
struct DeferredWrites {
  // One order's state as its row was at the start of the transaction
  // (`stored`; known = false when it had none) and as the transaction's
  // events left it so far (`now`, as the row would hold it: StoredForm).
  struct Ticket {
    TicketInfo stored;
    TicketInfo now;
  };
  // The orders' states read so far (LoadTickets, locked), by ticket_id:
  // every event of the transaction reads and changes these copies, and the
  // rows that changed are written at the end, in key order.
  std::map<std::string, Ticket> tickets;
  // The facts with their events' bytes, in the order of the events.
  std::vector<std::pair<FactRecord, std::string>> facts;
  // The unit links, folded per unit as the upserts one by one would leave
  // the row (MergeUnitLink), by unit_id: written in key order.
  std::map<std::string, UnitLink> units;
  // The rollup increments, summed per row (AddFactToRollups).
  RollupSet rollups;
};

// Thread-safe. Holds pointers it does not own (pool, store, outbox, clock:
// all must outlive it) and owns Analytics, MonthlyReports and the bulletin
// thread (Start/Stop).
class AssessmentCore {
 public:
  // RebuildRollups reads the facts this many at a time by default.
  static constexpr int kRebuildChunk = 10000;

  // `directory`: assessment's copy of routing's directory, laid over the
  // learned unit tree for names, kinds and parents (domain/units.h); not
  // owned. `rebuild_chunk`: how many facts RebuildRollups reads at a time
  // (at least 1).
  AssessmentCore(db::ConnectionPool* pool, AssessmentStore* store,
                 const outbox::Outbox* outbox, Clock* clock,
                 directory::DirectoryFollower* directory,
                 int rebuild_chunk = kRebuildChunk);
  ~AssessmentCore();
  AssessmentCore(const AssessmentCore&) = delete;
  AssessmentCore& operator=(const AssessmentCore&) = delete;

  // The inbox handler: turns `event` into its fact (domain/fact_plan.h:
  // PlanFact on the order's state) and records the fact, the order's state,
  // the unit links, the overdue clocks and the rollup increments on `conn`,
  // inside the inbox's transaction (the inbox dedups, so each event is
  // applied once). INVALID_ARGUMENT for an event without payload; otherwise
  // the database's errors.
  //
  // The order's state is taken from `deferred->tickets` (read, locked, by
  // LoadTickets first when the order is not held yet: one statement) and
  // changed there; the fact, the state, the unit links and the rollup
  // increments are written by WriteDeferred at the end of the transaction
  // (`deferred`: the inbox transaction's EventBatch, NewEventBatch, or
  // RecordEvaluation's own). Only the overdue clocks and the duty-gap days
  // are written at once. Nothing in the event path reads facts or rollups
  // back.
  absl::Status ApplyEvent(db::Connection& conn, const v1::TicketEvent& event,
                          DeferredWrites* deferred);
  // Locks `events`' orders (stored or not) in key order before an inbox
  // transaction applies them (the store's LockTickets): with the unit links
  // and rollups written in key order at its end (WriteDeferred), two inbox
  // transactions that touch the same rows take them in the same order and
  // cannot deadlock; two that touch the same order go one after the other.
  absl::Status LockOrders(db::Connection& conn,
                          const std::vector<const v1::TicketEvent*>& events);
  // Reads (locked) into `deferred->tickets` the states of those of
  // `ticket_ids` not held there yet, in one statement (up to 128 orders).
  absl::Status LoadTickets(db::Connection& conn,
                           const std::vector<std::string>& ticket_ids,
                           DeferredWrites* deferred);
  // Writes what ApplyEvent deferred (the facts in the events' order, the
  // orders' states that changed, the unit links and the rollup sums, each
  // table's rows in key order but the facts) and empties it.
  absl::Status WriteDeferred(db::Connection& conn, DeferredWrites* deferred);
  // The inbox's EventBatch: LockOrders and LoadTickets of the batch's
  // orders at Begin, ApplyEvent for each event on the batch's copies,
  // WriteDeferred at Finish. Safe for BatchConcurrency::kPerProducer.
  std::unique_ptr<outbox::EventBatch> NewEventBatch();

  // Records an evaluation (domain/evaluation.h): the evaluation row, its
  // fact and rollups, and EvaluationRecorded in the outbox, in one
  // transaction. Idempotent by request_id: a retry returns the stored
  // evaluation; ALREADY_EXISTS when the id was used for another request.
  // NOT_FOUND, ALREADY_EXISTS (evaluated already), FAILED_PRECONDITION
  // (reply not approved) as CheckEvaluable says.
  absl::StatusOr<v1::Evaluation> RecordEvaluation(const EvaluationRequest& in);

  // Recomputes the rollups of `range` (widened to whole months; all when
  // absent) from the facts, compares them with the stored ones and, unless
  // verify_only or nothing differs, replaces them in one transaction, the
  // one that records the answer in the shared request log. Idempotent by
  // request_id (`request_hash`: server::RequestHash of the request; a retry
  // gets the kept answer, a concurrent twin waits for it; ALREADY_EXISTS for
  // an id of another request). FAILED_PRECONDITION while another rebuild of
  // this process runs.
  //
  // Memory: the rollups and one chunk of facts (rebuild_chunk), whatever
  // the number of facts. Consistency with events applied meanwhile: the
  // facts and the stored rollups are read at one snapshot (Rebuild) without
  // locking anything, so the event path goes on; the replacing transaction
  // then locks the rows it deletes, and increments committed after it are
  // added on top of the recomputed rows. An event applied between the
  // snapshot and that transaction's DELETE loses its increments from the
  // replaced rows (its fact was not read, its increments are deleted): a
  // verify_only rebuild afterwards reports it, one more rebuild repairs it.
  absl::Status RebuildRollups(const std::string& request_id,
                              const std::string& request_hash,
                              const std::optional<DateRange>& range,
                              bool verify_only,
                              v1::RebuildRollupsResponse* resp);

  // The unit tree learned from events, with the directory's copy laid over
  // it for names, kinds and parents. A unit the copy lacks has the
  // directory read again first (at most once per the follower's min_gap).
  absl::StatusOr<UnitTree> Tree();
  // recorded_at of the latest fact; nullopt when none.
  absl::StatusOr<std::optional<absl::Time>> FactsThrough();
  // The store's reads, for the edge.
  AssessmentQueryStore& queries() { return *store_; }
  StoredReportStore& stored_reports() { return *store_; }
  Analytics& analytics() { return analytics_; }

  // 第九条 定期通报: starts the thread that generates and keeps the
  // bulletin of each month once it is closed, by the clock (checked twice a
  // second; with the manual clock, after each advance). Idempotent across
  // restarts and instances (MonthlyReports). Stop joins it; both are safe
  // to call once each.
  void Start();
  void Stop();

 private:
  // Reads the facts chunk by chunk, folding each into the recomputed
  // rollups, and the stored rollups, at one snapshot on a connection of its
  // own (BeginRebuildSnapshot); unless verify_only or nothing differs,
  // replaces the rollups on `conn` (the caller's transaction, which also
  // records the answer).
  absl::StatusOr<RebuildOutcome> Rebuild(db::Connection& conn,
                                         const std::optional<DateRange>& range,
                                         bool verify_only);
  // Writes what PlanOverdue decided for one event on `conn`.
  absl::Status ApplyOverdueChange(db::Connection& conn,
                                  const OverdueChange& change);
  void MonthlyLoop();

  db::ConnectionPool* pool_;
  AssessmentStore* store_;
  // RebuildRollups' request log: the shared one (idempotency_log).
  server::MysqlRequestLog request_log_;
  const outbox::Outbox* outbox_;
  Clock* clock_;
  directory::DirectoryFollower* directory_;
  const int rebuild_chunk_;
  Analytics analytics_;
  MonthlyReports monthly_;
  std::mutex rebuild_mu_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hotline::assessment
