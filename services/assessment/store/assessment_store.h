#pragma once

// Storage of the assessment service (store/schema/*.sql), split by concern:
// the writes of one event or evaluation inside the core's transaction
// (AssessmentEventStore), the reads of queries (AssessmentQueryStore), the
// rollup rebuild and its request log (AssessmentRebuildStore), the kept
// monthly bulletins (StoredReportStore). SQL and row mapping only: the rules
// are in domain/, the transactions in core/. All methods are thread-safe.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/assessment/domain/fact_plan.h"
#include "services/assessment/domain/indicators.h"
#include "services/assessment/domain/overdue.h"
#include "services/assessment/domain/rebuild_diff.h"

namespace hotline::db {
class Connection;
}

namespace hotline::assessment {

struct FactFilter {
  std::string ticket_id;                // "" = any
  std::vector<std::string> ticket_ids;  // empty = any (≤ 500)
  std::vector<std::string> unit_ids;    // empty = any
  // unit_ids match the fact's second unit (unit2_id) instead of unit_id.
  bool by_second_unit = false;
  std::optional<DateRange> range;      // local dates
  std::vector<std::string> producers;  // empty = any
  std::vector<std::string> kinds;      // empty = any
  // Keyset paging: strictly after (after_at, after_event_id).
  std::optional<absl::Time> after_at;
  std::string after_event_id;
  int limit = 0;  // 0 = no limit
};

struct StoredFact {
  FactRecord record;
  std::string event_bytes;  // TicketEvent as received
  absl::Time recorded_at;
};

// A monthly bulletin kept by the service (schema/012_stored_reports.sql).
struct StoredReportRow {
  std::string month;  // local month, "2024-03"
  std::string title;
  absl::CivilDay from_date;
  absl::CivilDay to_date;
  absl::Time generated_at;
  std::optional<absl::Time> facts_through;
  int documents = 0;
  std::string response;  // serialized v1::ReportResponse; empty when listed
};

// The whole store, as the core holds it: every concern's interface, one
// object. The MySQL implementation is store/mysql_assessment_store.h.
// The writes of ApplyEvent and RecordEvaluation, each on `conn`: inside the
// transaction the core opened (the inbox's, or RecordEvaluation's), which it
// commits or rolls back. Errors: the database's (as absl::Status) only.
class AssessmentEventStore {
 public:
  virtual ~AssessmentEventStore() = default;

  // What assessment remembers of the order (known = false when nothing),
  // locked for the transaction (FOR UPDATE).
  virtual absl::StatusOr<TicketInfo> LoadTicket(
      db::Connection& conn, const std::string& ticket_id) = 0;
  // What assessment remembers of the orders `ticket_ids` (any order, may
  // repeat), locked for the transaction (FOR UPDATE), in few statements: by
  // ticket_id, the stored ones only (known = true); an order without a row
  // is absent.
  virtual absl::StatusOr<std::map<std::string, TicketInfo>> LoadTickets(
      db::Connection& conn, const std::vector<std::string>& ticket_ids) = 0;
  // Stores the orders' states (each inserted or replaced whole), in few
  // multi-row upserts, in the order given.
  virtual absl::Status SaveTickets(
      db::Connection& conn,
      const std::vector<std::pair<std::string, const TicketInfo*>>&
          tickets) = 0;
  // Notes a DutyGap of (unit, day): true when it is the day's first (the
  // row is new); concurrent deliveries serialise on the primary key.
  virtual absl::StatusOr<bool> RecordDutyGapDay(
      db::Connection& conn, const std::string& unit_id, absl::CivilDay day,
      const std::string& event_id) = 0;
  // Inserts facts of several events, each with its event's bytes, in this
  // order (fact ids keep it), in few multi-row inserts; ALREADY_EXISTS-like
  // database errors when an event_id is stored (the inbox dedups before).
  virtual absl::Status InsertFacts(
      db::Connection& conn,
      const std::vector<std::pair<FactRecord, std::string>>& facts) = 0;
  // The overdue clocks (PlanOverdue decides what each event changes):
  // inserts `clock`'s row (without accruals or closed_at) unless a row of
  // its clock_id is stored, which is then left as it is.
  virtual absl::Status UpsertOverdueClock(db::Connection& conn,
                                          const OverdueClock& clock) = 0;
  // Inserts one accrual of the clock `clock_id`.
  virtual absl::Status InsertOverdueAccrual(db::Connection& conn,
                                            const std::string& clock_id,
                                            const OverdueAccrual& accrual) = 0;
  // Sets the clock's closed_at to `at` when it is stored and not closed yet
  // (nothing otherwise).
  virtual absl::Status CloseOverdueClock(db::Connection& conn,
                                         const std::string& clock_id,
                                         absl::Time at) = 0;
  // Upserts unit_node rows (in one statement, in order): a known parent is
  // kept when the link has none; is_area only grows.
  virtual absl::Status SaveUnitLinks(db::Connection& conn,
                                     const std::vector<UnitLink>& units) = 0;
  // Locks the orders `ticket_ids` (sorted bytewise, distinct) for the
  // transaction, in that order, whether assessment stored them yet or not
  // (their order_lock rows, inserted when new): a transaction that then
  // writes their ticket_state rows cannot deadlock with another that locked
  // its orders the same way.
  virtual absl::Status LockTickets(
      db::Connection& conn, const std::vector<std::string>& ticket_ids) = 0;
  // Adds the increments of several facts, summed per row (AddFactToRollups
  // into `sums`), to the rollup tables: what adding each fact alone would add,
  // in few multi-row upserts, every table's rows in key order (so two
  // transactions lock shared rows in the same order).
  virtual absl::Status AddRollupSums(db::Connection& conn,
                                     const RollupSet& sums) = 0;

  // The evaluation stored under request_id, with its request hash.
  virtual absl::StatusOr<std::optional<std::pair<v1::Evaluation, std::string>>>
  FindEvaluationByRequest(db::Connection& conn,
                          const std::string& request_id) = 0;
  // The evaluation_id of the order's evaluation; "" when none.
  virtual absl::StatusOr<std::string> FindEvaluationIdByTicket(
      db::Connection& conn, const std::string& ticket_id) = 0;
  // Inserts the evaluation row (its request_id and hash are the idempotency
  // record).
  virtual absl::Status InsertEvaluation(db::Connection& conn,
                                        const v1::Evaluation& evaluation,
                                        const std::string& request_id,
                                        const std::string& request_hash) = 0;
};

// The reads behind scorecards, rankings, reports and fact listings; each on
// a connection of its own, outside any transaction. Errors: the database's.
class AssessmentQueryStore {
 public:
  virtual ~AssessmentQueryStore() = default;

  // The unit tree learned from events (unit_node).
  virtual absl::StatusOr<UnitTree> LoadUnits() = 0;

  // Rollups with local_date in `range`, for `unit_ids` (empty = all), of
  // `request_type` (0 = all).
  virtual absl::Status LoadRollups(const DateRange& range,
                                   const std::vector<std::string>& unit_ids,
                                   int request_type,
                                   std::vector<RollupRow>* rows,
                                   std::vector<HandlingRow>* handling) = 0;

  // Each unit's totals over `range` (of `request_type`, 0 = all), summed by
  // the database: one row per unit (and per handling-time value).
  virtual absl::Status LoadUnitTotals(const DateRange& range, int request_type,
                                      std::map<std::string, Totals>* out) = 0;

  // Facts matching `filter`, by (occurred_at, event_id).
  virtual absl::StatusOr<std::vector<StoredFact>> ListFacts(
      const FactFilter& filter) = 0;

  // The overdue completion clocks that may be open at some instant of
  // [from, to): first overdue before `to`, not judged before `from`; with
  // their ClockOverdue events dated before `to`.
  virtual absl::StatusOr<std::vector<OverdueClock>> LoadOverdueClocks(
      absl::Time from, absl::Time to) = 0;

  // Orders received per (category, area) over `range`.
  virtual absl::StatusOr<std::map<std::pair<std::string, std::string>, int64_t>>
  Topics(const DateRange& range) = 0;

  // recorded_at of the latest fact (nullopt when none).
  virtual absl::StatusOr<std::optional<absl::Time>> FactsThrough() = 0;
};

// RebuildRollups' reads and writes (the diff itself is
// domain/rebuild_diff.h; its request log is the shared one,
// common/server/idempotency.h). Errors: the database's.
class AssessmentRebuildStore {
 public:
  virtual ~AssessmentRebuildStore() = default;

  // Starts on `conn` (a connection of the caller's own, not its
  // transaction's) a transaction whose reads all see one snapshot of the
  // database, fixed by its first read (REPEATABLE READ; plain reads lock
  // nothing). The caller commits it; a connection returned to the pool
  // inside it is rolled back.
  virtual absl::Status BeginRebuildSnapshot(db::Connection& conn) = 0;
  // The smallest and the largest id of the facts with local_date in
  // `range` (through the date index); nullopt when it has none. A range's
  // chunks are read between the two, not over the whole table.
  virtual absl::StatusOr<std::optional<std::pair<int64_t, int64_t>>> FactIdSpan(
      db::Connection& conn, const DateRange& range) = 0;
  // Appends to *facts at most `limit` facts with local_date in `range` (all
  // when absent) and `after_id` < id <= `up_to_id`, by id — only the fields
  // AddFactToRollups reads are set — and sets *last_id to the id of the
  // last one appended (unchanged when none): keyset paging, the next chunk
  // starts after *last_id. Fact ids are ≥ 1 (after_id 0: from the first).
  virtual absl::Status ReadFactChunk(db::Connection& conn,
                                     const std::optional<DateRange>& range,
                                     int64_t after_id, int64_t up_to_id,
                                     int limit, std::vector<FactRecord>* facts,
                                     int64_t* last_id) = 0;
  // Reads the stored rollup rows of `range` (all when absent) into *stored.
  virtual absl::Status ReadStoredRollups(db::Connection& conn,
                                         const std::optional<DateRange>& range,
                                         RollupSet* stored) = 0;
  // On `conn` (the core's transaction): deletes the rollup rows of `range`
  // (all when absent) and writes `fresh` instead.
  virtual absl::Status ReplaceRollups(db::Connection& conn,
                                      const std::optional<DateRange>& range,
                                      const RollupSet& fresh) = 0;
};

// The monthly bulletins kept by the service (schema/012_stored_reports.sql).
class StoredReportStore {
 public:
  virtual ~StoredReportStore() = default;

  // Stores the month unless it is stored already: true when this call
  // stored it.
  virtual absl::StatusOr<bool> InsertStoredReport(
      const StoredReportRow& row) = 0;
  virtual absl::StatusOr<bool> HasStoredReport(const std::string& month) = 0;
  // Months in [from_month, to_month] ("" = open), newest first, after
  // `before_month` when set (paging), at most `limit`; without `response`.
  virtual absl::StatusOr<std::vector<StoredReportRow>> ListStoredReports(
      const std::string& from_month, const std::string& to_month,
      const std::string& before_month, int limit) = 0;
  // The month's bulletin with its response; nullopt when not kept.
  virtual absl::StatusOr<std::optional<StoredReportRow>> GetStoredReport(
      const std::string& month) = 0;
};

class AssessmentStore : public AssessmentEventStore,
                        public AssessmentQueryStore,
                        public AssessmentRebuildStore,
                        public StoredReportStore {
 public:
  ~AssessmentStore() override = default;
};

}  // namespace hotline::assessment
