#include "services/routing/domain/catalogue.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::routing {
namespace {

v1::DispatchRule Rule(const std::string& id, std::vector<std::string> cats,
                      std::vector<std::string> areas,
                      std::vector<std::string> keywords,
                      const std::string& unit, int priority,
                      bool automatic = false) {
  v1::DispatchRule r;
  r.set_rule_id(id);
  r.set_name("规则" + id);
  for (auto& c : cats) r.add_category_codes(c);
  for (auto& a : areas) r.add_area_codes(a);
  for (auto& k : keywords) r.add_keywords(k);
  r.set_unit_id(unit);
  r.set_priority(priority);
  r.set_automatic(automatic);
  r.set_active(true);
  return r;
}

TEST(CatalogueTest, CategoryPrefixMatching) {
  EXPECT_TRUE(CategoryMatches("urban.road", "urban.road.damage"));
  EXPECT_TRUE(CategoryMatches("urban.road", "urban.road"));
  EXPECT_FALSE(CategoryMatches("urban.road", "urban.roadside"));
  EXPECT_TRUE(CategoryMatches("城乡建设", "城乡建设/物业管理"));
  EXPECT_FALSE(CategoryMatches("城乡建设/物业管理", "城乡建设"));
  EXPECT_FALSE(CategoryMatches("", "urban"));
}

TEST(CatalogueTest, AreaKeywordAndPriority) {
  std::vector<v1::DispatchRule> rules = {
      Rule("r1", {"城乡建设"}, {}, {}, "dept.housing", 100),
      Rule("r2", {"城乡建设/物业管理"}, {"town.longshui"}, {}, "town.longshui",
           100),
      Rule("r3", {"城乡建设"}, {}, {"井盖"}, "dept.urban", 200),
      Rule("r4", {"交通"}, {}, {}, "dept.transport", 500),
  };
  Facts f{"城乡建设/物业管理", "town.longshui", "小区电梯坏了"};
  auto c = MatchRules(rules, f);
  ASSERT_EQ(c.size(), 2u);
  // Equal priority: the deeper category with an area wins.
  EXPECT_EQ(c[0].rule_id(), "r2");
  EXPECT_EQ(c[1].rule_id(), "r1");
  EXPECT_THAT(c[0].explanation(), ::testing::HasSubstr("town.longshui"));

  Facts g{"城乡建设/市政设施", "town.longgang", "路边井盖丢失"};
  c = MatchRules(rules, g);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].rule_id(), "r3");
  EXPECT_THAT(c[0].explanation(), ::testing::HasSubstr("井盖"));

  rules[2].set_active(false);
  c = MatchRules(rules, g);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].rule_id(), "r1");
}

TEST(CatalogueTest, AutomaticOnlyWhenUnambiguousAndEnabled) {
  std::vector<v1::DispatchRule> rules = {
      Rule("a", {"交通"}, {}, {}, "dept.transport", 500, true),
      Rule("b", {"交通"}, {}, {}, "dept.police", 100),
  };
  Facts f{"交通/道路", "", "红绿灯坏了"};
  EXPECT_TRUE(Suggest(rules, f, true).automatic());
  EXPECT_FALSE(Suggest(rules, f, false).automatic());
  rules[1].set_priority(500);  // a tie naming another unit
  EXPECT_FALSE(Suggest(rules, f, true).automatic());
  EXPECT_EQ(Suggest(rules, Facts{"教育", "", ""}, true).candidates_size(), 0);
}

TEST(CatalogueTest, RuleFieldValidation) {
  auto r = Rule("x", {"交通"}, {}, {}, "dept.transport", 10);
  EXPECT_TRUE(ValidateRuleFields(r, "rule").ok());
  r.set_priority(0);
  EXPECT_THAT(std::string(ValidateRuleFields(r, "rule").message()),
              ::testing::StartsWith("rule.priority"));
  r.set_priority(10);
  r.add_co_unit_ids("dept.transport");
  EXPECT_THAT(std::string(ValidateRuleFields(r, "rule").message()),
              ::testing::StartsWith("rule.co_unit_ids[0]"));
  r.clear_co_unit_ids();
  r.clear_category_codes();
  EXPECT_THAT(std::string(ValidateRuleFields(r, "rule").message()),
              ::testing::StartsWith("rule.category_codes"));
}

}  // namespace
}  // namespace hotline::routing
