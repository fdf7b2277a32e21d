#pragma once

// AssessmentStore on MySQL/MariaDB (store/schema/*.sql). SQL and row mapping
// only, by concern: mysql_assessment_store.cc (event and evaluation writes),
// mysql_assessment_queries.cc (reads), mysql_overdue_tables.cc (overdue
// clocks, duty-gap days), mysql_assessment_rebuild.cc (rebuild, request
// log), mysql_stored_reports.cc (bulletins).

#include <memory>

#include "common/db/connection.h"
#include "common/db/sql_text.h"
#include "services/assessment/store/assessment_store.h"

namespace hotline::assessment {

// DATETIME(6) text and string literals (common/db/sql_text.h).
using db::ParseSqlTime;
using db::SqlTime;

// Thread-safe: every method takes its own connection from the pool or works
// on the caller's. The pool is not owned and must outlive the store.
class MysqlAssessmentStore final : public AssessmentStore {
 public:
  explicit MysqlAssessmentStore(db::ConnectionPool* pool);

  // AssessmentEventStore.
  absl::StatusOr<TicketInfo> LoadTicket(db::Connection& conn,
                                        const std::string& ticket_id) override;
  absl::StatusOr<std::map<std::string, TicketInfo>> LoadTickets(
      db::Connection& conn,
      const std::vector<std::string>& ticket_ids) override;
  absl::Status SaveTickets(
      db::Connection& conn,
      const std::vector<std::pair<std::string, const TicketInfo*>>& tickets)
      override;
  absl::StatusOr<bool> RecordDutyGapDay(db::Connection& conn,
                                        const std::string& unit_id,
                                        absl::CivilDay day,
                                        const std::string& event_id) override;
  absl::Status InsertFacts(
      db::Connection& conn,
      const std::vector<std::pair<FactRecord, std::string>>& facts) override;
  absl::Status AddRollupSums(db::Connection& conn,
                             const RollupSet& sums) override;
  absl::Status UpsertOverdueClock(db::Connection& conn,
                                  const OverdueClock& clock) override;
  absl::Status InsertOverdueAccrual(db::Connection& conn,
                                    const std::string& clock_id,
                                    const OverdueAccrual& accrual) override;
  absl::Status CloseOverdueClock(db::Connection& conn,
                                 const std::string& clock_id,
                                 absl::Time at) override;
  absl::Status SaveUnitLinks(db::Connection& conn,
                             const std::vector<UnitLink>& units) override;
  absl::Status LockTickets(db::Connection& conn,
                           const std::vector<std::string>& ticket_ids) override;
  absl::StatusOr<std::optional<std::pair<v1::Evaluation, std::string>>>
  FindEvaluationByRequest(db::Connection& conn,
                          const std::string& request_id) override;
  absl::StatusOr<std::string> FindEvaluationIdByTicket(
      db::Connection& conn, const std::string& ticket_id) override;
  absl::Status InsertEvaluation(db::Connection& conn,
                                const v1::Evaluation& evaluation,
                                const std::string& request_id,
                                const std::string& request_hash) override;

  // AssessmentQueryStore.
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
  absl::StatusOr<std::optional<absl::Time>> FactsThrough() override;

  // AssessmentRebuildStore.
  absl::Status BeginRebuildSnapshot(db::Connection& conn) override;
  absl::StatusOr<std::optional<std::pair<int64_t, int64_t>>> FactIdSpan(
      db::Connection& conn, const DateRange& range) override;
  absl::Status ReadFactChunk(db::Connection& conn,
                             const std::optional<DateRange>& range,
                             int64_t after_id, int64_t up_to_id, int limit,
                             std::vector<FactRecord>* facts,
                             int64_t* last_id) override;
  absl::Status ReadStoredRollups(db::Connection& conn,
                                 const std::optional<DateRange>& range,
                                 RollupSet* stored) override;
  absl::Status ReplaceRollups(db::Connection& conn,
                              const std::optional<DateRange>& range,
                              const RollupSet& fresh) override;

  // StoredReportStore.
  absl::StatusOr<bool> InsertStoredReport(const StoredReportRow& row) override;
  absl::StatusOr<bool> HasStoredReport(const std::string& month) override;
  absl::StatusOr<std::vector<StoredReportRow>> ListStoredReports(
      const std::string& from_month, const std::string& to_month,
      const std::string& before_month, int limit) override;
  absl::StatusOr<std::optional<StoredReportRow>> GetStoredReport(
      const std::string& month) override;

 private:
  db::ConnectionPool* pool_;
};

}  // namespace hotline::assessment
