#pragma once

// Storage of the overdue completion clocks and the duty-gap days
// (schema/011_verdicts.sql), behind MysqlAssessmentStore::RecordDutyGapDay;
// the overdue clocks' writes (UpsertOverdueClock, InsertOverdueAccrual,
// CloseOverdueClock) and LoadOverdueClocks are in mysql_overdue_tables.cc.
// SQL only.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/db/connection.h"

namespace hotline::assessment::mysql_overdue {

// True when this is the first DutyGap of the unit's day (the row is new).
// Concurrent deliveries of the same day serialise on the primary key.
absl::StatusOr<bool> RecordDutyGapDay(db::Connection& conn,
                                      const std::string& unit_id,
                                      absl::CivilDay day,
                                      const std::string& event_id);

}  // namespace hotline::assessment::mysql_overdue
