// Deadline's request validation (services/deadline/edge/request_checks.h) over
// RequestExtension, DecideExtension and RecordCallerInformed requests parsed
// from the input (the first byte picks which). Properties: refusals are
// INVALID_ARGUMENT; an accepted date lies in 2000–2099 and is the date the
// request spelled; an accepted request carries no unknown fields.

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/calendar/calendar.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/edge/request_checks.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace v1 = hotline::v1;
using hotline::calendar::FormatDate;
using namespace hotline::deadline;  // NOLINT: the rules under test

void CheckDay(const absl::CivilDay& day, const std::string& text) {
  FUZZ_CHECK(day.year() >= kMinRequestYear && day.year() <= kMaxRequestYear)
      << day;
  FUZZ_CHECK(FormatDate(day) == text) << day << " from " << text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t kind = data[0] % 3;
  const std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (kind) {
    case 0: {
      v1::RequestExtensionRequest req;
      if (!req.ParseFromString(bytes)) return 0;
      auto day = ValidateRequestExtension(req);
      if (!day.ok()) {
        FUZZ_CHECK(absl::IsInvalidArgument(day.status())) << day.status();
        return 0;
      }
      FUZZ_CHECK(RejectUnknownFields(req).ok());
      CheckDay(*day, req.proposed_due_date());
      FUZZ_CHECK(!req.ticket_id().empty());
      break;
    }
    case 1: {
      v1::DecideExtensionRequest req;
      if (!req.ParseFromString(bytes)) return 0;
      auto day = ValidateDecideExtension(req);
      if (!day.ok()) {
        FUZZ_CHECK(absl::IsInvalidArgument(day.status())) << day.status();
        return 0;
      }
      FUZZ_CHECK(RejectUnknownFields(req).ok());
      if (day->has_value()) {
        FUZZ_CHECK(req.approve());
        CheckDay(**day, req.approved_due_date());
      }
      break;
    }
    case 2: {
      v1::RecordCallerInformedRequest req;
      if (!req.ParseFromString(bytes)) return 0;
      absl::Status s = ValidateRecordCallerInformed(req);
      if (!s.ok()) {
        FUZZ_CHECK(absl::IsInvalidArgument(s)) << s;
        return 0;
      }
      FUZZ_CHECK(RejectUnknownFields(req).ok());
      FUZZ_CHECK(req.has_informed_at());
      break;
    }
  }
  return 0;
}
