#include "services/intake/domain/merge.h"

#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"
#include "services/intake/domain/progress.h"

namespace hotline::intake {
namespace {

// "DZ…-000001 is DISPATCHED, held by town.longshui".
std::string State(const v1::Ticket& t) {
  return absl::StrCat(t.ticket_number(), " is ", StatusName(t.status()),
                      t.holder_unit_id().empty()
                          ? ""
                          : absl::StrCat(", held by ", t.holder_unit_id()));
}

bool Settled(const v1::Ticket& t) {
  return IsClosed(t.status()) || t.status() == v1::TICKET_STATUS_MERGED;
}

v1::TicketEvent EventOf(const v1::Ticket& t, const v1::Actor& actor,
                        absl::Time now) {
  v1::TicketEvent event;
  event.set_ticket_id(t.ticket_id());
  event.set_ticket_number(t.ticket_number());
  *event.mutable_occurred_at() = ToProto(now);
  *event.mutable_actor() = actor;
  return event;
}

}  // namespace

absl::StatusOr<MergeChange> DecideMerge(const v1::Ticket& repeat,
                                        const v1::Ticket& original,
                                        int64_t repeats_of_repeat,
                                        const std::string& reason,
                                        const v1::Actor& actor,
                                        absl::Time now) {
  if (Settled(repeat)) return absl::FailedPreconditionError(State(repeat));
  if (Settled(original)) {
    return absl::FailedPreconditionError(
        absl::StrCat("original: ", State(original)));
  }
  if (repeats_of_repeat > 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(repeat.ticket_number(), " has ", repeats_of_repeat,
                     " repeats merged into it"));
  }
  MergeChange c;
  c.status = v1::TICKET_STATUS_MERGED;
  c.merged_into = original.ticket_id();
  c.note = absl::StrCat("已并入工单 ", original.ticket_number(), " 一并办理");
  c.event = EventOf(repeat, actor, now);
  v1::TicketMerged* m = c.event.mutable_ticket_merged();
  m->set_original_ticket_id(original.ticket_id());
  m->set_original_ticket_number(original.ticket_number());
  m->set_reason(reason);
  return c;
}

absl::StatusOr<MergeChange> DecideUnmerge(const v1::Ticket& repeat,
                                          const std::string& reason,
                                          const v1::Actor& actor,
                                          absl::Time now) {
  if (repeat.status() != v1::TICKET_STATUS_MERGED) {
    return absl::FailedPreconditionError(
        absl::StrCat(repeat.ticket_number(), " is ",
                     StatusName(repeat.status()), ", not MERGED"));
  }
  MergeChange c;
  c.status = v1::TICKET_STATUS_RECEIVED;
  c.note = "已撤销并单，重新进入中心待派单";
  c.event = EventOf(repeat, actor, now);
  v1::TicketUnmerged* u = c.event.mutable_ticket_unmerged();
  u->set_original_ticket_id(repeat.merged_into_ticket_id());
  u->set_reason(reason);
  return c;
}

}  // namespace hotline::intake
