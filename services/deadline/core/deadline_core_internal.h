#pragma once

// Internal to the core of hotline-deadline: the order's state while one
// event is applied (deadline_core_events.cc) and the helpers the core's
// files share. Not for use outside services/deadline/core.

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/calendar/calendar.h"
#include "common/directory/directory.h"
#include "services/deadline/core/deadline_core.h"

namespace hotline::deadline {

// The last local day of a period due at `due` (00:00 of the day after).
inline absl::CivilDay LastDay(absl::Time due) {
  return calendar::LocalDay(due - absl::Nanoseconds(1));
}

// The order's state while one event is applied. Not thread-safe (one
// event, one thread).
struct ClockEngine::Event {
  const v1::TicketEvent& ev;
  absl::Time at;                  // when the event happened
  TicketInfo info;                // the order as deadline knows it
  std::vector<ClockRow> running;  // its running clocks, locked

  // The running clocks of `kind` (any unit when `unit` is empty).
  std::vector<ClockRow*> Running(v1::ClockKind kind,
                                 const std::string& unit = "") {
    std::vector<ClockRow*> out;
    for (ClockRow& c : running) {
      if (c.running && c.kind == kind && (unit.empty() || c.unit_id == unit)) {
        out.push_back(&c);
      }
    }
    return out;
  }
};

}  // namespace hotline::deadline
