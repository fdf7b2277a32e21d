#pragma once

// Storage of the assessment service (schema/010_assessment.sql,
// 011_verdicts.sql). The MySQL implementation is mysql_assessment_store.h. All
// methods are thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/auth.h"
#include "common/outbox/outbox.h"
#include "services/assessment/domain/indicators.h"
#include "services/assessment/domain/overdue.h"

namespace hotline::db {
class Connection;
}

namespace hotline::assessment {

struct EvaluationInput {
  std::string request_id;
  std::string request_hash;  // of the request's content
  std::string ticket_id;
  bool reached = false;
  int satisfaction = 0;
  bool resolved = false;
  std::string comment;
  absl::Time evaluated_at;
  auth::Principal evaluator;
};

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

struct RebuildOutcome {
  int64_t facts_scanned = 0;
  int64_t rollup_rows = 0;
  int64_t mismatches = 0;
  std::vector<v1::RollupMismatch> examples;
};

class AssessmentStore {
 public:
  virtual ~AssessmentStore() = default;

  // The inbox handler: records the event's fact, the order's state, the unit
  // links and the rollup increments on `conn` (inside the inbox
  // transaction).
  virtual absl::Status ApplyEvent(db::Connection& conn,
                                  const v1::TicketEvent& event) = 0;

  // Records an evaluation (fact, rollups, outbox event) in one transaction.
  // Errors: NOT_FOUND, FAILED_PRECONDITION, ALREADY_EXISTS as in the
  // contract; an idempotent retry returns the stored evaluation.
  virtual absl::StatusOr<v1::Evaluation> RecordEvaluation(
      const EvaluationInput& in) = 0;

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

  // Recomputes rollups of `range` (all when absent) from the facts, compares,
  // and replaces them unless verify_only.
  virtual absl::StatusOr<RebuildOutcome> Rebuild(
      const std::optional<DateRange>& range, bool verify_only) = 0;

  // Idempotency records: the stored response for request_id, if any
  // (ALREADY_EXISTS when it was for another request).
  virtual absl::StatusOr<std::optional<std::string>> FindRequest(
      const std::string& request_id, const std::string& rpc,
      const std::string& request_hash) = 0;
  virtual absl::Status SaveRequest(const std::string& request_id,
                                   const std::string& rpc,
                                   const std::string& request_hash,
                                   const std::string& response) = 0;

  // recorded_at of the latest fact (nullopt when none).
  virtual absl::StatusOr<std::optional<absl::Time>> FactsThrough() = 0;

  // Stored monthly bulletins. InsertStoredReport stores the month unless it
  // is stored already: true when this call stored it.
  virtual absl::StatusOr<bool> InsertStoredReport(
      const StoredReportRow& row) = 0;
  virtual absl::StatusOr<bool> HasStoredReport(const std::string& month) = 0;
  // Months in [from_month, to_month] ("" = open), newest first, after
  // `before_month` when set (paging), at most `limit`; without `response`.
  virtual absl::StatusOr<std::vector<StoredReportRow>> ListStoredReports(
      const std::string& from_month, const std::string& to_month,
      const std::string& before_month, int limit) = 0;
  virtual absl::StatusOr<std::optional<StoredReportRow>> GetStoredReport(
      const std::string& month) = 0;
};

}  // namespace hotline::assessment
