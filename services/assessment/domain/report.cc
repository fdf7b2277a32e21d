#include "services/assessment/domain/report.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace hotline::assessment {

std::string Percent(double v) { return absl::StrFormat("%.1f%%", v * 100); }

namespace {

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_';
}

// Calls `f(begin, size)` for each maximal run of id characters, without a
// trailing '.' (the end of a sentence).
template <typename F>
void ForEachIdWord(const std::string& text, F f) {
  size_t i = 0;
  while (i < text.size()) {
    if (!IsIdChar(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && IsIdChar(text[j])) ++j;
    size_t end = j;
    while (end > i && text[end - 1] == '.') --end;
    if (end > i) f(i, end - i);
    i = j;
  }
}

}  // namespace

std::vector<std::string> IdWords(const std::string& text) {
  std::vector<std::string> out;
  ForEachIdWord(
      text, [&](size_t at, size_t n) { out.push_back(text.substr(at, n)); });
  return out;
}

std::string WithUnitNames(const std::string& text,
                          const std::map<std::string, std::string>& names) {
  std::string out;
  size_t copied = 0;
  ForEachIdWord(text, [&](size_t at, size_t n) {
    auto it = names.find(text.substr(at, n));
    if (it == names.end()) return;
    out.append(text, copied, at - copied);
    out += it->second;
    copied = at + n;
  });
  out.append(text, copied, std::string::npos);
  return out;
}

std::string Rate(const v1::Ratio& r) {
  return r.not_applicable() || r.denominator() == 0 ? "不适用"
                                                    : Percent(r.value());
}

namespace {

std::string Score(double s) { return absl::StrFormat("%.2f", s); }

std::string Signed(double s) { return absl::StrFormat("%+.2f", s); }
std::string Signed(int64_t n) { return absl::StrFormat("%+d", n); }

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
  // Printed instead of the table when it has no rows: 无 and why.
  std::string empty;
};

std::string TopicCategory(const v1::HotTopic& h) {
  return h.category_name().empty() ? h.category_code() : h.category_name();
}

std::string TopicArea(const v1::HotTopic& h) {
  if (h.area_code().empty()) return "未注明镇街";
  return h.area_name().empty() ? h.area_code() : h.area_name();
}

std::vector<Table> Tables(const ReportData& d) {
  std::vector<Table> t;
  {
    Table s{"summary", "全区总体情况", {"指标", "数值"}, {}, ""};
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
            {},
            k == 0 ? "无（本期没有镇街承办工单）"
                   : "无（本期没有区级部门承办工单）"};
    for (const auto& e : list) r.rows.push_back(RankingCells(e));
    t.push_back(std::move(r));
  }
  {
    Table r{"trend",
            "月度趋势（近12期）",
            {"月份", "工单数", "按时办结率", "满意率"},
            {},
            "无（本期之前没有数据）"};
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
            {"单位", "超期件数", "超期工作日", "期末超期未办结"},
            {},
            "无（本期无超期工单，期末无超期未办结工单）"};
    for (const auto& o : d.overdue) {
      r.rows.push_back({o.unit_id, absl::StrCat(o.overdue_orders),
                        absl::StrCat(o.overdue_working_days),
                        absl::StrCat(o.open_overdue_orders)});
    }
    t.push_back(std::move(r));
  }
  {
    Table r{"open-overdue",
            absl::StrCat("超期未办结工单（截至 ", d.open_overdue_as_of, "）"),
            {"工单编号", "承办单位", "时限", "到期时间", "超期工作日"},
            {},
            absl::StrCat("无（截至 ", d.open_overdue_as_of,
                         " 没有超期未办结的工单）")};
    for (const auto& o : d.open_overdue) {
      r.rows.push_back({o.ticket_number, o.unit, o.kind, o.due,
                        absl::StrCat(o.overdue_working_days)});
    }
    t.push_back(std::move(r));
  }
  {
    Table r{"hot-topics",
            "热点诉求（事项分类 × 镇街，与上期比较）",
            {"事项分类", "镇街", "本期", "上期", "变化", "变化率"},
            {},
            "无（本期没有受理工单）"};
    for (const auto& h : d.topics) {
      r.rows.push_back(
          {TopicCategory(h), TopicArea(h), absl::StrCat(h.count()),
           absl::StrCat(h.previous_count()), Signed(h.change()),
           h.previous_count() == 0
               ? "新增"
               : absl::StrFormat("%+.1f%%", h.change_ratio() * 100)});
    }
    t.push_back(std::move(r));
  }
  {
    Table r{"accountability",
            "问责线索",
            {"类别", "条款", "单位", "工单", "证据"},
            {},
            "无（本期未发现问责线索）"};
    for (const auto& c : d.candidates) {
      std::vector<std::string> ev;
      for (const auto& e : c.evidence()) {
        ev.push_back(absl::StrCat(
            e.event_id(), " ", WithUnitNames(e.description(), d.unit_names)));
      }
      auto name = d.unit_names.find(c.unit_id());
      r.rows.push_back({KindName(c.kind()), c.article(),
                        name == d.unit_names.end() ? c.unit_id() : name->second,
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

RenderedDocument ReportRenderer::Markdown() const {
  std::string md =
      absl::StrCat("# ", MarkdownEscape(data_.title), "\n\n", "统计期间：",
                   MarkdownEscape(data_.period_label), "  \n生成时间：",
                   MarkdownEscape(data_.generated_at), "  \n权重版本：",
                   MarkdownEscape(data_.weights_version), "\n");
  for (const Table& t : Tables(data_)) {
    absl::StrAppend(&md, "\n## ", MarkdownEscape(t.caption), "\n\n");
    if (t.rows.empty()) {
      absl::StrAppend(&md, MarkdownEscape(t.empty), "\n");
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

namespace {

// Screen: full width, light colours. Print: A4 portrait with margins, each
// section on a new page, no backgrounds (a 通报 is printed and circulated).
constexpr char kStyle[] = R"css(
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",sans-serif;margin:24px 32px;color:#1a202c;background:#fff;line-height:1.5}
header{border-bottom:3px solid #c53030;margin-bottom:16px;padding-bottom:8px}
h1{font-size:26px;text-align:center;color:#c53030;margin:8px 0 12px}
.meta{text-align:center;color:#4a5568;font-size:14px;margin:0}
section{margin:28px 0}
h2{font-size:20px;border-left:6px solid #2b6cb0;padding-left:10px;margin:0 0 12px}
figure{margin:8px 0 16px;width:100%}
figure svg{display:block;width:100%;height:auto}
table{border-collapse:collapse;margin:8px 0 20px;width:100%}
td,th{border:1px solid #a0aec0;padding:4px 8px;font-size:13px;text-align:left}
th{background:#edf2f7}
td.num{text-align:right}
p.empty{font-size:15px;color:#2d3748;margin:8px 0 16px}
@page{size:A4 portrait;margin:18mm 15mm 20mm 15mm}
@media print{
 body{margin:0;font-size:10.5pt;color:#000}
 *{background:transparent !important;box-shadow:none !important}
 header{border-bottom-color:#000}
 h1{color:#000}
 h2{border-left-color:#000}
 section{margin:0;break-before:page;page-break-before:always}
 section.first{break-before:auto;page-break-before:auto}
 figure,tr,p.empty{break-inside:avoid;page-break-inside:avoid}
 h2{break-after:avoid;page-break-after:avoid}
 thead{display:table-header-group}
 td,th{font-size:9.5pt;border-color:#000}
}
)css";

std::string Count(double v) { return absl::StrFormat("%.0f 件", v); }

}  // namespace

RenderedDocument ReportRenderer::Html() const {
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\"><title>",
      EscapeHtml(data_.title), "</title><style>", kStyle,
      "</style></head><body>\n<header><h1>", EscapeHtml(data_.title),
      "</h1>\n<p class=\"meta\">统计期间：", EscapeHtml(data_.period_label),
      "　生成时间：", EscapeHtml(data_.generated_at),
      "（北京时间）　权重版本：", EscapeHtml(data_.weights_version),
      "</p></header>\n");
  // The charts of each section (by table name); a section whose chart would
  // have nothing to draw says 无 (its table's reason) instead.
  std::map<std::string, std::string> charts;
  for (int k = 0; k < 2; ++k) {
    const auto& list = k == 0 ? data_.towns : data_.departments;
    std::vector<Bar> bars;
    for (const auto& e : list) {
      if (e.not_scored()) continue;  // listed in the table, not charted
      bars.push_back({e.unit_name(), e.composite_score(),
                      absl::StrCat(Score(e.composite_score()), "分"), 0, ""});
    }
    if (bars.empty()) continue;
    BarChartOptions o;
    o.zero_based = false;
    charts[k == 0 ? "ranking-town_street" : "ranking-department"] =
        absl::StrCat("<figure id=\"chart-ranking-", k, "\">",
                     BarChartSvg(k == 0 ? "镇街综合得分（高分在前）"
                                        : "区级部门综合得分（高分在前）",
                                 std::move(bars), o),
                     "</figure>\n");
  }
  charts["trend"] = absl::StrCat("<figure id=\"chart-trend\">",
                                 TrendSvg(data_.trend), "</figure>\n");
  if (!data_.overdue.empty()) {
    std::vector<Bar> bars;
    for (const auto& o : data_.overdue) {
      bars.push_back({o.unit_id, static_cast<double>(o.overdue_orders),
                      Count(static_cast<double>(o.overdue_orders)),
                      static_cast<double>(o.open_overdue_orders),
                      Count(static_cast<double>(o.open_overdue_orders))});
    }
    BarChartOptions o;
    o.series1 = "本期超期件数";
    o.series2 = "期末超期未办结";
    o.color1 = "#c53030";
    charts["overdue"] = absl::StrCat(
        "<figure id=\"chart-overdue\">",
        BarChartSvg("各单位超期件数（多者在前）", std::move(bars), o),
        "</figure>\n");
  }
  if (!data_.topics.empty()) {
    std::vector<Bar> bars;
    for (const auto& t : data_.topics) {
      if (bars.size() == 10) break;
      bars.push_back(
          {absl::StrCat(TopicCategory(t), " · ", TopicArea(t)),
           static_cast<double>(t.count()),
           absl::StrCat(t.count(), " 件（较上期 ", Signed(t.change()), "）"), 0,
           ""});
    }
    charts["hot-topics"] =
        absl::StrCat("<figure id=\"chart-hot-topics\">",
                     BarChartSvg("热点诉求前十（件数，较上期变化）",
                                 std::move(bars), BarChartOptions{}),
                     "</figure>\n");
  }
  bool first = true;
  for (const Table& t : Tables(data_)) {
    absl::StrAppend(&html, "<section id=\"section-", t.name, "\"",
                    first ? " class=\"first\"" : "", "><h2>",
                    EscapeHtml(t.caption), "</h2>\n");
    first = false;
    if (t.rows.empty()) {
      absl::StrAppend(&html, "<p class=\"empty\">", EscapeHtml(t.empty),
                      "</p>\n</section>\n");
      continue;
    }
    if (auto c = charts.find(t.name); c != charts.end()) {
      absl::StrAppend(&html, c->second);
    }
    absl::StrAppend(&html, "<table id=\"table-", t.name, "\"><thead><tr>");
    for (const auto& c : t.header) {
      absl::StrAppend(&html, "<th>", EscapeHtml(c), "</th>");
    }
    absl::StrAppend(&html, "</tr></thead>\n");
    for (const auto& r : t.rows) {
      absl::StrAppend(&html, "<tr>");
      for (const auto& c : r) {
        absl::StrAppend(&html, "<td>", EscapeHtml(c), "</td>");
      }
      absl::StrAppend(&html, "</tr>\n");
    }
    absl::StrAppend(&html, "</table>\n</section>\n");
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
