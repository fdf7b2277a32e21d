#pragma once

// The calendar years loaded at run time (table calendar_year).
//
// Every method runs on a connection the caller holds, inside the caller's
// transaction when the call is part of a state change. Implementations are
// stateless and thread-safe (MysqlDeadlineStore). Errors of every method:
// UNAVAILABLE when the database is unreachable, ABORTED on deadlock or lock
// wait timeout (retry); other results are named on the method.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/domain/calendar_state.h"
#include "services/deadline/store/deadline_rows.h"

namespace hotline::db {
class Connection;
}

namespace hotline::deadline {

// CalendarYearStore: see the file comment. Thread-safe; owns nothing.
class CalendarYearStore {
 public:
  virtual ~CalendarYearStore() = default;

  // --- calendar years loaded at run time
  // Ascending by year.
  virtual absl::StatusOr<std::vector<PersistedYear>> LoadCalendarYears(
      db::Connection& conn) = 0;
  // Inserts or replaces one year.
  virtual absl::Status SaveCalendarYear(
      db::Connection& conn, const PersistedYear& year,
      const std::string& calendar_version) = 0;
};

}  // namespace hotline::deadline
