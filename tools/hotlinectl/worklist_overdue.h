#pragma once

// The worklist's "overdue" column: a WorkItem only says whether the order is
// overdue; how many working days is a figure of its clocks, which deadline
// keeps. One ListDue over the same unit's subtree, due before the latest
// overdue item, finds them (overdue clocks included); each order shows the
// most its running clocks are late. When that call fails the column says
// "yes" as before.

#include <map>
#include <optional>
#include <string>

#include "hotline/v1/deadline.pb.h"
#include "hotline/v1/routing.pb.h"

namespace hotline::ctl {

// The extra-value key of the worklist's overdue column (columns.cc).
inline constexpr char kOverdueExtra[] = "overdue_working_days";

// The ListDue request that finds the overdue items' clocks; nullopt when no
// item is overdue.
std::optional<v1::ListDueRequest> OverdueClocksRequest(
    const v1::ListWorkRequest& request, const v1::ListWorkResponse& response);

// ticket_id → "3 wd" (the most any of its clocks is late; "<1 wd" while
// less than one working day late), for the tickets of `work` that are
// overdue.
std::map<std::string, std::string> OverdueDays(const v1::ListWorkResponse& work,
                                               const v1::ListDueResponse& due);

}  // namespace hotline::ctl
