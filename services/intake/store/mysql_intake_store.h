#pragma once

// IntakeStore over MySQL 8 / MariaDB 10.11 (schema/010–011).

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/db/connection.h"
#include "common/db/group_commit.h"
#include "common/db/sql_text.h"
#include "common/outbox/outbox.h"
#include "services/intake/store/intake_store.h"

namespace hotline::intake {

// DATETIME(6) text and string literals (common/db/sql_text.h).
using db::ParseSqlTime;
using db::SqlTime;

// SQL helpers shared by intake's stores.
// 'a','b' for terms (which contain only CJK characters and [a-z0-9]).
std::string SqlTermList(const absl::flat_hash_map<std::string, int>& terms,
                        size_t max_terms);

class MysqlIntakeStore final : public IntakeStore {
 public:
  // Neither is owned; both must outlive the store. `on_batch` (optional)
  // sees the number of orders of each CreateTicket transaction.
  MysqlIntakeStore(db::ConnectionPool* pool, const outbox::Outbox* outbox,
                   std::function<void(int)> on_batch = nullptr)
      : pool_(pool),
        outbox_(outbox),
        creates_(
            [this](absl::Span<const CreateRequest* const> batch) {
              return CreateBatch(batch);
            },
            CreateOptions(std::move(on_batch))) {}

  absl::StatusOr<Catalog> LoadCatalog() override;
  absl::StatusOr<int64_t> NextSerial(const std::string& day) override;
  absl::StatusOr<CreateOutcome> CreateTicket(const NewTicket& t,
                                             const RepeatQuery& q) override;
  absl::StatusOr<std::vector<v1::RepeatCandidate>> FindRepeats(
      const RepeatQuery& q) override;
  absl::StatusOr<TicketRecord> GetTicket(
      const std::string& ticket_id, const std::string& ticket_number,
      std::vector<std::string>* held_units) override;
  absl::StatusOr<std::vector<TicketRecord>> ListTickets(
      const TicketFilter& f, const ReaderScope& scope) override;
  absl::StatusOr<std::pair<std::string, std::string>> RecordReveal(
      const RevealRecord& r) override;
  absl::StatusOr<std::vector<v1::RevealAuditEntry>> ListRevealAudit(
      const AuditFilter& f) override;
  absl::StatusOr<std::optional<TicketRecord>> LockTicket(
      db::Connection& conn, const std::string& ticket_id) override;
  absl::StatusOr<std::map<std::string, StoredStatus>> LockStatuses(
      db::Connection& conn,
      const std::vector<std::string>& ticket_ids) override;
  absl::StatusOr<int64_t> CountMergedInto(
      db::Connection& conn, const std::string& ticket_id) override;
  absl::Status WriteMerge(db::Connection& conn, const std::string& ticket_id,
                          v1::TicketStatus status,
                          const std::string& merged_into,
                          const std::string& note, absl::Time now) override;
  absl::StatusOr<std::map<std::string, std::string>> UnitNames(
      db::Connection& conn, const std::vector<std::string>& unit_ids) override;
  absl::Status WriteEventEffects(db::Connection& conn,
                                 const EventEffects& effects) override;

 private:
  static db::GroupCommitOptions CreateOptions(
      std::function<void(int)> on_batch) {
    db::GroupCommitOptions o;
    o.on_batch = std::move(on_batch);
    return o;
  }
  struct CreateRequest {
    const NewTicket* ticket;
    const RepeatQuery* query;
  };
  // Concurrent CreateTicket calls share transactions (group commit): one
  // batch is one transaction of a fixed number of round trips, whatever the
  // number of orders in it.
  std::vector<absl::StatusOr<CreateOutcome>> CreateBatch(
      absl::Span<const CreateRequest* const> batch);
  // One query for all of `queries`: the candidates of each.
  absl::StatusOr<std::vector<RepeatCandidates>> FindRepeatsOn(
      db::Connection& conn, const std::vector<const RepeatQuery*>& queries);
  absl::StatusOr<std::optional<TicketRecord>> ReadTicket(
      db::Connection& conn, const std::string& where_column,
      const std::string& key, bool for_update);

  db::ConnectionPool* pool_;
  const outbox::Outbox* outbox_;

  // Reserved blocks of ticket-number serials, per local day.
  static constexpr int64_t kSerialBlock = 50;
  absl::Mutex serial_mu_;
  std::string serial_day_ ABSL_GUARDED_BY(serial_mu_);
  int64_t serial_next_ ABSL_GUARDED_BY(serial_mu_) = 0;
  int64_t serial_end_ ABSL_GUARDED_BY(serial_mu_) = 0;  // exclusive

  db::GroupCommit<CreateRequest, absl::StatusOr<CreateOutcome>> creates_;
};

}  // namespace hotline::intake
