#pragma once

// Merging repeat requests (并单, national guidance 国办函〔2025〕66号;
// DESIGN.md §2): a repeat order is merged into its original and handled with
// it; the center may undo the merge. The preconditions and what a merge or
// unmerge writes, free of SQL and gRPC.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/common.pb.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/intake.pb.h"

namespace hotline::intake {

// What a merge or unmerge does to the repeat order: its new status, the
// order it is merged into ("" after an unmerge), the caller-facing progress
// note, and the event for the outbox.
struct MergeChange {
  v1::TicketStatus status = v1::TICKET_STATUS_UNSPECIFIED;
  std::string merged_into;
  std::string note;
  v1::TicketEvent event;
};

// Merges `repeat` into `original`. `repeats_of_repeat` is the number of
// orders already merged into `repeat` (an order others follow cannot follow
// another). FAILED_PRECONDITION naming the order's number, status and holder
// when either order is closed (CLOSED, CLOSED_AT_INTAKE) or already MERGED
// (prefixed "original: " for the original), or when `repeat` has repeats of
// its own. Pure; the same inputs give the same change.
absl::StatusOr<MergeChange> DecideMerge(const v1::Ticket& repeat,
                                        const v1::Ticket& original,
                                        int64_t repeats_of_repeat,
                                        const std::string& reason,
                                        const v1::Actor& actor, absl::Time now);

// Undoes the merge of `repeat`: it returns to RECEIVED at the center.
// FAILED_PRECONDITION when `repeat` is not MERGED. Pure.
absl::StatusOr<MergeChange> DecideUnmerge(const v1::Ticket& repeat,
                                          const std::string& reason,
                                          const v1::Actor& actor,
                                          absl::Time now);

}  // namespace hotline::intake
