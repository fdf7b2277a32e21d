#pragma once

// AssessmentStore on MySQL/MariaDB (schema/010_assessment.sql,
// 011_verdicts.sql).

#include <memory>

#include "common/clock/clock.h"
#include "common/db/connection.h"
#include "common/db/sql_text.h"
#include "common/outbox/outbox.h"
#include "services/assessment/store/assessment_store.h"

namespace hotline::assessment {

// DATETIME(6) text and string literals (common/db/sql_text.h).
using db::ParseSqlTime;
using db::SqlTime;

class MysqlAssessmentStore final : public AssessmentStore {
 public:
  // Not owned; all must outlive the store.
  MysqlAssessmentStore(db::ConnectionPool* pool, const outbox::Outbox* outbox,
                       Clock* clock);

  absl::Status ApplyEvent(db::Connection& conn,
                          const v1::TicketEvent& event) override;
  absl::StatusOr<v1::Evaluation> RecordEvaluation(
      const EvaluationInput& in) override;
  absl::StatusOr<UnitTree> LoadUnits() override;
  absl::Status LoadRollups(const DateRange& range,
                           const std::vector<std::string>& unit_ids,
                           int request_type, std::vector<RollupRow>* rows,
                           std::vector<HandlingRow>* handling) override;
  absl::Status LoadUnitTotals(const DateRange& range, int request_type,
                              std::map<std::string, Totals>* out) override;
  absl::StatusOr<std::vector<StoredFact>> ListFacts(
      const FactFilter& filter) override;
  absl::StatusOr<std::vector<OverdueClock>> LoadOverdueClocks(
      absl::Time from, absl::Time to) override;
  absl::StatusOr<std::map<std::pair<std::string, std::string>, int64_t>> Topics(
      const DateRange& range) override;
  absl::StatusOr<RebuildOutcome> Rebuild(const std::optional<DateRange>& range,
                                         bool verify_only) override;
  absl::StatusOr<std::optional<std::string>> FindRequest(
      const std::string& request_id, const std::string& rpc,
      const std::string& request_hash) override;
  absl::Status SaveRequest(const std::string& request_id,
                           const std::string& rpc,
                           const std::string& request_hash,
                           const std::string& response) override;
  absl::StatusOr<std::optional<absl::Time>> FactsThrough() override;
  absl::StatusOr<bool> InsertStoredReport(const StoredReportRow& row) override;
  absl::StatusOr<bool> HasStoredReport(const std::string& month) override;
  absl::StatusOr<std::vector<StoredReportRow>> ListStoredReports(
      const std::string& from_month, const std::string& to_month,
      const std::string& before_month, int limit) override;
  absl::StatusOr<std::optional<StoredReportRow>> GetStoredReport(
      const std::string& month) override;

 private:
  db::ConnectionPool* pool_;
  const outbox::Outbox* outbox_;
  Clock* clock_;
};

// SQL text helpers shared with the benchmark.
// The rollup upsert statement for one row of all counters.
const std::string& RollupUpsertSql();

}  // namespace hotline::assessment
