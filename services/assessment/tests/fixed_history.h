#pragma once

// The small fixed history of February–April 2024 whose indicators
// assessment_integration_test.cc computes by hand (see the comment there).
// Deadline's events are those docs/clocks.md promises: a clock's verdict
// MISSED comes first as a ClockOverdue (first = true, dated by as_of),
// completion clocks then accrue one working day per ClockOverdue while
// unanswered, and a MISSED ClockStopped says overdue_reported; stops carry
// judged_at, started_at and elapsed_working_days (deadline's calendar).

#include <string>
#include <vector>

#include "services/assessment/tests/assessment_test_util.h"

namespace hotline::assessment::testing {

class History {
 public:
  std::vector<v1::TicketEvent> events;

  v1::TicketEvent& Add(const std::string& producer, const std::string& ticket,
                       const std::string& at) {
    events.push_back(f_.Make(producer, ticket, Local(at)));
    return events.back();
  }
  void Created(const std::string& t, const std::string& at,
               v1::RequestType type, v1::Urgency urgency,
               const std::string& category, const std::string& area) {
    auto* c = Add("intake", t, at).mutable_ticket_created();
    c->set_channel(v1::CHANNEL_PHONE);
    c->set_request_type(type);
    c->set_urgency(urgency);
    c->set_category_code(category);
    c->mutable_location()->set_town_code(area);
    c->set_title("市民反映的问题");
    c->set_content("龙岗街道某路段路面破损，请尽快处理。");
  }
  v1::Dispatched* Dispatched(const std::string& t, const std::string& at,
                             const std::string& unit, v1::RequestType type,
                             v1::Urgency urgency, const std::string& category,
                             const std::string& area, int round = 1) {
    v1::Dispatched* d;
    if (round == 1) {
      d = Add("routing", t, at).mutable_dispatched();
    } else {
      auto* r = Add("routing", t, at).mutable_redispatched();
      r->set_cause(v1::REDISPATCH_CAUSE_RETURNED);
      r->set_previous_unit_id("dept.housing");
      d = r->mutable_dispatch();
    }
    d->set_unit_id(unit);
    d->set_request_type(type);
    d->set_urgency(urgency);
    d->set_category_code(category);
    d->set_area_code(area);
    d->set_dispatch_round(round);
    return d;
  }
  static std::string ClockId(const std::string& t, v1::ClockKind k,
                             const std::string& unit) {
    return absl::StrCat("clk-", t, "-", k, "-", unit);
  }
  // A stop judged at `judged` ("" = CANCELLED, or a legacy stop without
  // judged_at), the clock having run from `started`.
  v1::ClockStopped* Stopped(const std::string& t, const std::string& at,
                            v1::ClockKind k, const std::string& unit,
                            v1::ClockOutcome o, const std::string& due,
                            const std::string& judged = "",
                            const std::string& started = "", int elapsed = 0,
                            int late = 0) {
    auto* s = Add("deadline", t, at).mutable_clock_stopped();
    s->set_clock_id(ClockId(t, k, unit));
    s->set_kind(k);
    s->set_unit_id(unit);
    s->set_outcome(o);
    *s->mutable_due() = ToProto(Local(due));
    s->set_overdue_working_days(late);
    s->set_overdue_reported(o == v1::CLOCK_OUTCOME_MISSED);
    s->set_rule(RuleOf(k));
    s->set_article(ArticleOf(k));
    if (!judged.empty()) *s->mutable_judged_at() = ToProto(Local(judged));
    if (!started.empty()) *s->mutable_started_at() = ToProto(Local(started));
    s->set_elapsed_working_days(elapsed);
    return s;
  }
  // A ClockOverdue emitted at `at`, dated `as_of`.
  void Overdue(const std::string& t, const std::string& at, v1::ClockKind k,
               const std::string& unit, const std::string& due,
               const std::string& as_of, bool first, int added, int so_far,
               const std::string& cause = "due_passed") {
    auto* o = Add("deadline", t, at).mutable_clock_overdue();
    o->set_clock_id(ClockId(t, k, unit));
    o->set_kind(k);
    o->set_unit_id(unit);
    *o->mutable_due() = ToProto(Local(due));
    *o->mutable_as_of() = ToProto(Local(as_of));
    o->set_first(first);
    o->set_added_working_days(added);
    o->set_overdue_working_days(so_far);
    if (first) o->set_cause(cause);
    o->set_rule(RuleOf(k));
    o->set_article(ArticleOf(k));
    o->set_dispatch_round(1);
  }
  // Accruals of a completion clock, one per working day "YYYY-MM-DD" begun
  // (00:00 local), emitted then; `so_far` before the first of them.
  void Accrue(const std::string& t, v1::ClockKind k, const std::string& unit,
              const std::string& due, const std::vector<std::string>& days,
              int so_far) {
    for (const std::string& d : days) {
      const std::string at = absl::StrCat(d, " 00:00");
      Overdue(t, at, k, unit, due, at, false, 1, ++so_far);
    }
  }
  void Step(const std::string& t, const std::string& at, v1::LadderStep step,
            const std::string& unit, v1::ClockKind k, const std::string& due) {
    auto* s = Add("deadline", t, at).mutable_ladder_step_fired();
    s->set_step_id(absl::StrCat("step-", t, "-", step));
    s->set_step(step);
    s->set_unit_id(unit);
    s->set_clock_id(ClockId(t, k, unit));
    s->set_clock_kind(k);
    *s->mutable_due() = ToProto(Local(due));
  }
  void Gap(const std::string& t, const std::string& at, const std::string& unit,
           const std::string& date, v1::RecipientKind kind,
           v1::LadderStep step) {
    auto* g = Add("deadline", t, at).mutable_duty_gap();
    g->set_unit_id(unit);
    g->set_date(date);
    g->set_recipient_kind(kind);
    g->set_step_id(absl::StrCat("step-", t, "-", step));
    g->set_step(step);
    g->set_notice_id(absl::StrCat("notice-", t, "-", step, "-", kind));
  }
  void Replied(const std::string& t, const std::string& at,
               const std::string& unit, int round = 0) {
    auto* r = Add("routing", t, at).mutable_replied();
    r->set_reply_id(absl::StrCat("reply-", t, "-", round));
    r->set_unit_id(unit);
    r->set_text("已安排人员现场处理并电话回复市民。");
    r->set_contact(v1::REPLY_CONTACT_PHONE);
    r->set_rehandling_round(round);
  }
  void Reviewed(const std::string& t, const std::string& at,
                const std::string& unit, bool approved) {
    auto* r = Add("routing", t, at).mutable_reviewed();
    r->set_reply_id(absl::StrCat("reply-", t));
    r->set_unit_id(unit);
    r->set_approved(approved);
    if (!approved) r->add_reasons(v1::REVIEW_REASON_NOT_RESOLVED);
  }

 private:
  static std::string RuleOf(v1::ClockKind k) {
    switch (k) {
      case v1::CLOCK_KIND_RESPONSE:
        return "response";
      case v1::CLOCK_KIND_FORWARD:
        return "forward";
      case v1::CLOCK_KIND_RETURN:
        return "return";
      default:
        return "handling.default";
    }
  }
  static std::string ArticleOf(v1::ClockKind k) {
    switch (k) {
      case v1::CLOCK_KIND_RESPONSE:
        return "7";
      case v1::CLOCK_KIND_FORWARD:
      case v1::CLOCK_KIND_RETURN:
        return "6(1)";
      default:
        return "6(2)";
    }
  }
  EventFactory f_;
};

inline History FixedHistory() {
  using v1::CLOCK_KIND_FORWARD;
  using v1::CLOCK_KIND_HANDLING;
  using v1::CLOCK_KIND_RESPONSE;
  using v1::CLOCK_KIND_RETURN;
  const auto MET = v1::CLOCK_OUTCOME_MET;
  const auto MISSED = v1::CLOCK_OUTCOME_MISSED;
  const auto COMPLAINT = v1::REQUEST_TYPE_COMPLAINT;
  const auto CONSULT = v1::REQUEST_TYPE_CONSULTATION;
  const auto NORMAL = v1::URGENCY_NORMAL;
  const auto LEADER = v1::RECIPIENT_KIND_DUTY_LEADER;
  History h;
  // T0, February.
  h.Created("T0", "2024-02-19 09:00", COMPLAINT, NORMAL, "urban.road.damage",
            "town.longgang");
  h.Dispatched("T0", "2024-02-20 10:00", "town.longgang", COMPLAINT, NORMAL,
               "urban.road.damage", "town.longgang");
  h.Stopped("T0", "2024-02-22 10:00", CLOCK_KIND_HANDLING, "town.longgang", MET,
            "2024-03-06 00:00", "2024-02-22 10:00", "2024-02-20 10:00", 2);
  // T7, February–March: urgent, never answered.
  h.Created("T7", "2024-02-26 09:00", COMPLAINT, v1::URGENCY_URGENT,
            "transport.bus", "town.baoding");
  h.Dispatched("T7", "2024-02-26 10:00", "dept.transport", COMPLAINT,
               v1::URGENCY_URGENT, "transport.bus", "town.baoding");
  h.Overdue("T7", "2024-02-28 00:00", CLOCK_KIND_RESPONSE, "dept.transport",
            "2024-02-28 00:00", "2024-02-28 00:00", true, 1, 1);
  h.Step("T7", "2024-02-28 00:00", v1::LADDER_STEP_REMINDER, "dept.transport",
         CLOCK_KIND_RESPONSE, "2024-02-28 00:00");
  {
    auto* d =
        h.Add("routing", "T7", "2024-03-04 09:00").mutable_dispute_raised();
    d->set_dispute_id("disp-T7");
    d->set_unit_id("dept.transport");
    d->set_reason("公交线路调整属区交通局运管所职责");
  }
  h.Stopped("T7", "2024-03-04 09:00", CLOCK_KIND_RESPONSE, "dept.transport",
            MISSED, "2024-02-28 00:00", "2024-03-04 09:00", "2024-02-26 10:00",
            5, 4)
      ->set_cause("responded");
  {
    auto* d =
        h.Add("routing", "T7", "2024-03-05 09:00").mutable_dispute_decided();
    d->set_dispute_id("disp-T7");
    d->set_unit_id("dept.transport");
    d->set_outcome(v1::DISPUTE_OUTCOME_DISPATCH_UPHELD);
    d->set_reason("运管所为区交通局下属单位，由区交通局办理");
  }
  {
    auto* x = h.Add("deadline", "T7", "2024-03-06 10:00")
                  .mutable_extension_requested();
    x->set_extension_id("ext-T7");
    x->set_clock_id(
        History::ClockId("T7", CLOCK_KIND_HANDLING, "dept.transport"));
    x->set_unit_id("dept.transport");
    x->set_approver_unit_id("center");
    x->set_proposed_due_date("2024-03-19");
    x->set_working_days_left(3);
    x->set_reason("需协调公交公司调整线路");
  }
  h.Overdue("T7", "2024-03-12 00:00", CLOCK_KIND_HANDLING, "dept.transport",
            "2024-03-12 00:00", "2024-03-12 00:00", true, 1, 1);
  h.Step("T7", "2024-03-12 00:00", v1::LADDER_STEP_SUPERVISION,
         "dept.transport", CLOCK_KIND_HANDLING, "2024-03-12 00:00");
  {
    auto* x =
        h.Add("deadline", "T7", "2024-03-12 10:00").mutable_extension_decided();
    x->set_extension_id("ext-T7");
    x->set_clock_id(
        History::ClockId("T7", CLOCK_KIND_HANDLING, "dept.transport"));
    x->set_unit_id("dept.transport");
    x->set_approver_unit_id("center");
    x->set_approved(false);
    x->set_reason("已超过办理时限，不予延期");
    x->set_decided_after_due(true);
    *x->mutable_due_when_decided() = ToProto(Local("2024-03-12 00:00"));
  }
  h.Accrue(
      "T7", CLOCK_KIND_HANDLING, "dept.transport", "2024-03-12 00:00",
      {"2024-03-13", "2024-03-14", "2024-03-15", "2024-03-18", "2024-03-19",
       "2024-03-20", "2024-03-21", "2024-03-22", "2024-03-25", "2024-03-26",
       "2024-03-27", "2024-03-28", "2024-03-29"},
      1);
  // T1.
  h.Created("T1", "2024-03-04 09:00", COMPLAINT, v1::URGENCY_URGENT,
            "urban.road.damage", "town.longgang");
  h.Dispatched("T1", "2024-03-04 10:00", "town.longgang", COMPLAINT,
               v1::URGENCY_URGENT, "urban.road.damage", "town.longgang");
  {
    auto* f = h.Add("routing", "T1", "2024-03-04 15:00").mutable_forwarded();
    f->set_from_unit_id("town.longgang");
    f->set_to_unit_id("village.gaoping");
  }
  h.Stopped("T1", "2024-03-04 15:00", CLOCK_KIND_RESPONSE, "town.longgang", MET,
            "2024-03-06 00:00", "2024-03-04 15:00", "2024-03-04 10:00", 0);
  h.Replied("T1", "2024-03-07 10:00", "village.gaoping");
  // FORWARD is judged when the handling unit replies, at its arrival.
  h.Stopped("T1", "2024-03-07 10:00", CLOCK_KIND_FORWARD, "town.longgang", MET,
            "2024-03-06 00:00", "2024-03-04 15:00", "2024-03-04 10:00", 0)
      ->set_cause("handling_unit_reached");
  h.Reviewed("T1", "2024-03-08 16:00", "village.gaoping", true);
  // HANDLING is judged by the approved reply, at the reply.
  h.Stopped("T1", "2024-03-08 16:00", CLOCK_KIND_HANDLING, "village.gaoping",
            MET, "2024-03-19 00:00", "2024-03-07 10:00", "2024-03-04 10:00", 3)
      ->set_cause("reviewed.approved");
  // T2.
  h.Created("T2", "2024-03-05 09:00", CONSULT, NORMAL, "policy.social.pension",
            "");
  h.Dispatched("T2", "2024-03-05 10:00", "dept.housing", CONSULT, NORMAL,
               "policy.social.pension", "");
  h.Overdue("T2", "2024-03-07 00:00", CLOCK_KIND_RESPONSE, "dept.housing",
            "2024-03-07 00:00", "2024-03-07 00:00", true, 1, 1);
  h.Step("T2", "2024-03-07 00:00", v1::LADDER_STEP_REMINDER, "dept.housing",
         CLOCK_KIND_RESPONSE, "2024-03-07 00:00");
  h.Stopped("T2", "2024-03-07 09:00", CLOCK_KIND_RESPONSE, "dept.housing",
            MISSED, "2024-03-07 00:00", "2024-03-07 09:00", "2024-03-05 10:00",
            2, 1);
  h.Overdue("T2", "2024-03-09 00:00", CLOCK_KIND_HANDLING, "dept.housing",
            "2024-03-09 00:00", "2024-03-09 00:00", true, 0, 0);
  h.Step("T2", "2024-03-09 00:00", v1::LADDER_STEP_SUPERVISION, "dept.housing",
         CLOCK_KIND_HANDLING, "2024-03-09 00:00");
  h.Accrue("T2", CLOCK_KIND_HANDLING, "dept.housing", "2024-03-09 00:00",
           {"2024-03-11", "2024-03-12", "2024-03-13"}, 0);
  h.Replied("T2", "2024-03-13 10:00", "dept.housing");
  h.Reviewed("T2", "2024-03-13 15:00", "dept.housing", false);
  h.Accrue("T2", CLOCK_KIND_HANDLING, "dept.housing", "2024-03-09 00:00",
           {"2024-03-14"}, 3);
  h.Replied("T2", "2024-03-14 10:00", "dept.housing", 1);
  h.Reviewed("T2", "2024-03-14 15:00", "dept.housing", true);
  h.Stopped("T2", "2024-03-14 15:00", CLOCK_KIND_HANDLING, "dept.housing",
            MISSED, "2024-03-09 00:00", "2024-03-14 10:00", "2024-03-05 10:00",
            7, 4)
      ->set_cause("reviewed.approved");
  // T3.
  h.Created("T3", "2024-03-11 09:00", v1::REQUEST_TYPE_HELP_SEEKING,
            v1::URGENCY_EXTRA_URGENT, "urban.water", "town.longshui");
  h.Dispatched("T3", "2024-03-11 10:00", "town.longshui",
               v1::REQUEST_TYPE_HELP_SEEKING, v1::URGENCY_EXTRA_URGENT,
               "urban.water", "town.longshui");
  {
    auto* x = h.Add("deadline", "T3", "2024-03-12 11:00")
                  .mutable_extension_requested();
    x->set_extension_id("ext-T3");
    x->set_unit_id("town.longshui");
    x->set_approver_unit_id("center");
    x->set_proposed_due_date("2024-03-27");
    x->set_reason("需协调供水公司抢修管网");
  }
  h.Overdue("T3", "2024-03-13 00:00", CLOCK_KIND_RESPONSE, "town.longshui",
            "2024-03-13 00:00", "2024-03-13 00:00", true, 1, 1);
  h.Step("T3", "2024-03-13 00:00", v1::LADDER_STEP_REMINDER, "town.longshui",
         CLOCK_KIND_RESPONSE, "2024-03-13 00:00");
  h.Gap("T3", "2024-03-13 00:00", "town.longshui", "2024-03-13",
        v1::RECIPIENT_KIND_LIAISON, v1::LADDER_STEP_REMINDER);
  h.Gap("T3", "2024-03-13 00:00", "town.longshui", "2024-03-13", LEADER,
        v1::LADDER_STEP_REMINDER);
  {
    auto* x =
        h.Add("deadline", "T3", "2024-03-13 11:00").mutable_extension_decided();
    x->set_extension_id("ext-T3");
    x->set_unit_id("town.longshui");
    x->set_approver_unit_id("center");
    x->set_approved(true);
    x->set_approved_due_date("2024-03-27");
    *x->mutable_new_due() = ToProto(Local("2024-03-28 00:00"));
    *x->mutable_due_when_decided() = ToProto(Local("2024-03-26 00:00"));
  }
  h.Overdue("T3", "2024-03-28 00:00", CLOCK_KIND_HANDLING, "town.longshui",
            "2024-03-28 00:00", "2024-03-28 00:00", true, 1, 1);
  h.Step("T3", "2024-03-28 00:00", v1::LADDER_STEP_SUPERVISION, "town.longshui",
         CLOCK_KIND_HANDLING, "2024-03-28 00:00");
  h.Gap("T3", "2024-03-28 00:00", "town.longshui", "2024-03-28", LEADER,
        v1::LADDER_STEP_SUPERVISION);
  // The scanner was down over the weekend: the accrual for Fri 03-29 is
  // emitted on Mon 04-01 with the one for 04-01. It counts on 03-29.
  h.Overdue("T3", "2024-04-01 08:00", CLOCK_KIND_HANDLING, "town.longshui",
            "2024-03-28 00:00", "2024-03-29 00:00", false, 1, 2);
  h.Overdue("T3", "2024-04-01 08:00", CLOCK_KIND_HANDLING, "town.longshui",
            "2024-03-28 00:00", "2024-04-01 00:00", false, 1, 3);
  h.Accrue("T3", CLOCK_KIND_HANDLING, "town.longshui", "2024-03-28 00:00",
           {"2024-04-02", "2024-04-03"}, 3);
  // T4.
  h.Created("T4", "2024-03-18 09:00", COMPLAINT, NORMAL, "urban.road.damage",
            "town.longgang");
  h.Dispatched("T4", "2024-03-18 10:00", "dept.housing", COMPLAINT, NORMAL,
               "urban.road.damage", "town.longgang");
  {
    auto* r = h.Add("routing", "T4", "2024-03-21 10:00").mutable_returned();
    r->set_from_unit_id("dept.housing");
    r->set_to_unit_id("center");
    r->set_reason("不属于本单位职责");
    r->set_reached_center(true);
  }
  h.Overdue("T4", "2024-03-21 10:00", CLOCK_KIND_RETURN, "dept.housing",
            "2024-03-21 00:00", "2024-03-21 00:00", true, 1, 1,
            "stopped_past_due");
  h.Stopped("T4", "2024-03-21 10:00", CLOCK_KIND_RETURN, "dept.housing", MISSED,
            "2024-03-21 00:00", "2024-03-21 10:00", "2024-03-18 10:00", 3, 1)
      ->set_cause("reached_center");
  h.Dispatched("T4", "2024-03-21 11:00", "town.longgang", COMPLAINT, NORMAL,
               "urban.road.damage", "town.longgang", 2);
  {
    auto* d =
        h.Add("routing", "T4", "2024-03-21 14:00").mutable_dispute_raised();
    d->set_dispute_id("disp-T4");
    d->set_unit_id("town.longgang");
    d->set_reason("该路段属区交通局管养");
  }
  h.Stopped("T4", "2024-03-21 14:00", CLOCK_KIND_RESPONSE, "town.longgang", MET,
            "2024-03-23 00:00", "2024-03-21 14:00", "2024-03-21 11:00", 0);
  {
    auto* d =
        h.Add("routing", "T4", "2024-03-22 09:00").mutable_dispute_decided();
    d->set_dispute_id("disp-T4");
    d->set_unit_id("town.longgang");
    d->set_outcome(v1::DISPUTE_OUTCOME_DISPATCH_UPHELD);
    d->set_reason("属地管理，由镇街办理");
  }
  h.Replied("T4", "2024-03-27 10:00", "town.longgang");
  h.Reviewed("T4", "2024-03-27 16:00", "town.longgang", true);
  h.Stopped("T4", "2024-03-27 16:00", CLOCK_KIND_HANDLING, "town.longgang", MET,
            "2024-04-08 00:00", "2024-03-27 10:00", "2024-03-21 11:00", 4)
      ->set_cause("reviewed.approved");
  // T5.
  h.Created("T5", "2024-03-25 09:00", COMPLAINT, NORMAL, "urban.road.damage",
            "town.longshui");
  h.Dispatched("T5", "2024-03-25 10:00", "dept.housing", COMPLAINT, NORMAL,
               "urban.road.damage", "town.longshui");
  {
    auto* r = h.Add("routing", "T5", "2024-03-28 10:00").mutable_returned();
    r->set_from_unit_id("dept.housing");
    r->set_to_unit_id("center");
    r->set_reason("不属于本单位职责");
    r->set_reached_center(true);
  }
  h.Overdue("T5", "2024-03-28 10:00", CLOCK_KIND_RETURN, "dept.housing",
            "2024-03-28 00:00", "2024-03-28 00:00", true, 1, 1,
            "stopped_past_due");
  h.Stopped("T5", "2024-03-28 10:00", CLOCK_KIND_RETURN, "dept.housing", MISSED,
            "2024-03-28 00:00", "2024-03-28 10:00", "2024-03-25 10:00", 3, 1)
      ->set_cause("reached_center");
  // T6.
  h.Created("T6", "2024-03-06 09:00", CONSULT, NORMAL, "policy.social.pension",
            "");
  {
    auto* c = h.Add("intake", "T6", "2024-03-06 09:05")
                  .mutable_ticket_closed_at_intake();
    c->add_article_ids("kb-1");
  }
  return h;
}

}  // namespace hotline::assessment::testing
