// The calendar year loader: deadline's LoadYear request validation
// (services/deadline/edge/request_checks.h) over LoadYearRequest messages
// parsed from the input, then the calendar's own checks. Properties: a request
// LoadYear accepts passes calendar::MakeYearData and ValidateYear too, and
// yields a new calendar (WithYear on the shipped one) that knows the year
// and classifies every listed date as the request said.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/calendar/calendar.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/edge/request_checks.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using hotline::calendar::Calendar;
using hotline::calendar::DayKind;

const Calendar& Shipped() {
  static const Calendar* cal = [] {
    auto data = hotline::calendar::BuiltinCalendarData();
    FUZZ_CHECK(data.ok()) << data.status();
    auto c = Calendar::Create(*std::move(data));
    FUZZ_CHECK(c.ok()) << c.status();
    return new Calendar(*std::move(c));
  }();
  return *cal;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  hotline::v1::LoadYearRequest req;
  if (!req.ParseFromArray(data, static_cast<int>(size))) return 0;
  (void)hotline::deadline::RejectUnknownFields(req);

  const std::vector<std::string> holidays(req.holidays().begin(),
                                          req.holidays().end());
  const std::vector<std::string> workdays(req.workdays().begin(),
                                          req.workdays().end());
  auto made = hotline::calendar::MakeYearData(req.year(), holidays, workdays);
  if (made.ok()) {
    FUZZ_CHECK(hotline::calendar::ValidateYear(*made).ok());
  }

  auto year = hotline::deadline::ValidateLoadYear(req);
  if (!year.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(year.status())) << year.status();
    return 0;
  }
  FUZZ_CHECK(made.ok()) << made.status();
  FUZZ_CHECK(year->year == req.year());
  FUZZ_CHECK(year->holidays.size() == holidays.size());
  FUZZ_CHECK(year->workdays.size() == workdays.size());
  FUZZ_CHECK(hotline::calendar::ValidateYear(*year).ok());

  absl::StatusOr<Calendar> next = Shipped().WithYear(*year);
  FUZZ_CHECK(next.ok()) << next.status();
  FUZZ_CHECK(next->IsKnownYear(req.year()));
  for (const absl::CivilDay& d : year->holidays) {
    FUZZ_CHECK(next->Classify(d) == DayKind::kHoliday) << d;
  }
  for (const absl::CivilDay& d : year->workdays) {
    FUZZ_CHECK(next->Classify(d) == DayKind::kAdjustedWorkday) << d;
  }
  // The new version names the facts: loading the same year again changes
  // nothing.
  absl::StatusOr<Calendar> twice = next->WithYear(*year);
  FUZZ_CHECK(twice.ok() && twice->version() == next->version());
  return 0;
}
