#include "services/routing/domain/directory_json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::routing {
namespace {

using ::testing::HasSubstr;

TEST(DirectoryJsonTest, WriteThenParseRoundTrips) {
  v1::Unit u;
  u.set_unit_id("town.longshui");
  u.set_name("龙水镇人民政府");
  u.set_kind(v1::UNIT_KIND_TOWN_STREET);
  u.set_parent_unit_id("center");
  u.mutable_liaison()->set_name("李四（示例）");
  u.mutable_liaison()->set_mobile("13900000002");
  u.set_active(true);
  DutyRow d{"town.longshui", {}};
  d.entry.set_date("2024-02-09");
  d.entry.mutable_leader()->set_name("陈副镇长");
  d.entry.mutable_leader()->set_mobile("13900001111");
  v1::DispatchRule r;
  r.set_rule_id("rule.property.longshui");
  r.set_name("物业管理交属地");
  r.add_category_codes("城乡建设/物业管理");
  r.add_keywords("电梯");
  r.set_unit_id("town.longshui");
  r.set_priority(300);
  r.set_active(true);
  std::string json = WriteDirectoryJson({&u}, {d}, {r});
  EXPECT_THAT(json, HasSubstr("\"unitId\":\"town.longshui\""));
  DirectoryDocument doc = ParseDirectoryJson(json);
  ASSERT_TRUE(doc.errors.empty()) << doc.errors[0];
  ASSERT_EQ(doc.units.size(), 1u);
  EXPECT_EQ(doc.units[0].unit.SerializeAsString(), u.SerializeAsString());
  ASSERT_EQ(doc.duty.size(), 1u);
  EXPECT_EQ(doc.duty[0].unit_id, "town.longshui");
  EXPECT_EQ(doc.duty[0].entry.leader().name(), "陈副镇长");
  ASSERT_EQ(doc.rules.size(), 1u);
  EXPECT_EQ(doc.rules[0].SerializeAsString(), r.SerializeAsString());
}

TEST(DirectoryJsonTest, ReportsBadDocumentsByPath) {
  EXPECT_THAT(ParseDirectoryJson("[1,2]").errors.at(0), HasSubstr("document"));
  auto doc = ParseDirectoryJson(
      R"({"units": [{"unitId": "a", "kind": "NOPE"}], "rules": [{"name": "无编号"}],)"
      R"( "extra": []})");
  ASSERT_EQ(doc.errors.size(), 3u);
  EXPECT_THAT(doc.errors, ::testing::Contains(HasSubstr("extra: unknown key")));
  EXPECT_THAT(doc.errors, ::testing::Contains(HasSubstr("units[0]")));
  EXPECT_THAT(doc.errors,
              ::testing::Contains(HasSubstr("rules[0].ruleId: required")));
}

}  // namespace
}  // namespace hotline::routing
