#include "services/deadline/domain/clock_rules.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"

namespace hotline::deadline {

Period ResponsePeriod(const Policy& p) {
  return {"response", p.response().article, p.response().working_days, {}};
}
Period ForwardPeriod(const Policy& p) {
  return {"forward", p.forward().article, p.forward().working_days, {}};
}
Period ReturnPeriod(const Policy& p) {
  return {"return.cumulative",
          p.return_total().article,
          p.return_total().working_days,
          {}};
}

namespace {
Period DefaultHandling(const Policy& p, v1::RequestType type) {
  if (type == v1::REQUEST_TYPE_CONSULTATION) {
    return {"handling.consultation",
            p.handling_consultation().article,
            p.handling_consultation().working_days,
            {}};
  }
  return {"handling.default",
          p.handling_default().article,
          p.handling_default().working_days,
          {}};
}
}  // namespace

Period HandlingPeriod(const Policy& p, v1::RequestType type,
                      const v1::HandlingLimit* limit) {
  if (limit == nullptr ||
      limit->limit_case() == v1::HandlingLimit::LIMIT_NOT_SET) {
    return DefaultHandling(p, type);
  }
  Period out;
  const bool statutory = !limit->legal_basis().empty();
  out.rule = statutory ? "handling.statutory" : "handling.own_limit";
  out.article = statutory ? "3, 6(4)" : "6(2)";
  if (limit->limit_case() == v1::HandlingLimit::kWorkingDays) {
    out.working_days = limit->working_days();
  } else {
    absl::StatusOr<absl::CivilDay> d = calendar::ParseDate(limit->due_date());
    if (!d.ok()) return DefaultHandling(p, type);  // producer validated it
    out.last_day = *d;
  }
  return out;
}

absl::StatusOr<Period> LeadUnitPeriod(const calendar::Calendar& cal,
                                      const Policy& policy,
                                      v1::RequestType type,
                                      const Period& handling,
                                      absl::Time start) {
  if (handling.rule != "handling.own_limit") return handling;
  const Period ceiling = DefaultHandling(policy, type);
  if (!handling.last_day.has_value()) {
    // Same start: more working days is a later due.
    return handling.working_days > ceiling.working_days ? ceiling : handling;
  }
  ASSIGN_OR_RETURN(v1::Explanation most, Explain(cal, policy, ceiling, start));
  ASSIGN_OR_RETURN(absl::CivilDay most_last,
                   calendar::ParseDate(most.last_working_date()));
  return *handling.last_day > most_last ? ceiling : handling;
}

Period CoOpinionPeriod(const Policy& p,
                       std::optional<absl::CivilDay> lead_last_day) {
  Period out{"co_opinion", p.co_opinion().article, p.co_opinion().working_days,
             std::nullopt};
  out.cap_last_day = lead_last_day;
  return out;
}

Period RehandlingPeriod(const Policy& p, v1::RequestType type,
                        int handling_days) {
  Period out;
  out.rule = "rehandling";
  out.article = p.rehandling().article;
  out.working_days = p.rehandling().working_days;
  if (out.working_days == 0) out.working_days = handling_days;
  if (out.working_days == 0) {
    out.working_days = DefaultHandling(p, type).working_days;
  }
  return out;
}

absl::StatusOr<v1::Explanation> Explain(const calendar::Calendar& cal,
                                        const Policy& policy,
                                        const Period& period,
                                        absl::Time start) {
  v1::Explanation e;
  e.set_rule(period.rule);
  e.set_article(period.article);
  *e.mutable_start() = ToProto(start);
  const absl::CivilDay start_day = calendar::LocalDay(start);
  e.set_start_date(calendar::FormatDate(start_day));
  e.set_policy_version(policy.version());
  e.set_calendar_version(cal.version());
  std::vector<calendar::DayNote> skipped;
  absl::CivilDay last;
  bool incomplete = false;
  int n = period.working_days;
  std::optional<absl::CivilDay> fixed = period.last_day;
  if (!fixed.has_value() && period.cap_last_day.has_value()) {
    ASSIGN_OR_RETURN(calendar::DueResult d, cal.AddWorkingDays(start, n));
    if (d.last_day > *period.cap_last_day) fixed = period.cap_last_day;
  }
  if (fixed.has_value()) {
    last = *fixed;
    if (last < start_day) last = start_day;
    ASSIGN_OR_RETURN(calendar::ExplainedCount c,
                     cal.ExplainCountWorkingDays(start_day, last));
    n = static_cast<int>(c.working_days);
    skipped = std::move(c.skipped);
    incomplete = c.calendar_incomplete;
  } else {
    ASSIGN_OR_RETURN(calendar::ExplainedDue d,
                     cal.ExplainAddWorkingDays(start, n));
    last = d.last_day;
    skipped = std::move(d.skipped);
    incomplete = d.calendar_incomplete;
  }
  const absl::Time due = calendar::StartOfLocalDay(last + 1);
  e.set_working_days(n);
  e.set_last_working_date(calendar::FormatDate(last));
  *e.mutable_due() = ToProto(due);
  for (const calendar::DayNote& s : skipped) {
    v1::DayNote* note = e.add_skipped();
    note->set_date(calendar::FormatDate(s.day));
    note->set_kind(s.reason == calendar::DayNote::kHoliday
                       ? v1::DAY_KIND_HOLIDAY
                       : v1::DAY_KIND_WEEKEND);
  }
  e.set_calendar_incomplete(incomplete);
  std::string text = absl::StrFormat(
      "Rule %s (article %s, policy %s): from %s (that day not counted), ",
      period.rule, period.article, policy.version(), e.start_date());
  if (fixed.has_value()) {
    absl::StrAppendFormat(
        &text, "%s last day %s (%d working days); ",
        period.last_day.has_value() ? "fixed" : "capped at the",
        e.last_working_date(), n);
  } else {
    absl::StrAppendFormat(&text, "%d working days end on %s; ", n,
                          e.last_working_date());
  }
  absl::StrAppendFormat(&text, "%d non-working days skipped", e.skipped_size());
  if (e.skipped_size() > 0) {
    text += " (";
    for (int i = 0; i < e.skipped_size(); ++i) {
      if (i > 0) text += ", ";
      absl::StrAppend(&text, e.skipped(i).date(),
                      e.skipped(i).kind() == v1::DAY_KIND_HOLIDAY ? " holiday"
                                                                  : " weekend");
    }
    text += ")";
  }
  absl::StrAppendFormat(&text,
                        "; due %s 00:00 +08:00 (24:00 of the last day); "
                        "calendar %s",
                        calendar::FormatDate(last + 1), cal.version());
  if (incomplete) {
    text += "; CALENDAR INCOMPLETE: weekday rule used past the last known year";
  }
  text += ".";
  e.set_text(text);
  return e;
}

v1::ClockOutcome OutcomeAt(absl::Time due, absl::Time stopped_at) {
  return stopped_at < due ? v1::CLOCK_OUTCOME_MET : v1::CLOCK_OUTCOME_MISSED;
}

int OverdueWorkingDays(const calendar::Calendar& cal, absl::Time due,
                       absl::Time at) {
  if (at < due) return 0;
  const absl::CivilDay last = calendar::LocalDay(due - absl::Nanoseconds(1));
  absl::StatusOr<calendar::CountResult> c =
      cal.CountWorkingDays(last, calendar::LocalDay(at));
  return c.ok() ? static_cast<int>(c->working_days) : 0;
}

bool IsHandlingKind(v1::ClockKind kind) {
  return kind == v1::CLOCK_KIND_HANDLING || kind == v1::CLOCK_KIND_REHANDLING ||
         kind == v1::CLOCK_KIND_LEAD_UNIT;
}

bool IsCompletionKind(v1::ClockKind kind) {
  return kind == v1::CLOCK_KIND_HANDLING || kind == v1::CLOCK_KIND_LEAD_UNIT;
}

bool CanBeOverdue(v1::ClockKind kind) {
  return kind == v1::CLOCK_KIND_RESPONSE || IsHandlingKind(kind) ||
         kind == v1::CLOCK_KIND_CO_OPINION;
}

v1::LadderStep FirstRung(v1::ClockKind kind) {
  if (kind == v1::CLOCK_KIND_RESPONSE) return v1::LADDER_STEP_REMINDER;
  if (IsHandlingKind(kind) || kind == v1::CLOCK_KIND_CO_OPINION) {
    return v1::LADDER_STEP_SUPERVISION;
  }
  return v1::LADDER_STEP_UNSPECIFIED;
}

Verdict JudgedBy(const ClockFacts& c, absl::Time act, std::string cause) {
  Verdict v;
  v.outcome = c.overdue_since.has_value() ? v1::CLOCK_OUTCOME_MISSED
                                          : OutcomeAt(c.due, act);
  v.judged_at = act;
  v.cause = std::move(cause);
  return v;
}

Verdict Superseded(const ClockFacts& c, absl::Time at, std::string cause) {
  const absl::Time effective = c.pending_since.value_or(at);
  Verdict v;
  v.cause = std::move(cause);
  if (c.overdue_since.has_value() || effective >= c.due) {
    v.outcome = v1::CLOCK_OUTCOME_MISSED;
    v.judged_at = effective;
  } else {
    v.outcome = v1::CLOCK_OUTCOME_CANCELLED;
  }
  return v;
}

absl::Time NextWorkingDayStart(const calendar::Calendar& cal, absl::Time t) {
  absl::CivilDay d = calendar::LocalDay(t) + 1;
  // A year holds at most a few weeks without a working day; 400 bounds it.
  for (int i = 0; i < 400 && !cal.IsWorkingDay(d); ++i) ++d;
  return calendar::StartOfLocalDay(d);
}

int ElapsedWorkingDays(const calendar::Calendar& cal, absl::Time from,
                       absl::Time to) {
  if (to <= from) return 0;
  absl::StatusOr<calendar::CountResult> c =
      cal.CountWorkingDays(calendar::LocalDay(from), calendar::LocalDay(to));
  return c.ok() ? static_cast<int>(std::max<int64_t>(0, c->working_days)) : 0;
}

std::vector<OverdueReport> OverdueReports(const calendar::Calendar& cal,
                                          v1::ClockKind kind, absl::Time due,
                                          absl::Time overdue_from,
                                          absl::Time until,
                                          OverdueState* state) {
  std::vector<OverdueReport> out;
  const absl::Time from = std::max(due, overdue_from);
  if (until < from && !state->since.has_value()) return out;
  if (until < due) return out;
  const absl::CivilDay last = calendar::LocalDay(due - absl::Nanoseconds(1));
  const bool completion = IsCompletionKind(kind);
  if (!state->since.has_value()) {
    OverdueReport first;
    first.as_of = from;
    first.first = true;
    const int days = OverdueWorkingDays(cal, due, from);
    first.added = completion ? days : 0;
    state->since = from;
    state->counted_through = calendar::LocalDay(from);
    state->accrued += first.added;
    first.cumulative = completion ? state->accrued : days;
    out.push_back(first);
  }
  if (!completion) return out;
  absl::CivilDay d = std::max(state->counted_through.value_or(last), last);
  const absl::CivilDay end = calendar::LocalDay(until);
  for (++d; d <= end; ++d) {
    if (!cal.IsWorkingDay(d)) continue;
    OverdueReport r;
    r.as_of = calendar::StartOfLocalDay(d);
    r.added = 1;
    state->accrued += 1;
    r.cumulative = state->accrued;
    out.push_back(r);
  }
  if (!state->counted_through.has_value() || *state->counted_through < end) {
    state->counted_through = end;
  }
  return out;
}

}  // namespace hotline::deadline
