#include "services/routing/domain/work_queues.h"

namespace hotline::routing {

const std::vector<int>& OpenStatuses() {
  static const auto* const kOpen =
      new std::vector<int>{v1::TICKET_STATUS_RECEIVED,
                           v1::TICKET_STATUS_DISPATCHED,
                           v1::TICKET_STATUS_ACCEPTED,
                           v1::TICKET_STATUS_FORWARDED,
                           v1::TICKET_STATUS_RETURNED,
                           v1::TICKET_STATUS_DISPUTED,
                           v1::TICKET_STATUS_REPLIED,
                           v1::TICKET_STATUS_REHANDLING,
                           v1::TICKET_STATUS_AWAITING_EVALUATION,
                           v1::TICKET_STATUS_EVALUATED};
  return *kOpen;
}

CenterQueueSelection CenterQueueFor(const std::set<int>& reasons) {
  auto want = [&](v1::QueueReason r) {
    return reasons.empty() || reasons.count(r) > 0;
  };
  CenterQueueSelection s;
  if (want(v1::QUEUE_REASON_NEW)) {
    s.anywhere.push_back(v1::TICKET_STATUS_RECEIVED);
  }
  if (want(v1::QUEUE_REASON_RETURNED)) {
    s.at_center.push_back(v1::TICKET_STATUS_RETURNED);
  }
  if (want(v1::QUEUE_REASON_DISPUTED)) {
    s.anywhere.push_back(v1::TICKET_STATUS_DISPUTED);
  }
  if (want(v1::QUEUE_REASON_AWAITING_REVIEW)) {
    s.anywhere.push_back(v1::TICKET_STATUS_REPLIED);
  }
  return s;
}

v1::QueueReason QueueReasonOf(v1::TicketStatus status) {
  switch (status) {
    case v1::TICKET_STATUS_RECEIVED:
      return v1::QUEUE_REASON_NEW;
    case v1::TICKET_STATUS_RETURNED:
      return v1::QUEUE_REASON_RETURNED;
    case v1::TICKET_STATUS_DISPUTED:
      return v1::QUEUE_REASON_DISPUTED;
    default:
      return v1::QUEUE_REASON_AWAITING_REVIEW;
  }
}

bool SuggestsDispatch(v1::QueueReason reason) {
  return reason == v1::QUEUE_REASON_NEW || reason == v1::QUEUE_REASON_RETURNED;
}

}  // namespace hotline::routing
