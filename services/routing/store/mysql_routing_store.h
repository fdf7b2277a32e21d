#pragma once

// RoutingStore on MySQL 8 / MariaDB 10.11 (schema/010_routing.sql).
// Stateless; thread-safe (each call uses only the connection it is given).

#include "common/db/sql_text.h"
#include "services/routing/store/routing_store.h"

namespace hotline::routing {

// DATETIME(6) text and string literals (common/db/sql_text.h).
using db::ParseSqlTime;
using db::SqlTime;

class MysqlRoutingStore final : public RoutingStore {
 public:
  absl::StatusOr<DirectoryStamp> GetDirectoryStamp(db::Connection& c) override;
  absl::StatusOr<std::vector<v1::Unit>> LoadUnits(db::Connection& c) override;
  absl::Status PutUnit(db::Connection& c, const v1::Unit& u) override;
  absl::StatusOr<int64_t> CountOpenHeld(
      db::Connection& c, const std::vector<std::string>& units) override;
  absl::StatusOr<std::vector<v1::DutyEntry>> GetDuty(
      db::Connection& c, const std::string& unit, const std::string& from,
      const std::string& to) override;
  absl::StatusOr<std::vector<std::pair<std::string, v1::DutyEntry>>> AllDuty(
      db::Connection& c) override;
  absl::Status ClearDuty(db::Connection& c, const std::string& unit,
                         const std::string& date) override;
  absl::Status PutDuty(db::Connection& c, const std::string& unit,
                       const v1::DutyEntry& e) override;
  absl::StatusOr<std::vector<v1::DispatchRule>> LoadRules(
      db::Connection& c) override;
  absl::Status PutRule(db::Connection& c, const v1::DispatchRule& r) override;
  absl::StatusOr<bool> DeleteRule(db::Connection& c,
                                  const std::string& rule_id) override;
  absl::StatusOr<std::optional<AssignmentState>> LoadAssignment(
      db::Connection& c, const std::string& ticket_id,
      bool for_update) override;
  absl::Status SaveAssignment(db::Connection& c, const AssignmentState& s,
                              const AssignmentState* stored) override;
  absl::StatusOr<std::map<std::string, AssignmentState>> LockAssignments(
      db::Connection& c, const std::vector<std::string>& ticket_ids) override;
  absl::Status SaveAssignments(
      db::Connection& c,
      const std::vector<std::pair<const AssignmentState*,
                                  const AssignmentState*>>& states) override;
  absl::StatusOr<std::vector<AssignmentState>> ListWork(
      db::Connection& c, const WorkQuery& q) override;
  absl::StatusOr<std::vector<AssignmentState>> ListCenterQueue(
      db::Connection& c, const std::string& center,
      const CenterQueueSelection& q, int limit, int offset) override;
  absl::StatusOr<std::vector<StoredClock>> LockClocks(
      db::Connection& c, const std::vector<std::string>& ticket_ids,
      const std::vector<std::string>& clock_ids) override;
  absl::Status PutClocks(db::Connection& c,
                         const std::vector<StoredClock>& clocks) override;
  absl::StatusOr<std::vector<v1::TicketEvent>> History(
      db::Connection& c, const std::string& ticket,
      const std::string& producer) override;
};

}  // namespace hotline::routing
