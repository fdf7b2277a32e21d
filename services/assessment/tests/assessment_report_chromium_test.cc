// The HTML bulletin of a sample month, rendered by headless Chromium
// (Debian's `chromium`, in deploy/local/lib.sh's package list): March 2024
// of the fixed history plus orders of more towns and departments (on time,
// late, still open past due; satisfied and not), with the Dazu sample
// directory (data/directory/dazu_sample.csv) for the units' names. The
// rendered page (--dump-dom) must show names, never unit or category codes;
// every chart must draw something; the ranking tables and bars must carry the
// figures UnitScorecard gives. Skips with a message when /usr/bin/chromium is
// absent.
//
// With HOTLINE_REPORT_SCREENSHOT_DIR set, the screenshots of README.md are
// written there: report-overview.png (the top of the page on screen),
// report-charts.png (the trend, overdue and hot-topic sections of the same
// page, verbatim, at 3/4 scale) and report-print.png (the page with its
// print stylesheet in force, at the width of A4 less its margins).

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "hotline/v1/assessment.grpc.pb.h"
#include "services/assessment/edge/assessment_service.h"
#include "services/assessment/tests/fixed_history.h"
#include "services/assessment/tests/sample_directory.h"
#include "tests/support/read_file.h"

namespace hotline::assessment {
namespace {

using ::hotline::testing::kCenterToken;
using ::hotline::testing::kEvaluatorToken;
using ::hotline::testing::ServiceUnderTest;
using testing::History;

constexpr char kChromium[] = "/usr/bin/chromium";

void WriteFile(const std::filesystem::path& p, const std::string& content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
}

// Runs chromium headless with a fresh profile; returns its exit status.
int RunChromium(const std::filesystem::path& dir, const std::string& args,
                const std::filesystem::path& out,
                const std::filesystem::path& err) {
  static int run = 0;
  const std::filesystem::path profile = dir / absl::StrCat("profile-", ++run);
  const std::string cmd = absl::StrCat(
      "timeout 120 ", kChromium,
      " --headless --no-sandbox --disable-gpu --disable-background-networking"
      " --disable-component-update --disable-sync --no-first-run"
      " --hide-scrollbars --user-data-dir=",
      profile.string(), " ", args, " >", out.string(), " 2>", err.string());
  return std::system(cmd.c_str());
}

// How a unit fared with its orders of the sample month.
struct Profile {
  const char* unit;
  const char* area;  // town of the orders
  const char* category;
  int on_time;  // answered and approved before the due
  int late;     // answered after the due, `late_days` working days
  int late_days;
  int open;          // past due and unanswered at the month's end
  int dissatisfied;  // of the answered ones, callers not satisfied
};

// Working days of March 2024 after the handling due (Tue 03-19 00:00, i.e.
// 24:00 on Mon 03-18): the days a late order accrues.
const std::vector<std::string>& DaysAfterDue() {
  static const auto* days = new std::vector<std::string>{
      "2024-03-20", "2024-03-21", "2024-03-22", "2024-03-25",
      "2024-03-26", "2024-03-27", "2024-03-28", "2024-03-29"};
  return *days;
}

// Orders of more units: March's (the sample month), and earlier months of
// two units so that the 12-month trend has a history. Returns the orders
// answered in March with whether the caller was satisfied.
std::map<std::string, bool> AddSampleOrders(History* h) {
  using v1::CLOCK_KIND_HANDLING;
  using v1::CLOCK_KIND_RESPONSE;
  const auto MET = v1::CLOCK_OUTCOME_MET;
  const auto MISSED = v1::CLOCK_OUTCOME_MISSED;
  const auto COMPLAINT = v1::REQUEST_TYPE_COMPLAINT;
  const auto NORMAL = v1::URGENCY_NORMAL;
  const std::string kDue = "2024-03-19 00:00";
  const std::vector<Profile> profiles = {
      {"town.tangxiang", "town.tangxiang", "urban.sanitation.garbage", 5, 0, 0,
       0, 0},
      {"town.zhifeng", "town.zhifeng", "urban.road.streetlight", 3, 1, 3, 0, 1},
      {"town.youting", "town.youting", "urban.construction.noise", 2, 0, 0, 1,
       1},
      {"town.shuanglu", "town.shuanglu", "urban.road.damage", 2, 2, 5, 0, 1},
      {"town.zhongao", "town.zhongao", "agri.subsidy", 2, 0, 0, 0, 1},
      {"dept.urban", "town.tangxiang", "urban.sanitation.vendor", 3, 1, 2, 0,
       0},
      {"dept.market", "town.longgang", "market.food", 3, 0, 0, 0, 0},
      {"dept.ecology", "town.shuanglu", "eco.noise", 1, 0, 0, 1, 0},
  };
  std::map<std::string, bool> answered;
  int n = 0;
  for (const Profile& p : profiles) {
    const int total = p.on_time + p.late + p.open;
    int dissatisfied = p.dissatisfied;
    for (int k = 0; k < total; ++k) {
      const std::string t = absl::StrFormat("S%03d", ++n);
      const int day = 4 + k % 5;  // Mon 03-04 … Fri 03-08
      const std::string received = absl::StrFormat("2024-03-%02d 09:00", day);
      const std::string dispatched = absl::StrFormat("2024-03-%02d 10:00", day);
      const std::string accepted = absl::StrFormat("2024-03-%02d 11:00", day);
      h->Created(t, received, COMPLAINT, NORMAL, p.category, p.area);
      h->Dispatched(t, dispatched, p.unit, COMPLAINT, NORMAL, p.category,
                    p.area);
      h->Stopped(t, accepted, CLOCK_KIND_RESPONSE, p.unit, MET,
                 absl::StrFormat("2024-03-%02d 00:00", day + 2), accepted,
                 dispatched, 0);
      if (k < p.on_time) {
        const std::string reply =
            absl::StrFormat("2024-03-%02d 10:00", 11 + k % 5);
        h->Replied(t, reply, p.unit);
        h->Reviewed(t, absl::StrFormat("2024-03-%02d 16:00", 11 + k % 5),
                    p.unit, true);
        h->Stopped(t, absl::StrFormat("2024-03-%02d 16:00", 11 + k % 5),
                   CLOCK_KIND_HANDLING, p.unit, MET, kDue, reply, dispatched,
                   5 + k % 5)
            ->set_cause("reviewed.approved");
      } else {
        // Past due from Tue 03-19: first overdue day, then one accrual per
        // working day.
        h->Overdue(t, kDue, CLOCK_KIND_HANDLING, p.unit, kDue, kDue, true, 1,
                   1);
        h->Step(t, kDue, v1::LADDER_STEP_REMINDER, p.unit, CLOCK_KIND_HANDLING,
                kDue);
        const bool open = k >= p.on_time + p.late;
        const int days =
            open ? static_cast<int>(DaysAfterDue().size()) : p.late_days - 1;
        h->Accrue(t, CLOCK_KIND_HANDLING, p.unit, kDue,
                  {DaysAfterDue().begin(), DaysAfterDue().begin() + days}, 1);
        if (open) continue;
        const std::string reply =
            absl::StrCat(DaysAfterDue()[p.late_days - 1], " 10:00");
        const std::string approved =
            absl::StrCat(DaysAfterDue()[p.late_days - 1], " 16:00");
        h->Replied(t, reply, p.unit);
        h->Reviewed(t, approved, p.unit, true);
        h->Stopped(t, approved, CLOCK_KIND_HANDLING, p.unit, MISSED, kDue,
                   reply, dispatched, 10 + p.late_days, p.late_days)
            ->set_cause("reviewed.approved");
      }
      answered[t] = dissatisfied-- <= 0;
    }
  }
  // October 2023 – February 2024: a few orders a month, some late.
  const std::vector<std::pair<std::string, int>> months = {{"2023-10", 2},
                                                           {"2023-11", 3},
                                                           {"2023-12", 4},
                                                           {"2024-01", 3},
                                                           {"2024-02", 2}};
  int m = 0;
  for (const auto& [month, count] : months) {
    for (int k = 0; k < count; ++k) {
      const std::string t = absl::StrFormat("E%03d", ++n);
      const char* unit = k % 2 == 0 ? "town.tangxiang" : "dept.market";
      const std::string dispatched =
          absl::StrFormat("%s-%02d 10:00", month, 8 + k);
      const std::string due = absl::StrCat(month, "-22 00:00");
      h->Created(t, absl::StrFormat("%s-%02d 09:00", month, 8 + k), COMPLAINT,
                 NORMAL, "urban.sanitation.garbage", "town.tangxiang");
      h->Dispatched(t, dispatched, unit, COMPLAINT, NORMAL,
                    "urban.sanitation.garbage", "town.tangxiang");
      const bool late = (k + m) % 3 == 2;
      const std::string reply =
          absl::StrCat(month, late ? "-23 10:00" : "-15 10:00");
      const std::string approved =
          absl::StrCat(month, late ? "-23 16:00" : "-15 16:00");
      if (late) {
        h->Overdue(t, due, CLOCK_KIND_HANDLING, unit, due, due, true, 1, 1);
      }
      h->Replied(t, reply, unit);
      h->Reviewed(t, approved, unit, true);
      h->Stopped(t, approved, CLOCK_KIND_HANDLING, unit, late ? MISSED : MET,
                 due, reply, dispatched, late ? 10 : 5, late ? 1 : 0)
          ->set_cause("reviewed.approved");
    }
    ++m;
  }
  return answered;
}

// The text a reader sees: the DOM without <style> and tags. (Plain
// scanning: std::regex recurses per character and overflows on a page.)
std::string VisibleText(const std::string& dom) {
  std::string out;
  size_t i = 0;
  while (i < dom.size()) {
    if (dom.compare(i, 6, "<style") == 0) {
      const size_t end = dom.find("</style>", i);
      i = end == std::string::npos ? dom.size() : end + 8;
      out += ' ';
    } else if (dom[i] == '<') {
      const size_t end = dom.find('>', i);
      i = end == std::string::npos ? dom.size() : end + 1;
      out += ' ';
    } else {
      out += dom[i++];
    }
  }
  return out;
}

// The value of attribute `name` in the tag starting at `tag`, as a number.
double Attribute(const std::string& tag, const std::string& name) {
  const std::string key = absl::StrCat(" ", name, "=\"");
  const size_t at = tag.find(key);
  if (at == std::string::npos) return 0;
  return std::strtod(tag.c_str() + at + key.size(), nullptr);
}

// The <svg> elements of the page, each whole.
std::vector<std::string> SvgCharts(const std::string& dom) {
  std::vector<std::string> out;
  for (size_t at = dom.find("<svg"); at != std::string::npos;
       at = dom.find("<svg", at + 1)) {
    const size_t end = dom.find("</svg>", at);
    if (end == std::string::npos) break;
    out.push_back(dom.substr(at, end - at));
  }
  return out;
}

// Marks a chart draws: bars of positive width and height, and points.
int Marks(const std::string& svg) {
  int marks = 0;
  for (size_t at = svg.find("<rect class=\"bar\""); at != std::string::npos;
       at = svg.find("<rect class=\"bar\"", at + 1)) {
    const std::string tag = svg.substr(at, svg.find('>', at) - at);
    if (Attribute(tag, "width") > 0 && Attribute(tag, "height") > 0) ++marks;
  }
  for (size_t at = svg.find("class=\"point\""); at != std::string::npos;
       at = svg.find("class=\"point\"", at + 1)) {
    ++marks;
  }
  return marks;
}

// The cells of the row of table `table_id` whose second cell is `name`;
// empty when there is none.
std::vector<std::string> RowOf(const std::string& dom,
                               const std::string& table_id,
                               const std::string& name) {
  const size_t table = dom.find(absl::StrCat("id=\"", table_id, "\""));
  if (table == std::string::npos) return {};
  const size_t end = dom.find("</table>", table);
  const std::string body = dom.substr(table, end - table);
  for (size_t row = body.find("<tr>"); row != std::string::npos;
       row = body.find("<tr>", row + 1)) {
    const size_t row_end = body.find("</tr>", row);
    std::vector<std::string> cells;
    for (size_t c = body.find("<td>", row);
         c != std::string::npos && c < row_end; c = body.find("<td>", c + 1)) {
      const size_t from = c + 4;
      cells.push_back(body.substr(from, body.find("</td>", from) - from));
    }
    if (cells.size() > 1 && cells[1] == name) return cells;
  }
  return {};
}

std::string Rate(const v1::Ratio& r) {
  return r.not_applicable() || r.denominator() == 0
             ? "不适用"
             : absl::StrFormat("%.1f%%", r.value() * 100);
}

// The page with only its header and the sections `ids` (each verbatim).
std::string SectionsOf(const std::string& page,
                       const std::vector<std::string>& ids) {
  const size_t header_end = page.find("</header>");
  if (header_end == std::string::npos) return "";
  std::string out = page.substr(0, header_end + 9);
  for (const std::string& id : ids) {
    const size_t at = page.find(absl::StrCat("<section id=\"", id, "\""));
    if (at == std::string::npos) return "";
    const size_t end = page.find("</section>", at);
    out += page.substr(at, end + 10 - at);
  }
  return out + "</body></html>\n";
}

class AssessmentReportChromiumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kChromium, X_OK) != 0) {
      GTEST_SKIP() << kChromium
                   << " is absent: install Debian's chromium (deploy/local/"
                      "lib.sh lists it) to render the report";
    }
    auto directory = testing::SampleDirectory::Start();
    ASSERT_TRUE(directory.ok()) << directory.status();
    directory_ = std::move(*directory);
    auto svc = directory_->StartAssessment();
    ASSERT_TRUE(svc.ok()) << svc.status();
    svc_ = std::move(*svc);
    stub_ = v1::AssessmentService::NewStub(svc_->channel());
    History h = testing::FixedHistory();
    std::map<std::string, bool> answered = AddSampleOrders(&h);
    answered["T1"] = true;
    answered["T4"] = false;
    ASSERT_EQ(testing::Publish(svc_->channel(), h.events),
              static_cast<int64_t>(h.events.size()));
    ASSERT_TRUE(
        svc_->clock().AdvanceTo(testing::Local("2024-03-29 18:00")).ok());
    for (const auto& [t, satisfied] : answered) {
      v1::RecordEvaluationRequest req;
      req.set_request_id(absl::StrCat("ev-", t));
      req.set_ticket_id(t);
      req.set_reached(true);
      req.set_satisfaction(satisfied ? v1::SATISFACTION_SATISFIED
                                     : v1::SATISFACTION_DISSATISFIED);
      req.set_resolved(satisfied);
      grpc::ClientContext ctx;
      ServiceUnderTest::Authorize(&ctx, kEvaluatorToken);
      v1::RecordEvaluationResponse resp;
      const grpc::Status s = stub_->RecordEvaluation(&ctx, req, &resp);
      ASSERT_TRUE(s.ok()) << t << ": " << s.error_message();
    }
    // The month is over: the bulletin of March as of April 1st.
    ASSERT_TRUE(
        svc_->clock().AdvanceTo(testing::Local("2024-04-01 10:00")).ok());
  }

  v1::Period March() const {
    v1::Period p;
    p.set_from_date("2024-03-01");
    p.set_to_date("2024-03-31");
    p.set_granularity(v1::GRANULARITY_MONTH);
    return p;
  }

  v1::RankingResponse Ranking(v1::UnitKind kind) {
    v1::RankingRequest req;
    *req.mutable_period() = March();
    req.set_peer_kind(kind);
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    v1::RankingResponse resp;
    const grpc::Status s = stub_->Ranking(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  v1::Scorecard Scorecard(const std::string& unit) {
    v1::UnitScorecardRequest req;
    req.set_unit_id(unit);
    *req.mutable_period() = March();
    req.set_include_subtree(true);  // as the ranking counts a unit
    grpc::ClientContext ctx;
    ServiceUnderTest::Authorize(&ctx, kCenterToken);
    v1::UnitScorecardResponse resp;
    const grpc::Status s = stub_->UnitScorecard(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << unit << ": " << s.error_message();
    return resp.scorecard();
  }

  std::unique_ptr<testing::SampleDirectory> directory_;  // outlives svc_
  std::unique_ptr<ServiceUnderTest> svc_;
  std::unique_ptr<v1::AssessmentService::Stub> stub_;
};

TEST_F(AssessmentReportChromiumTest, SampleMonthRendersNamesFiguresAndCharts) {
  v1::ReportRequest req;
  *req.mutable_period() = March();
  req.add_formats(v1::REPORT_FORMAT_HTML);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::ReportResponse resp;
  ASSERT_TRUE(stub_->Report(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.documents_size(), 1);
  ASSERT_EQ(resp.documents(0).format(), v1::REPORT_FORMAT_HTML);
  const std::string& page = resp.documents(0).content();

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      absl::StrCat("assessment-report-", getpid());
  std::filesystem::create_directories(dir);
  const std::filesystem::path html = dir / resp.documents(0).file_name();
  WriteFile(html, page);
  // The same page with its print stylesheet in force on screen, at the
  // width of A4 less the margins (180 mm at 96 dpi): what is circulated.
  const std::filesystem::path print_html = dir / "report-print.html";
  WriteFile(print_html,
            absl::StrReplaceAll(page, {{"@media print{", "@media all{"}}));

  // The charts a supervisor looks at first, as the page draws them.
  const std::filesystem::path charts_html = dir / "report-charts.html";
  const std::string charts_page = SectionsOf(
      page, {"section-trend", "section-overdue", "section-hot-topics"});
  ASSERT_FALSE(charts_page.empty());
  WriteFile(charts_html, charts_page);

  struct Shot {
    std::filesystem::path page;
    const char* png;
    const char* options;
  };
  for (const Shot& shot :
       {Shot{html, "report-overview.png", "--window-size=1280,1800"},
        Shot{charts_html, "report-charts.png",
             "--window-size=1280,2600 --force-device-scale-factor=0.75"},
        Shot{print_html, "report-print.png", "--window-size=680,1800"}}) {
    SCOPED_TRACE(shot.png);
    const std::filesystem::path png = dir / shot.png;
    const int status =
        RunChromium(dir,
                    absl::StrCat(shot.options, " --screenshot=", png.string(),
                                 " file://", shot.page.string()),
                    dir / "shot.out", dir / "shot.err");
    EXPECT_EQ(status, 0) << hotline::testing::ReadFile(dir / "shot.err");
    const std::string image = hotline::testing::ReadFile(png);
    ASSERT_GT(image.size(), 10000u)
        << "no screenshot; " << hotline::testing::ReadFile(dir / "shot.err");
    EXPECT_EQ(image.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
    EXPECT_FALSE(absl::StrContains(hotline::testing::ReadFile(dir / "shot.err"),
                                   "Uncaught"));
    if (const char* out = std::getenv("HOTLINE_REPORT_SCREENSHOT_DIR")) {
      std::filesystem::copy_file(
          png, std::filesystem::path(out) / shot.png,
          std::filesystem::copy_options::overwrite_existing);
    }
    std::printf("screenshot: %s (%zu bytes)\n", png.c_str(), image.size());
  }

  const int dump =
      RunChromium(dir, absl::StrCat("--dump-dom file://", html.string()),
                  dir / "dom.html", dir / "dom.err");
  EXPECT_EQ(dump, 0) << hotline::testing::ReadFile(dir / "dom.err");
  const std::string dom = hotline::testing::ReadFile(dir / "dom.html");
  ASSERT_TRUE(absl::StrContains(dom, "</body>"))
      << hotline::testing::ReadFile(dir / "dom.err");
  std::string text = VisibleText(dom);

  // No chart is empty: each draws bars or points. Rankings of towns and
  // departments, the trend, overdue by unit, hot topics.
  const std::vector<std::string> charts = SvgCharts(dom);
  EXPECT_EQ(charts.size(), 5u);
  for (const std::string& svg : charts) {
    const size_t label = svg.find("aria-label=");
    EXPECT_GT(Marks(svg), 0) << "empty chart: " << svg.substr(label, 60);
  }
  for (const char* id : {"chart-ranking-0", "chart-ranking-1", "chart-trend",
                         "chart-overdue", "chart-hot-topics"}) {
    EXPECT_TRUE(absl::StrContains(dom, absl::StrCat("id=\"", id, "\""))) << id;
  }
  // The overdue chart has a bar for each unit with overdue orders in March
  // or open past due at its end: transport (T7), housing (T2), Longshui
  // (T3), and the sample's Zhifeng, Youting, Shuanglu, urban management and
  // ecology.
  {
    const size_t at = dom.find("id=\"chart-overdue\"");
    ASSERT_NE(at, std::string::npos);
    const std::string overdue = dom.substr(at, dom.find("</svg>", at) - at);
    for (const char* name :
         {"区交通局", "区住房城乡建委", "龙水镇", "智凤街道", "邮亭镇",
          "双路街道", "区城市管理局", "区生态环境局"}) {
      EXPECT_TRUE(absl::StrContains(overdue, name)) << name;
    }
  }

  // Names, never codes: units (the Dazu directory), categories (intake's
  // taxonomy).
  for (const char* name :
       {"大足区12345热线办理情况通报", "龙岗街道", "龙水镇", "棠香街道",
        "智凤街道", "双路街道", "中敖镇", "区住房城乡建委", "区交通局",
        "区市场监管局", "道路破损", "垃圾清运", "食品安全", "不参与评分"}) {
    EXPECT_TRUE(absl::StrContains(text, name)) << "missing " << name;
  }
  // Two categories of the fixed history are not in intake's taxonomy:
  // urban.water (T3) and policy.social.pension (T2, T6). The bulletin names
  // the nearest known parent, or says the category is not in the taxonomy,
  // and keeps the unknown code in brackets to be traced. Every other code
  // must not show.
  for (const char* unknown :
       {"城乡建设（urban.water）", "未列入分类目录（policy.social.pension）"}) {
    EXPECT_TRUE(absl::StrContains(text, unknown)) << unknown;
    text = absl::StrReplaceAll(text, {{unknown, "（未列入分类目录的代码）"}});
  }
  for (const char* code :
       {"town.", "dept.", "village.", "comm.", "urban.", "market.",
        "transport.", "agri.", "eco.", "policy.", "social."}) {
    const size_t at = text.find(code);
    EXPECT_EQ(at, std::string::npos)
        << "code " << code << " shown: "
        << text.substr(at == std::string::npos ? 0 : (at > 60 ? at - 60 : 0),
                       140);
  }

  // The figures shown are the scorecards': each ranked unit's row (score,
  // orders, on-time completion, satisfaction, overdue, open overdue) and its
  // bar's label. Distinct scores: the sample tells units apart.
  std::set<std::string> scores;
  int ranked = 0;
  for (const auto& [kind, table] :
       std::vector<std::pair<v1::UnitKind, std::string>>{
           {v1::UNIT_KIND_TOWN_STREET, "table-ranking-town_street"},
           {v1::UNIT_KIND_DEPARTMENT, "table-ranking-department"}}) {
    const v1::RankingResponse ranking = Ranking(kind);
    for (const v1::RankingEntry& e : ranking.entries()) {
      if (e.not_scored()) continue;
      SCOPED_TRACE(e.unit_id());
      ++ranked;
      const v1::Scorecard card = Scorecard(e.unit_id());
      EXPECT_FALSE(card.not_scored());
      const std::string score = absl::StrFormat("%.2f", card.composite_score());
      scores.insert(score);
      const std::vector<std::string> row = RowOf(dom, table, card.unit_name());
      ASSERT_EQ(row.size(), 10u) << card.unit_name();
      EXPECT_EQ(row[0], absl::StrCat(e.rank()));
      EXPECT_EQ(row[2], score);
      EXPECT_EQ(row[5], absl::StrCat(card.total().orders()));
      EXPECT_EQ(row[6], Rate(card.total().on_time_completion()));
      EXPECT_EQ(row[7], Rate(card.total().satisfaction()));
      EXPECT_EQ(row[8], absl::StrCat(card.total().overdue_orders()));
      EXPECT_EQ(row[9], absl::StrCat(card.total().open_overdue_orders()));
      EXPECT_TRUE(absl::StrContains(dom, absl::StrCat(score, "分")))
          << "no bar labelled " << score;
    }
  }
  EXPECT_GE(ranked, 10);
  EXPECT_GE(scores.size(), 6u);
  // The month's open overdue orders are listed by the unit's name.
  EXPECT_TRUE(
      absl::StrContains(dom, "<td>DZ20240301-T7</td><td>区交通局</td>"));
  EXPECT_TRUE(absl::StrContains(dom, "<td>DZ20240301-S"));

  // Keep the page and its screenshots for a look; drop the browser profiles.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_directory()) std::filesystem::remove_all(entry.path(), ec);
  }
}

}  // namespace
}  // namespace hotline::assessment
