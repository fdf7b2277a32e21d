// CalendarService over gRPC against the real MariaDB: every RPC, every
// refusal, time-zone independence, and LoadYear persistence across a restart.

#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>

#include <cstdlib>
#include <ctime>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"
#include "hotline/v1/deadline.grpc.pb.h"
#include "services/deadline/edge/deadline_service.h"
#include "tests/support/service_fixture.h"

namespace hotline::deadline {
namespace {

using ::hotline::testing::kAgentToken;
using ::hotline::testing::kCenterToken;
using ::hotline::testing::kServiceToken;
using ::hotline::testing::ServiceUnderTest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// 00:00 +08:00 of a local date, plus h:m.
absl::Time Local(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi),
                         absl::FixedTimeZone(8 * 3600));
}

class CalendarServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto svc = ServiceUnderTest::Start(Definition());
    ASSERT_TRUE(svc.ok()) << svc.status();
    svc_ = *std::move(svc);
    stub_ = v1::CalendarService::NewStub(svc_->channel());
  }

  template <typename Req, typename Resp>
  grpc::Status Call(grpc::Status (v1::CalendarService::Stub::*m)(
                        grpc::ClientContext*, const Req&, Resp*),
                    const Req& req, Resp* resp,
                    const std::string& token = kAgentToken) {
    grpc::ClientContext ctx;
    if (!token.empty()) ServiceUnderTest::Authorize(&ctx, token);
    return (stub_.get()->*m)(&ctx, req, resp);
  }

  v1::AddWorkingDaysResponse Add(absl::Time start, int n) {
    v1::AddWorkingDaysRequest req;
    *req.mutable_start() = ToProto(start);
    req.set_working_days(n);
    v1::AddWorkingDaysResponse resp;
    grpc::Status s =
        Call(&v1::CalendarService::Stub::AddWorkingDays, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  grpc::Status LoadYear(const v1::LoadYearRequest& req,
                        v1::LoadYearResponse* resp,
                        const std::string& token = kCenterToken) {
    return Call(&v1::CalendarService::Stub::LoadYear, req, resp, token);
  }

  v1::GetCalendarResponse GetCalendar(int year = 0) {
    v1::GetCalendarRequest req;
    req.set_year(year);
    v1::GetCalendarResponse resp;
    grpc::Status s = Call(&v1::CalendarService::Stub::GetCalendar, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  static v1::LoadYearRequest Year2027(const std::string& request_id) {
    v1::LoadYearRequest req;
    req.set_request_id(request_id);
    req.set_year(2027);
    for (const char* d :
         {"2027-01-01", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09",
          "2027-02-10", "2027-02-11", "2027-02-12"}) {
      req.add_holidays(d);
    }
    req.add_workdays("2027-02-13");  // a Saturday
    req.set_source("国办发明电〔2026〕测试号（测试数据）");
    return req;
  }

  std::unique_ptr<ServiceUnderTest> svc_;
  std::unique_ptr<v1::CalendarService::Stub> stub_;
};

void ExpectInvalid(const grpc::Status& s, const std::string& field) {
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << s.error_message();
  EXPECT_THAT(s.error_message(), StartsWith(field));
}

TEST_F(CalendarServiceTest, AddWorkingDaysAcrossSpringFestival) {
  // DESIGN.md §3: Thu 2024-02-08 16:00, N=3 → 02-09, 02-18 (adjusted Sunday),
  // 02-19 → due 2024-02-20T00:00+08:00.
  v1::AddWorkingDaysResponse r = Add(Local(2024, 2, 8, 16), 3);
  EXPECT_EQ(FromProto(r.due()), Local(2024, 2, 20));
  EXPECT_EQ(r.start_date(), "2024-02-08");
  EXPECT_EQ(r.last_working_date(), "2024-02-19");
  EXPECT_FALSE(r.calendar_incomplete());
  EXPECT_THAT(r.calendar_version(), StartsWith("cn-"));
  ASSERT_EQ(r.skipped_size(), 8);  // 02-10 .. 02-17
  EXPECT_EQ(r.skipped(0).date(), "2024-02-10");
  EXPECT_EQ(r.skipped(0).kind(), v1::DAY_KIND_HOLIDAY);
  EXPECT_EQ(r.skipped(7).date(), "2024-02-17");
  EXPECT_THAT(r.explanation(), HasSubstr("2024-02-19"));

  // N = 0: end of the start day.
  v1::AddWorkingDaysResponse zero = Add(Local(2024, 2, 10, 9), 0);
  EXPECT_EQ(FromProto(zero.due()), Local(2024, 2, 11));
  EXPECT_EQ(zero.last_working_date(), "2024-02-10");
}

TEST_F(CalendarServiceTest, AddWorkingDaysAcrossNationalDayAndYearEnd) {
  // National Day 2024: 10-01..10-07 off, Sat 10-12 worked.
  v1::AddWorkingDaysResponse r = Add(Local(2024, 9, 30, 10), 2);
  EXPECT_EQ(r.last_working_date(), "2024-10-09");
  // 2022→2023: Fri 2022-12-30, then 12-31/01-01 weekend, 01-02 holiday.
  v1::AddWorkingDaysResponse y = Add(Local(2022, 12, 30, 17), 1);
  EXPECT_EQ(y.last_working_date(), "2023-01-03");
  EXPECT_EQ(FromProto(y.due()), Local(2023, 1, 4));
}

TEST_F(CalendarServiceTest, AddWorkingDaysPastTheLastKnownYearIsIncomplete) {
  v1::AddWorkingDaysResponse r = Add(Local(2026, 12, 30, 10), 5);
  EXPECT_TRUE(r.calendar_incomplete());
  // The metric says so (health detail: see calendar_state.h).
  bool found = false;
  for (const auto& family : svc_->instance().host().registry().Collect()) {
    if (family.name == "hotline_calendar_incomplete_total") {
      found = true;
      ASSERT_EQ(family.metric.size(), 1u);
      EXPECT_GE(family.metric[0].counter.value, 1);
    }
    if (family.name == "hotline_calendar_last_known_year") {
      EXPECT_EQ(family.metric[0].gauge.value, 2026);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(CalendarServiceTest, AddWorkingDaysRefusals) {
  v1::AddWorkingDaysRequest req;
  v1::AddWorkingDaysResponse resp;
  req.set_working_days(3);
  ExpectInvalid(Call(&v1::CalendarService::Stub::AddWorkingDays, req, &resp),
                "start");
  *req.mutable_start() = ToProto(Local(2024, 2, 8));
  req.set_working_days(-1);
  ExpectInvalid(Call(&v1::CalendarService::Stub::AddWorkingDays, req, &resp),
                "working_days");
  req.set_working_days(3651);
  ExpectInvalid(Call(&v1::CalendarService::Stub::AddWorkingDays, req, &resp),
                "working_days");
  req.set_working_days(3650);
  EXPECT_TRUE(
      Call(&v1::CalendarService::Stub::AddWorkingDays, req, &resp).ok());
  // A field this server does not know.
  req.GetReflection()->MutableUnknownFields(&req)->AddVarint(99, 1);
  grpc::Status s = Call(&v1::CalendarService::Stub::AddWorkingDays, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("unknown field 99"));
  // Nested unknown field, in start.
  req.GetReflection()->MutableUnknownFields(&req)->Clear();
  req.mutable_start()
      ->GetReflection()
      ->MutableUnknownFields(req.mutable_start())
      ->AddVarint(7, 1);
  ExpectInvalid(Call(&v1::CalendarService::Stub::AddWorkingDays, req, &resp),
                "start: unknown field 7");
  // No token.
  req.mutable_start()
      ->GetReflection()
      ->MutableUnknownFields(req.mutable_start())
      ->Clear();
  EXPECT_EQ(Call(&v1::CalendarService::Stub::AddWorkingDays, req, &resp, "")
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(CalendarServiceTest, CountWorkingDaysAndRefusals) {
  v1::CountWorkingDaysRequest req;
  v1::CountWorkingDaysResponse resp;
  req.set_from_date("2024-02-08");
  req.set_to_date("2024-02-19");
  ASSERT_TRUE(
      Call(&v1::CalendarService::Stub::CountWorkingDays, req, &resp).ok());
  EXPECT_EQ(resp.working_days(), 3);  // 02-09, 02-18 (adjusted), 02-19
  EXPECT_FALSE(resp.calendar_incomplete());
  EXPECT_FALSE(resp.explanation().empty());
  req.set_to_date("2024-02-08");
  ASSERT_TRUE(
      Call(&v1::CalendarService::Stub::CountWorkingDays, req, &resp).ok());
  EXPECT_EQ(resp.working_days(), 0);

  req.set_to_date("2027-01-10");
  ASSERT_TRUE(
      Call(&v1::CalendarService::Stub::CountWorkingDays, req, &resp).ok());
  EXPECT_TRUE(resp.calendar_incomplete());

  req.set_from_date("2024-2-8");
  ExpectInvalid(Call(&v1::CalendarService::Stub::CountWorkingDays, req, &resp),
                "from_date");
  req.set_from_date("2024-02-08");
  req.set_to_date("2024-02-30");
  ExpectInvalid(Call(&v1::CalendarService::Stub::CountWorkingDays, req, &resp),
                "to_date");
  req.set_to_date("2024-02-07");
  ExpectInvalid(Call(&v1::CalendarService::Stub::CountWorkingDays, req, &resp),
                "to_date: before");
  req.set_from_date("2001-01-01");
  req.set_to_date("2021-01-02");
  ExpectInvalid(Call(&v1::CalendarService::Stub::CountWorkingDays, req, &resp),
                "to_date: span");
  req.set_from_date("");
  ExpectInvalid(Call(&v1::CalendarService::Stub::CountWorkingDays, req, &resp),
                "from_date: required");
}

TEST_F(CalendarServiceTest, IsWorkingDayKinds) {
  auto kind = [&](const std::string& date) {
    v1::IsWorkingDayRequest req;
    req.set_date(date);
    v1::IsWorkingDayResponse resp;
    grpc::Status s = Call(&v1::CalendarService::Stub::IsWorkingDay, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  };
  EXPECT_EQ(kind("2024-02-18").kind(), v1::DAY_KIND_ADJUSTED_WORKING_DAY);
  EXPECT_TRUE(kind("2024-02-18").working_day());
  EXPECT_EQ(kind("2024-02-12").kind(), v1::DAY_KIND_HOLIDAY);
  EXPECT_FALSE(kind("2024-02-12").working_day());
  EXPECT_EQ(kind("2024-02-24").kind(), v1::DAY_KIND_WEEKEND);
  EXPECT_EQ(kind("2024-02-21").kind(), v1::DAY_KIND_WORKING_DAY);
  EXPECT_FALSE(kind("2024-02-21").calendar_incomplete());
  EXPECT_TRUE(kind("2030-01-02").calendar_incomplete());
  EXPECT_TRUE(kind("2030-01-02").working_day());

  v1::IsWorkingDayRequest req;
  v1::IsWorkingDayResponse resp;
  req.set_date("2024-13-01");
  ExpectInvalid(Call(&v1::CalendarService::Stub::IsWorkingDay, req, &resp),
                "date");
  req.set_date("1999-12-31");
  ExpectInvalid(Call(&v1::CalendarService::Stub::IsWorkingDay, req, &resp),
                "date");
}

TEST_F(CalendarServiceTest, CheckExtensionTimely) {
  v1::CheckExtensionTimelyRequest req;
  v1::CheckExtensionTimelyResponse resp;
  *req.mutable_due() = ToProto(Local(2024, 2, 20));  // last day 02-19
  // On a holiday: working days in (02-15, 02-19] = 02-18, 02-19.
  *req.mutable_at() = ToProto(Local(2024, 2, 15, 10));
  ASSERT_TRUE(
      Call(&v1::CalendarService::Stub::CheckExtensionTimely, req, &resp).ok());
  EXPECT_TRUE(resp.timely());
  EXPECT_EQ(resp.working_days_left(), 2);
  EXPECT_EQ(resp.required_working_days(), 2);
  *req.mutable_at() = ToProto(Local(2024, 2, 18, 10));
  ASSERT_TRUE(
      Call(&v1::CalendarService::Stub::CheckExtensionTimely, req, &resp).ok());
  EXPECT_FALSE(resp.timely());
  EXPECT_EQ(resp.working_days_left(), 1);
  req.set_min_working_days(1);
  ASSERT_TRUE(
      Call(&v1::CalendarService::Stub::CheckExtensionTimely, req, &resp).ok());
  EXPECT_TRUE(resp.timely());

  req.set_min_working_days(31);
  ExpectInvalid(
      Call(&v1::CalendarService::Stub::CheckExtensionTimely, req, &resp),
      "min_working_days");
  req.set_min_working_days(-1);
  ExpectInvalid(
      Call(&v1::CalendarService::Stub::CheckExtensionTimely, req, &resp),
      "min_working_days");
  req.set_min_working_days(0);
  req.clear_at();
  ExpectInvalid(
      Call(&v1::CalendarService::Stub::CheckExtensionTimely, req, &resp), "at");
  *req.mutable_at() = ToProto(Local(2024, 2, 18, 10));
  req.clear_due();
  ExpectInvalid(
      Call(&v1::CalendarService::Stub::CheckExtensionTimely, req, &resp),
      "due");
}

TEST_F(CalendarServiceTest, LoadYearPublishesANewVersionAndIsIdempotent) {
  const v1::GetCalendarResponse before = GetCalendar();
  EXPECT_EQ(before.first_known_year(), 2021);
  EXPECT_EQ(before.last_known_year(), 2026);

  v1::LoadYearResponse resp;
  ASSERT_TRUE(LoadYear(Year2027("load-2027-a"), &resp).ok());
  EXPECT_TRUE(resp.changed());
  EXPECT_EQ(resp.previous_version(), before.calendar_version());
  EXPECT_NE(resp.calendar_version(), before.calendar_version());

  const v1::GetCalendarResponse after = GetCalendar(2027);
  EXPECT_EQ(after.calendar_version(), resp.calendar_version());
  EXPECT_EQ(after.last_known_year(), 2027);
  ASSERT_EQ(after.year_data_size(), 1);
  EXPECT_EQ(after.year_data(0).year(), 2027);
  EXPECT_EQ(after.year_data(0).holidays_size(), 8);
  EXPECT_THAT(after.year_data(0).workdays(), ElementsAre("2027-02-13"));
  EXPECT_EQ(after.year_data(0).source(),
            "国办发明电〔2026〕测试号（测试数据）");
  EXPECT_EQ(FromProto(after.year_data(0).loaded_at()), svc_->clock().Now());

  // 2027 is now known: the Saturday is a working day, no longer incomplete.
  v1::IsWorkingDayRequest is;
  is.set_date("2027-02-13");
  v1::IsWorkingDayResponse isr;
  ASSERT_TRUE(Call(&v1::CalendarService::Stub::IsWorkingDay, is, &isr).ok());
  EXPECT_EQ(isr.kind(), v1::DAY_KIND_ADJUSTED_WORKING_DAY);
  EXPECT_FALSE(isr.calendar_incomplete());

  // Same request id, same request: the first answer again.
  v1::LoadYearResponse again;
  ASSERT_TRUE(LoadYear(Year2027("load-2027-a"), &again).ok());
  EXPECT_EQ(again.SerializeAsString(), resp.SerializeAsString());
  // Same request id, different request.
  v1::LoadYearRequest other = Year2027("load-2027-a");
  other.add_holidays("2027-10-01");
  EXPECT_EQ(LoadYear(other, &again).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  // Identical data under a new id: no-op.
  ASSERT_TRUE(LoadYear(Year2027("load-2027-b"), &again).ok());
  EXPECT_FALSE(again.changed());
  EXPECT_EQ(again.calendar_version(), resp.calendar_version());
  // SERVICE (the loader) may load too.
  v1::LoadYearRequest by_service = Year2027("load-2027-c");
  by_service.add_holidays("2027-10-01");
  ASSERT_TRUE(LoadYear(by_service, &again, kServiceToken).ok());
  EXPECT_TRUE(again.changed());
}

TEST_F(CalendarServiceTest, LoadYearRefusalsKeepTheOldVersion) {
  const std::string version = GetCalendar().calendar_version();
  v1::LoadYearResponse resp;
  struct Bad {
    std::function<void(v1::LoadYearRequest*)> edit;
    std::string field;
  };
  const std::vector<Bad> cases = {
      {[](auto* r) { r->add_workdays("2027-01-01"); }, "workdays[1]"},
      {[](auto* r) { r->add_workdays("2027-01-04"); }, "workdays[1]"},
      {[](auto* r) { r->add_holidays("2027-1-5"); }, "holidays[8]"},
      {[](auto* r) { r->add_holidays("2026-12-31"); }, "holidays[8]"},
      {[](auto* r) { r->add_holidays("2027-01-01"); }, "holidays[8]"},
      {[](auto* r) { r->set_year(1999); }, "year"},
      {[](auto* r) { r->set_year(2100); }, "year"},
      {[](auto* r) { r->set_source("  "); }, "source"},
      {[](auto* r) { r->set_source(std::string(257, 'a')); }, "source"},
      {[](auto* r) { r->set_request_id(""); }, "request_id"},
      {[](auto* r) { r->set_request_id("含中文"); }, "request_id"},
      {[](auto* r) {
         for (int i = 0; i < 21; ++i) r->add_workdays("2027-03-06");
       },
       "workdays"},
      {[](auto* r) {
         r->GetReflection()->MutableUnknownFields(r)->AddVarint(42, 1);
       },
       "request: unknown field 42"},
  };
  int i = 0;
  for (const Bad& bad : cases) {
    v1::LoadYearRequest req = Year2027(absl::StrCat("bad-", i++));
    bad.edit(&req);
    grpc::Status s = LoadYear(req, &resp);
    ExpectInvalid(s, bad.field);
  }
  // Weekday named in the message.
  v1::LoadYearRequest weekday = Year2027("bad-weekday");
  weekday.add_workdays("2027-01-04");
  EXPECT_THAT(LoadYear(weekday, &resp).error_message(), HasSubstr("Monday"));
  v1::LoadYearRequest both = Year2027("bad-both");
  both.add_workdays("2027-01-01");
  EXPECT_THAT(LoadYear(both, &resp).error_message(),
              HasSubstr("also listed as a holiday"));
  // Role: only the center and the loader.
  EXPECT_EQ(LoadYear(Year2027("by-agent"), &resp, kAgentToken).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(LoadYear(Year2027("no-token"), &resp, "").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Nothing changed, nothing stored.
  EXPECT_EQ(GetCalendar().calendar_version(), version);
  EXPECT_EQ(GetCalendar().last_known_year(), 2026);
  auto conn = svc_->instance().pool().Acquire();
  ASSERT_TRUE(conn.ok());
  auto rs = (*conn)->Query("SELECT COUNT(*) FROM calendar_year");
  ASSERT_TRUE(rs.ok());
  (*rs)->next();
  EXPECT_EQ((*rs)->getInt64(1), 0);
}

TEST_F(CalendarServiceTest, LoadYearInUseByOpenClocksNeedsForce) {
  // A running handling clock that started in 2025.
  ASSERT_TRUE(svc_->schema()
                  .Execute("INSERT INTO clock (ticket_id, ticket_number, kind, "
                           "unit_id, dispatch_round, running, started_at, "
                           "working_days, rule, due, original_due, "
                           "calendar_version, policy_version, explanation) "
                           "VALUES ('t-1', 'DZ20250303-000001', 4, "
                           "'town.longgang', 1, 1, '2025-03-03 02:00:00', 10, "
                           "'handling.default', '2025-03-17 16:00:00', "
                           "'2025-03-17 16:00:00', 'v', 'p', '')")
                  .ok());
  const std::string version = GetCalendar().calendar_version();
  v1::LoadYearRequest req;
  req.set_request_id("replace-2025");
  req.set_year(2025);
  req.add_holidays("2025-01-01");
  req.set_source("测试：替换2025年");
  v1::LoadYearResponse resp;
  grpc::Status s = LoadYear(req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("1 open clocks"));
  EXPECT_EQ(GetCalendar().calendar_version(), version);

  req.set_request_id("replace-2025-forced");
  req.set_force(true);
  ASSERT_TRUE(LoadYear(req, &resp).ok());
  EXPECT_TRUE(resp.changed());
  EXPECT_NE(GetCalendar().calendar_version(), version);
  EXPECT_THAT(GetCalendar(2025).year_data(0).holidays(),
              ElementsAre("2025-01-01"));

  // A year nobody depends on needs no force.
  req.set_request_id("replace-2023");
  req.set_year(2023);
  req.set_force(false);
  req.clear_holidays();
  req.add_holidays("2023-01-02");
  EXPECT_TRUE(LoadYear(req, &resp).ok());
}

TEST_F(CalendarServiceTest, LoadedYearSurvivesARestartOnTheSameSchema) {
  v1::LoadYearResponse resp;
  ASSERT_TRUE(LoadYear(Year2027("load-2027-restart"), &resp).ok());

  config::ServiceConfig config = svc_->instance().config();
  config.listen = "127.0.0.1:0";
  auto second = runtime::ServiceInstance::Create(Definition(), config);
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE((*second)->Start().ok());
  ASSERT_TRUE((*second)->host().serving());
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*second)->port()),
                          grpc::InsecureChannelCredentials());
  auto stub = v1::CalendarService::NewStub(channel);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kAgentToken);
  v1::GetCalendarRequest req;
  req.set_year(2027);
  v1::GetCalendarResponse got;
  ASSERT_TRUE(stub->GetCalendar(&ctx, req, &got).ok());
  EXPECT_EQ(got.calendar_version(), resp.calendar_version());
  EXPECT_EQ(got.last_known_year(), 2027);
  ASSERT_EQ(got.year_data_size(), 1);
  EXPECT_EQ(got.year_data(0).source(), "国办发明电〔2026〕测试号（测试数据）");
  EXPECT_EQ(FromProto(got.year_data(0).loaded_at()), svc_->clock().Now());
  (*second)->Shutdown();
}

TEST_F(CalendarServiceTest, AnswersDoNotDependOnTheProcessTimeZone) {
  const char* old_tz = std::getenv("TZ");
  const std::string saved = old_tz ? old_tz : "";
  auto run = [&] {
    std::vector<std::string> out;
    // Instants around local midnight (UTC+8) and around UTC midnight.
    for (absl::Time t :
         {Local(2024, 2, 8, 23, 59), Local(2024, 2, 9, 0, 0),
          Local(2024, 2, 9, 7, 59), Local(2024, 2, 9, 8, 0),
          Local(2024, 9, 30, 23, 30), Local(2022, 12, 31, 0, 1)}) {
      for (int n : {0, 1, 3, 10}) {
        v1::AddWorkingDaysResponse r = Add(t, n);
        out.push_back(absl::StrCat(r.due().seconds(), "/", r.start_date(), "/",
                                   r.last_working_date()));
      }
    }
    v1::IsWorkingDayRequest is;
    is.set_date("2024-02-18");
    v1::IsWorkingDayResponse isr;
    EXPECT_TRUE(Call(&v1::CalendarService::Stub::IsWorkingDay, is, &isr).ok());
    out.push_back(absl::StrCat(isr.kind()));
    return out;
  };
  setenv("TZ", "UTC", 1);
  tzset();
  const std::vector<std::string> utc = run();
  setenv("TZ", "America/New_York", 1);
  tzset();
  const std::vector<std::string> ny = run();
  if (old_tz) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  EXPECT_EQ(utc, ny);
  // 23:59 local on 02-08 is still 02-08.
  EXPECT_THAT(utc[1], ::testing::EndsWith("/2024-02-08/2024-02-09"));
  // 00:00 local on 02-09 is 02-09 (16:00 UTC of 02-08).
  EXPECT_THAT(utc[5], ::testing::EndsWith("/2024-02-09/2024-02-18"));
}

}  // namespace
}  // namespace hotline::deadline

namespace hotline::deadline {
namespace {

// A year loaded through one replica reaches another replica on the same
// schema without a restart (its scanner thread rereads calendar_year).
TEST(CalendarReplicasTest, ALoadedYearReachesTheOtherReplica) {
  auto a = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(a.ok()) << a.status();
  config::ServiceConfig config = (*a)->instance().config();
  config.listen = "127.0.0.1:0";
  auto b = runtime::ServiceInstance::Create(Definition(), config);
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE((*b)->Start().ok());
  auto stub_a = v1::CalendarService::NewStub((*a)->channel());
  auto stub_b = v1::CalendarService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*b)->port()),
                          grpc::InsecureChannelCredentials()));
  v1::LoadYearRequest req;
  req.set_request_id("replica-2027");
  req.set_year(2027);
  req.add_holidays("2027-01-01");
  req.set_source("测试：跨副本加载");
  v1::LoadYearResponse resp;
  {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    ASSERT_TRUE(stub_a->LoadYear(&ctx, req, &resp).ok());
  }
  // Real-time wait for B's background refresh (every ~2 s), not for
  // simulated time.
  v1::GetCalendarResponse got;
  for (int i = 0; i < 100; ++i) {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kAgentToken);
    v1::GetCalendarRequest g;
    ASSERT_TRUE(stub_b->GetCalendar(&ctx, g, &got).ok());
    if (got.last_known_year() == 2027) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(got.last_known_year(), 2027);
  EXPECT_EQ(got.calendar_version(), resp.calendar_version());
  (*b)->Shutdown();
}

}  // namespace
}  // namespace hotline::deadline

namespace hotline::deadline {
namespace {

// A LoadYear answered before the shared request log (idempotency_log) and
// retried after the upgrade gets its first answer: the schema is laid down
// as the release before left it (migrations below 013) with the row that
// release's RequestRunner wrote into deadline's own request_log; the service
// then starts, applies 013 (which carries the answer over) and answers the
// retry from it without loading the year again.
TEST(DeadlineUpgradeTest, LoadYearAnsweredBeforeTheUpgradeReplaysAfterIt) {
  v1::LoadYearRequest req;
  req.set_request_id("load-2027-before-upgrade");
  req.set_year(2027);
  req.add_holidays("2027-01-01");
  req.set_source("国办发明电〔2026〕测试号（测试数据）");
  v1::LoadYearResponse first;
  first.set_previous_version("升级前-旧版本");
  first.set_calendar_version("升级前-新版本");
  first.set_changed(true);
  hotline::testing::ServiceOptions o;
  o.before_start = [&](hotline::testing::TestSchema& schema) -> absl::Status {
    absl::Status s = hotline::testing::MigrateBelow(schema, Definition(), 13);
    if (!s.ok()) return s;
    // fingerprint: the old FNV-1a column, no longer compared.
    return schema.Execute(absl::StrCat(
        "INSERT INTO request_log (request_id, rpc, fingerprint, response, "
        "created_at) VALUES ('load-2027-before-upgrade', 'LoadYear', 42, X'",
        absl::BytesToHexString(first.SerializeAsString()),
        "', '2024-02-08 00:00:00')"));
  };
  auto svc = ServiceUnderTest::Start(Definition(), o);
  ASSERT_TRUE(svc.ok()) << svc.status();
  auto stub = v1::CalendarService::NewStub((*svc)->channel());

  v1::LoadYearResponse again;
  {
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    grpc::Status s = stub->LoadYear(&ctx, req, &again);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
  // Nothing was loaded by the retry.
  auto conn = (*svc)->instance().pool().Acquire();
  ASSERT_TRUE(conn.ok());
  auto rs = (*conn)->Query("SELECT COUNT(*) FROM calendar_year");
  ASSERT_TRUE(rs.ok());
  (*rs)->next();
  EXPECT_EQ((*rs)->getInt64(1), 0);
}

}  // namespace
}  // namespace hotline::deadline
