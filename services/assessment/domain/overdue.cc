#include "services/assessment/domain/overdue.h"

#include <algorithm>

#include "common/calendar/calendar.h"
#include "common/server/proto_time.h"

namespace hotline::assessment {

OverdueChange PlanOverdue(const v1::TicketEvent& e, const FactPlan& plan) {
  if (e.has_clock_overdue() && IsCompletionClock(e.clock_overdue().kind())) {
    const v1::ClockOverdue& o = e.clock_overdue();
    const absl::Time as_of =
        o.has_as_of() ? FromProto(o.as_of()) : FromProto(e.occurred_at());
    OverdueOpen open;
    OverdueClock& c = open.clock;
    c.clock_id = o.clock_id();
    c.ticket_id = e.ticket_id();
    c.ticket_number = plan.ticket.ticket_number.substr(0, 32);
    c.kind = o.kind();
    c.request_type = plan.fact.request_type;
    c.due = FromProto(o.due());
    c.overdue_since = as_of;
    c.first_event_id = e.event_id();
    c.rule = o.rule().substr(0, 64);
    c.article = o.article().substr(0, 32);
    open.accrual = OverdueAccrual{e.event_id(), as_of, o.unit_id(),
                                  o.added_working_days()};
    return open;
  }
  if (e.has_clock_stopped() && IsCompletionClock(e.clock_stopped().kind())) {
    const v1::ClockStopped& s = e.clock_stopped();
    return OverdueClose{s.clock_id(), s.has_judged_at()
                                          ? FromProto(s.judged_at())
                                          : FromProto(e.occurred_at())};
  }
  return std::monostate();
}

absl::Time PeriodEndInstant(const DateRange& range, absl::Time now) {
  return std::min(calendar::StartOfLocalDay(range.to + 1), now);
}

bool OpenAt(const OverdueClock& c, absl::Time at) {
  return c.overdue_since < at &&
         (!c.closed_at.has_value() || *c.closed_at >= at);
}

v1::OpenOverdueOrder OpenOrderAt(const OverdueClock& c, absl::Time at) {
  v1::OpenOverdueOrder o;
  o.set_ticket_id(c.ticket_id);
  o.set_ticket_number(c.ticket_number);
  o.set_clock_id(c.clock_id);
  o.set_kind(c.kind);
  *o.mutable_due() = ToProto(c.due);
  *o.mutable_overdue_since() = ToProto(c.overdue_since);
  int64_t days = 0;
  std::string unit;
  for (const OverdueAccrual& a : c.accruals) {
    if (a.as_of >= at) break;
    days += a.added_days;
    unit = a.unit_id;
  }
  o.set_unit_id(unit);
  o.set_overdue_working_days(static_cast<int32_t>(days));
  return o;
}

std::vector<v1::OpenOverdueOrder> OpenOverdueAt(
    const std::vector<OverdueClock>& clocks, absl::Time at,
    const std::function<bool(const std::string&)>& in_scope, int request_type) {
  std::vector<v1::OpenOverdueOrder> out;
  for (const OverdueClock& c : clocks) {
    if (!OpenAt(c, at)) continue;
    if (request_type != 0 && c.request_type != request_type) continue;
    v1::OpenOverdueOrder o = OpenOrderAt(c, at);
    if (!in_scope(o.unit_id())) continue;
    out.push_back(std::move(o));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    const absl::Time da = FromProto(a.due()), db = FromProto(b.due());
    if (da != db) return da < db;
    return a.clock_id() < b.clock_id();
  });
  return out;
}

}  // namespace hotline::assessment
