#pragma once

// The periodic bulletin (通报) as documents: Markdown, self-contained HTML
// with inline SVG charts (ranking bars, monthly trend, overdue by unit), and
// one CSV per table. A plain domain class: it renders what it is given (no
// SQL, no gRPC) and is unit-tested on its own.

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
  std::string unit_id;
  int64_t overdue_orders = 0;
  int64_t overdue_working_days = 0;
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
  std::string generated_at;  // RFC 3339
  v1::Indicators district;   // whole district
  std::vector<v1::RankingEntry> towns;
  std::vector<v1::RankingEntry> departments;
  std::vector<TrendPoint> trend;
  std::vector<OverdueRow> overdue;           // largest first
  std::vector<OpenOverdueRow> open_overdue;  // oldest due first
  std::string open_overdue_as_of;            // local "YYYY-MM-DD HH:MM"
  std::vector<v1::HotTopic> topics;
  std::vector<v1::AccountabilityCandidate> candidates;
  std::string weights_version;
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
  static std::string BarChartSvg(
      const std::string& title,
      const std::vector<std::pair<std::string, double>>& bars,
      const std::string& unit_suffix);
  static std::string TrendSvg(const std::vector<TrendPoint>& points);

 private:
  const ReportData& data_;
  std::string slug_;
};

// "87.5%" with one decimal.
std::string Percent(double v);
// A rate as shown: Percent(value), or "不适用" when not applicable (0/0).
std::string Rate(const v1::Ratio& r);

}  // namespace hotline::assessment
