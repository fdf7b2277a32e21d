#pragma once

// The core of the assessment service: the sole owner of its transactions.
// It applies every delivered event (the inbox handler), records evaluations
// idempotently with their EvaluationRecorded event in the outbox, rebuilds
// the rollups idempotently, keeps the monthly bulletins on schedule, and
// answers the queries through Analytics and the store. Rules are in
// domain/, SQL in store/, the wire in edge/.

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

// Thread-safe. Holds pointers it does not own (pool, store, outbox, clock:
// all must outlive it) and owns Analytics, MonthlyReports and the bulletin
// thread (Start/Stop).
class AssessmentCore {
 public:
  // `directory`: routing's directory copy laid over the learned unit tree
  // for names, kinds and parents (empty = units by id; domain/units.h).
  AssessmentCore(db::ConnectionPool* pool, AssessmentStore* store,
                 const outbox::Outbox* outbox, Clock* clock,
                 std::vector<DirectoryEntry> directory);
  ~AssessmentCore();
  AssessmentCore(const AssessmentCore&) = delete;
  AssessmentCore& operator=(const AssessmentCore&) = delete;

  // The inbox handler: turns `event` into its fact (domain/fact_plan.h) and
  // records the fact, the order's state, the unit links, the overdue clocks
  // and the rollup increments on `conn`, inside the inbox's transaction
  // (the inbox dedups, so each event is applied once). The order's state is
  // read only when the event does not carry what its fact needs
  // (PlanFactWithoutState, FactTakesOnlyAttributes). INVALID_ARGUMENT for
  // an event without payload; otherwise the database's errors.
  absl::Status ApplyEvent(db::Connection& conn, const v1::TicketEvent& event);

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
  absl::Status RebuildRollups(const std::string& request_id,
                              const std::string& request_hash,
                              const std::optional<DateRange>& range,
                              bool verify_only,
                              v1::RebuildRollupsResponse* resp);

  // The unit tree learned from events, with the directory copy (if any)
  // laid over it for names, kinds and parents.
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
  // Scans the facts (on a connection of its own) and, unless verify_only
  // or nothing differs, replaces the rollups on `conn` (the caller's
  // transaction, which also records the answer).
  absl::StatusOr<RebuildOutcome> Rebuild(db::Connection& conn,
                                         const std::optional<DateRange>& range,
                                         bool verify_only);
  void MonthlyLoop();

  db::ConnectionPool* pool_;
  AssessmentStore* store_;
  // RebuildRollups' request log: the shared one (idempotency_log).
  server::MysqlRequestLog request_log_;
  const outbox::Outbox* outbox_;
  Clock* clock_;
  const std::vector<DirectoryEntry> directory_;
  Analytics analytics_;
  MonthlyReports monthly_;
  std::mutex rebuild_mu_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace hotline::assessment
