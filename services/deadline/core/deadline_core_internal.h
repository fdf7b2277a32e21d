#pragma once

// Internal to the core of hotline-deadline: the order's state while one
// event is applied (deadline_core_events.cc) and the helpers the core's
// files share. Not for use outside services/deadline/core.

#include <set>
#include <string>
#include <utility>
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

// What a delivered batch's dispatches of new orders (nothing of the order
// stored here before the batch) would have written, in the order they would
// have written it; FlushDeferred writes it. Every clock's rungs are those
// StartAll schedules (AddRungs from its start).
struct ClockEngine::Deferred {
  std::vector<TicketInfo> infos;
  std::vector<ChainLink> links;
  std::vector<NewHolding> holdings;
  std::vector<ClockRow> clocks;        // clock_id 0 until written
  std::vector<absl::Time> rungs_from;  // per clock
  // (index into the held events, index into clocks) of each ClockStarted
  // whose clock id is patched in once its clock is written.
  std::vector<std::pair<size_t, size_t>> started;
  // The orders whose rows are here.
  std::set<std::string> tickets;

  bool empty() const { return tickets.empty(); }
};

}  // namespace hotline::deadline
