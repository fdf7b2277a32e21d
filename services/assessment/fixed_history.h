#pragma once

// The small fixed history of March 2024 whose indicators
// assessment_integration_test.cc computes by hand (see the comment there).

#include <string>
#include <vector>

#include "services/assessment/assessment_test_util.h"

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
  void Stopped(const std::string& t, const std::string& at, v1::ClockKind k,
               const std::string& unit, v1::ClockOutcome o, int late = 0) {
    auto* s = Add("deadline", t, at).mutable_clock_stopped();
    s->set_clock_id(absl::StrCat("clk-", t, "-", k, "-", unit));
    s->set_kind(k);
    s->set_unit_id(unit);
    s->set_outcome(o);
    s->set_overdue_working_days(late);
  }
  void Step(const std::string& t, const std::string& at, v1::LadderStep step,
            const std::string& unit) {
    auto* s = Add("deadline", t, at).mutable_ladder_step_fired();
    s->set_step_id(absl::StrCat("step-", t, "-", step));
    s->set_step(step);
    s->set_unit_id(unit);
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
  History h;
  // T0, February.
  h.Created("T0", "2024-02-19 09:00", COMPLAINT, NORMAL, "urban.road.damage",
            "town.longgang");
  h.Dispatched("T0", "2024-02-20 10:00", "town.longgang", COMPLAINT, NORMAL,
               "urban.road.damage", "town.longgang");
  h.Stopped("T0", "2024-02-22 10:00", CLOCK_KIND_HANDLING, "town.longgang",
            MET);
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
  h.Stopped("T1", "2024-03-04 15:00", CLOCK_KIND_RESPONSE, "town.longgang",
            MET);
  h.Stopped("T1", "2024-03-04 15:00", CLOCK_KIND_FORWARD, "town.longgang", MET);
  h.Replied("T1", "2024-03-07 10:00", "village.gaoping");
  h.Stopped("T1", "2024-03-07 10:00", CLOCK_KIND_HANDLING, "village.gaoping",
            MET);
  h.Reviewed("T1", "2024-03-08 16:00", "village.gaoping", true);
  // T2.
  h.Created("T2", "2024-03-05 09:00", CONSULT, NORMAL, "policy.social.pension",
            "");
  h.Dispatched("T2", "2024-03-05 10:00", "dept.housing", CONSULT, NORMAL,
               "policy.social.pension", "");
  h.Step("T2", "2024-03-06 00:00", v1::LADDER_STEP_REMINDER, "dept.housing");
  h.Stopped("T2", "2024-03-07 09:00", CLOCK_KIND_RESPONSE, "dept.housing",
            MISSED, 1);
  h.Step("T2", "2024-03-09 00:00", v1::LADDER_STEP_SUPERVISION, "dept.housing");
  h.Replied("T2", "2024-03-13 10:00", "dept.housing");
  h.Stopped("T2", "2024-03-13 10:00", CLOCK_KIND_HANDLING, "dept.housing",
            MISSED, 3);
  h.Reviewed("T2", "2024-03-13 15:00", "dept.housing", false);
  h.Replied("T2", "2024-03-14 10:00", "dept.housing", 1);
  h.Reviewed("T2", "2024-03-14 15:00", "dept.housing", true);
  // T3.
  h.Created("T3", "2024-03-11 09:00", v1::REQUEST_TYPE_HELP_SEEKING,
            v1::URGENCY_EXTRA_URGENT, "urban.water", "town.longshui");
  h.Dispatched("T3", "2024-03-11 10:00", "town.longshui",
               v1::REQUEST_TYPE_HELP_SEEKING, v1::URGENCY_EXTRA_URGENT,
               "urban.water", "town.longshui");
  h.Step("T3", "2024-03-12 00:00", v1::LADDER_STEP_REMINDER, "town.longshui");
  {
    auto* x = h.Add("deadline", "T3", "2024-03-12 11:00")
                  .mutable_extension_requested();
    x->set_extension_id("ext-T3");
    x->set_unit_id("town.longshui");
    x->set_approver_unit_id("center");
    x->set_reason("需协调供水公司抢修管网");
  }
  {
    auto* x =
        h.Add("deadline", "T3", "2024-03-13 11:00").mutable_extension_decided();
    x->set_extension_id("ext-T3");
    x->set_unit_id("town.longshui");
    x->set_approved(true);
    x->set_approved_due_date("2024-03-25");
  }
  h.Step("T3", "2024-03-26 00:00", v1::LADDER_STEP_SUPERVISION,
         "town.longshui");
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
  h.Stopped("T4", "2024-03-21 10:00", CLOCK_KIND_RETURN, "dept.housing", MISSED,
            1);
  h.Dispatched("T4", "2024-03-21 11:00", "town.longgang", COMPLAINT, NORMAL,
               "urban.road.damage", "town.longgang", 2);
  {
    auto* d =
        h.Add("routing", "T4", "2024-03-21 14:00").mutable_dispute_raised();
    d->set_dispute_id("disp-T4");
    d->set_unit_id("town.longgang");
    d->set_reason("该路段属区交通局管养");
  }
  h.Stopped("T4", "2024-03-21 14:00", CLOCK_KIND_RESPONSE, "town.longgang",
            MET);
  {
    auto* d =
        h.Add("routing", "T4", "2024-03-22 09:00").mutable_dispute_decided();
    d->set_dispute_id("disp-T4");
    d->set_unit_id("town.longgang");
    d->set_outcome(v1::DISPUTE_OUTCOME_DISPATCH_UPHELD);
    d->set_reason("属地管理，由镇街办理");
  }
  h.Replied("T4", "2024-03-27 10:00", "town.longgang");
  h.Stopped("T4", "2024-03-27 10:00", CLOCK_KIND_HANDLING, "town.longgang",
            MET);
  h.Reviewed("T4", "2024-03-27 16:00", "town.longgang", true);
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
  h.Stopped("T5", "2024-03-28 10:00", CLOCK_KIND_RETURN, "dept.housing", MISSED,
            1);
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
