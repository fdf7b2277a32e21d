// Every example of `hotlinectl help VERB` (tools/hotlinectl/examples.cc)
// executed by the real hotlinectl binary against the four services as
// processes (cluster.h), as the role the verb is for, in a working folder
// that holds the files the examples read (--data=@…, content=@…). The state
// the examples need is made first — through the scenario helpers or through
// earlier examples — and the examples run in an order that lets each one
// succeed: merge before unmerge, reply before review, the month closed before
// its stored report. Placeholders (TICKET_ID, ARTICLE_ID, …) are replaced by
// what the cluster answered. Every example must exit 0; the test lists every
// one that did not, with what hotlinectl printed on stderr, and fails if any
// example of any verb was not run at all.
//
// Time follows the examples' dates: the cluster starts on Monday 2026-11-30
// (orders received in November), the caller of an extension is told on
// Saturday 12-05 10:00, `clock-advance by=36h` takes Sunday 12-06 08:00 to
// Monday 12-07 20:00 (replies contacted at 15:30 that day), and
// `clock-advance to="2026-12-08 09:00"` ends the working day's examples.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/scenario.h"
#include "tests/support/read_file.h"
#include "tools/hotlinectl/examples.h"
#include "tools/hotlinectl/verbs.h"

namespace hotline {
namespace {

using testing::kAgentToken;
using testing::kAuditorToken;
using testing::kCenterToken;
using testing::kEvaluatorToken;
using testing::Local;
using testing::Scenario;

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path) << content;
}

// Words of `line` that look like a placeholder left unreplaced: upper-case
// letters and underscores ending in _ID.
std::vector<std::string> Placeholders(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (word.size() > 3 && absl::EndsWith(word, "_ID") &&
        absl::ascii_isupper(word[0])) {
      out.push_back(word);
    }
    word.clear();
  };
  for (char c : line) {
    if (absl::ascii_isupper(c) || c == '_') {
      word.push_back(c);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

// The value of the first "key: value" line of hotlinectl's human output
// (render.h: a message prints as "field: value" lines, nested ones
// indented).
std::string ValueOf(const std::string& out, const std::string& key) {
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    line = absl::StripLeadingAsciiWhitespace(line);
    if (absl::ConsumePrefix(&line, key) && absl::ConsumePrefix(&line, ": ")) {
      return std::string(absl::StripAsciiWhitespace(line));
    }
  }
  return "";
}

class HotlinectlExamplesTest : public ::testing::Test {
 protected:
  // What one example did.
  struct Outcome {
    int code = -1;
    std::string out;
    std::string err;
  };

  void SetUp() override {
    testing::ClusterOptions options;
    options.clock_start = Local(2026, 11, 30, 9, 0);  // Monday
    options.extra_tokens = testing::kUnitTokens;
    auto cluster = testing::Cluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    s_ = std::make_unique<Scenario>(cluster_.get());
    char dir[] = "/tmp/hotlinectl-examples-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    WriteExampleFiles();
  }

  // Every example of every verb ran, and every one succeeded: said even
  // when a step of the scenario stopped the test early.
  void TearDown() override {
    std::vector<std::string> not_run;
    int total = 0;
    for (const ctl::Verb& verb : ctl::Verbs()) {
      const std::vector<ctl::Example> examples = ctl::ExamplesFor(verb.name);
      for (size_t i = 0; i < examples.size(); ++i) {
        ++total;
        if (!ran_.count({verb.name, i})) {
          not_run.push_back(
              absl::StrCat(verb.name, " #", i, ": ", examples[i].line));
        }
      }
    }
    std::cout << "examples: " << total << " of " << ctl::Verbs().size()
              << " verbs; " << total - not_run.size() << " run, "
              << failures_.size() << " failed\n";
    EXPECT_TRUE(not_run.empty()) << "examples never run:\n"
                                 << absl::StrJoin(not_run, "\n");
    EXPECT_TRUE(failures_.empty()) << failures_.size() << " examples failed:\n"
                                   << absl::StrJoin(failures_, "\n");
    if (!dir_.empty() && std::getenv("HOTLINE_E2E_KEEP") == nullptr) {
      (void)!system(absl::StrCat("rm -rf '", dir_, "'").c_str());
    }
  }

  // The files the examples name, in the folder they run in.
  void WriteExampleFiles() {
    WriteFile(dir_ + "/dazu.csv",
              testing::ReadFile(std::string(HOTLINE_SOURCE_DIR) +
                                "/data/directory/dazu_sample.csv"));
    WriteFile(dir_ + "/guide.md",
              "# 养老保险转移接续指南\n\n"
              "1. 在原参保地开具参保缴费凭证；\n"
              "2. 向大足区社保中心提交转移接续申请；\n"
              "3. 十五个工作日内办结，可在渝快办查询进度。\n");
    WriteFile(dir_ + "/order.json", R"({
  "channel": "CHANNEL_WECHAT",
  "request_type": "REQUEST_TYPE_HELP_SEEKING",
  "category_code": "urban.utility.water",
  "location": {"town_code": "town.longgang", "address": "龙岗街道棠香路8号"},
  "title": "棠香路停水两天",
  "content": "棠香路8号小区已停水两天，未见任何通知，老人生活困难",
  "caller": {"name": "王芳", "phone": "13800002222"}
})");
    WriteFile(dir_ + "/reply.json", R"({
  "text": "已回填修复五金街12号门前路面，修复时间12月7日，已电话告知来电人",
  "contact": "REPLY_CONTACT_PHONE",
  "contacted_at": "2026-12-07T08:00:00Z",
  "checks": {"policy_checked": true, "confidentiality_checked": true,
             "source_checked": true, "wording_checked": true},
  "resolved": true
})");
    WriteFile(dir_ + "/unit.json", R"({
  "unit": {
    "unit_id": "town.longshui",
    "name": "龙水镇人民政府",
    "short_name": "龙水镇",
    "kind": "UNIT_KIND_TOWN_STREET",
    "parent_unit_id": "center",
    "liaison": {"name": "周敏（示例）", "title": "党政办热线联络员",
                "mobile": "13900000088"},
    "active": true
  }
})");
    WriteFile(dir_ + "/2027.json", R"({
  "year": 2027,
  "holidays": ["2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07",
               "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11",
               "2027-04-05", "2027-05-01", "2027-05-02", "2027-05-03",
               "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-02",
               "2027-10-03", "2027-10-04", "2027-10-05", "2027-10-06",
               "2027-10-07"],
  "workdays": ["2027-02-13", "2027-09-26", "2027-10-09"],
  "source": "示例：2027年节假日安排（测试数据）"
})");
  }

  // Runs example `index` of `verb` as a reader would paste it into a shell
  // in dir_, with HOTLINE_TOKEN=`token`, the services' addresses in the
  // environment, and `subs` replacing the placeholders.
  Outcome Run(const std::string& verb, size_t index, const std::string& token,
              const std::map<std::string, std::string>& subs = {}) {
    Outcome o;
    const std::vector<ctl::Example> examples = ctl::ExamplesFor(verb);
    if (index >= examples.size()) {
      ADD_FAILURE() << verb << " has no example #" << index;
      return o;
    }
    const ctl::Example& e = examples[index];
    ran_.insert({verb, index});
    std::string line = e.line;
    for (const auto& [from, to] : subs) {
      EXPECT_FALSE(to.empty())
          << verb << " #" << index << ": no value for " << from;
      line = absl::StrReplaceAll(line, {{from, to}});
    }
    const std::vector<std::string> left = Placeholders(line);
    EXPECT_TRUE(left.empty())
        << verb << " #" << index << " keeps " << absl::StrJoin(left, ", ");
    EXPECT_TRUE(absl::StartsWith(line, "hotlinectl ")) << line;
    line = line.substr(std::string("hotlinectl ").size());
    const std::string out = dir_ + "/.stdout", err = dir_ + "/.stderr";
    const std::string cmd = absl::StrCat(
        "cd '", dir_, "' && HOTLINE_TOKEN='", token,
        "' HOTLINE_INTAKE_ADDR=", cluster_->address("intake"),
        " HOTLINE_ROUTING_ADDR=", cluster_->address("routing"),
        " HOTLINE_DEADLINE_ADDR=", cluster_->address("deadline"),
        " HOTLINE_ASSESSMENT_ADDR=", cluster_->address("assessment"), " ",
        HOTLINE_BINARY_DIR, "/tools/hotlinectl/hotlinectl ", line, " >'", out,
        "' 2>'", err, "'");
    const int status = system(cmd.c_str());
    o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    o.out = testing::ReadFile(out);
    o.err = testing::ReadFile(err);
    std::cout << (o.code == 0 ? "ok     " : "FAILED ") << verb << " #" << index
              << " (" << e.what << "): " << e.line << "\n";
    if (o.code != 0) std::cout << "  stderr: " << o.err;
    if (o.code != 0) {
      failures_.push_back(absl::StrCat(verb, " #", index, " (", e.what,
                                       "), exit ", o.code, "\n  ", line,
                                       "\n  stderr: ", o.err));
    }
    return o;
  }

  // Runs the example and returns the value of `key` in its output.
  std::string RunFor(const std::string& key, const std::string& verb,
                     size_t index, const std::string& token,
                     const std::map<std::string, std::string>& subs = {}) {
    const Outcome o = Run(verb, index, token, subs);
    const std::string value = ValueOf(o.out, key);
    EXPECT_FALSE(value.empty() && o.code == 0)
        << verb << " #" << index << " printed no " << key << ":\n"
        << o.out;
    return value;
  }

  // A file an example saved (--out), removed once read: the next example
  // that names it must write it again.
  std::string Saved(const std::string& name) {
    const std::string path = dir_ + "/" + name;
    std::string content = testing::ReadFile(path);
    std::remove(path.c_str());
    return content;
  }

  // Moves every process's clock to `to` (the scenario's Advance).
  void At(absl::Time to) { s_->Advance(to); }

  // After hotlinectl moved every process's clock by `by`, the cluster's own
  // idea of now follows (advancing the processes to the instant they are
  // at already, which is allowed).
  void Followed(absl::Duration by) { ASSERT_TRUE(cluster_->Advance(by).ok()); }

  // Waits until assessment has recorded `n` reviews of the order (an
  // evaluation needs the approval to have reached it).
  bool WaitReviews(const std::string& ticket_id, int n) {
    return Scenario::Eventually([&] {
      int reviews = 0;
      for (const v1::Fact& f : s_->Facts(ticket_id)) {
        reviews += f.event().has_reviewed();
      }
      return reviews >= n;
    });
  }

  // An order created (as a call agent) and routed to the center's queue.
  v1::Ticket Routed(v1::RequestType type, const std::string& category,
                    const std::string& title, const std::string& content,
                    const std::string& phone) {
    v1::Ticket t =
        s_->Create(type, category, "town.longshui", title, content, phone);
    EXPECT_TRUE(s_->WaitRouted(t.ticket_id())) << cluster_->Logs();
    return t;
  }

  // Updates a unit as it is until its version is `version`.
  void UnitAtVersion(const std::string& unit_id, int64_t version) {
    for (int i = 0; i < 5; ++i) {
      v1::GetUnitRequest get;
      get.set_unit_id(unit_id);
      v1::GetUnitResponse got;
      grpc::Status st =
          s_->Call(s_->directory_.get(), &v1::DirectoryService::Stub::GetUnit,
                   kCenterToken, get, &got);
      ASSERT_TRUE(st.ok()) << st.error_message();
      if (got.unit().version() >= version) {
        ASSERT_EQ(got.unit().version(), version);
        return;
      }
      v1::UpsertUnitRequest up;
      up.set_request_id(testing::Id());
      *up.mutable_unit() = got.unit();
      up.mutable_unit()->set_sort_order(got.unit().sort_order() + 1);
      up.set_expected_version(got.unit().version());
      v1::UpsertUnitResponse upserted;
      st = s_->Call(s_->directory_.get(),
                    &v1::DirectoryService::Stub::UpsertUnit, kCenterToken, up,
                    &upserted);
      ASSERT_TRUE(st.ok()) << st.error_message();
    }
    FAIL() << unit_id << " never reached version " << version;
  }

  // The months assessment keeps a bulletin of.
  bool StoredReport(const std::string& month) {
    v1::ListStoredReportsRequest req;
    v1::ListStoredReportsResponse resp;
    grpc::Status st = s_->Call(s_->assessment_.get(),
                               &v1::AssessmentService::Stub::ListStoredReports,
                               kCenterToken, req, &resp);
    if (!st.ok()) return false;
    for (const auto& r : resp.reports()) {
      if (r.month() == month) return true;
    }
    return false;
  }

  std::unique_ptr<testing::Cluster> cluster_;
  std::unique_ptr<Scenario> s_;
  std::string dir_;
  std::set<std::pair<std::string, size_t>> ran_;
  std::vector<std::string> failures_;
};

TEST_F(HotlinectlExamplesTest, EveryExampleOfTheHelpWorksAsDocumented) {
  using testing::kHousing;
  using testing::kHrss;
  using testing::kLongshui;
  using testing::kNanshan;
  using testing::kTransport;
  using testing::kUrban;
  Scenario& s = *s_;
  const auto kComplaint = v1::REQUEST_TYPE_COMPLAINT;

  // ================================ Monday 2026-11-30 09:00: the directory
  s.ImportSampleDirectory();
  Run("directory-import", 0, kCenterToken);
  Run("directory-import", 1, kCenterToken);
  Run("directory-export", 0, kCenterToken);
  Run("units", 0, kCenterToken);
  Run("units", 1, kCenterToken);
  Run("unit-get", 0, kCenterToken);
  Run("unit-upsert", 0, kCenterToken);
  // unit.json changes the town's liaison, based on version 3 (as unit-get
  // would show after two earlier changes).
  UnitAtVersion("town.longshui", 3);
  Run("unit-upsert", 1, kCenterToken);
  Run("duty-set", 0, kLongshui);
  Run("duty-get", 0, kLongshui);
  Run("categories", 0, kAgentToken);
  Run("categories", 1, kAgentToken);

  // ---- the calendar
  Run("due", 0, kAgentToken);
  Run("count", 0, kAgentToken);
  Run("workday", 0, kAgentToken);
  Run("timely", 0, kLongshui);
  Run("calendar", 0, kAgentToken);
  Run("calendar", 1, kAgentToken);
  Run("load-year", 0, kCenterToken);
  Run("load-year", 1, kCenterToken);

  // ---- knowledge: an article drafted, edited, submitted and published by
  // the center; a second one sent back.
  const std::string article = RunFor("article_id", "article-create", 0, kHrss);
  Run("article-update", 0, kHrss, {{"ARTICLE_ID", article}});
  Run("article-submit", 0, kHrss, {{"ARTICLE_ID", article}});
  Run("article-review", 0, kCenterToken, {{"ARTICLE_ID", article}});
  const std::string draft = RunFor("article_id", "article-create", 0, kHrss);
  Run("article-submit", 0, kHrss, {{"ARTICLE_ID", draft}});
  Run("article-review", 1, kCenterToken, {{"ARTICLE_ID", draft}});
  Run("article-search", 0, kAgentToken);
  Run("article-get", 0, kAgentToken, {{"ARTICLE_ID", article}});

  // ---- intake: calls taken
  const std::string road = RunFor("ticket_id", "create", 0, kAgentToken);
  Run("create", 1, kAgentToken, {{"ARTICLE_ID", article}});
  Run("create", 2, kAgentToken);
  ASSERT_TRUE(s.WaitRouted(road)) << cluster_->Logs();
  Run("get", 1, kAgentToken, {{"TICKET_ID", road}});
  Run("search", 0, kAgentToken);
  Run("search", 1, kAgentToken);
  Run("list", 0, kCenterToken);
  // A repeat call about the same lamp, merged and (by mistake) unmerged.
  const v1::Ticket lamp =
      Routed(kComplaint, "urban.road.streetlight", "五金街路灯不亮",
             "五金街路灯连续三晚不亮", "13800003333");
  const v1::Ticket repeat =
      Routed(kComplaint, "urban.road.streetlight", "五金街路灯还是不亮",
             "再次反映五金街路灯不亮", "13800003333");
  Run("merge", 0, kAgentToken,
      {{"REPEAT_ID", repeat.ticket_id()}, {"ORIGINAL_ID", lamp.ticket_id()}});
  Run("unmerge", 0, kCenterToken, {{"TICKET_ID", repeat.ticket_id()}});

  // ---- the catalogue: a rule while the road order waits, then removed
  const std::string rule = RunFor("rule_id", "rule-upsert", 0, kCenterToken);
  Run("rules", 0, kCenterToken);
  Run("suggest", 0, kCenterToken, {{"TICKET_ID", road}});
  Run("suggest", 1, kAgentToken);
  Run("rule-delete", 0, kCenterToken, {{"RULE_ID", rule}});

  // ---- routing: the road order to the town, which takes it and sees the
  // caller; two co-units, one gives its input.
  Run("dispatch", 0, kCenterToken, {{"TICKET_ID", road}});
  Run("accept", 0, kLongshui, {{"TICKET_ID", road}});
  // Intake admits the holder once routing's events have told it who holds
  // the order.
  ASSERT_TRUE(s.WaitStatus(road, v1::TICKET_STATUS_ACCEPTED));
  Run("reveal", 0, kLongshui, {{"TICKET_ID", road}});
  Run("add-co-units", 0, kCenterToken, {{"TICKET_ID", road}});
  Run("co-opinion", 0, kUrban, {{"TICKET_ID", road}});
  ASSERT_TRUE(s.SubmitCoOpinion(road, kTransport,
                                "交通局意见：该路段不属国道，由镇负责维修。")
                  .ok());
  // A housing complaint with co-units; one released.
  const v1::Ticket leak =
      Routed(kComplaint, "urban.housing.quality", "安置房屋顶漏水",
             "龙水镇安置小区屋顶漏水多月", "13800004444");
  Run("dispatch", 1, kCenterToken, {{"TICKET_ID", leak.ticket_id()}});
  Run("release-co-unit", 0, kCenterToken, {{"TICKET_ID", leak.ticket_id()}});
  // An order the town holds, re-dispatched to the urban bureau.
  const v1::Ticket vendor = s.CreateAndDispatch(
      kComplaint, "urban.sanitation.vendor", "town.longshui", "菜市场占道经营",
      "龙水镇菜市场门口摊贩占道经营", "13800005555", "town.longshui");
  Run("dispatch", 2, kCenterToken, {{"TICKET_ID", vendor.ticket_id()}});
  // Forwarded down to a community, which returns it one level up.
  const v1::Ticket well = s.CreateAndDispatch(
      kComplaint, "urban.road.manhole", "town.longshui", "南山路井盖缺失",
      "南山社区路口井盖缺失，夜间危险", "13800006666", "town.longshui");
  ASSERT_TRUE(s.Accept(well.ticket_id(), kLongshui).ok());
  Run("forward", 0, kLongshui,
      {{"TICKET_ID", well.ticket_id()},
       {"COMMUNITY_UNIT_ID", "comm.longshui.nanshan"}});
  ASSERT_TRUE(
      s.WaitRoutingStatus(well.ticket_id(), v1::TICKET_STATUS_FORWARDED));
  Run("return", 0, kNanshan, {{"TICKET_ID", well.ticket_id()}});
  // Disputed by the town; the center upholds the dispatch.
  const v1::Ticket bridge = s.CreateAndDispatch(
      kComplaint, "transport.rural_road", "town.longshui", "村道桥面破损",
      "龙水镇某村村道桥面破损", "13800007777", "town.longshui");
  const std::string dispute = RunFor("dispute_id", "dispute", 0, kLongshui,
                                     {{"TICKET_ID", bridge.ticket_id()}});
  Run("decide-dispute", 0, kCenterToken,
      {{"TICKET_ID", bridge.ticket_id()}, {"DISPUTE_ID", dispute}});

  // ---- deadline: extensions, one approved, one rejected
  const v1::Ticket ext = s.CreateAndDispatch(
      kComplaint, "urban.road.damage", "town.longshui", "滨河路人行道塌陷",
      "滨河路人行道塌陷需协调施工单位", "13800008888", "town.longshui", 5);
  ASSERT_TRUE(s.Accept(ext.ticket_id(), kLongshui).ok());
  s.HandlingClock(ext.ticket_id());
  const std::string extension =
      RunFor("extension_id", "extension-request", 0, kLongshui,
             {{"TICKET_ID", ext.ticket_id()}});
  const v1::Ticket ext2 = s.CreateAndDispatch(
      kComplaint, "urban.sanitation.garbage", "town.longshui",
      "垃圾站清运不及时", "龙水镇垃圾站清运不及时", "13800009999",
      "town.longshui", 5);
  ASSERT_TRUE(s.Accept(ext2.ticket_id(), kLongshui).ok());
  s.HandlingClock(ext2.ticket_id());
  v1::Extension pending;
  ASSERT_TRUE(
      s.RequestExtension(ext2.ticket_id(), kLongshui, "2026-12-18", &pending)
          .ok());
  Run("extensions", 0, kLongshui);
  Run("extension-decide", 0, kCenterToken, {{"EXTENSION_ID", extension}});
  Run("extension-decide", 1, kCenterToken,
      {{"EXTENSION_ID", pending.extension_id()}});
  Run("extensions", 1, kCenterToken);

  // An order the town never answers: chased twice, then inspected.
  const v1::Ticket late = s.CreateAndDispatch(
      kComplaint, "urban.road.streetlight", "town.longshui", "南街路灯全灭",
      "南街整条街路灯全部熄灭一周", "13800001212", "town.longshui", 1);
  s.HandlingClock(late.ticket_id());

  // ---- what the town and the center see
  Run("worklist", 0, kLongshui);
  Run("worklist", 1, kLongshui);
  Run("worklist", 2, kLongshui);
  Run("queue", 0, kCenterToken);
  Run("queue", 1, kCenterToken);
  Run("assignment", 0, kCenterToken, {{"TICKET_ID", road}});
  Run("history", 0, kCenterToken, {{"TICKET_ID", road}});
  ASSERT_TRUE(
      Scenario::Eventually([&] { return s.Clocks(road).clocks_size() > 0; }));
  Run("clocks", 0, kCenterToken, {{"TICKET_ID", road}});
  Run("clocks", 1, kCenterToken, {{"TICKET_ID", road}});
  Run("list-due", 0, kLongshui);
  Run("list", 1, kCenterToken);

  // ============================ Thursday 12-03 09:00: the late order chased
  At(Local(2026, 12, 3, 9, 0));
  ASSERT_TRUE(s.WaitStep(late.ticket_id(), v1::LADDER_STEP_REMINDER))
      << cluster_->Logs();
  ASSERT_TRUE(s.WaitStep(late.ticket_id(), v1::LADDER_STEP_SUPERVISION))
      << cluster_->Logs();
  Run("notices", 0, kCenterToken, {{"TICKET_ID", late.ticket_id()}});
  Run("notices", 1, kCenterToken);
  Run("ladder", 0, kLongshui);
  Run("ladder", 1, kCenterToken);
  Run("escalation-candidates", 0, kCenterToken);
  Run("supervision-act", 0, kCenterToken, {{"TICKET_ID", late.ticket_id()}});
  Run("supervision-acts", 0, kCenterToken);

  // ============ Saturday 12-05 10:00: the caller told of the extension
  At(Local(2026, 12, 5, 10, 0));
  Run("caller-informed", 0, kLongshui, {{"EXTENSION_ID", extension}});

  // ========================= Sunday 12-06 08:00: a day and a half later
  At(Local(2026, 12, 6, 8, 0));
  Run("clock", 0, kCenterToken);
  Run("clock", 1, kCenterToken);
  Run("clock-advance", 0, kCenterToken);
  Followed(absl::Hours(36));  // Monday 12-07 20:00

  // ---- Monday 12-07: a busy day; its 123rd order looked up by number
  for (int i = 0; i < 123; ++i) {
    v1::Ticket t =
        s.Create(v1::REQUEST_TYPE_CONSULTATION, "social.pension",
                 "town.longshui", "养老保险咨询",
                 absl::StrCat("咨询养老保险缴费年限（第", i + 1, "件）"), "");
    if (i == 122) {
      ASSERT_EQ(t.ticket_number(), "DZ20261207-000123");
    }
  }
  EXPECT_THAT(Run("get", 0, kAgentToken).out,
              ::testing::HasSubstr("DZ20261207-000123"));
  EXPECT_THAT(Run("search", 2, kAgentToken).out,
              ::testing::HasSubstr("DZ20261207-"));

  // ---- the road order answered, sent back, answered again, approved,
  // evaluated
  const std::string first_reply =
      RunFor("reply_id", "reply", 0, kLongshui, {{"TICKET_ID", road}});
  Run("review", 1, kCenterToken,
      {{"TICKET_ID", road}, {"REPLY_ID", first_reply}});
  ASSERT_TRUE(s.WaitRoutingStatus(road, v1::TICKET_STATUS_REHANDLING));
  // Re-handling asks the co-units for their input again.
  ASSERT_TRUE(
      s.SubmitCoOpinion(road, kUrban, "城管局意见：修复时间为12月7日。").ok());
  ASSERT_TRUE(s.SubmitCoOpinion(road, kTransport, "交通局意见：无补充。").ok());
  const std::string second_reply =
      RunFor("reply_id", "reply", 1, kLongshui, {{"TICKET_ID", road}});
  Run("review", 0, kCenterToken,
      {{"TICKET_ID", road}, {"REPLY_ID", second_reply}});
  ASSERT_TRUE(WaitReviews(road, 2)) << cluster_->Logs();
  Run("evaluate", 0, kEvaluatorToken, {{"TICKET_ID", road}});
  // The lamp order: answered and approved; its caller not reached.
  ASSERT_TRUE(s.Dispatch(lamp.ticket_id(), "town.longshui").ok());
  ASSERT_TRUE(s.Accept(lamp.ticket_id(), kLongshui).ok());
  const std::string lamp_reply =
      s.Reply(lamp.ticket_id(), kLongshui, "已更换路灯灯头，恢复照明。");
  ASSERT_TRUE(s.Approve(lamp.ticket_id(), lamp_reply).ok());
  ASSERT_TRUE(WaitReviews(lamp.ticket_id(), 1)) << cluster_->Logs();
  Run("evaluate", 1, kEvaluatorToken, {{"TICKET_ID", lamp.ticket_id()}});
  Run("facts", 0, kCenterToken, {{"TICKET_ID", road}});

  // ========================= Tuesday 12-08 09:00: November's figures
  Run("clock-advance", 1, kCenterToken);
  Followed(Local(2026, 12, 8, 9, 0) - cluster_->now());
  ASSERT_TRUE(Scenario::Eventually([&] { return StoredReport("2026-11"); }))
      << cluster_->Logs();
  Run("scorecard", 0, kLongshui);
  Run("scorecard", 1, kHousing);
  Run("ranking", 0, kCenterToken);
  Run("ranking", 1, kAuditorToken);
  Run("accountability", 0, kCenterToken);
  Run("report", 0, kCenterToken);
  Run("report", 1, kCenterToken);
  Run("report", 2, kCenterToken);
  for (const char* file :
       {"report-2026-11.html", "ranking-town_street.csv", "nov.md"}) {
    EXPECT_FALSE(Saved(file).empty()) << "report --out " << file;
  }
  Run("hot-topics", 0, kCenterToken);
  Run("explain", 0, kLongshui);
  Run("rebuild-rollups", 0, kCenterToken);
  Run("reports", 0, kAuditorToken);
  Run("reports", 1, kAuditorToken);
  for (size_t i = 0; i < ctl::ExamplesFor("stored-report").size(); ++i) {
    Run("stored-report", i, kCenterToken);
  }
  for (const char* file : {"report-2026-11.html", "report-2026-11.md",
                           "ranking-town_street.csv"}) {
    EXPECT_FALSE(Saved(file).empty()) << "stored-report --out " << file;
  }
  Run("reveal-audit", 0, kAuditorToken);
  Run("article-retire", 0, kCenterToken, {{"ARTICLE_ID", article}});
}

}  // namespace
}  // namespace hotline
