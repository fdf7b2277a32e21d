#pragma once

// Which orders the center's dispatch queue shows and why (DESIGN.md §2,
// art. 6), and which statuses are open. Plain domain code: no gRPC, no SQL;
// the store is asked for exactly the rows these selections name.

#include <set>
#include <string>
#include <vector>

#include "hotline/v1/routing.pb.h"

namespace hotline::routing {

// The statuses of an order still in someone's hands (EVALUATED included: a
// dissatisfied evaluation may send it back to handling).
const std::vector<int>& OpenStatuses();

// The center's queue by status: `anywhere` whoever holds the order,
// `at_center` only while the center holds it. A RETURNED order is the
// center's to re-dispatch only once it is back at the center; while a unit
// above the returner holds it, it is that unit's work, not the center's.
struct CenterQueueSelection {
  std::vector<int> anywhere;
  std::vector<int> at_center;
  bool empty() const { return anywhere.empty() && at_center.empty(); }
};

// The selection for `reasons` (QueueReason values; empty: every reason).
CenterQueueSelection CenterQueueFor(const std::set<int>& reasons);

// Why an order of the selection is in the queue (its status decides).
v1::QueueReason QueueReasonOf(v1::TicketStatus status);

// Whether the queue offers a dispatch suggestion for an item of `reason`
// (new and returned orders are the ones to dispatch).
bool SuggestsDispatch(v1::QueueReason reason);

}  // namespace hotline::routing
