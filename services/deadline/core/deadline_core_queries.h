#pragma once

// The reads of hotline-deadline's list and get calls: one pooled connection
// each, no transaction, the clocks' lateness computed as of now. The edge
// has checked the wire and the caller's role; the units a call may see are
// a unit and its subtree by routing's directory (Scope; unit_scope.h).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/db/connection.h"
#include "common/directory/directory_follower.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/core/deadline_core.h"
#include "services/deadline/domain/unit_scope.h"
#include "services/deadline/store/deadline_store.h"

namespace hotline::deadline {

// The read side of the service. Thread-safe (no mutable state); owns
// nothing (all pointers must outlive it). Every method: UNAVAILABLE when the
// database is unreachable.
class DeadlineQueries {
 public:
  // `directory`: the service's copy of routing's directory.
  DeadlineQueries(db::ConnectionPool* pool, ClockEngine* engine, Clock* clock,
                  directory::DirectoryFollower* directory)
      : pool_(pool), engine_(engine), clock_(clock), directory_(directory) {}

  // The units a list call of `who` naming `unit_id` ("" for none) may see
  // (ListRoot, then SubtreeScope of unit_scope.h), by the directory's copy
  // in force — read again first (rate-limited) when it lacks the unit
  // named. PERMISSION_DENIED "unit_id: …" for a unit outside the caller's
  // subtree; FAILED_PRECONDITION beyond directory::kMaxQueryUnits.
  absl::StatusOr<UnitScope> Scope(const auth::Principal& who,
                                  const std::string& unit_id);

  // GetClocks: the order's clocks (with their lateness so far and, for
  // RETURN clocks, the holdings), extensions and ladder steps. NOT_FOUND
  // "ticket_id: ..." when it has no clocks; PERMISSION_DENIED when
  // `unit_root` is set and no unit of its subtree (by the directory) ever
  // held the order.
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
      v1::LadderStep step, const UnitScope& units, int64_t offset, int limit);

 private:
  db::ConnectionPool* pool_;
  ClockEngine* engine_;
  Clock* clock_;
  directory::DirectoryFollower* directory_;
};

}  // namespace hotline::deadline
