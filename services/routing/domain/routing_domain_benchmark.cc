// Figures for routing's domain code: catalogue matching against catalogues of
// realistic size, and state-machine steps over a district-sized tree.

#include <benchmark/benchmark.h>

#include "absl/strings/str_cat.h"
#include "services/routing/domain/assignment_machine.h"
#include "services/routing/domain/catalogue.h"
#include "services/routing/tests/routing_test_tree.h"

namespace hotline::routing {
namespace {

std::vector<v1::DispatchRule> Catalogue(int n) {
  std::vector<v1::DispatchRule> rules;
  const char* const kTop[] = {"城乡建设", "交通",     "生态环境", "市场监管",
                              "教育",     "卫生健康", "民政",     "公安",
                              "城市管理", "农业农村"};
  for (int i = 0; i < n; ++i) {
    v1::DispatchRule r;
    r.set_rule_id(absl::StrCat("rule-", i));
    r.set_name(absl::StrCat("规则", i));
    r.add_category_codes(absl::StrCat(kTop[i % 10], "/子类", i % 37));
    if (i % 3 == 0) r.add_area_codes(absl::StrCat("town.t", i % 27));
    if (i % 4 == 0) {
      r.add_keywords(absl::StrCat("关键词", i % 50));
      r.add_keywords("井盖");
    }
    r.set_unit_id(absl::StrCat("dept.d", i % 15));
    r.set_priority(1 + i % 1000);
    r.set_active(true);
    rules.push_back(std::move(r));
  }
  return rules;
}

void BM_MatchRules(benchmark::State& state) {
  auto rules = Catalogue(static_cast<int>(state.range(0)));
  Facts f{"城乡建设/子类10", "town.t3",
          "龙水镇南山小区门口井盖缺失，夜间行人极易跌落，请尽快处理。"};
  for (auto _ : state) {
    benchmark::DoNotOptimize(Suggest(rules, f, true));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MatchRules)->Arg(50)->Arg(500)->Arg(5000);

UnitTree DistrictTree() {
  UnitTree t = testing::SampleTree();
  for (int i = 0; i < 27; ++i) {
    t.Put(testing::MakeUnit(absl::StrCat("town.t", i), "镇",
                            v1::UNIT_KIND_TOWN_STREET, "center", 10 + i));
    for (int j = 0; j < 15; ++j) {
      t.Put(testing::MakeUnit(absl::StrCat("comm.t", i, ".", j), "社区",
                              v1::UNIT_KIND_VILLAGE_COMMUNITY,
                              absl::StrCat("town.t", i), j));
    }
  }
  return t;
}

void BM_DispatchAcceptForwardReply(benchmark::State& state) {
  UnitTree tree = DistrictTree();
  AssignmentMachine m(&tree);
  const absl::Time now = absl::FromUnixSeconds(1707350400);
  v1::TicketCreated c;
  c.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  c.set_category_code("城乡建设/物业管理");
  c.set_content(std::string(2000, 'x'));
  ReplyCommand r;
  r.reply_id = "rpl-1";
  r.text = "已处理";
  r.contact = v1::REPLY_CONTACT_PHONE;
  r.contacted_at = now;
  DispatchCommand d;
  d.unit_id = "town.t5";
  for (auto _ : state) {
    AssignmentState s = m.Received("t-1", "DZ20240208-000001", c, now);
    s = m.Dispatch(s, d, now)->after;
    s = m.Accept(s, "town.t5", now)->after;
    s = m.Forward(s, "town.t5", "comm.t5.7", "", now)->after;
    s = m.Accept(s, "comm.t5.7", now)->after;
    benchmark::DoNotOptimize(m.Reply(s, "comm.t5.7", r, now));
  }
  state.SetItemsProcessed(state.iterations() * 5);
}
BENCHMARK(BM_DispatchAcceptForwardReply);

}  // namespace
}  // namespace hotline::routing

BENCHMARK_MAIN();
