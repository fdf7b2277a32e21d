#include "services/assessment/domain/evaluation.h"

#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"

namespace hotline::assessment {

absl::Status CheckEvaluable(const std::string& ticket_id, const TicketInfo& t,
                            const std::string& existing_evaluation_id) {
  if (!t.known) {
    return absl::NotFoundError(
        absl::StrCat("ticket_id: ", ticket_id, " is unknown to assessment"));
  }
  if (!existing_evaluation_id.empty()) {
    return absl::AlreadyExistsError(absl::StrCat(
        t.ticket_number, " already has evaluation ", existing_evaluation_id));
  }
  if (t.review_status != "APPROVED" || t.approved_unit_id.empty()) {
    const std::string status =
        t.review_status == "NONE"       ? "not replied"
        : t.review_status == "REPLIED"  ? "REPLIED, awaiting review"
        : t.review_status == "REJECTED" ? "REHANDLING (reply rejected)"
                                        : t.review_status;
    return absl::FailedPreconditionError(
        absl::StrCat(t.ticket_number, " is ", status,
                     t.replied_unit_id.empty()
                         ? ""
                         : absl::StrCat(", held by ", t.replied_unit_id),
                     "; the reply is not approved"));
  }
  return absl::OkStatus();
}

v1::Evaluation MakeEvaluation(const std::string& evaluation_id,
                              const std::string& ticket_id, const TicketInfo& t,
                              const EvaluationAnswer& answer) {
  v1::Evaluation ev;
  ev.set_evaluation_id(evaluation_id);
  ev.set_ticket_id(ticket_id);
  ev.set_unit_id(t.approved_unit_id);
  ev.set_reached(answer.reached);
  ev.set_satisfaction(static_cast<v1::Satisfaction>(answer.satisfaction));
  ev.set_resolved(answer.resolved);
  ev.set_comment(answer.comment);
  *ev.mutable_evaluated_at() = ToProto(answer.evaluated_at);
  *ev.mutable_evaluator() = answer.evaluator;
  return ev;
}

v1::TicketEvent EvaluationRecordedEvent(const v1::Evaluation& ev,
                                        const TicketInfo& t, absl::Time now) {
  v1::TicketEvent event;
  event.set_ticket_id(ev.ticket_id());
  event.set_ticket_number(t.ticket_number);
  *event.mutable_occurred_at() = ToProto(now);
  *event.mutable_actor() = ev.evaluator();
  auto* p = event.mutable_evaluation_recorded();
  p->set_evaluation_id(ev.evaluation_id());
  p->set_unit_id(ev.unit_id());
  p->set_reached(ev.reached());
  p->set_satisfaction(ev.satisfaction());
  p->set_resolved(ev.resolved());
  *p->mutable_evaluated_at() = ev.evaluated_at();
  return event;
}

}  // namespace hotline::assessment
