#pragma once

// The reads of hotline-deadline's list and get calls: one pooled connection
// each, no transaction, the clocks' lateness computed as of now. The edge
// has checked the wire and the caller's role and narrowed the subtree.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/db/connection.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/core/deadline_core.h"
#include "services/deadline/store/deadline_store.h"

namespace hotline::deadline {

// The read side of the service. Thread-safe (no mutable state); owns
// nothing (all pointers must outlive it). Every method: UNAVAILABLE when the
// database is unreachable.
class DeadlineQueries {
 public:
  DeadlineQueries(db::ConnectionPool* pool, ClockEngine* engine, Clock* clock)
      : pool_(pool), engine_(engine), clock_(clock) {}

  // GetClocks: the order's clocks (with their lateness so far and, for
  // RETURN clocks, the holdings), extensions and ladder steps. NOT_FOUND
  // "ticket_id: ..." when it has no clocks; PERMISSION_DENIED when
  // `unit_root` is set and its subtree never held the order.
  absl::Status GetClocks(const std::string& ticket_id,
                         const std::string& unit_root,
                         v1::GetClocksResponse* resp);
  // Running clocks due before f.due_before, earliest first (at most
  // f.limit), each with its working days left and lateness so far.
  absl::StatusOr<std::vector<v1::DueItem>> ListDue(const DueFilter& f);
  // Newest first (at most f.limit).
  absl::StatusOr<std::vector<NoticeRow>> ListNotices(const StepFilter& f);
  // Newest first, with recipients and notice ids (at most f.limit).
  absl::StatusOr<std::vector<v1::LadderStepRecord>> ListSteps(
      const StepFilter& f);
  // Newest first (at most f.limit).
  absl::StatusOr<std::vector<v1::SupervisionAct>> ListSupervisionActs(
      const ActFilter& f);
  // Newest first (at most f.limit).
  absl::StatusOr<std::vector<v1::Extension>> ListExtensions(
      const ExtensionFilter& f);
  // ClockEngine::EscalationCandidates on a connection of its own.
  absl::StatusOr<std::vector<v1::EscalationCandidate>> EscalationCandidates(
      v1::LadderStep step, const std::string& unit_root, int64_t offset,
      int limit);
  // Whether some order's chain shows `unit` below `root`.
  absl::StatusOr<bool> UnitBelow(const std::string& unit,
                                 const std::string& root);

 private:
  db::ConnectionPool* pool_;
  ClockEngine* engine_;
  Clock* clock_;
};

}  // namespace hotline::deadline
