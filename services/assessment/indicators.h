#pragma once

// Domain of the assessment service (no gRPC, no SQL): how one event becomes
// one immutable fact, how a fact adds to the per unit × day × request type
// rollup counters, and how counters become the indicators of
// docs/indicators.md. Thread-compatible plain values and pure functions.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/calendar/calendar.h"
#include "hotline/v1/assessment.pb.h"

namespace hotline::assessment {

// The additive counters of one rollup row. The names are the column names of
// rollup_unit_day (schema/010_assessment.sql).
enum Counter : int {
  kOrders,
  kRespDue,
  kRespMet,
  kFwdDue,
  kFwdMet,
  kComplDue,
  kComplMet,
  kOverdueOrders,
  kOverdueDays,
  kExtRequested,
  kExtApproved,
  kReturns,
  kLateReturns,
  kDisputesRaised,
  kDisputesUpheld,
  kDisputesGranted,
  kReviews,
  kReviewsRejected,
  kReminders,
  kSupervisions,
  kInspections,
  kNotices,
  kEvaluations,
  kReached,
  kSatisfied,
  kResolved,
  kReplies,
  kReceived,
  kClosedAtIntake,
  kCounterCount
};

// Column name of each counter, indexed by Counter.
const std::array<const char*, kCounterCount>& CounterColumns();

struct Counters {
  std::array<int64_t, kCounterCount> v{};
  void Add(const Counters& other);
  bool IsZero() const;
  bool operator==(const Counters& o) const { return v == o.v; }
};

// Handling time of first replies: working days -> number of replies.
using Histogram = std::map<int64_t, int64_t>;
void AddHistogram(Histogram& into, const Histogram& from);
// Median of the histogram's values (mean of the two middle ones for an even
// count); 0 when empty.
double Median(const Histogram& h);

// The root of the unit tree (the center, 区政务服务管理办).
inline constexpr char kCenterUnit[] = "center";

// One fact as stored: the event's identity and the numbers the indicators
// need. `kind` is the payload's field name ("dispatched", "clock_stopped"...).
struct FactRecord {
  std::string event_id;
  std::string producer;
  std::string ticket_id;
  int64_t seq = 0;
  std::string kind;
  std::string unit_id;  // credited unit; "" when none
  absl::Time occurred_at;
  absl::CivilDay local_date;
  int request_type = 0;
  int urgency = 0;
  std::string category_code;
  std::string area_code;
  std::string detail;  // e.g. "HANDLING:MISSED", "SUPERVISION", "rejected"
  int64_t amount = 0;  // e.g. working days late, handling working days
};

// What one fact adds to the rollups of (local_date, unit_id, request_type).
struct Contribution {
  Counters counters;
  std::optional<int64_t> handling_days;  // a first reply's handling time
  bool topic = false;  // an order received: counts for HotTopics
};
Contribution ContributionOf(const FactRecord& fact);

// What assessment remembers of an order between its events.
struct TicketInfo {
  bool known = false;
  std::string ticket_number;
  int request_type = 0;
  int urgency = 0;
  std::string category_code;
  std::string area_code;
  std::optional<absl::Time> dispatched_at;  // current dispatch round
  std::string replied_unit_id;              // unit of the last reply
  std::string review_status = "NONE";       // NONE, REPLIED, APPROVED, REJECTED
  std::string approved_unit_id;             // unit whose reply was approved
};

// A parent link (or area flag) learned from an event.
struct UnitLink {
  std::string unit_id;
  std::string parent_id;  // "" when unknown
  bool is_area = false;
};

struct FactPlan {
  FactRecord fact;
  TicketInfo ticket;  // the order's state after the event
  std::vector<UnitLink> units;
};

// Turns one event into its fact, given what is known of the order. The
// calendar counts handling working days (first replies). Errors:
// INVALID_ARGUMENT for an event without payload.
absl::StatusOr<FactPlan> PlanFact(const v1::TicketEvent& event,
                                  const TicketInfo& before,
                                  const calendar::Calendar& cal);

// Indicators from summed counters and the handling histogram.
v1::Indicators ToIndicators(const Counters& c, const Histogram& h);

// ---------------------------------------------------------------- score

struct Weights {
  std::string version;
  std::vector<std::pair<std::string, double>> weights;  // indicator, weight
  int late_return_threshold = 2;
};
// Parses services/assessment/policy/weights.txt (format in the file).
// INVALID_ARGUMENT naming the line.
absl::StatusOr<Weights> ParseWeights(absl::string_view text);
// The embedded policy/weights.txt of the build.
const Weights& DefaultWeights();

// Composite score in [0, 100] with its components (contribution = value ×
// weight × 100; a rate whose denominator is 0 scores 1, nothing to fault).
double CompositeScore(const v1::Indicators& ind, const Weights& w,
                      std::vector<v1::ScoreComponent>* components);

// ---------------------------------------------------------------- units

// The unit tree learned from events. Kinds are derived: the root is the
// center; a first-level unit is a TOWN_STREET when it was named as a matter's
// area (or its id starts with "town." or "street."), else a DEPARTMENT; below
// a town/street VILLAGE_COMMUNITY, below a department SECTION.
class UnitTree {
 public:
  void Add(const std::string& unit_id, const std::string& parent_id,
           bool is_area);
  bool Has(const std::string& unit_id) const;
  v1::UnitKind Kind(const std::string& unit_id) const;
  // The unit and every unit below it.
  std::vector<std::string> Subtree(const std::string& unit_id) const;
  // Is `unit_id` in the subtree of `root`?
  bool InSubtree(const std::string& unit_id, const std::string& root) const;
  std::vector<std::string> UnitsOfKind(v1::UnitKind kind) const;
  std::string Parent(const std::string& unit_id) const;

  // From a directory copy (optional): the unit's name, and its kind and
  // parent as the directory states them (they win over what events show).
  void SetDirectoryEntry(const std::string& unit_id, const std::string& name,
                         v1::UnitKind kind, const std::string& parent_id);
  // The directory name, else the unit id.
  std::string Name(const std::string& unit_id) const;

 private:
  struct Node {
    std::string parent;
    bool is_area = false;
    v1::UnitKind kind = v1::UNIT_KIND_UNSPECIFIED;  // from the directory
  };
  std::map<std::string, Node> nodes_;
  std::map<std::string, std::string> names_;
};

// One unit of a directory copy.
struct DirectoryEntry {
  std::string unit_id;
  std::string name;  // short name when given, else the name
  v1::UnitKind kind = v1::UNIT_KIND_UNSPECIFIED;
  std::string parent_id;
};
// Parses routing's directory CSV (DirectoryService.ExportDirectory, CSV;
// data/directory/dazu_sample.csv): '#' comment lines, a header naming at
// least unit_id, name and kind, RFC 4180 quoting. INVALID_ARGUMENT naming the
// line.
absl::StatusOr<std::vector<DirectoryEntry>> ParseDirectoryCsv(
    absl::string_view text);

// ---------------------------------------------------------------- periods

struct DateRange {
  absl::CivilDay from;
  absl::CivilDay to;  // inclusive
  int64_t days() const { return to - from + 1; }
};
// Validates a Period (field names prefixed by `field`).
absl::StatusOr<DateRange> ParsePeriod(absl::string_view field,
                                      const v1::Period& p);
// The range of equal length just before.
DateRange PreviousRange(const DateRange& r);
// Buckets of `g` covering r (clipped to r); one bucket for UNSPECIFIED.
std::vector<DateRange> Buckets(const DateRange& r, v1::Granularity g);

// A range cut into whole calendar months (read from the monthly rollups) and
// the leftover days at either end (read from the daily ones).
struct MonthSplit {
  std::optional<DateRange> months;  // from = 1st of the first whole month,
                                    // to = 1st of the last whole month
  std::vector<DateRange> days;      // 0–2 partial ranges
};
MonthSplit SplitMonths(const DateRange& r);
// The range widened to whole months.
DateRange WidenToMonths(const DateRange& r);

// Rankings: best first; equal scores share a rank ("1224" ranking).
struct RankInput {
  std::string unit_id;
  double score = 0;
};
std::vector<int> RankOf(const std::vector<RankInput>& sorted_best_first);

}  // namespace hotline::assessment

namespace hotline::assessment {

// One rollup row as stored.
struct RollupRow {
  absl::CivilDay date;
  std::string unit_id;
  int request_type = 0;
  Counters counters;
};
struct HandlingRow {
  absl::CivilDay date;
  std::string unit_id;
  int request_type = 0;
  int64_t working_days = 0;
  int64_t n = 0;
};

// Counters and histogram summed over a set of rows.
struct Totals {
  Counters counters;
  Histogram handling;
  void Add(const Totals& o) {
    counters.Add(o.counters);
    AddHistogram(handling, o.handling);
  }
};

}  // namespace hotline::assessment
