#pragma once

// The periodic bulletin (通报) as documents: Markdown, self-contained HTML
// with inline SVG charts (ranking bars, monthly trend, overdue by unit), and
// one CSV per table. A plain domain class: it renders what it is given (no
// SQL, no gRPC) and is unit-tested on its own.

#include <map>
#include <string>
#include <vector>

#include "hotline/v1/assessment.pb.h"

namespace hotline::assessment {

struct TrendPoint {
  std::string label;  // e.g. "2024-03"
  int64_t orders = 0;
  double on_time_completion = 0;       // [0, 1]
  bool on_time_completion_na = false;  // 0/0: shown as 不适用
  double satisfaction = 0;             // [0, 1]
  bool satisfaction_na = false;
};

struct OverdueRow {
  std::string unit_id;  // the unit's name (its id when the directory lacks it)
  int64_t overdue_orders = 0;
  int64_t overdue_working_days = 0;
  // Orders of the unit still unanswered past due at the period's end.
  int64_t open_overdue_orders = 0;
};

// An order past its completion due and still unanswered at the period's end.
struct OpenOverdueRow {
  std::string ticket_number;
  std::string unit;  // name (or id) of the unit charged
  std::string kind;  // 办理 (HANDLING) or 牵头办理 (LEAD_UNIT)
  std::string due;   // local "YYYY-MM-DD HH:MM"
  int64_t overdue_working_days = 0;
};

struct ReportData {
  std::string title;
  std::string period_label;  // "2024-03-01 – 2024-03-31"
  std::string generated_at;  // local "YYYY-MM-DD HH:MM" (China Standard Time)
  v1::Indicators district;   // whole district
  std::vector<v1::RankingEntry> towns;
  std::vector<v1::RankingEntry> departments;
  std::vector<TrendPoint> trend;    // the 12 buckets ending with the period
  std::vector<OverdueRow> overdue;  // largest first
  std::vector<OpenOverdueRow> open_overdue;  // oldest due first
  std::string open_overdue_as_of;            // local "YYYY-MM-DD HH:MM"
  std::vector<v1::HotTopic> topics;          // category_name / area_name set
  std::vector<v1::AccountabilityCandidate> candidates;
  std::string weights_version;
  // unit id → name (the directory's; the id when it has none), for the
  // accountability candidates and the units their evidence mentions.
  std::map<std::string, std::string> unit_names;
};

// One bar of a horizontal bar chart: `value` drawn, `text` printed beside
// it; `value2`/`text2` the second series when the chart has one.
struct Bar {
  std::string label;
  double value = 0;
  std::string text;
  double value2 = 0;
  std::string text2;
};

struct BarChartOptions {
  // true: the axis starts at 0 (counts). false: scores — the axis starts
  // just below the lowest value (printed), so that differences show.
  bool zero_based = true;
  // Names of the series (a legend is drawn when series2 is set).
  std::string series1;
  std::string series2;
  std::string color1 = "#2b6cb0";
  std::string color2 = "#ed8936";
};

struct RenderedDocument {
  std::string file_name;
  std::string media_type;
  std::string content;
};

class ReportRenderer {
 public:
  // `slug` names the files, e.g. "2024-03" → report-2024-03.md.
  ReportRenderer(const ReportData& data, std::string slug)
      : data_(data), slug_(std::move(slug)) {}

  RenderedDocument Markdown() const;
  RenderedDocument Html() const;
  std::vector<RenderedDocument> Csvs() const;

  // Exposed for tests.
  static std::string EscapeHtml(const std::string& s);
  static std::string CsvField(const std::string& s);
  // Bars sorted largest first (ties keep their order); a full-width
  // responsive SVG. Empty `bars` is not a chart: callers print 无 instead.
  static std::string BarChartSvg(const std::string& title,
                                 std::vector<Bar> bars,
                                 const BarChartOptions& options);
  static std::string TrendSvg(const std::vector<TrendPoint>& points);

 private:
  const ReportData& data_;
  std::string slug_;
};

// "87.5%" with one decimal.
std::string Percent(double v);
// A rate as shown: Percent(value), or "不适用" when not applicable (0/0).
std::string Rate(const v1::Ratio& r);

// The words of `text` that may be unit ids: maximal runs of ASCII letters,
// digits, '.' and '_' ("town.longshui" in "no leader on duty at
// town.longshui on 2024-03-13", "dept.housing" in "clk-7-dept.housing").
std::vector<std::string> IdWords(const std::string& text);

// `text` with each word of IdWords found in `names` replaced by its name:
// evidence written for the API names units by id, the bulletin by name.
std::string WithUnitNames(const std::string& text,
                          const std::map<std::string, std::string>& names);

}  // namespace hotline::assessment
