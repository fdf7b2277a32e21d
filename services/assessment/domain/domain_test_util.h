#pragma once

// Events as deadline and routing emit them, for the domain tests
// (indicators_test.cc, verdicts_test.cc).

#include <gtest/gtest.h>

#include <string>

#include "absl/time/time.h"
#include "common/server/proto_time.h"
#include "hotline/v1/events.pb.h"

namespace hotline::assessment::testing {

inline absl::Time At(const char* rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << err;
  return t;
}

inline v1::TicketEvent Event(const std::string& id, const char* at) {
  v1::TicketEvent e;
  e.set_event_id(id);
  e.set_ticket_id("t-1");
  e.set_seq(1);
  e.set_producer("routing");
  e.set_ticket_number("DZ20240208-000001");
  *e.mutable_occurred_at() = ToProto(At(at));
  return e;
}

// ------------------------------------------------ deadline's new events

inline v1::TicketEvent Deadline(const std::string& id, const char* at) {
  v1::TicketEvent e = Event(id, at);
  e.set_producer("deadline");
  return e;
}

inline v1::TicketEvent Overdue(const std::string& id, const char* emitted,
                               v1::ClockKind kind, const char* as_of,
                               bool first, int added, int so_far) {
  v1::TicketEvent e = Deadline(id, emitted);
  auto* o = e.mutable_clock_overdue();
  o->set_clock_id("clk-9");
  o->set_kind(kind);
  o->set_unit_id("dept.housing");
  *o->mutable_due() = ToProto(At("2024-03-08T16:00:00Z"));  // 03-09 00:00
  *o->mutable_as_of() = ToProto(At(as_of));
  o->set_first(first);
  o->set_added_working_days(added);
  o->set_overdue_working_days(so_far);
  o->set_cause(first ? "due_passed" : "");
  o->set_rule("handling.consultation");
  o->set_article("6(2)");
  return e;
}

inline v1::TicketEvent Stop(const std::string& id, const char* at,
                            v1::ClockKind kind, v1::ClockOutcome outcome,
                            bool reported, int late) {
  v1::TicketEvent e = Deadline(id, at);
  auto* s = e.mutable_clock_stopped();
  s->set_clock_id("clk-9");
  s->set_kind(kind);
  s->set_unit_id("dept.housing");
  s->set_outcome(outcome);
  s->set_overdue_working_days(late);
  s->set_overdue_reported(reported);
  if (outcome != v1::CLOCK_OUTCOME_CANCELLED) {
    *s->mutable_judged_at() = ToProto(At(at));
    s->set_elapsed_working_days(7);
  }
  return e;
}

}  // namespace hotline::assessment::testing
