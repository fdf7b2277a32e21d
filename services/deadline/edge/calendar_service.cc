#include "services/deadline/edge/calendar_service.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "google/protobuf/unknown_field_set.h"
#include "hotline/v1/deadline.grpc.pb.h"
#include "services/deadline/edge/request_checks.h"
#include "services/deadline/edge/request_id.h"

namespace hotline::deadline {
namespace {

using calendar::Calendar;

constexpr int kMinYear = kMinRequestYear;
constexpr int kMaxYear = kMaxRequestYear;

v1::DayKind ToProtoKind(calendar::DayKind k) {
  switch (k) {
    case calendar::DayKind::kWorkday:
      return v1::DAY_KIND_WORKING_DAY;
    case calendar::DayKind::kAdjustedWorkday:
      return v1::DAY_KIND_ADJUSTED_WORKING_DAY;
    case calendar::DayKind::kWeekend:
      return v1::DAY_KIND_WEEKEND;
    case calendar::DayKind::kHoliday:
      return v1::DAY_KIND_HOLIDAY;
  }
  return v1::DAY_KIND_UNSPECIFIED;
}

void AddNotes(const std::vector<calendar::DayNote>& notes,
              google::protobuf::RepeatedPtrField<v1::DayNote>* out) {
  for (const calendar::DayNote& n : notes) {
    v1::DayNote* d = out->Add();
    d->set_date(calendar::FormatDate(n.day));
    d->set_kind(n.reason == calendar::DayNote::kHoliday ? v1::DAY_KIND_HOLIDAY
                                                        : v1::DAY_KIND_WEEKEND);
  }
}

class CalendarServiceImpl final : public v1::CalendarService::Service {
 public:
  explicit CalendarServiceImpl(CalendarServiceDeps deps)
      : deps_(std::move(deps)) {}

  grpc::Status AddWorkingDays(grpc::ServerContext* ctx,
                              const v1::AddWorkingDaysRequest* req,
                              v1::AddWorkingDaysResponse* resp) override {
    return server::Handle(*deps_.gate, ctx, [&](const auth::Principal&) {
      RETURN_IF_ERROR(RejectUnknownFields(*req));
      if (!req->has_start()) {
        return absl::InvalidArgumentError("start: required");
      }
      ASSIGN_OR_RETURN(absl::Time start,
                       ParseTimestampField("start", req->start()));
      if (req->working_days() < 0) {
        return absl::InvalidArgumentError("working_days: negative");
      }
      if (req->working_days() > Calendar::kMaxWorkingDays) {
        return absl::InvalidArgumentError("working_days: more than 3650");
      }
      std::shared_ptr<const Calendar> cal = deps_.state->Get();
      ASSIGN_OR_RETURN(calendar::ExplainedDue r,
                       cal->ExplainAddWorkingDays(start, req->working_days()));
      *resp->mutable_due() = ToProto(r.due);
      resp->set_calendar_incomplete(r.calendar_incomplete);
      resp->set_calendar_version(r.calendar_version);
      AddNotes(r.skipped, resp->mutable_skipped());
      resp->set_explanation(r.explanation);
      resp->set_start_date(calendar::FormatDate(calendar::LocalDay(start)));
      resp->set_last_working_date(calendar::FormatDate(r.last_day));
      if (r.calendar_incomplete) deps_.state->NoteIncomplete("AddWorkingDays");
      return absl::OkStatus();
    });
  }

  grpc::Status CountWorkingDays(grpc::ServerContext* ctx,
                                const v1::CountWorkingDaysRequest* req,
                                v1::CountWorkingDaysResponse* resp) override {
    return server::Handle(*deps_.gate, ctx, [&](const auth::Principal&) {
      RETURN_IF_ERROR(RejectUnknownFields(*req));
      ASSIGN_OR_RETURN(absl::CivilDay from,
                       calendar::ParseDateField("from_date", req->from_date()));
      ASSIGN_OR_RETURN(absl::CivilDay to,
                       calendar::ParseDateField("to_date", req->to_date()));
      if (to < from) {
        return absl::InvalidArgumentError("to_date: before from_date");
      }
      if (to > absl::CivilDay(from.year() + 20, from.month(), from.day())) {
        return absl::InvalidArgumentError("to_date: span over 20 years");
      }
      std::shared_ptr<const Calendar> cal = deps_.state->Get();
      ASSIGN_OR_RETURN(calendar::ExplainedCount r,
                       cal->ExplainCountWorkingDays(from, to));
      resp->set_working_days(static_cast<int32_t>(r.working_days));
      resp->set_calendar_incomplete(r.calendar_incomplete);
      resp->set_calendar_version(r.calendar_version);
      resp->set_explanation(r.explanation);
      if (r.calendar_incomplete) {
        deps_.state->NoteIncomplete("CountWorkingDays");
      }
      return absl::OkStatus();
    });
  }

  grpc::Status IsWorkingDay(grpc::ServerContext* ctx,
                            const v1::IsWorkingDayRequest* req,
                            v1::IsWorkingDayResponse* resp) override {
    return server::Handle(*deps_.gate, ctx, [&](const auth::Principal&) {
      RETURN_IF_ERROR(RejectUnknownFields(*req));
      ASSIGN_OR_RETURN(absl::CivilDay day,
                       calendar::ParseDateField("date", req->date()));
      std::shared_ptr<const Calendar> cal = deps_.state->Get();
      resp->set_working_day(cal->IsWorkingDay(day));
      resp->set_kind(ToProtoKind(cal->Classify(day)));
      resp->set_calendar_incomplete(!cal->IsKnownYear(day.year()));
      resp->set_calendar_version(cal->version());
      if (resp->calendar_incomplete()) {
        deps_.state->NoteIncomplete("IsWorkingDay");
      }
      return absl::OkStatus();
    });
  }

  grpc::Status CheckExtensionTimely(
      grpc::ServerContext* ctx, const v1::CheckExtensionTimelyRequest* req,
      v1::CheckExtensionTimelyResponse* resp) override {
    return server::Handle(*deps_.gate, ctx, [&](const auth::Principal&) {
      RETURN_IF_ERROR(RejectUnknownFields(*req));
      if (!req->has_at()) return absl::InvalidArgumentError("at: required");
      if (!req->has_due()) return absl::InvalidArgumentError("due: required");
      ASSIGN_OR_RETURN(absl::Time at, ParseTimestampField("at", req->at()));
      ASSIGN_OR_RETURN(absl::Time due, ParseTimestampField("due", req->due()));
      if (req->min_working_days() < 0 || req->min_working_days() > 30) {
        return absl::InvalidArgumentError("min_working_days: outside 0–30");
      }
      const int min = req->min_working_days() == 0
                          ? deps_.policy->extension_min().working_days
                          : req->min_working_days();
      std::shared_ptr<const Calendar> cal = deps_.state->Get();
      ASSIGN_OR_RETURN(calendar::ExplainedTimely r,
                       cal->ExplainTimelyExtensionRequest(at, due, min));
      resp->set_timely(r.timely);
      resp->set_working_days_left(static_cast<int32_t>(r.working_days_left));
      resp->set_required_working_days(min);
      resp->set_calendar_incomplete(r.calendar_incomplete);
      resp->set_calendar_version(r.calendar_version);
      resp->set_explanation(r.explanation);
      if (r.calendar_incomplete) {
        deps_.state->NoteIncomplete("CheckExtensionTimely");
      }
      return absl::OkStatus();
    });
  }

  grpc::Status LoadYear(grpc::ServerContext* ctx,
                        const v1::LoadYearRequest* req,
                        v1::LoadYearResponse* resp) override {
    return server::Handle(*deps_.gate, ctx, [&](const auth::Principal& who) {
      return DoLoadYear(who, *req, resp);
    });
  }

  grpc::Status GetCalendar(grpc::ServerContext* ctx,
                           const v1::GetCalendarRequest* req,
                           v1::GetCalendarResponse* resp) override {
    return server::Handle(*deps_.gate, ctx, [&](const auth::Principal&) {
      RETURN_IF_ERROR(RejectUnknownFields(*req));
      if (req->year() != 0 &&
          (req->year() < kMinYear || req->year() > kMaxYear)) {
        return absl::InvalidArgumentError("year: outside 2000–2099");
      }
      std::shared_ptr<const Calendar> cal = deps_.state->Get();
      resp->set_calendar_version(cal->version());
      for (const auto& [year, data] : cal->data().years()) {
        resp->add_years(year);
        if (req->year() != 0 && req->year() != year) continue;
        v1::CalendarYear* y = resp->add_year_data();
        y->set_year(year);
        for (absl::CivilDay d : data.holidays) {
          y->add_holidays(calendar::FormatDate(d));
        }
        for (absl::CivilDay d : data.workdays) {
          y->add_workdays(calendar::FormatDate(d));
        }
        YearMeta meta = deps_.state->Meta(year);
        y->set_source(meta.source);
        if (meta.loaded_at != absl::InfinitePast()) {
          *y->mutable_loaded_at() = ToProto(meta.loaded_at);
        }
      }
      if (!cal->data().years().empty()) {
        resp->set_first_known_year(cal->data().years().begin()->first);
        resp->set_last_known_year(cal->data().years().rbegin()->first);
      }
      return absl::OkStatus();
    });
  }

 private:
  absl::Status DoLoadYear(const auth::Principal& who,
                          const v1::LoadYearRequest& req,
                          v1::LoadYearResponse* resp) {
    RETURN_IF_ERROR(auth::RequireRole(
        who, {auth::Role::kCenterStaff, auth::Role::kService}));
    RETURN_IF_ERROR(RejectUnknownFields(req));
    ASSIGN_OR_RETURN(calendar::YearData year, ValidateLoadYear(req));
    return deps_.loader->LoadYear(who, req, year, resp);
  }

  CalendarServiceDeps deps_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewCalendarService(CalendarServiceDeps deps) {
  return std::make_unique<CalendarServiceImpl>(std::move(deps));
}

}  // namespace hotline::deadline
