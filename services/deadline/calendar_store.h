#pragma once

// Persistence of run-time calendar years and of request ids (idempotency),
// in the deadline schema (schema/010_deadline.sql). Plain functions over a
// db::Connection so that they compose into the caller's transaction.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/connection.h"
#include "services/deadline/calendar_state.h"

namespace hotline::deadline {

// Every row of calendar_year, ascending by year.
absl::StatusOr<std::vector<PersistedYear>> LoadCalendarYears(
    db::Connection& conn);

// Inserts or replaces one year.
absl::Status SaveCalendarYear(db::Connection& conn, const PersistedYear& year,
                              const std::string& calendar_version);

// Running clocks that depend on `year`: started in it, or whose last day
// (the local day before `due`) lies in it.
absl::StatusOr<int64_t> CountRunningClocksInYear(db::Connection& conn,
                                                 int year);

// Idempotency. Within the caller's transaction: the stored response of
// `request_id` (locking its row) if it was recorded for the same rpc and
// fingerprint; ALREADY_EXISTS if it was recorded for another request;
// nullopt if unknown.
absl::StatusOr<std::optional<std::string>> LookupRequest(
    db::Connection& conn, const std::string& request_id, const std::string& rpc,
    uint64_t fingerprint);
absl::Status RecordRequest(db::Connection& conn, const std::string& request_id,
                           const std::string& rpc, uint64_t fingerprint,
                           const std::string& response, absl::Time now);

}  // namespace hotline::deadline
