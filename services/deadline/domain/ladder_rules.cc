#include "services/deadline/domain/ladder_rules.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/calendar/calendar.h"
#include "common/directory/directory.h"
#include "common/server/proto_enum.h"
#include "common/status/status.h"
#include "services/deadline/domain/clock_rules.h"

namespace hotline::deadline {

namespace {

// The automatic steps of the ladder (催办, 督办): what "督办2次" counts.
constexpr v1::LadderStep kAutomaticSteps[] = {v1::LADDER_STEP_REMINDER,
                                              v1::LADDER_STEP_SUPERVISION};

bool IsAutomaticStep(v1::LadderStep step) {
  return std::find(std::begin(kAutomaticSteps), std::end(kAutomaticSteps),
                   step) != std::end(kAutomaticSteps);
}

}  // namespace

std::vector<RecipientPlan> PlanFor(v1::LadderStep step) {
  using C = v1::NoticeChannel;
  const C phone = v1::NOTICE_CHANNEL_PHONE, sms = v1::NOTICE_CHANNEL_SMS,
          letter = v1::NOTICE_CHANNEL_SUPERVISION_LETTER;
  switch (step) {
    case v1::LADDER_STEP_REMINDER:
      return {{v1::RECIPIENT_KIND_LIAISON, {phone, sms}},
              {v1::RECIPIENT_KIND_DUTY_LEADER, {phone, sms}}};
    case v1::LADDER_STEP_SUPERVISION:
      return {{v1::RECIPIENT_KIND_LIAISON, {letter, phone, sms}},
              {v1::RECIPIENT_KIND_DUTY_LEADER, {letter, phone, sms}}};
    case v1::LADDER_STEP_SPECIAL_INSPECTION:
      return {{v1::RECIPIENT_KIND_LIAISON, {letter, phone}},
              {v1::RECIPIENT_KIND_DUTY_LEADER, {letter, phone}},
              {v1::RECIPIENT_KIND_DISTRICT_OFFICE, {letter}}};
    case v1::LADDER_STEP_DISTRICT_NOTICE:
      return {{v1::RECIPIENT_KIND_LIAISON, {letter}},
              {v1::RECIPIENT_KIND_DUTY_LEADER, {letter}},
              {v1::RECIPIENT_KIND_DISTRICT_OFFICE, {letter}},
              {v1::RECIPIENT_KIND_CENTER, {letter}}};
    default:
      return {};
  }
}

NoticeTarget RecipientOf(v1::RecipientKind kind) {
  NoticeTarget t;
  t.kind = kind;
  switch (kind) {
    case v1::RECIPIENT_KIND_DISTRICT_OFFICE:
      t.unit_id = "district.office";
      t.name = "区政府办公室";
      t.resolved = true;
      break;
    case v1::RECIPIENT_KIND_CENTER:
      t.unit_id = directory::kCenterUnitId;
      t.name = "区政务服务管理办公室";
      t.resolved = true;
      break;
    default:
      t.name = "unresolved";
      t.resolved = false;
  }
  return t;
}

std::vector<NoticeTarget> TargetsOf(v1::LadderStep step) {
  std::vector<NoticeTarget> out;
  for (const RecipientPlan& plan : PlanFor(step)) {
    for (v1::NoticeChannel ch : plan.channels) {
      out.push_back(RecipientOf(plan.kind));
      out.back().channel = ch;
    }
  }
  return out;
}

std::string NoticeText(v1::LadderStep step, const std::string& number,
                       absl::Time due, const std::string& act_text) {
  const std::string last =
      calendar::FormatDate(calendar::LocalDay(due - absl::Nanoseconds(1)));
  switch (step) {
    case v1::LADDER_STEP_REMINDER:
      return absl::StrFormat(
          "【12345热线催办】工单%s应于%s "
          "24:00前签收，现已超时，请立即签收办理。",
          number, last);
    case v1::LADDER_STEP_SUPERVISION:
      return absl::StrFormat(
          "【12345热线督办】工单%s办理期限已于%s 24:00届满，现予督办，"
          "请立即办理并答复来电人。",
          number, last);
    case v1::LADDER_STEP_SPECIAL_INSPECTION:
      return absl::StrFormat(
          "【专项督查】工单%s（期限%s）经催办、督办仍未办结，"
          "区政府办公室会同区政务服务管理办开展专项督查：%s",
          number, last, act_text);
    case v1::LADDER_STEP_DISTRICT_NOTICE:
      return absl::StrFormat(
          "【全区通报】工单%s（期限%s）经专项督查仍未认真办理，予以全区通报：%"
          "s",
          number, last, act_text);
    default:
      return "";
  }
}

RungAction DecideRung(v1::LadderStep step, bool running, bool pending,
                      absl::Time due, v1::LadderStep ladder_step,
                      absl::Time now) {
  // A stopped clock or one awaiting the center is not chased; Resume puts
  // its rungs back.
  if (!running || pending) return RungAction::kDrop;
  if (now < due) return RungAction::kReschedule;
  if (step == kOverdueWatch) return RungAction::kWatch;
  if (ladder_step >= step) return RungAction::kFired;
  return RungAction::kFire;
}

absl::StatusOr<EscalationCriteria> EscalationCriteriaFor(v1::LadderStep step) {
  if (step != v1::LADDER_STEP_SPECIAL_INSPECTION &&
      step != v1::LADDER_STEP_DISTRICT_NOTICE) {
    const std::string name = v1::LadderStep_Name(step);
    return absl::InvalidArgumentError(absl::StrCat(
        "step: ", name.empty() ? absl::StrCat(static_cast<int>(step)) : name,
        " is no act of people (want SPECIAL_INSPECTION or "
        "DISTRICT_NOTICE)"));
  }
  EscalationCriteria c;
  // "仍未办结": a clock a reply answers still runs.
  for (int k = v1::ClockKind_MIN; k <= v1::ClockKind_MAX; ++k) {
    if (v1::ClockKind_IsValid(k) &&
        IsHandlingKind(static_cast<v1::ClockKind>(k))) {
      c.open_kinds.push_back(static_cast<v1::ClockKind>(k));
    }
  }
  if (step == v1::LADDER_STEP_SPECIAL_INSPECTION) {
    // "督办2次": chased twice (催办 and 督办, or two 督办), not inspected yet.
    c.counted_steps.assign(std::begin(kAutomaticSteps),
                           std::end(kAutomaticSteps));
    c.min_counted = kAutomaticStepsBeforeInspection;
    c.forbidden_steps = {v1::LADDER_STEP_SPECIAL_INSPECTION,
                         v1::LADDER_STEP_DISTRICT_NOTICE};
  } else {
    // A district-wide notice follows a special inspection, once.
    c.required_steps = {v1::LADDER_STEP_SPECIAL_INSPECTION};
    c.forbidden_steps = {v1::LADDER_STEP_DISTRICT_NOTICE};
  }
  return c;
}

OrderLadder CountSteps(const std::vector<v1::LadderStep>& steps) {
  OrderLadder out;
  for (v1::LadderStep s : steps) {
    out.automatic += IsAutomaticStep(s);
    out.inspected = out.inspected || s == v1::LADDER_STEP_SPECIAL_INSPECTION;
    out.noticed = out.noticed || s == v1::LADDER_STEP_DISTRICT_NOTICE;
  }
  return out;
}

absl::Status CheckActQualifies(v1::LadderStep step, const OrderLadder& ladder,
                               const std::string& field,
                               const std::string& number) {
  // The criteria the list of candidates is built from, checked for one order.
  ASSIGN_OR_RETURN(const EscalationCriteria c, EscalationCriteriaFor(step));
  const bool notice = step == v1::LADDER_STEP_DISTRICT_NOTICE;
  if (!ladder.open) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": ", number,
                     " is finished (no running "
                     "handling clock): nothing left to ",
                     notice ? "notify" : "inspect"));
  }
  if (ladder.automatic < c.min_counted) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": ", number, " was chased ", ladder.automatic,
                     " time(s); a special inspection follows ", c.min_counted,
                     " (督办2次仍未办结)"));
  }
  const auto fired = [&](v1::LadderStep s) {
    return s == v1::LADDER_STEP_SPECIAL_INSPECTION ? ladder.inspected
           : s == v1::LADDER_STEP_DISTRICT_NOTICE  ? ladder.noticed
                                                   : false;
  };
  for (v1::LadderStep s : c.required_steps) {
    if (!fired(s)) {
      return absl::FailedPreconditionError(
          absl::StrCat(field, ": ", number, " has no ", v1::LadderStep_Name(s),
                       " yet; a ", v1::LadderStep_Name(step), " follows one"));
    }
  }
  for (v1::LadderStep s : c.forbidden_steps) {
    if (fired(s)) {
      return absl::AlreadyExistsError(absl::StrCat(
          field, ": ", number, " already has a ", server::ShortEnumName(s)));
    }
  }
  return absl::OkStatus();
}

NoticeRetry RetryLater(int attempts, bool give_up, absl::Time now) {
  NoticeRetry r;
  const absl::Duration backoff =
      absl::Seconds(30) * (1 << std::min(attempts, 8));
  r.attempts = attempts + 1;
  r.delivery = give_up || r.attempts >= kMaxNoticeAttempts
                   ? v1::NOTICE_DELIVERY_FAILED
                   : v1::NOTICE_DELIVERY_PENDING;
  r.next_attempt_at = now + backoff;
  return r;
}

}  // namespace hotline::deadline
