#include "services/assessment/domain/report.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "services/assessment/domain/category_names.h"

namespace hotline::assessment {
namespace {

ReportData Sample() {
  ReportData d;
  d.title = "大足区12345热线办理情况通报 2024-03";
  d.period_label = "2024-03-01 至 2024-03-31";
  d.generated_at = "2024-04-01 02:00";
  d.weights_version = "weights-2024.1";
  d.district.set_orders(12);
  d.district.set_received(15);
  v1::RankingEntry e;
  e.set_rank(1);
  e.set_unit_id("town.longgang");
  e.set_unit_name("龙岗街道<b>");
  e.set_composite_score(87.5);
  e.set_score_change(2.25);
  e.mutable_indicators()->set_orders(7);
  d.towns.push_back(e);
  d.trend.push_back({"2024-02", 5, 0.8, false, 0.9, false});
  d.trend.push_back({"2024-03", 12, 0.75, false, 0.5, false});
  d.overdue.push_back({"区住房城乡建委", 3, 7, 1});
  d.open_overdue_as_of = "2024-04-01 00:00";
  d.open_overdue.push_back(
      {"DZ20240301-000003", "龙水镇", "办理", "2024-03-28 00:00", 2});
  v1::HotTopic t;
  t.set_category_code("urban.road");
  t.set_category_name("道路设施");
  t.set_area_code("town.longgang");
  t.set_area_name("龙岗街道");
  t.set_count(4);
  t.set_previous_count(2);
  t.set_change(2);
  t.set_change_ratio(1.0);
  d.topics.push_back(t);
  return d;
}

TEST(ReportRendererTest, MarkdownHasTablesAndFigures) {
  const ReportData d = Sample();
  const RenderedDocument md = ReportRenderer(d, "2024-03").Markdown();
  EXPECT_EQ(md.file_name, "report-2024-03.md");
  EXPECT_TRUE(absl::StrContains(md.content, "# 大足区12345热线办理情况通报"));
  EXPECT_TRUE(
      absl::StrContains(md.content, "| 1 | 龙岗街道&lt;b&gt; | 87.50 |"));
  EXPECT_TRUE(absl::StrContains(md.content, "| 区住房城乡建委 | 3 | 7 | 1 |"));
  EXPECT_TRUE(absl::StrContains(
      md.content, "| 道路设施 | 龙岗街道 | 4 | 2 | +2 | +100.0% |"));
  EXPECT_FALSE(absl::StrContains(md.content, "urban.road"));
  EXPECT_TRUE(absl::StrContains(md.content, "生成时间：2024-04-01 02:00"));
}

TEST(CategoryNamesTest, UnknownCodesAreSaidToBeUnknownAndKept) {
  EXPECT_EQ(CategoryName("urban.road.damage"), "道路破损");
  EXPECT_EQ(CategoryName("urban.water"), "城乡建设（urban.water）");
  EXPECT_EQ(CategoryName("policy.social.pension"),
            "未列入分类目录（policy.social.pension）");
  EXPECT_EQ(CategoryName(""), "");
}

TEST(ReportRendererTest, EvidenceNamesUnitsByTheirNames) {
  EXPECT_EQ(
      IdWords("return clock clk-7-dept.housing missed, see town.x."),
      (std::vector<std::string>{"return", "clock", "clk", "7", "dept.housing",
                                "missed", "see", "town.x"}));
  const std::map<std::string, std::string> names = {
      {"town.longshui", "龙水镇"},
      {"dept.housing", "区住房城乡建委"},
      {"center", "区政务服务管理办"}};
  EXPECT_EQ(WithUnitNames("10(2) no leader on duty at town.longshui on "
                          "2024-03-13: 1 ladder notice(s)",
                          names),
            "10(2) no leader on duty at 龙水镇 on 2024-03-13: 1 ladder "
            "notice(s)");
  EXPECT_EQ(WithUnitNames("returned by dept.housing to center.", names),
            "returned by 区住房城乡建委 to 区政务服务管理办.");
  // Whole words only: a longer id is not a known one with a tail.
  EXPECT_EQ(WithUnitNames("town.longshuix town.longshui_2", names),
            "town.longshuix town.longshui_2");

  ReportData d = Sample();
  v1::AccountabilityCandidate c;
  c.set_kind(v1::ACCOUNTABILITY_KIND_DUTY_GAP);
  c.set_article("10(2)");
  c.set_unit_id("town.longshui");
  v1::Evidence* e = c.add_evidence();
  e->set_event_id("deadline-39");
  e->set_description("10(2) no leader on duty at town.longshui on 2024-03-13");
  d.candidates.push_back(c);
  d.unit_names = names;
  const std::string md = ReportRenderer(d, "2024-03").Markdown().content;
  EXPECT_TRUE(absl::StrContains(
      md,
      "| 龙水镇 |  | deadline-39 10(2) no leader on duty at 龙水镇 on "
      "2024-03-13 |"))
      << md;
  EXPECT_FALSE(absl::StrContains(md, "town.longshui")) << md;
}

TEST(ReportRendererTest, HtmlIsEscapedWithInlineSvg) {
  const ReportData d = Sample();
  const RenderedDocument html = ReportRenderer(d, "2024-03").Html();
  EXPECT_EQ(html.media_type, "text/html; charset=utf-8");
  EXPECT_TRUE(absl::StrContains(html.content, "龙岗街道&lt;b&gt;"));
  EXPECT_FALSE(absl::StrContains(html.content, "龙岗街道<b>"));
  EXPECT_TRUE(absl::StrContains(html.content, "<svg"));
  EXPECT_TRUE(absl::StrContains(html.content, "id=\"chart-trend\""));
  EXPECT_TRUE(absl::StrContains(html.content, "<polyline"));
  EXPECT_TRUE(absl::StrContains(html.content, "87.50分"));
}

TEST(ReportRendererTest, CsvPerTableQuotesFields) {
  const ReportData d = Sample();
  const auto csvs = ReportRenderer(d, "2024-03").Csvs();
  // summary, 2 rankings, trend, overdue, open overdue (new: orders still
  // unanswered past due at the period's end), hot topics, accountability.
  ASSERT_EQ(csvs.size(), 8u);
  EXPECT_EQ(csvs[5].file_name, "open-overdue-2024-03.csv");
  EXPECT_TRUE(absl::StrContains(
      csvs[5].content, "DZ20240301-000003,龙水镇,办理,2024-03-28 00:00,2"));
  EXPECT_EQ(csvs[1].file_name, "ranking-town_street-2024-03.csv");
  EXPECT_TRUE(absl::StartsWith(csvs[1].content, "名次,单位,综合得分"));
  EXPECT_TRUE(
      absl::StrContains(csvs[1].content, "1,龙岗街道<b>,87.50,—,+2.25,7,"));
  EXPECT_EQ(ReportRenderer::CsvField("a,\"b\""), "\"a,\"\"b\"\"\"");
}

// A rate with nothing to judge is "不适用", never 0.0%; a unit with nothing
// to judge is listed after the ranked ones, without a rank or a score.
TEST(ReportRendererTest, NotApplicableRatesAndUnitsNotScored) {
  ReportData d = Sample();
  d.district.mutable_on_time_completion()->set_not_applicable(true);
  d.district.mutable_on_time_response()->set_numerator(1);
  d.district.mutable_on_time_response()->set_denominator(2);
  d.district.mutable_on_time_response()->set_value(0.5);
  v1::RankingEntry idle;
  idle.set_unit_id("town.baoding");
  idle.set_unit_name("宝顶镇");
  idle.set_not_scored(true);
  idle.mutable_indicators()->mutable_on_time_completion()->set_not_applicable(
      true);
  d.towns.push_back(idle);
  d.trend[1].on_time_completion_na = true;
  const RenderedDocument md = ReportRenderer(d, "2024-03").Markdown();
  EXPECT_TRUE(absl::StrContains(md.content, "| 按时办结率 | 不适用 |"))
      << md.content;
  EXPECT_TRUE(absl::StrContains(md.content, "| 按时签收率 | 50.0% |"));
  EXPECT_TRUE(absl::StrContains(
      md.content, "| — | 宝顶镇 | 不参与评分 | — | — | 0 | 不适用 |"))
      << md.content;
  EXPECT_TRUE(
      absl::StrContains(md.content, "| 2024-03 | 12 | 不适用 | 50.0% |"));
  EXPECT_TRUE(absl::StrContains(md.content,
                                "## 超期未办结工单（截至 2024-04-01 00:00）"));
  EXPECT_TRUE(absl::StrContains(
      md.content,
      "| DZ20240301-000003 | 龙水镇 | 办理 | 2024-03-28 00:00 | 2 |"));
  EXPECT_FALSE(absl::StrContains(md.content, "| 0.0% |"));
  // Not charted as a score of 0.
  const RenderedDocument html = ReportRenderer(d, "2024-03").Html();
  EXPECT_FALSE(absl::StrContains(html.content, "宝顶镇</text>"));
}

// Issue 13: every string the Markdown embeds is escaped — no raw HTML, no
// emphasis, no table break — as the HTML report escapes it.
TEST(ReportRendererTest, MarkdownEscapesEverythingItEmbeds) {
  ReportData d = Sample();
  d.title = "<script>alert(1)</script> | 标题 **粗体**";
  d.period_label = "2024-03 [链接](javascript:alert(1))";
  d.towns[0].set_unit_name(
      "**粗体**街道 | `代码` <img src=x onerror=alert(1)>");
  d.open_overdue[0].unit = "龙水镇\n## 伪造标题";
  const std::string md = ReportRenderer(d, "2024-03").Markdown().content;
  EXPECT_FALSE(absl::StrContains(md, "<script>")) << md;
  EXPECT_FALSE(absl::StrContains(md, "<img")) << md;
  EXPECT_FALSE(absl::StrContains(md, "**粗体**")) << md;
  EXPECT_FALSE(absl::StrContains(md, "\n## 伪造标题")) << md;
  EXPECT_TRUE(absl::StrContains(
      md,
      "# &lt;script&gt;alert(1)&lt;/script&gt; \\| 标题 \\*\\*粗体\\*\\*\n"))
      << md;
  EXPECT_TRUE(absl::StrContains(
      md,
      "| 1 | \\*\\*粗体\\*\\*街道 \\| \\`代码\\` &lt;img src=x "
      "onerror=alert(1)&gt; | 87.50 |"))
      << md;
  EXPECT_TRUE(absl::StrContains(md, "\\[链接\\](javascript:alert(1))")) << md;
  // Every table row keeps its number of cells.
  EXPECT_TRUE(absl::StrContains(md, "| 龙水镇 \\#\\# 伪造标题 | 办理 |")) << md;
}

// A CSV cell that a spreadsheet would run as a formula (= + - @ first) gets
// a leading apostrophe; plain numbers stay numbers.
TEST(ReportRendererTest, CsvNeutralisesFormulas) {
  EXPECT_EQ(ReportRenderer::CsvField("=HYPERLINK(\"http://x\",\"点我\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\"");
  EXPECT_EQ(ReportRenderer::CsvField("=1+2"), "'=1+2");
  EXPECT_EQ(ReportRenderer::CsvField("+cmd|' /C calc'!A0"),
            "'+cmd|' /C calc'!A0");
  EXPECT_EQ(ReportRenderer::CsvField("-2+3"), "'-2+3");
  EXPECT_EQ(ReportRenderer::CsvField("@SUM(A1:A9)"), "'@SUM(A1:A9)");
  EXPECT_EQ(ReportRenderer::CsvField("\t=1"), "'\t=1");
  EXPECT_EQ(ReportRenderer::CsvField("+2.25"), "+2.25");
  EXPECT_EQ(ReportRenderer::CsvField("-3"), "-3");
  EXPECT_EQ(ReportRenderer::CsvField("-12.5%"), "-12.5%");
  EXPECT_EQ(ReportRenderer::CsvField("龙水镇"), "龙水镇");
  ReportData d = Sample();
  d.towns[0].set_unit_name("=cmd|'/C calc'!A0");
  const auto csvs = ReportRenderer(d, "2024-03").Csvs();
  EXPECT_TRUE(absl::StrContains(csvs[1].content, "1,'=cmd|'/C calc'!A0,87.50"))
      << csvs[1].content;
  EXPECT_FALSE(absl::StrContains(csvs[1].content, ",=cmd")) << csvs[1].content;
}

// Counts: from 0, most first, each bar with its value printed.
TEST(ReportRendererTest, CountBarsStartAtZeroMostFirst) {
  const std::string svg = ReportRenderer::BarChartSvg(
      "超期", {{"甲", 2, "2 件"}, {"乙", 4, "4 件"}}, BarChartOptions{});
  // plot width 960 − 230 − 150 = 580: 4 → 580, 2 → 290.
  const size_t b = svg.find("width=\"580.0\"");
  const size_t a = svg.find("width=\"290.0\"");
  ASSERT_NE(a, std::string::npos) << svg;
  ASSERT_NE(b, std::string::npos) << svg;
  EXPECT_LT(b, a);  // 乙 (4) before 甲 (2)
  EXPECT_LT(svg.find(">乙<"), svg.find(">甲<"));
  EXPECT_TRUE(absl::StrContains(svg, ">4 件<"));
  EXPECT_TRUE(absl::StrContains(svg, "viewBox=\"0 0 960 "));
  EXPECT_TRUE(absl::StrContains(svg, "width=\"100%\""));
}

// Scores: the axis starts below the lowest score (printed), so 82.5 and
// 85 differ visibly; the best comes first.
TEST(ReportRendererTest, ScoreBarsShowDifferences) {
  BarChartOptions o;
  o.zero_based = false;
  const std::string svg = ReportRenderer::BarChartSvg(
      "得分", {{"甲", 82.5, "82.50分"}, {"乙", 85, "85.00分"}}, o);
  // axis from floor(82.5 − 0.375) = 82 to 85: 乙 580, 甲 580 × 0.5/3.
  EXPECT_TRUE(absl::StrContains(svg, "width=\"580.0\"")) << svg;
  EXPECT_TRUE(absl::StrContains(svg, "width=\"96.7\"")) << svg;
  EXPECT_TRUE(absl::StrContains(svg, "横轴自 82.00 起")) << svg;
  EXPECT_LT(svg.find(">乙<"), svg.find(">甲<"));
}

// A single month still shows: a marker per point, no line needed.
TEST(ReportRendererTest, TrendWithOnePointHasAMarker) {
  const std::string svg =
      ReportRenderer::TrendSvg({{"2024-03", 12, 0.75, false, 0.5, false}});
  EXPECT_TRUE(absl::StrContains(svg, "<circle class=\"point\"")) << svg;
  EXPECT_TRUE(absl::StrContains(svg, ">75.0%<")) << svg;
}

// Every empty section says 无 and why; the page prints on A4.
TEST(ReportRendererTest, EmptySectionsSayWhyAndPrintOnA4) {
  ReportData d;
  d.title = "大足区12345热线办理情况通报 2024-05";
  d.period_label = "2024-05-01 至 2024-05-31";
  d.generated_at = "2024-06-01 02:00";
  d.open_overdue_as_of = "2024-06-01 00:00";
  d.trend.push_back({"2024-05", 0, 0, true, 0, true});
  const std::string md = ReportRenderer(d, "2024-05").Markdown().content;
  for (const char* reason :
       {"无（本期没有镇街承办工单）", "无（本期没有区级部门承办工单）",
        "无（本期无超期工单，期末无超期未办结工单）",
        "无（截至 2024-06-01 00:00 没有超期未办结的工单）",
        "无（本期没有受理工单）", "无（本期未发现问责线索）"}) {
    EXPECT_TRUE(absl::StrContains(md, reason)) << reason << "\n" << md;
  }
  EXPECT_FALSE(absl::StrContains(md, "（无）"));
  const std::string html = ReportRenderer(d, "2024-05").Html().content;
  EXPECT_TRUE(absl::StrContains(html, "<p class=\"empty\">无（本期无超期工单"));
  EXPECT_FALSE(absl::StrContains(html, "id=\"chart-overdue\""));
  EXPECT_TRUE(absl::StrContains(html, "@media print"));
  EXPECT_TRUE(absl::StrContains(html, "size:A4 portrait"));
  EXPECT_TRUE(absl::StrContains(html, "break-before:page"));
}

}  // namespace
}  // namespace hotline::assessment
