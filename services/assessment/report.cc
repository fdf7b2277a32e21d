#include "services/assessment/report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace hotline::assessment {

std::string Percent(double v) { return absl::StrFormat("%.1f%%", v * 100); }

std::string Rate(const v1::Ratio& r) {
  return r.not_applicable() || r.denominator() == 0 ? "不适用"
                                                    : Percent(r.value());
}

namespace {

std::string Score(double s) { return absl::StrFormat("%.2f", s); }

std::string Signed(double s) { return absl::StrFormat("%+.2f", s); }

std::string KindName(v1::AccountabilityKind k) {
  switch (k) {
    case v1::ACCOUNTABILITY_KIND_URGENT_DELAYED:
      return "紧急事项延误";
    case v1::ACCOUNTABILITY_KIND_NO_FEEDBACK_AFTER_SUPERVISION:
      return "两次督办后仍未反馈";
    case v1::ACCOUNTABILITY_KIND_REPEATED_LATE_RETURNS:
      return "多次超时退回";
    case v1::ACCOUNTABILITY_KIND_URGENT_PUSHED_BACK:
      return "紧急事项推诿";
    case v1::ACCOUNTABILITY_KIND_DUTY_GAP:
      return "值班制度不落实";
    default:
      return "其他";
  }
}

std::vector<std::string> RankingHeader() {
  return {"名次",   "单位",       "综合得分", "上期名次", "得分变化",
          "工单数", "按时办结率", "满意率",   "超期件数", "超期未办结"};
}

// A unit with nothing to judge is listed, unranked, after the ranked ones.
constexpr char kNotScored[] = "不参与评分";

std::vector<std::string> RankingCells(const v1::RankingEntry& e) {
  return {e.not_scored() ? "—" : absl::StrCat(e.rank()),
          e.unit_name(),
          e.not_scored() ? kNotScored : Score(e.composite_score()),
          e.previous_rank() == 0 ? "—" : absl::StrCat(e.previous_rank()),
          e.not_scored() ? "—" : Signed(e.score_change()),
          absl::StrCat(e.indicators().orders()),
          Rate(e.indicators().on_time_completion()),
          Rate(e.indicators().satisfaction()),
          absl::StrCat(e.indicators().overdue_orders()),
          absl::StrCat(e.indicators().open_overdue_orders())};
}

struct Table {
  std::string name;  // CSV file stem
  std::string caption;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::vector<Table> Tables(const ReportData& d) {
  std::vector<Table> t;
  {
    Table s{"summary", "全区总体情况", {"指标", "数值"}, {}};
    const auto& i = d.district;
    s.rows = {
        {"受理工单", absl::StrCat(i.received())},
        {"交办/流转工单", absl::StrCat(i.orders())},
        {"按时签收率", Rate(i.on_time_response())},
        {"按时流转率", Rate(i.on_time_forwarding())},
        {"按时办结率", Rate(i.on_time_completion())},
        {"超期件数", absl::StrCat(i.overdue_orders())},
        {"超期工作日", absl::StrCat(i.overdue_working_days())},
        {"期末超期未办结", absl::StrCat(i.open_overdue_orders())},
        {"延期申请/批准",
         absl::StrCat(i.extensions_requested(), "/", i.extensions_approved())},
        {"退回/超时退回", absl::StrCat(i.returns(), "/", i.late_returns())},
        {"重办率", Rate(i.rehandling())},
        {"一次审核通过率", Rate(i.first_time_approval())},
        {"协办按时率", Rate(i.on_time_co_opinion())},
        {"逾期审批延期", absl::StrCat(i.late_extension_decisions())},
        {"值班缺岗（单位·日）", absl::StrCat(i.duty_gaps())},
        {"催办/督办/专项督查/通报",
         absl::StrCat(i.reminders(), "/", i.supervisions(), "/",
                      i.special_inspections(), "/", i.district_notices())},
        {"回访接通率", Rate(i.reached())},
        {"满意率", Rate(i.satisfaction())},
        {"解决率", Rate(i.resolution())},
        {"办理时长中位数（工作日）",
         absl::StrFormat("%.1f", i.median_handling_working_days())},
    };
    t.push_back(std::move(s));
  }
  for (int k = 0; k < 2; ++k) {
    const auto& list = k == 0 ? d.towns : d.departments;
    Table r{k == 0 ? "ranking-town_street" : "ranking-department",
            k == 0 ? "镇街排名" : "区级部门排名",
            RankingHeader(),
            {}};
    for (const auto& e : list) r.rows.push_back(RankingCells(e));
    t.push_back(std::move(r));
  }
  {
    Table r{
        "trend", "月度趋势", {"月份", "工单数", "按时办结率", "满意率"}, {}};
    for (const auto& p : d.trend) {
      r.rows.push_back(
          {p.label, absl::StrCat(p.orders),
           p.on_time_completion_na ? "不适用" : Percent(p.on_time_completion),
           p.satisfaction_na ? "不适用" : Percent(p.satisfaction)});
    }
    t.push_back(std::move(r));
  }
  {
    Table r{"overdue",
            "超期情况（按单位）",
            {"单位", "超期件数", "超期工作日"},
            {}};
    for (const auto& o : d.overdue) {
      r.rows.push_back({o.unit_id, absl::StrCat(o.overdue_orders),
                        absl::StrCat(o.overdue_working_days)});
    }
    t.push_back(std::move(r));
  }
  {
    Table r{"open-overdue",
            absl::StrCat("超期未办结工单（截至 ", d.open_overdue_as_of, "）"),
            {"工单编号", "承办单位", "时限", "到期时间", "超期工作日"},
            {}};
    for (const auto& o : d.open_overdue) {
      r.rows.push_back({o.ticket_number, o.unit, o.kind, o.due,
                        absl::StrCat(o.overdue_working_days)});
    }
    t.push_back(std::move(r));
  }
  {
    Table r{"hot-topics",
            "热点诉求（事项分类 × 镇街）",
            {"事项分类", "镇街", "本期", "上期", "变化", "变化率"},
            {}};
    for (const auto& h : d.topics) {
      r.rows.push_back(
          {h.category_code(), h.area_code().empty() ? "（无）" : h.area_code(),
           absl::StrCat(h.count()), absl::StrCat(h.previous_count()),
           absl::StrFormat("%+d", h.change()), Percent(h.change_ratio())});
    }
    t.push_back(std::move(r));
  }
  {
    Table r{"accountability",
            "问责线索",
            {"类别", "条款", "单位", "工单", "证据"},
            {}};
    for (const auto& c : d.candidates) {
      std::vector<std::string> ev;
      for (const auto& e : c.evidence()) {
        ev.push_back(absl::StrCat(e.event_id(), " ", e.description()));
      }
      r.rows.push_back({KindName(c.kind()), c.article(), c.unit_id(),
                        absl::StrJoin(c.ticket_ids(), " "),
                        absl::StrJoin(ev, "; ")});
    }
    t.push_back(std::move(r));
  }
  return t;
}

// Every string embedded in the Markdown document goes through this: no
// character of it can start Markdown syntax or raw HTML. `<`, `>` and `&`
// become entities (no tag, autolink or entity of the input survives);
// the other characters with inline meaning (emphasis, code, links, tables,
// strikethrough, heading close) are backslash-escaped (CommonMark: any
// ASCII punctuation may be); line breaks become spaces, so a string never
// leaves its line or table cell.
std::string MarkdownEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
      case '~':
      case '#':
        out += '\\';
        out += c;
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string ReportRenderer::EscapeHtml(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// A plain number ("87.50", "+2.25", "-3", "12.5%"): a spreadsheet reads it
// as a number, never as a formula.
bool IsPlainNumber(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      digits = true;
    } else if (s[i] == '.' && !dot && digits) {
      dot = true;
    } else if (s[i] == '%' && i + 1 == s.size() && digits) {
      return true;
    } else {
      return false;
    }
  }
  return digits && s.back() != '.';
}

}  // namespace

std::string ReportRenderer::CsvField(const std::string& raw) {
  // Formula injection: a cell starting with = + - @ (or a tab or carriage
  // return) would be run as a formula by a spreadsheet; a leading apostrophe
  // makes it text. Plain numbers ("+2.25", "-3") stay numbers.
  std::string s = raw;
  if (!s.empty() &&
      (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
       s[0] == '\t' || s[0] == '\r') &&
      !IsPlainNumber(s)) {
    s.insert(s.begin(), '\'');
  }
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string ReportRenderer::BarChartSvg(
    const std::string& title,
    const std::vector<std::pair<std::string, double>>& bars,
    const std::string& unit_suffix) {
  const int row = 24, label_w = 200, bar_w = 360, top = 30;
  const int height = top + row * static_cast<int>(bars.size()) + 10;
  double max = 0;
  for (const auto& b : bars) max = std::max(max, b.second);
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "role=\"img\" aria-label=\"%s\">"
      "<text x=\"4\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>",
      label_w + bar_w + 90, height, EscapeHtml(title), EscapeHtml(title));
  for (size_t i = 0; i < bars.size(); ++i) {
    const int y = top + row * static_cast<int>(i);
    const double w = max <= 0 ? 0 : bars[i].second / max * bar_w;
    absl::StrAppendFormat(
        &svg,
        "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">%s</text>"
        "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" "
        "fill=\"#2b6cb0\"/>"
        "<text x=\"%.1f\" y=\"%d\" font-size=\"12\">%s%s</text>",
        label_w - 6, y + 13, EscapeHtml(bars[i].first), label_w, y, w,
        label_w + w + 4, y + 13,
        unit_suffix == "件" ? absl::StrFormat("%.0f", bars[i].second)
                            : absl::StrFormat("%.2f", bars[i].second),
        EscapeHtml(unit_suffix));
  }
  svg += "</svg>";
  return svg;
}

std::string ReportRenderer::TrendSvg(const std::vector<TrendPoint>& points) {
  const int w = 640, h = 240, left = 50, right = 20, top = 30, bottom = 40;
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "role=\"img\" aria-label=\"月度趋势\">"
      "<text x=\"4\" y=\"18\" font-size=\"14\" font-weight=\"bold\">"
      "月度趋势（柱：工单数；线：按时办结率）</text>"
      "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
      w, h, left, h - bottom, w - right, h - bottom);
  if (points.empty()) return svg + "</svg>";
  int64_t max_orders = 1;
  for (const auto& p : points) max_orders = std::max(max_orders, p.orders);
  const double slot = static_cast<double>(w - left - right) /
                      static_cast<double>(points.size());
  const double plot_h = h - top - bottom;
  std::vector<std::string> line;
  for (size_t i = 0; i < points.size(); ++i) {
    const double x = left + slot * static_cast<double>(i);
    const double bh =
        plot_h * static_cast<double>(points[i].orders) / max_orders;
    absl::StrAppendFormat(
        &svg,
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
        "fill=\"#90cdf4\"/>"
        "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
        "text-anchor=\"middle\">%s</text>"
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
        "text-anchor=\"middle\">%d</text>",
        x + slot * 0.15, h - bottom - bh, slot * 0.7, bh, x + slot / 2,
        h - bottom + 16, EscapeHtml(points[i].label), x + slot / 2,
        h - bottom - bh - 2, points[i].orders);
    if (points[i].on_time_completion_na) continue;  // no rate to draw
    line.push_back(
        absl::StrFormat("%.1f,%.1f", x + slot / 2,
                        h - bottom - plot_h * points[i].on_time_completion));
  }
  absl::StrAppendFormat(&svg,
                        "<polyline points=\"%s\" fill=\"none\" "
                        "stroke=\"#c53030\" stroke-width=\"2\"/>",
                        absl::StrJoin(line, " "));
  return svg + "</svg>";
}

RenderedDocument ReportRenderer::Markdown() const {
  std::string md =
      absl::StrCat("# ", MarkdownEscape(data_.title), "\n\n", "统计期间：",
                   MarkdownEscape(data_.period_label), "  \n生成时间：",
                   MarkdownEscape(data_.generated_at), "  \n权重版本：",
                   MarkdownEscape(data_.weights_version), "\n");
  for (const Table& t : Tables(data_)) {
    absl::StrAppend(&md, "\n## ", MarkdownEscape(t.caption), "\n\n");
    if (t.rows.empty()) {
      absl::StrAppend(&md, "（无）\n");
      continue;
    }
    std::vector<std::string> h, sep;
    for (const auto& c : t.header) {
      h.push_back(MarkdownEscape(c));
      sep.push_back("---");
    }
    absl::StrAppend(&md, "| ", absl::StrJoin(h, " | "), " |\n| ",
                    absl::StrJoin(sep, " | "), " |\n");
    for (const auto& r : t.rows) {
      std::vector<std::string> cells;
      for (const auto& c : r) cells.push_back(MarkdownEscape(c));
      absl::StrAppend(&md, "| ", absl::StrJoin(cells, " | "), " |\n");
    }
  }
  return {absl::StrCat("report-", slug_, ".md"), "text/markdown; charset=utf-8",
          md};
}

RenderedDocument ReportRenderer::Html() const {
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
      "<title>",
      EscapeHtml(data_.title),
      "</title><style>body{font-family:sans-serif;margin:24px;}"
      "table{border-collapse:collapse;margin:8px 0 20px;}"
      "td,th{border:1px solid #999;padding:3px 8px;font-size:13px;}"
      "th{background:#edf2f7;}</style></head><body>\n<h1>",
      EscapeHtml(data_.title), "</h1>\n<p>统计期间：",
      EscapeHtml(data_.period_label), "；生成时间：",
      EscapeHtml(data_.generated_at), "；权重版本：",
      EscapeHtml(data_.weights_version), "</p>\n");
  // Charts.
  for (int k = 0; k < 2; ++k) {
    const auto& list = k == 0 ? data_.towns : data_.departments;
    std::vector<std::pair<std::string, double>> bars;
    for (const auto& e : list) {
      if (e.not_scored()) continue;  // listed in the table, not charted
      bars.emplace_back(e.unit_name(), e.composite_score());
    }
    absl::StrAppend(
        &html, "<figure id=\"chart-ranking-", k, "\">",
        BarChartSvg(k == 0 ? "镇街综合得分" : "区级部门综合得分", bars, "分"),
        "</figure>\n");
  }
  absl::StrAppend(&html, "<figure id=\"chart-trend\">", TrendSvg(data_.trend),
                  "</figure>\n");
  {
    std::vector<std::pair<std::string, double>> bars;
    for (const auto& o : data_.overdue) {
      bars.emplace_back(o.unit_id, static_cast<double>(o.overdue_orders));
    }
    absl::StrAppend(&html, "<figure id=\"chart-overdue\">",
                    BarChartSvg("各单位超期件数", bars, "件"), "</figure>\n");
  }
  for (const Table& t : Tables(data_)) {
    absl::StrAppend(&html, "<h2>", EscapeHtml(t.caption), "</h2>\n");
    if (t.rows.empty()) {
      absl::StrAppend(&html, "<p>（无）</p>\n");
      continue;
    }
    absl::StrAppend(&html, "<table id=\"table-", t.name, "\"><tr>");
    for (const auto& c : t.header) {
      absl::StrAppend(&html, "<th>", EscapeHtml(c), "</th>");
    }
    absl::StrAppend(&html, "</tr>\n");
    for (const auto& r : t.rows) {
      absl::StrAppend(&html, "<tr>");
      for (const auto& c : r) {
        absl::StrAppend(&html, "<td>", EscapeHtml(c), "</td>");
      }
      absl::StrAppend(&html, "</tr>\n");
    }
    absl::StrAppend(&html, "</table>\n");
  }
  absl::StrAppend(&html, "</body></html>\n");
  return {absl::StrCat("report-", slug_, ".html"), "text/html; charset=utf-8",
          html};
}

std::vector<RenderedDocument> ReportRenderer::Csvs() const {
  std::vector<RenderedDocument> out;
  for (const Table& t : Tables(data_)) {
    std::string csv;
    std::vector<std::string> h;
    for (const auto& c : t.header) h.push_back(CsvField(c));
    absl::StrAppend(&csv, absl::StrJoin(h, ","), "\r\n");
    for (const auto& r : t.rows) {
      std::vector<std::string> cells;
      for (const auto& c : r) cells.push_back(CsvField(c));
      absl::StrAppend(&csv, absl::StrJoin(cells, ","), "\r\n");
    }
    out.push_back({absl::StrCat(t.name, "-", slug_, ".csv"),
                   "text/csv; charset=utf-8", csv});
  }
  return out;
}

}  // namespace hotline::assessment
