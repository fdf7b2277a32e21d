#include "services/assessment/core/monthly_reports.h"

#include <iterator>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/assessment/domain/report.h"

namespace hotline::assessment {

std::string PeriodLabel(const DateRange& range) {
  const std::string from = calendar::FormatDate(range.from);
  const std::string to = calendar::FormatDate(range.to);
  return from == to ? from : absl::StrCat(from, "至", to);
}

std::string DefaultReportTitle(const DateRange& range) {
  return absl::StrCat("大足区12345热线办理情况通报 ", PeriodLabel(range));
}

std::string ReportSlug(const DateRange& range) {
  const std::string from = calendar::FormatDate(range.from);
  const std::string to = calendar::FormatDate(range.to);
  if (range.from == absl::CivilDay(absl::CivilMonth(range.from)) &&
      range.to + 1 == absl::CivilDay(absl::CivilMonth(range.from) + 1)) {
    return from.substr(0, 7);
  }
  return from == to ? from : absl::StrCat(from, "_", to);
}

DateRange MonthRange(absl::CivilMonth m) {
  return DateRange{absl::CivilDay(m), absl::CivilDay(m + 1) - 1};
}

absl::StatusOr<v1::ReportResponse> RenderReport(
    Analytics& analytics, const UnitTree& tree, const DateRange& range,
    v1::Granularity granularity, const std::string& title,
    const std::vector<v1::ReportFormat>& formats, absl::Time now) {
  ASSIGN_OR_RETURN(ReportData data,
                   analytics.BuildReport(tree, range, granularity, title, now));
  data.generated_at =
      absl::FormatTime("%Y-%m-%d %H:%M", now, calendar::ChinaStandardTime());
  ReportRenderer renderer(data, ReportSlug(range));
  v1::ReportResponse resp;
  auto add = [&](v1::ReportFormat f, const RenderedDocument& d) {
    auto* doc = resp.add_documents();
    doc->set_format(f);
    doc->set_file_name(d.file_name);
    doc->set_media_type(d.media_type);
    doc->set_content(d.content);
  };
  bool csv = false;
  for (v1::ReportFormat f : formats) {
    if (f == v1::REPORT_FORMAT_MARKDOWN) {
      add(f, renderer.Markdown());
    } else if (f == v1::REPORT_FORMAT_HTML) {
      add(f, renderer.Html());
    } else if (f == v1::REPORT_FORMAT_CSV) {
      csv = true;
    }
  }
  if (csv) {
    for (const auto& d : renderer.Csvs()) add(v1::REPORT_FORMAT_CSV, d);
  }
  *resp.mutable_generated_at() = ToProto(now);
  return resp;
}

absl::CivilMonth LastClosedMonth(absl::Time now) {
  const absl::CivilSecond local = absl::ToCivilSecond(
      now - kMonthCloseAllowance, calendar::ChinaStandardTime());
  return absl::CivilMonth(local) - 1;
}

absl::StatusOr<std::string> MonthlyReports::GenerateDue(absl::Time now) {
  const absl::CivilMonth month = LastClosedMonth(now);
  ASSIGN_OR_RETURN(bool kept, store_->HasStoredReport(FormatMonth(month)));
  if (kept) return std::string();
  ASSIGN_OR_RETURN(auto facts_through, store_->FactsThrough());
  if (!facts_through.has_value()) return std::string();
  ASSIGN_OR_RETURN(bool stored, Generate(month, now));
  return stored ? FormatMonth(month) : std::string();
}

absl::StatusOr<bool> MonthlyReports::Generate(absl::CivilMonth month,
                                              absl::Time now) {
  const DateRange range = MonthRange(month);
  ASSIGN_OR_RETURN(UnitTree tree, tree_());
  const std::string title = DefaultReportTitle(range);
  ASSIGN_OR_RETURN(
      v1::ReportResponse resp,
      RenderReport(
          *analytics_, tree, range, v1::GRANULARITY_MONTH, title,
          {std::begin(kStoredReportFormats), std::end(kStoredReportFormats)},
          now));
  StoredReportRow row;
  row.month = FormatMonth(month);
  row.title = title;
  row.from_date = range.from;
  row.to_date = range.to;
  row.generated_at = now;
  ASSIGN_OR_RETURN(row.facts_through, store_->FactsThrough());
  if (row.facts_through.has_value()) {
    *resp.mutable_facts_through() = ToProto(*row.facts_through);
  }
  row.documents = resp.documents_size();
  row.response = resp.SerializeAsString();
  return store_->InsertStoredReport(row);
}

absl::StatusOr<absl::CivilMonth> ParseMonth(absl::string_view field,
                                            absl::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": a month YYYY-MM (e.g. 2024-03)"));
  };
  if (text.size() != 7 || text[4] != '-') return bad();
  for (size_t i : {0, 1, 2, 3, 5, 6}) {
    if (text[i] < '0' || text[i] > '9') return bad();
  }
  const int year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 +
                   (text[2] - '0') * 10 + (text[3] - '0');
  const int mon = (text[5] - '0') * 10 + (text[6] - '0');
  if (year < 2000 || year > 2999 || mon < 1 || mon > 12) return bad();
  return absl::CivilMonth(year, mon);
}

std::string FormatMonth(absl::CivilMonth m) {
  return absl::StrFormat("%04d-%02d", m.year(), m.month());
}

}  // namespace hotline::assessment
