#pragma once

// The acts of people on top of the ladder of hotline-deadline: special
// inspections and district-wide notices (supervision_act and its items).
//
// Every method runs on a connection the caller holds, inside the caller's
// transaction when the call is part of a state change. Implementations are
// stateless and thread-safe (MysqlDeadlineStore). Errors of every method:
// UNAVAILABLE when the database is unreachable, ABORTED on deadlock or lock
// wait timeout (retry); other results are named on the method.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/domain/ladder_rules.h"
#include "services/deadline/store/deadline_rows.h"

namespace hotline::db {
class Connection;
}

namespace hotline::deadline {

// SupervisionActStore: see the file comment. Thread-safe; owns nothing.
class SupervisionActStore {
 public:
  virtual ~SupervisionActStore() = default;

  // --- special inspections and district-wide notices
  // Inserts the act (without its items); sets act->act_id.
  virtual absl::Status InsertSupervisionAct(db::Connection& conn,
                                            v1::SupervisionAct* act) = 0;
  // Inserts the items of a stored act (act.act_id set).
  virtual absl::Status InsertSupervisionActItems(
      db::Connection& conn, const SupervisionActRow& act) = 0;
  // Newest first, with their items' orders, units and step ids.
  virtual absl::StatusOr<std::vector<v1::SupervisionAct>> ListSupervisionActs(
      db::Connection& conn, const ActFilter& f) = 0;
  // Orders that meet `criteria` (the domain's rule, EscalationCriteriaFor):
  // a running clock of one of criteria.open_kinds, at least
  // criteria.min_counted fired steps of criteria.counted_steps, a fired step
  // of each of criteria.required_steps and none of
  // criteria.forbidden_steps (an empty list is no condition). Oldest first
  // step first, then by ticket id; ticket ids. `units` (when set) keeps
  // orders with a step chasing one of them.
  virtual absl::StatusOr<std::vector<std::string>> EscalationCandidates(
      db::Connection& conn, const EscalationCriteria& criteria,
      const UnitScope& units, int64_t offset, int limit) = 0;
};

}  // namespace hotline::deadline
