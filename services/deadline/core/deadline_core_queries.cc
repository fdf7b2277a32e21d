// DeadlineQueries: the reads of the list and get calls.

#include "services/deadline/core/deadline_core_queries.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"
#include "common/status/status.h"
#include "services/deadline/core/deadline_core_internal.h"

namespace hotline::deadline {

absl::Status DeadlineQueries::GetClocks(const std::string& ticket_id,
                                        const std::string& unit_root,
                                        v1::GetClocksResponse* resp) {
  DeadlineStore& store = engine_->store();
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<ClockRow> clocks,
                   store.ClocksOfTicket(*conn, ticket_id, false, false));
  if (clocks.empty()) {
    return absl::NotFoundError(
        absl::StrCat("ticket_id: no clocks for ", ticket_id));
  }
  if (!unit_root.empty()) {
    ASSIGN_OR_RETURN(std::vector<std::string> holders,
                     store.UnitsOfTicket(*conn, ticket_id));
    bool held = HeldInSubtree(*directory_->Snapshot(), holders, unit_root);
    if (!held) {  // unless a unit routing added since is the link
      std::vector<std::string> named = holders;
      named.push_back(unit_root);
      held = HeldInSubtree(*directory_->SnapshotKnowing(named), holders,
                           unit_root);
    }
    if (!held) {
      return absl::PermissionDeniedError(
          absl::StrCat("ticket_id: never held by the subtree of ", unit_root));
    }
  }
  const absl::Time now = clock_->Now();
  for (const ClockRow& c : clocks) {
    v1::Clock* out = resp->add_clocks();
    *out = c.ToProto();
    out->set_overdue_working_days(engine_->OverdueSoFar(c, now));
    if (c.kind == v1::CLOCK_KIND_RETURN) {
      ASSIGN_OR_RETURN(std::vector<v1::HoldingSpan> spans,
                       engine_->HoldingSpans(*conn, c, now));
      for (auto& h : spans) *out->add_holdings() = std::move(h);
    }
  }
  ASSIGN_OR_RETURN(std::vector<v1::Extension> exts,
                   store.ExtensionsOfTicket(*conn, ticket_id));
  for (auto& e : exts) *resp->add_extensions() = std::move(e);
  ASSIGN_OR_RETURN(std::vector<v1::LadderStepRecord> steps,
                   store.StepsOfTicket(*conn, ticket_id));
  for (auto& s : steps) *resp->add_ladder_steps() = std::move(s);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::DueItem>> DeadlineQueries::ListDue(
    const DueFilter& f) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<ClockRow> rows,
                   engine_->store().ListDueClocks(*conn, f));
  const absl::Time now = clock_->Now();
  std::shared_ptr<const calendar::Calendar> cal = engine_->state().Get();
  const absl::CivilDay today = calendar::LocalDay(now);
  std::vector<v1::DueItem> out;
  for (const ClockRow& row : rows) {
    v1::DueItem& item = out.emplace_back();
    *item.mutable_clock() = row.ToProto();
    item.set_ticket_number(row.ticket_number);
    absl::StatusOr<calendar::CountResult> left =
        cal->CountWorkingDays(today, LastDay(row.due));
    item.set_working_days_left(
        left.ok() ? static_cast<int32_t>(left->working_days) : 0);
    item.mutable_clock()->set_overdue_working_days(
        engine_->OverdueSoFar(row, now));
  }
  return out;
}

absl::StatusOr<std::vector<NoticeRow>> DeadlineQueries::ListNotices(
    const StepFilter& f) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  return engine_->store().ListNotices(*conn, f);
}

absl::StatusOr<std::vector<v1::LadderStepRecord>> DeadlineQueries::ListSteps(
    const StepFilter& f) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  return engine_->store().ListSteps(*conn, f);
}

absl::StatusOr<std::vector<v1::SupervisionAct>>
DeadlineQueries::ListSupervisionActs(const ActFilter& f) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  return engine_->store().ListSupervisionActs(*conn, f);
}

absl::StatusOr<std::vector<v1::Extension>> DeadlineQueries::ListExtensions(
    const ExtensionFilter& f) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  return engine_->store().ListExtensions(*conn, f);
}

absl::StatusOr<std::vector<v1::EscalationCandidate>>
DeadlineQueries::EscalationCandidates(v1::LadderStep step,
                                      const UnitScope& units, int64_t offset,
                                      int limit) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  return engine_->EscalationCandidates(*conn, step, units, offset, limit);
}

absl::StatusOr<UnitScope> DeadlineQueries::Scope(const auth::Principal& who,
                                                 const std::string& unit_id) {
  // The units the call names (the caller's own is its root when it names
  // none): a unit routing added since the copy was read is read first.
  const std::shared_ptr<const directory::Directory> d =
      directory_->SnapshotKnowing(
          {who.IsUnitRole() ? who.unit_id : std::string(), unit_id});
  ASSIGN_OR_RETURN(std::string root, ListRoot(*d, who, unit_id));
  absl::StatusOr<UnitScope> scope = SubtreeScope(*d, root);
  if (!scope.ok()) {
    return absl::Status(scope.status().code(),
                        absl::StrCat("unit_id: ", scope.status().message()));
  }
  return scope;
}

}  // namespace hotline::deadline
