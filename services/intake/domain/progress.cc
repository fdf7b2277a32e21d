#include "services/intake/domain/progress.h"

#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"

namespace hotline::intake {

const char* StatusName(v1::TicketStatus s) {
  switch (s) {
    case v1::TICKET_STATUS_RECEIVED:
      return "RECEIVED";
    case v1::TICKET_STATUS_CLOSED_AT_INTAKE:
      return "CLOSED_AT_INTAKE";
    case v1::TICKET_STATUS_DISPATCHED:
      return "DISPATCHED";
    case v1::TICKET_STATUS_ACCEPTED:
      return "ACCEPTED";
    case v1::TICKET_STATUS_FORWARDED:
      return "FORWARDED";
    case v1::TICKET_STATUS_RETURNED:
      return "RETURNED";
    case v1::TICKET_STATUS_DISPUTED:
      return "DISPUTED";
    case v1::TICKET_STATUS_REPLIED:
      return "REPLIED";
    case v1::TICKET_STATUS_REHANDLING:
      return "REHANDLING";
    case v1::TICKET_STATUS_AWAITING_EVALUATION:
      return "AWAITING_EVALUATION";
    case v1::TICKET_STATUS_EVALUATED:
      return "EVALUATED";
    case v1::TICKET_STATUS_CLOSED:
      return "CLOSED";
    case v1::TICKET_STATUS_MERGED:
      return "MERGED";
    default:
      return "UNSPECIFIED";
  }
}

bool IsClosed(v1::TicketStatus s) {
  return s == v1::TICKET_STATUS_CLOSED ||
         s == v1::TICKET_STATUS_CLOSED_AT_INTAKE;
}

namespace {

// The clocks whose due is the caller's "handled by" date: the handling
// clock, the lead unit's on a multi-unit order, re-handling after a
// rejected review.
bool IsHandlingDue(v1::ClockKind kind) {
  return kind == v1::CLOCK_KIND_HANDLING || kind == v1::CLOCK_KIND_LEAD_UNIT ||
         kind == v1::CLOCK_KIND_REHANDLING;
}

}  // namespace

std::string NamedUnitOf(const v1::TicketEvent& e) {
  switch (e.payload_case()) {
    case v1::TicketEvent::kDispatched:
      return e.dispatched().unit_id();
    case v1::TicketEvent::kRedispatched:
      return e.redispatched().dispatch().unit_id();
    case v1::TicketEvent::kAccepted:
      return e.accepted().unit_id();
    case v1::TicketEvent::kForwarded:
      return e.forwarded().to_unit_id();
    default:
      return "";
  }
}

std::optional<ProgressUpdate> ProgressFromEvent(const v1::TicketEvent& e,
                                                v1::TicketStatus current,
                                                const UnitNamer& name_of) {
  std::optional<ProgressUpdate> u = ProgressOfEvent(e, name_of);
  if (u) FollowStatus(current, &*u);
  return u;
}

void FollowStatus(v1::TicketStatus current, ProgressUpdate* u) {
  if (current == v1::TICKET_STATUS_MERGED ||
      current == v1::TICKET_STATUS_CLOSED_AT_INTAKE) {
    // A merged order follows its original; its own routing events (e.g. the
    // Closed that withdraws it) do not change what the caller sees.
    u->status.reset();
    u->holder.reset();
  }
  // Routing closes an order once it heard the evaluation, but assessment's
  // event of that evaluation comes by another relay and may arrive after
  // routing's Closed: a closed order stays closed (its note is still kept).
  if (current == v1::TICKET_STATUS_CLOSED &&
      u->status == v1::TICKET_STATUS_EVALUATED) {
    u->status.reset();
  }
}

bool NeedsStoredStatus(const ProgressUpdate& u) {
  return u.status.has_value() || u.holder.has_value() || !u.note.empty() ||
         !u.held_units.empty();
}

std::optional<ProgressUpdate> ProgressOfEvent(const v1::TicketEvent& e,
                                              const UnitNamer& name_of) {
  auto name = [&](const std::string& unit_id) -> std::string {
    std::string n = name_of ? name_of(unit_id) : "";
    return n.empty() ? "承办单位" : n;
  };
  ProgressUpdate u;
  using v1::TicketEvent;
  switch (e.payload_case()) {
    case TicketEvent::kDispatched:
      u.status = v1::TICKET_STATUS_DISPATCHED;
      u.holder = e.dispatched().unit_id();
      u.held_units.push_back(e.dispatched().unit_id());
      for (const auto& co : e.dispatched().co_unit_ids())
        u.held_units.push_back(co);
      u.unit_id = e.dispatched().unit_id();
      u.note = absl::StrCat("已交办至", name(e.dispatched().unit_id()));
      break;
    case TicketEvent::kRedispatched:
      u.status = v1::TICKET_STATUS_DISPATCHED;
      u.holder = e.redispatched().dispatch().unit_id();
      u.held_units.push_back(e.redispatched().dispatch().unit_id());
      u.unit_id = e.redispatched().dispatch().unit_id();
      u.note =
          absl::StrCat("已改派至", name(e.redispatched().dispatch().unit_id()));
      break;
    case TicketEvent::kAccepted:
      u.held_units.push_back(e.accepted().unit_id());
      u.unit_id = e.accepted().unit_id();
      if (e.accepted().as_co_unit()) {
        // A co-unit acknowledging its part: the holder and the status stay
        // as routing keeps them.
        u.note = absl::StrCat(name(e.accepted().unit_id()), "已签收（协办）");
        break;
      }
      u.status = v1::TICKET_STATUS_ACCEPTED;
      u.holder = e.accepted().unit_id();
      u.note = absl::StrCat(name(e.accepted().unit_id()), "已签收，正在办理");
      break;
    case TicketEvent::kForwarded:
      u.status = v1::TICKET_STATUS_FORWARDED;
      u.holder = e.forwarded().to_unit_id();
      u.held_units.push_back(e.forwarded().to_unit_id());
      u.unit_id = e.forwarded().to_unit_id();
      u.note = absl::StrCat("已流转至", name(e.forwarded().to_unit_id()));
      break;
    case TicketEvent::kReturned:
      u.status = v1::TICKET_STATUS_RETURNED;
      u.holder = e.returned().reached_center() ? "" : e.returned().to_unit_id();
      u.unit_id = e.returned().from_unit_id();
      u.note = e.returned().reached_center() ? "已退回中心，等待重新派单"
                                             : "已退回上一级单位";
      break;
    case TicketEvent::kDisputeRaised:
      u.status = v1::TICKET_STATUS_DISPUTED;
      u.unit_id = e.dispute_raised().unit_id();
      u.note = "承办单位提出派单异议，中心审核中";
      break;
    case TicketEvent::kDisputeDecided:
      if (e.dispute_decided().outcome() ==
          v1::DISPUTE_OUTCOME_DISPUTE_GRANTED) {
        u.status = v1::TICKET_STATUS_RETURNED;
        u.holder = "";
        u.note = "派单异议成立，等待重新派单";
      } else {
        // As routing: the unit must handle it (ACCEPTED).
        u.status = v1::TICKET_STATUS_ACCEPTED;
        u.holder = e.dispute_decided().unit_id();
        u.note = "派单异议未成立，原单位继续办理";
      }
      u.unit_id = e.dispute_decided().unit_id();
      break;
    case TicketEvent::kReplied:
      u.status = v1::TICKET_STATUS_REPLIED;
      u.unit_id = e.replied().unit_id();
      u.note = absl::StrCat("办理答复：", e.replied().text());
      break;
    case TicketEvent::kReviewed:
      u.status = e.reviewed().approved() ? v1::TICKET_STATUS_AWAITING_EVALUATION
                                         : v1::TICKET_STATUS_REHANDLING;
      u.unit_id = e.reviewed().unit_id();
      u.note = e.reviewed().approved() ? "答复已审核通过，等待回访"
                                       : "答复未通过审核，承办单位重新办理";
      break;
    case TicketEvent::kEvaluationRecorded:
      u.status = v1::TICKET_STATUS_EVALUATED;
      u.unit_id = e.evaluation_recorded().unit_id();
      u.note = e.evaluation_recorded().reached() ? "已完成回访评价"
                                                 : "回访未能联系到来电人";
      break;
    case TicketEvent::kClosed:
      u.status = v1::TICKET_STATUS_CLOSED;
      u.holder = "";
      u.unit_id = e.closed().handling_unit_id();
      u.note = "工单已办结";
      break;
    case TicketEvent::kClockStarted:
      if (!IsHandlingDue(e.clock_started().kind())) return std::nullopt;
      u.handling_due = FromProto(e.clock_started().due());
      break;
    case TicketEvent::kClockMoved:
      if (!IsHandlingDue(e.clock_moved().kind())) return std::nullopt;
      u.handling_due = FromProto(e.clock_moved().due());
      break;
    case TicketEvent::kExtensionDecided: {
      const auto& x = e.extension_decided();
      u.unit_id = x.unit_id();
      if (x.approved()) {
        u.note = absl::StrCat("延期申请已批准，新的办理期限：",
                              x.approved_due_date());
        if (x.has_new_due()) u.handling_due = FromProto(x.new_due());
      } else {
        u.note = "延期申请未获批准，按原期限办理";
      }
      break;
    }
    case TicketEvent::kExtensionRequested:
      u.unit_id = e.extension_requested().unit_id();
      u.note = e.extension_requested().progress_note().empty()
                   ? "承办单位申请延期"
                   : absl::StrCat("阶段性进展：",
                                  e.extension_requested().progress_note());
      break;
    default:
      return std::nullopt;
  }
  return u;
}

}  // namespace hotline::intake
