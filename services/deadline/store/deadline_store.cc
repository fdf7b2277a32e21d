#include "services/deadline/store/deadline_store.h"

#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"

namespace hotline::deadline {

v1::Clock ClockRow::ToProto() const {
  v1::Clock c;
  c.set_clock_id(absl::StrCat(clock_id));
  c.set_ticket_id(ticket_id);
  c.set_kind(kind);
  c.set_unit_id(unit_id);
  c.set_dispatch_round(dispatch_round);
  c.set_state(running ? v1::CLOCK_STATE_RUNNING : v1::CLOCK_STATE_STOPPED);
  c.set_outcome(outcome);
  *c.mutable_started_at() = hotline::ToProto(started_at);
  *c.mutable_due() = hotline::ToProto(due);
  *c.mutable_original_due() = hotline::ToProto(original_due);
  if (stopped_at.has_value()) {
    *c.mutable_stopped_at() = hotline::ToProto(*stopped_at);
  }
  c.set_overdue_working_days(overdue_working_days);
  *c.mutable_explanation() = explanation;
  c.set_ladder_step(ladder_step);
  if (pending_since.has_value()) {
    *c.mutable_pending_since() = hotline::ToProto(*pending_since);
  }
  if (judged_at.has_value()) {
    *c.mutable_judged_at() = hotline::ToProto(*judged_at);
  }
  c.set_stop_cause(stop_cause);
  if (overdue_since.has_value()) {
    *c.mutable_overdue_since() = hotline::ToProto(*overdue_since);
  }
  c.set_elapsed_working_days(elapsed_working_days);
  return c;
}

v1::Notice NoticeRow::ToProto() const {
  v1::Notice n;
  n.set_notice_id(absl::StrCat(notice_id));
  n.set_step_id(absl::StrCat(step_id));
  n.set_ticket_id(ticket_id);
  n.set_ticket_number(ticket_number);
  n.set_step(step);
  v1::NoticeRecipient* r = n.mutable_recipient();
  r->set_kind(recipient_kind);
  r->set_unit_id(recipient_unit);
  r->set_name(name);
  r->add_channels(channel);
  n.set_channel(channel);
  n.set_address(address);
  n.set_text(text);
  *n.mutable_created_at() = hotline::ToProto(created_at);
  n.set_delivery(delivery);
  n.set_attempts(attempts);
  if (delivered_at.has_value()) {
    *n.mutable_delivered_at() = hotline::ToProto(*delivered_at);
  }
  return n;
}

}  // namespace hotline::deadline
