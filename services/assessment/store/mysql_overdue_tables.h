#pragma once

// Storage of the overdue completion clocks and the duty-gap days
// (schema/011_verdicts.sql), behind MysqlAssessmentStore::RecordDutyGapDay and
// TrackOverdue; LoadOverdueClocks reads them back. SQL only.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/db/connection.h"
#include "hotline/v1/events.pb.h"
#include "services/assessment/domain/fact_plan.h"

namespace hotline::assessment::mysql_overdue {

// True when this is the first DutyGap of the unit's day (the row is new).
// Concurrent deliveries of the same day serialise on the primary key.
absl::StatusOr<bool> RecordDutyGapDay(db::Connection& conn,
                                      const std::string& unit_id,
                                      absl::CivilDay day,
                                      const std::string& event_id);

// Keeps overdue_clock / overdue_accrual: every ClockOverdue of a completion
// clock, and the instant its ClockStopped judged it.
absl::Status TrackOverdue(db::Connection& conn, const v1::TicketEvent& e,
                          const FactPlan& plan);

}  // namespace hotline::assessment::mysql_overdue
