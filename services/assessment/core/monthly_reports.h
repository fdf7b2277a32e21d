#pragma once

// The bulletin as documents (what the Report RPC returns), and 第九条's
// "定期通报": once a month is closed the service generates its bulletin on
// its own and keeps it (stored_report), exactly once per month.

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "hotline/v1/assessment.pb.h"
#include "services/assessment/core/analytics.h"
#include "services/assessment/store/assessment_store.h"

namespace hotline::assessment {

// "2024-03-01至2024-03-31" (one date when from == to).
std::string PeriodLabel(const DateRange& range);
// "大足区12345热线办理情况通报 <label>".
std::string DefaultReportTitle(const DateRange& range);
// Names the files: "2024-03" for a whole month, else "<from>_<to>".
std::string ReportSlug(const DateRange& range);
// The range of a local month.
DateRange MonthRange(absl::CivilMonth m);

// Renders the bulletin of `range` in `formats` (each once; CSV gives one
// document per table) as of `now`; facts_through is left to the caller.
absl::StatusOr<v1::ReportResponse> RenderReport(
    Analytics& analytics, const UnitTree& tree, const DateRange& range,
    v1::Granularity granularity, const std::string& title,
    const std::vector<v1::ReportFormat>& formats, absl::Time now);

// A month is closed two hours after it ends (02:00 local time on the 1st
// of the next month): the allowance lets events of its last evening that are
// still in flight arrive.
inline constexpr absl::Duration kMonthCloseAllowance = absl::Hours(2);
// The latest month closed at `now`.
absl::CivilMonth LastClosedMonth(absl::Time now);

// The formats of every bulletin kept: Generate renders all of them, so each
// stored month holds the report in each (CSV: one document per table).
inline constexpr v1::ReportFormat kStoredReportFormats[] = {
    v1::REPORT_FORMAT_HTML, v1::REPORT_FORMAT_MARKDOWN, v1::REPORT_FORMAT_CSV};

class MonthlyReports {
 public:
  // Not owned; must outlive this. `tree` gives the current unit tree.
  MonthlyReports(AssessmentStore* store, Analytics* analytics,
                 std::function<absl::StatusOr<UnitTree>()> tree)
      : store_(store), analytics_(analytics), tree_(std::move(tree)) {}

  // Generates and keeps the bulletin of the latest month closed at `now`
  // unless it is kept already, or no fact was ever recorded (a service that
  // has seen nothing has nothing to report). Returns the month stored
  // ("2024-03"), or "" when there was nothing to do. Safe to call any number
  // of times, from any number of instances: a month is stored once.
  absl::StatusOr<std::string> GenerateDue(absl::Time now);

  // Generates and keeps the bulletin of `month` (true when this call stored
  // it; false when it was kept already).
  absl::StatusOr<bool> Generate(absl::CivilMonth month, absl::Time now);

 private:
  AssessmentStore* store_;
  Analytics* analytics_;
  std::function<absl::StatusOr<UnitTree>()> tree_;
};

// "2024-03", or INVALID_ARGUMENT naming `field`.
absl::StatusOr<absl::CivilMonth> ParseMonth(absl::string_view field,
                                            absl::string_view text);
std::string FormatMonth(absl::CivilMonth m);

}  // namespace hotline::assessment
