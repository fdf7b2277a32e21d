#include "services/deadline/clock_rules.h"

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
  if (period.last_day.has_value()) {
    last = *period.last_day;
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
  if (period.last_day.has_value()) {
    absl::StrAppendFormat(&text, "fixed last day %s (%d working days); ",
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

v1::LadderStep FirstRung(v1::ClockKind kind) {
  if (kind == v1::CLOCK_KIND_RESPONSE) return v1::LADDER_STEP_REMINDER;
  if (IsHandlingKind(kind)) return v1::LADDER_STEP_SUPERVISION;
  return v1::LADDER_STEP_UNSPECIFIED;
}

v1::LadderStep NextRung(v1::LadderStep step) {
  switch (step) {
    case v1::LADDER_STEP_SUPERVISION:
      return v1::LADDER_STEP_SPECIAL_INSPECTION;
    case v1::LADDER_STEP_SPECIAL_INSPECTION:
      return v1::LADDER_STEP_DISTRICT_NOTICE;
    default:
      return v1::LADDER_STEP_UNSPECIFIED;
  }
}

absl::Time RungDue(const calendar::Calendar& cal, const Policy& policy,
                   v1::LadderStep step, absl::Time clock_due) {
  int further = 0;
  if (step == v1::LADDER_STEP_SPECIAL_INSPECTION) {
    further = policy.special_inspection().working_days;
  } else if (step == v1::LADDER_STEP_DISTRICT_NOTICE) {
    further = policy.special_inspection().working_days +
              policy.district_notice().working_days;
  } else {
    return clock_due;
  }
  absl::StatusOr<calendar::DueResult> r =
      cal.AddWorkingDays(clock_due - absl::Nanoseconds(1), further);
  return r.ok() ? r->due : clock_due + absl::Hours(24 * further);
}

}  // namespace hotline::deadline
