#pragma once

// DeadlineStore on MySQL 8 / MariaDB 10.11 (schema/010_deadline.sql).
// Stateless; thread-safe (each call uses only the connection it is given).

#include "common/db/connection.h"
#include "services/deadline/store/deadline_store.h"

namespace hotline::deadline {

class MysqlDeadlineStore final : public DeadlineStore {
 public:
  absl::StatusOr<std::optional<TicketInfo>> GetTicketInfo(
      db::Connection& conn, const std::string& ticket_id) override;
  absl::Status PutTicketInfo(db::Connection& conn,
                             const TicketInfo& info) override;
  absl::Status PutChainLink(db::Connection& conn, const std::string& ticket_id,
                            const std::string& unit,
                            const std::string& parent) override;
  absl::StatusOr<std::optional<std::string>> ParentOf(
      db::Connection& conn, const std::string& ticket_id,
      const std::string& unit) override;
  absl::StatusOr<std::vector<std::string>> UnitsOfTicket(
      db::Connection& conn, const std::string& ticket_id) override;
  absl::StatusOr<std::vector<std::string>> KnownTickets(
      db::Connection& conn,
      const std::vector<std::string>& ticket_ids) override;
  absl::Status PutTicketInfos(db::Connection& conn,
                              const std::vector<TicketInfo>& infos) override;
  absl::Status PutChainLinks(db::Connection& conn,
                             const std::vector<ChainLink>& links) override;
  absl::Status InsertHoldings(db::Connection& conn,
                              const std::vector<NewHolding>& holdings) override;
  absl::Status MoveHolding(db::Connection& conn, const std::string& ticket_id,
                           int round, const std::string& unit, absl::Time at,
                           const std::string& arrived_by) override;
  absl::Status CloseHolding(db::Connection& conn, const std::string& ticket_id,
                            int round, absl::Time at) override;
  absl::StatusOr<std::vector<Holding>> Holdings(db::Connection& conn,
                                                const std::string& ticket_id,
                                                int round) override;

  absl::Status InsertClocks(db::Connection& conn,
                            std::vector<ClockRow>* rows) override;
  absl::StatusOr<std::vector<ClockRow>> ClocksOfTicket(
      db::Connection& conn, const std::string& ticket_id, bool running_only,
      bool for_update) override;
  absl::StatusOr<std::optional<ClockRow>> GetClock(db::Connection& conn,
                                                   int64_t clock_id,
                                                   bool for_update) override;
  absl::Status StopClock(db::Connection& conn, const ClockRow& row) override;
  absl::Status SetPending(db::Connection& conn, int64_t clock_id,
                          std::optional<absl::Time> since,
                          Pending kind) override;
  absl::Status RecordOverdue(db::Connection& conn,
                             const std::vector<OverdueUpdate>& u) override;
  absl::Status SetClockUnit(db::Connection& conn, int64_t clock_id,
                            const std::string& unit_id) override;
  absl::Status SetClockKind(db::Connection& conn, const ClockRow& row) override;
  absl::Status MoveClock(db::Connection& conn, const ClockRow& row) override;
  absl::StatusOr<int64_t> CountRunningClocksInYear(db::Connection& conn,
                                                   int year) override;
  absl::StatusOr<std::vector<ClockRow>> RunningClocksInYear(
      db::Connection& conn, int year) override;

  absl::Status ScheduleRungs(db::Connection& conn,
                             const std::vector<LadderDue>& dues) override;
  absl::StatusOr<std::optional<absl::Time>> RungDueAt(
      db::Connection& conn, int64_t clock_id, v1::LadderStep step) override;
  absl::Status DropRungs(db::Connection& conn, int64_t clock_id) override;
  absl::StatusOr<std::vector<DueRung>> ClaimDueRungs(db::Connection& conn,
                                                     absl::Time now,
                                                     int limit) override;
  absl::Status RecordLadderBatch(db::Connection& conn,
                                 LadderBatch* batch) override;
  absl::Status InsertSupervisionAct(db::Connection& conn,
                                    v1::SupervisionAct* act) override;
  absl::Status InsertSupervisionActItems(db::Connection& conn,
                                         const SupervisionActRow& act) override;
  absl::StatusOr<std::vector<v1::SupervisionAct>> ListSupervisionActs(
      db::Connection& conn, const ActFilter& f) override;
  absl::StatusOr<std::vector<std::string>> EscalationCandidates(
      db::Connection& conn, const EscalationCriteria& criteria,
      const UnitScope& units, int64_t offset, int limit) override;

  absl::StatusOr<std::vector<NoticeRow>> LeasePendingNotices(
      db::Connection& conn, absl::Time now, absl::Time lease_until,
      int limit) override;
  absl::Status UpdateNotice(db::Connection& conn, const NoticeRow& n) override;

  absl::StatusOr<int64_t> InsertExtension(db::Connection& conn,
                                          const ExtensionRow& row) override;
  absl::StatusOr<std::optional<ExtensionRow>> GetExtension(
      db::Connection& conn, int64_t id, bool for_update) override;
  absl::StatusOr<bool> HasPendingExtension(db::Connection& conn,
                                           int64_t clock_id) override;
  absl::Status ChangeExtensionStates(
      db::Connection& conn, int64_t clock_id,
      const ExtensionStateChange& change) override;
  absl::Status DecideExtension(db::Connection& conn,
                               const ExtensionRow& row) override;
  absl::Status RecordCallerInformed(db::Connection& conn,
                                    const ExtensionRow& row) override;
  absl::StatusOr<std::vector<v1::Extension>> ListExtensions(
      db::Connection& conn, const ExtensionFilter& f) override;
  absl::StatusOr<std::vector<v1::Extension>> ExtensionsOfTicket(
      db::Connection& conn, const std::string& ticket_id) override;

  absl::StatusOr<std::vector<v1::LadderStepRecord>> StepsOfTicket(
      db::Connection& conn, const std::string& ticket_id) override;
  absl::StatusOr<std::vector<v1::LadderStepRecord>> ListSteps(
      db::Connection& conn, const StepFilter& f) override;
  absl::StatusOr<std::vector<NoticeRow>> ListNotices(
      db::Connection& conn, const StepFilter& f) override;
  absl::StatusOr<std::vector<ClockRow>> ListDueClocks(
      db::Connection& conn, const DueFilter& f) override;

  absl::StatusOr<std::vector<PersistedYear>> LoadCalendarYears(
      db::Connection& conn) override;
  absl::Status SaveCalendarYear(db::Connection& conn, const PersistedYear& year,
                                const std::string& calendar_version) override;
};

}  // namespace hotline::deadline
