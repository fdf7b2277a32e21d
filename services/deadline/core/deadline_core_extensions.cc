// Extensions [6(3)]: asked at least 2 working days before the due, decided by
// the level above, told to the caller. A decision taken at or after the due
// does not turn lateness into time met (docs/clocks.md, "Extensions").

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/server/actor.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/deadline/core/deadline_core.h"

namespace hotline::deadline {
namespace {

constexpr char kCenter[] = "center";

absl::CivilDay LastDay(absl::Time due) {
  return calendar::LocalDay(due - absl::Nanoseconds(1));
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

absl::Status ClockEngine::CheckExtensionDate(absl::string_view field,
                                             const calendar::Calendar& cal,
                                             absl::CivilDay last,
                                             absl::CivilDay date) const {
  if (date <= last) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not after the current last day ",
                     calendar::FormatDate(last)));
  }
  ASSIGN_OR_RETURN(calendar::CountResult extra,
                   cal.CountWorkingDays(last, date));
  if (extra.working_days > policy_->extension_max().working_days) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": more than ", policy_->extension_max().working_days,
        " working days after the current last day"));
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::MayRequestExtension(db::Connection& conn,
                                              const auth::Principal& who,
                                              const std::string& ticket_id) {
  ASSIGN_OR_RETURN(std::vector<ClockRow> all,
                   store_->ClocksOfTicket(conn, ticket_id, false, true));
  if (all.empty()) {
    return absl::NotFoundError(
        absl::StrCat("ticket_id: no clocks for ", ticket_id));
  }
  // The unit of the running handling clock; with none running (the order
  // was answered or closed), a unit some clock ran against, so that it hears
  // FAILED_PRECONDITION and others PERMISSION_DENIED.
  bool running = false;
  for (const ClockRow& c : all) {
    if (!c.running || !IsHandlingKind(c.kind)) continue;
    running = true;
    if (c.unit_id == who.unit_id) return absl::OkStatus();
  }
  if (!running) {
    for (const ClockRow& c : all) {
      if (c.unit_id == who.unit_id) return absl::OkStatus();
    }
  }
  return absl::PermissionDeniedError(
      absl::StrCat(all.front().ticket_number,
                   ": no handling clock runs against ", who.unit_id));
}

absl::Status ClockEngine::MayDecideExtension(db::Connection& conn,
                                             const auth::Principal& who,
                                             const std::string& extension_id) {
  ASSIGN_OR_RETURN(ExtensionRow row,
                   FindExtension(*store_, conn, extension_id));
  const v1::Extension& e = row.ext;
  if (e.approver_unit_id() == kCenter) {
    if (!who.Is(auth::Role::kCenterStaff)) {
      return absl::PermissionDeniedError(
          "the center decides this extension (CENTER_STAFF required)");
    }
  } else if (!who.Is(auth::Role::kUnitLead) ||
             who.unit_id != e.approver_unit_id()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "a UNIT_LEAD of ", e.approver_unit_id(), " decides this extension"));
  }
  return absl::OkStatus();
}

absl::Status ClockEngine::MayRecordCallerInformed(
    db::Connection& conn, const auth::Principal& who,
    const std::string& extension_id) {
  ASSIGN_OR_RETURN(ExtensionRow row,
                   FindExtension(*store_, conn, extension_id));
  if (who.unit_id != row.ext.unit_id()) {
    return absl::PermissionDeniedError(
        absl::StrCat("extension ", row.ext.extension_id(), " was asked by ",
                     row.ext.unit_id(), "; only that unit tells its caller"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Extension> ClockEngine::RequestExtension(
    db::Connection& conn, const auth::Principal& who,
    const v1::RequestExtensionRequest& req, absl::CivilDay proposed) {
  ASSIGN_OR_RETURN(std::vector<ClockRow> all,
                   store_->ClocksOfTicket(conn, req.ticket_id(), false, true));
  if (all.empty()) {
    return absl::NotFoundError(
        absl::StrCat("ticket_id: no clocks for ", req.ticket_id()));
  }
  // The clock to extend: the running completion clock, else the re-handling
  // one; one already late is left for the timeliness check to refuse.
  const ClockRow* clock = nullptr;
  auto rank = [](const ClockRow& c) {
    return (c.overdue_since.has_value() ? 0 : 2) +
           (IsCompletionKind(c.kind) ? 1 : 0);
  };
  for (const ClockRow& c : all) {
    if (!c.running || !IsHandlingKind(c.kind)) continue;
    if (clock == nullptr || rank(c) >= rank(*clock)) clock = &c;
  }
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
      CheckExtensionDate("proposed_due_date", *cal, last, proposed));
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
  if (!t.timely) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "too late for an extension [%s]: %d working day%s left, %d required "
        "(last day %s)",
        policy_->extension_min().article, t.working_days_left,
        t.working_days_left == 1 ? "" : "s", min, calendar::FormatDate(last)));
  }
  ASSIGN_OR_RETURN(std::string approver,
                   store_->ParentOf(conn, req.ticket_id(), clock->unit_id));
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
  RETURN_IF_ERROR(Emit(conn, clock->ticket_id, clock->ticket_number, &out));
  return e;
}

absl::StatusOr<v1::DecideExtensionResponse> ClockEngine::DecideExtension(
    db::Connection& conn, const auth::Principal& who,
    const v1::DecideExtensionRequest& req,
    std::optional<absl::CivilDay> approved) {
  ASSIGN_OR_RETURN(ExtensionRow row,
                   FindExtension(*store_, conn, req.extension_id()));
  v1::Extension& e = row.ext;
  if (e.approver_unit_id() == kCenter) {
    if (!who.Is(auth::Role::kCenterStaff)) {
      return absl::PermissionDeniedError(
          "the center decides this extension (CENTER_STAFF required)");
    }
  } else if (!who.Is(auth::Role::kUnitLead) ||
             who.unit_id != e.approver_unit_id()) {
    return absl::PermissionDeniedError(absl::StrCat(
        "a UNIT_LEAD of ", e.approver_unit_id(), " decides this extension"));
  }
  ASSIGN_OR_RETURN(std::optional<ClockRow> clock,
                   store_->GetClock(conn, row.clock_id, true));
  if (!clock.has_value()) return absl::InternalError("extension without clock");
  if (e.state() != v1::EXTENSION_STATE_PENDING) {
    return absl::FailedPreconditionError(absl::StrCat(
        "extension ", e.extension_id(), " is ",
        v1::ExtensionState_Name(e.state()), ", held by ", e.unit_id()));
  }
  if (!clock->running) {
    return absl::FailedPreconditionError(
        absl::StrCat("the clock of ", clock->ticket_number, " has stopped"));
  }
  if (req.approve() && !approved.has_value()) {
    // Without a date of its own, the approver grants the date asked for.
    ASSIGN_OR_RETURN(approved, calendar::ParseDate(e.proposed_due_date()));
  }
  const absl::Time now = clock_->Now();
  std::shared_ptr<const calendar::Calendar> cal = state_->Get();
  const absl::CivilDay last = LastDay(clock->due);
  if (req.approve()) {
    RETURN_IF_ERROR(
        CheckExtensionDate("approved_due_date", *cal, last, *approved));
  }
  // Decided at or after the due in force: the clock's outcome at that due
  // stands — it is reported overdue now if the scanner has not yet — and
  // the delay is the approver's.
  const bool late = now >= clock->due;
  if (late && !clock->overdue_since.has_value() &&
      !clock->pending_since.has_value()) {
    ASSIGN_OR_RETURN(std::optional<absl::Time> watch,
                     store_->RungDueAt(conn, clock->clock_id, kOverdueWatch));
    RETURN_IF_ERROR(ReportOverdue(conn, *clock, watch.value_or(clock->due), now,
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
  RETURN_IF_ERROR(Emit(conn, clock->ticket_id, clock->ticket_number, &decided));
  if (moved.has_value()) {
    RETURN_IF_ERROR(MoveDue(conn, *clock, *moved, true,
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
  if (who.unit_id != e.unit_id()) {
    return absl::PermissionDeniedError(
        absl::StrCat("extension ", e.extension_id(), " was asked by ",
                     e.unit_id(), "; only that unit tells its caller"));
  }
  if (e.state() != v1::EXTENSION_STATE_APPROVED) {
    return absl::FailedPreconditionError(
        absl::StrCat("extension ", e.extension_id(), " is ",
                     v1::ExtensionState_Name(e.state()),
                     "; only an approved extension is told to the caller"));
  }
  if (e.has_caller_informed_at()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "extension ", e.extension_id(), ": the caller was told already at ",
        absl::FormatTime("%Y-%m-%d %H:%M", FromProto(e.caller_informed_at()),
                         calendar::ChinaStandardTime())));
  }
  const absl::Time at = FromProto(req.informed_at());
  if (at < FromProto(e.decided_at())) {
    return absl::InvalidArgumentError(
        "informed_at: before the extension was approved");
  }
  if (at > clock_->Now()) {
    return absl::InvalidArgumentError("informed_at: in the future");
  }
  e.set_caller_informed_contact(req.contact());
  *e.mutable_caller_informed_at() = req.informed_at();
  e.set_caller_informed_note(req.note());
  *e.mutable_caller_informed_by() = server::ActorOf(who);
  RETURN_IF_ERROR(store_->RecordCallerInformed(conn, row));
  return e;
}

}  // namespace hotline::deadline
