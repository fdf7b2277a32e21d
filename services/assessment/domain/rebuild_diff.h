#pragma once

// RebuildRollups as a pure diff (no gRPC, no SQL): the rollups recomputed
// from the facts with ContributionOf, compared with the stored (incremental)
// ones. The store reads both sets and writes the recomputed one back
// (store/mysql_assessment_rebuild.cc); the core decides (core/).
// Thread-compatible plain values and pure functions.

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "hotline/v1/assessment.pb.h"
#include "services/assessment/domain/indicators.h"

namespace hotline::assessment {

// The rows of every rollup table over some range, keyed as stored: dates
// are "YYYY-MM-DD" text (the month tables' month_start is the 1st).
struct RollupSet {
  using RowKey = std::tuple<std::string, std::string, int>;  // date,unit,type
  using HistKey = std::tuple<std::string, std::string, int, int64_t>;  // +days
  using TopicKey =
      std::tuple<std::string, std::string, std::string>;  // date,
                                                          // cat, area
  // [0] daily (rollup_unit_day, rollup_handling), [1] monthly
  // (rollup_unit_month, rollup_handling_month).
  std::map<RowKey, Counters> rows[2];
  std::map<HistKey, int64_t> hist[2];
  std::map<TopicKey, int64_t> topic;  // rollup_topic (daily only)

  // The number of rows over all tables.
  int64_t RowCount() const;
};

// Adds what fact `f` contributes (ContributionOf) to the daily and monthly
// rows of `set`. Reads f's local_date, unit_id, unit2_id, request_type,
// kind, detail, amount, handling_days, category_code and area_code.
void AddFactToRollups(const FactRecord& f, RollupSet* set);

// What RebuildRollups answers.
struct RebuildOutcome {
  int64_t facts_scanned = 0;
  int64_t rollup_rows = 0;  // rows stored before the rebuild
  int64_t mismatches = 0;
  std::vector<v1::RollupMismatch> examples;  // the first 100
};

// Compares `stored` with `recomputed` cell by cell (every counter, every
// histogram bucket, every topic count; a row absent on one side counts as
// zeros) and adds each difference to out->mismatches, with the first 100 as
// examples (monthly ones prefixed "month:"). Sets out->rollup_rows to
// stored.RowCount().
void CompareRollups(const RollupSet& stored, const RollupSet& recomputed,
                    RebuildOutcome* out);

}  // namespace hotline::assessment
