#pragma once

// The state predicates shared by the two files of AssignmentMachine
// (assignment_machine.cc, assignment_machine_co_units.cc). Internal to the
// routing domain; pure functions of the state.

#include <algorithm>
#include <initializer_list>
#include <string>

#include "services/routing/domain/assignment_machine.h"

namespace hotline::routing::machine_internal {

inline bool In(v1::TicketStatus s,
               std::initializer_list<v1::TicketStatus> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

// Dispatched and not yet replied, still below the center: co-units may be
// named or released.
inline bool CoUnitsOpen(const AssignmentState& s, const std::string& center) {
  const auto st = s.view.status();
  return In(st, {v1::TICKET_STATUS_DISPATCHED, v1::TICKET_STATUS_ACCEPTED,
                 v1::TICKET_STATUS_FORWARDED, v1::TICKET_STATUS_DISPUTED}) ||
         (st == v1::TICKET_STATUS_RETURNED &&
          s.view.holder_unit_id() != center);
}

}  // namespace hotline::routing::machine_internal
