// Extensions [6(3)]: asked at least 2 working days before the due, decided by
// the level above, told to the caller. A decision taken at or after the due
// does not turn lateness into time met (docs/clocks.md, "Extensions").

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/server/actor.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/deadline/core/deadline_core.h"
#include "services/deadline/core/deadline_core_internal.h"
#include "services/deadline/domain/extension_rules.h"

namespace hotline::deadline {
namespace {

std::vector<ClockBrief> Briefs(const std::vector<ClockRow>& clocks) {
  std::vector<ClockBrief> out;
  for (const ClockRow& c : clocks) {
    out.push_back({c.kind, c.running, c.overdue_since.has_value(), c.unit_id});
  }
  return out;
}

absl::StatusOr<ExtensionRow> FindExtension(DeadlineStore& store,
                                           db::Connection& conn,
                                           const std::string& id_text) {
  int64_t id = 0;
  std::optional<ExtensionRow> found;
  if (absl::SimpleAtoi(id_text, &id)) {
    ASSIGN_OR_RETURN(found, store.GetExtension(conn, id, true));
  }
  if (!found.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("extension_id: no extension ", id_text));
  }
  return *found;
}

}  // namespace

absl::Status ClockEngine::MayRequestExtension(db::Connection& conn,
                                              const auth::Principal& who,
                                              const std::string& ticket_id) {
  ASSIGN_OR_RETURN(std::vector<ClockRow> all,
                   store_->ClocksOfTicket(conn, ticket_id, false, true));
  if (all.empty()) {
    return absl::NotFoundError(
        absl::StrCat("ticket_id: no clocks for ", ticket_id));
  }
  if (MayAskForExtension(Briefs(all), who.unit_id)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(all.front().ticket_number,
                   ": no handling clock runs against ", who.unit_id));
}

absl::Status ClockEngine::MayDecideExtension(db::Connection& conn,
                                             const auth::Principal& who,
                                             const std::string& extension_id) {
  ASSIGN_OR_RETURN(ExtensionRow row,
                   FindExtension(*store_, conn, extension_id));
  return CheckApprover(who, row.ext.approver_unit_id());
}

absl::Status ClockEngine::MayRecordCallerInformed(
    db::Connection& conn, const auth::Principal& who,
    const std::string& extension_id) {
  ASSIGN_OR_RETURN(ExtensionRow row,
                   FindExtension(*store_, conn, extension_id));
  return CheckInformer(who, row.ext);
}

absl::StatusOr<v1::Extension> ClockEngine::RequestExtension(
    db::Connection& conn, const auth::Principal& who,
    const v1::RequestExtensionRequest& req, absl::CivilDay proposed) {
  Tx tx{conn};  // its events appended as emitted
  ASSIGN_OR_RETURN(std::vector<ClockRow> all,
                   store_->ClocksOfTicket(conn, req.ticket_id(), false, true));
  if (all.empty()) {
    return absl::NotFoundError(
        absl::StrCat("ticket_id: no clocks for ", req.ticket_id()));
  }
  // The clock to extend: the running completion clock, else the re-handling
  // one; one already late is left for the timeliness check to refuse.
  const std::optional<size_t> index = ClockToExtend(Briefs(all));
  const ClockRow* clock = index.has_value() ? &all[*index] : nullptr;
  if (clock == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        all.front().ticket_number, " has no running handling clock"));
  }
  if (who.unit_id != clock->unit_id) {
    return absl::PermissionDeniedError(
        absl::StrCat("the handling clock runs against ", clock->unit_id,
                     ", not ", who.unit_id));
  }
  if (clock->pending_since.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat(clock->ticket_number,
                     " awaits the center's decision on its reply or dispute"));
  }
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  const absl::CivilDay last = LastDay(clock->due);
  RETURN_IF_ERROR(
      CheckExtensionDate("proposed_due_date", *cal, *policy_, last, proposed));
  ASSIGN_OR_RETURN(bool pending,
                   store_->HasPendingExtension(conn, clock->clock_id));
  if (pending) {
    return absl::FailedPreconditionError(
        absl::StrCat(clock->ticket_number,
                     " already has a PENDING extension "
                     "held by ",
                     clock->unit_id));
  }
  const absl::Time now = clock_->Now();
  const int min = policy_->extension_min().working_days;
  ASSIGN_OR_RETURN(calendar::TimelyResult t,
                   cal->IsTimelyExtensionRequest(now, clock->due, min));
  RETURN_IF_ERROR(CheckTimely(*policy_, t, last));
  ASSIGN_OR_RETURN(std::optional<std::string> parent,
                   store_->ParentOf(conn, req.ticket_id(), clock->unit_id));
  const std::string approver = ApproverOf(parent);
  ExtensionRow row;
  row.clock_id = clock->clock_id;
  v1::Extension& e = row.ext;
  e.set_ticket_id(req.ticket_id());
  e.set_clock_id(absl::StrCat(clock->clock_id));
  e.set_unit_id(clock->unit_id);
  e.set_approver_unit_id(approver);
  e.set_state(v1::EXTENSION_STATE_PENDING);
  e.set_reason(req.reason());
  e.set_progress_note(req.progress_note());
  e.set_proposed_due_date(req.proposed_due_date());
  e.set_working_days_left(static_cast<int32_t>(t.working_days_left));
  *e.mutable_due_before() = ToProto(clock->due);
  *e.mutable_requested_by() = server::ActorOf(who);
  *e.mutable_requested_at() = ToProto(now);
  ASSIGN_OR_RETURN(row.extension_id, store_->InsertExtension(conn, row));
  e.set_extension_id(absl::StrCat(row.extension_id));

  v1::TicketEvent out;
  *out.mutable_actor() = e.requested_by();
  v1::ExtensionRequested* r = out.mutable_extension_requested();
  r->set_extension_id(e.extension_id());
  r->set_clock_id(e.clock_id());
  r->set_unit_id(e.unit_id());
  r->set_approver_unit_id(approver);
  *r->mutable_current_due() = e.due_before();
  r->set_proposed_due_date(e.proposed_due_date());
  r->set_working_days_left(e.working_days_left());
  r->set_reason(e.reason());
  r->set_progress_note(e.progress_note());
  RETURN_IF_ERROR(Emit(tx, clock->ticket_id, clock->ticket_number, &out));
  return e;
}

absl::StatusOr<v1::DecideExtensionResponse> ClockEngine::DecideExtension(
    db::Connection& conn, const auth::Principal& who,
    const v1::DecideExtensionRequest& req,
    std::optional<absl::CivilDay> approved) {
  Tx tx{conn};  // its events appended as emitted
  ASSIGN_OR_RETURN(ExtensionRow row,
                   FindExtension(*store_, conn, req.extension_id()));
  v1::Extension& e = row.ext;
  RETURN_IF_ERROR(CheckApprover(who, e.approver_unit_id()));
  ASSIGN_OR_RETURN(std::optional<ClockRow> clock,
                   store_->GetClock(conn, row.clock_id, true));
  if (!clock.has_value()) return absl::InternalError("extension without clock");
  RETURN_IF_ERROR(CheckDecidable(e, clock->running, clock->ticket_number));
  if (req.approve() && !approved.has_value()) {
    // Without a date of its own, the approver grants the date asked for.
    ASSIGN_OR_RETURN(approved, calendar::ParseDate(e.proposed_due_date()));
  }
  const absl::Time now = clock_->Now();
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  const absl::CivilDay last = LastDay(clock->due);
  if (req.approve()) {
    RETURN_IF_ERROR(CheckExtensionDate("approved_due_date", *cal, *policy_,
                                       last, *approved));
  }
  // Decided at or after the due in force: the clock's outcome at that due
  // stands — it is reported overdue now if the scanner has not yet — and
  // the delay is the approver's.
  const bool late = now >= clock->due;
  if (late && !clock->overdue_since.has_value() &&
      !clock->pending_since.has_value()) {
    ASSIGN_OR_RETURN(std::optional<absl::Time> watch,
                     store_->RungDueAt(conn, clock->clock_id, kOverdueWatch));
    RETURN_IF_ERROR(ReportOverdue(tx, *clock, watch.value_or(clock->due), now,
                                  "due_passed"));
  }
  e.set_decision_reason(req.reason());
  *e.mutable_decided_by() = server::ActorOf(who);
  *e.mutable_decided_at() = ToProto(now);
  e.set_decided_after_due(late);
  v1::TicketEvent decided;
  *decided.mutable_actor() = e.decided_by();
  v1::ExtensionDecided* d = decided.mutable_extension_decided();
  d->set_extension_id(e.extension_id());
  d->set_clock_id(e.clock_id());
  d->set_unit_id(e.unit_id());
  d->set_approver_unit_id(e.approver_unit_id());
  d->set_approved(req.approve());
  d->set_reason(req.reason());
  d->set_decided_after_due(late);
  *d->mutable_due_when_decided() = ToProto(clock->due);
  std::optional<v1::Explanation> moved;
  if (req.approve()) {
    Period p{"extension.approved", policy_->extension_min().article, 0,
             *approved};
    ASSIGN_OR_RETURN(v1::Explanation ex,
                     Explain(*cal, *policy_, p, clock->started_at));
    moved = ex;
    e.set_state(v1::EXTENSION_STATE_APPROVED);
    e.set_approved_due_date(calendar::FormatDate(*approved));
    *e.mutable_due_after() = ex.due();
    d->set_approved_due_date(e.approved_due_date());
    *d->mutable_new_due() = e.due_after();
  } else {
    e.set_state(v1::EXTENSION_STATE_REJECTED);
  }
  RETURN_IF_ERROR(store_->DecideExtension(conn, row));
  RETURN_IF_ERROR(Emit(tx, clock->ticket_id, clock->ticket_number, &decided));
  if (moved.has_value()) {
    RETURN_IF_ERROR(MoveDue(tx, *clock, *moved, true,
                            v1::CLOCK_MOVE_CAUSE_EXTENSION_APPROVED,
                            &e.decided_by(), e.extension_id()));
  }
  v1::DecideExtensionResponse resp;
  *resp.mutable_extension() = e;
  *resp.mutable_clock() = clock->ToProto();
  return resp;
}

absl::StatusOr<v1::Extension> ClockEngine::RecordCallerInformed(
    db::Connection& conn, const auth::Principal& who,
    const v1::RecordCallerInformedRequest& req) {
  ASSIGN_OR_RETURN(ExtensionRow row,
                   FindExtension(*store_, conn, req.extension_id()));
  v1::Extension& e = row.ext;
  RETURN_IF_ERROR(CheckInformer(who, e));
  RETURN_IF_ERROR(
      CheckCallerInformed(e, FromProto(req.informed_at()), clock_->Now()));
  e.set_caller_informed_contact(req.contact());
  *e.mutable_caller_informed_at() = req.informed_at();
  e.set_caller_informed_note(req.note());
  *e.mutable_caller_informed_by() = server::ActorOf(who);
  RETURN_IF_ERROR(store_->RecordCallerInformed(conn, row));
  return e;
}

}  // namespace hotline::deadline
