#include "services/routing/domain/directory_csv.h"

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/routing/domain/unit_tree.h"

namespace hotline::routing {
namespace {

TEST(DirectoryCsvTest, ParsesQuotedFieldsAndComments) {
  std::string text =
      std::string("# 示例\n") + kDirectoryCsvHeader + "\n" +
      "center,区政务服务管理办,,CENTER,,王五,,13900000001,,,1,0\n"
      "town.longshui,\"龙水镇,人民政府\",龙水镇,TOWN_STREET,center,"
      "\"赵\"\"六\"\"\",副镇长,13900000002,02343720002,,,3\n";
  auto r = ParseDirectoryCsv(text);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0];
  ASSERT_EQ(r.units.size(), 2u);
  EXPECT_EQ(r.units[1].unit.name(), "龙水镇,人民政府");
  EXPECT_EQ(r.units[1].unit.liaison().name(), "赵\"六\"");
  EXPECT_EQ(r.units[1].unit.sort_order(), 3);
  EXPECT_TRUE(r.units[1].unit.active());
  EXPECT_EQ(r.units[1].line, 4);
}

TEST(DirectoryCsvTest, ReportsLineNumbers) {
  std::string text = std::string(kDirectoryCsvHeader) + "\n" +
                     "town.x,某镇,,TOWN,center,,,,,,1,0\n"
                     "town.y,某镇,,TOWN_STREET,center\n";
  auto r = ParseDirectoryCsv(text);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_THAT(r.errors[0], ::testing::StartsWith("line 2: kind"));
  EXPECT_THAT(r.errors[1], ::testing::StartsWith("line 3: 5 fields"));
  EXPECT_FALSE(ParseDirectoryCsv("unit_id,name\n").errors.empty());
}

TEST(DirectoryCsvTest, WriteThenParseRoundTrips) {
  v1::Unit u;
  u.set_unit_id("dept.urban");
  u.set_name("区城市管理局, \"城管\"");
  u.set_kind(v1::UNIT_KIND_DEPARTMENT);
  u.set_parent_unit_id("center");
  u.mutable_liaison()->set_name("钱七");
  u.mutable_liaison()->set_mobile("13900000009");
  u.set_active(false);
  u.set_sort_order(7);
  auto r = ParseDirectoryCsv(WriteDirectoryCsv({&u}));
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.units.size(), 1u);
  EXPECT_EQ(r.units[0].unit.SerializeAsString(), u.SerializeAsString());
}

// Found by tests/fuzz/directory_json_fuzzer: a liaison title with trailing
// spaces (which the directory accepts) lost them on export → import.
TEST(DirectoryCsvTest, EdgeSpacesSurviveExportAndImport) {
  v1::Unit u;
  u.set_unit_id("dept.urban");
  u.set_name(" 区城市管理局");
  u.set_short_name("\t");
  u.set_kind(v1::UNIT_KIND_DEPARTMENT);
  u.set_parent_unit_id("center");
  u.mutable_liaison()->set_name("于婷");
  u.mutable_liaison()->set_title("办公室热线联络员  ");
  u.mutable_liaison()->set_mobile("13900000038");
  u.set_active(true);
  const std::string csv = WriteDirectoryCsv({&u});
  EXPECT_THAT(csv, ::testing::HasSubstr("\"办公室热线联络员  \""));
  auto r = ParseDirectoryCsv(csv);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0];
  ASSERT_EQ(r.units.size(), 1u);
  EXPECT_EQ(r.units[0].unit.SerializeAsString(), u.SerializeAsString());
}

// A row whose first field starts with '#' would read back as a comment line;
// the writer quotes it (found by directory_csv_fuzzer).
TEST(DirectoryCsvTest, AUnitIdStartingWithAHashIsNotReadAsAComment) {
  v1::Unit u;
  u.set_unit_id("#comm.longgang.xijie");
  u.set_name("龙岗街道西街社区居委会");
  u.set_kind(v1::UNIT_KIND_VILLAGE_COMMUNITY);
  u.set_parent_unit_id("town.longgang");
  u.set_active(true);
  const std::string csv = WriteDirectoryCsv({&u});
  EXPECT_THAT(csv, ::testing::HasSubstr("\n\"#comm.longgang.xijie\","));
  auto r = ParseDirectoryCsv(csv);
  ASSERT_TRUE(r.errors.empty()) << r.errors[0];
  ASSERT_EQ(r.units.size(), 1u);
  EXPECT_EQ(r.units[0].unit.SerializeAsString(), u.SerializeAsString());
}

TEST(DirectoryCsvTest, UnquotedFieldsAreTrimmedQuotedOnesKept) {
  bool ok = false;
  EXPECT_THAT(SplitCsvLine(" a , \" b \" ,\"c\"d ,\"\"\"\" ", &ok),
              ::testing::ElementsAre("a", "\" b \"", "cd", "\""));
  EXPECT_TRUE(ok);
  EXPECT_THAT(SplitCsvLine("\" x \"", &ok), ::testing::ElementsAre(" x "));
  SplitCsvLine("\"open", &ok);
  EXPECT_FALSE(ok);
}

TEST(DirectoryCsvTest, ShippedDazuSampleIsValid) {
  std::ifstream in(std::string(HOTLINE_SOURCE_DIR) +
                   "/data/directory/dazu_sample.csv");
  ASSERT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = ParseDirectoryCsv(ss.str());
  ASSERT_TRUE(r.errors.empty()) << r.errors[0];
  UnitTree tree;
  for (const auto& cu : r.units) tree.Put(cu.unit);
  int towns = 0;
  for (const auto& cu : r.units) {
    EXPECT_TRUE(ValidateUnit(cu.unit, tree, "unit").ok())
        << "line " << cu.line << ": " << ValidateUnit(cu.unit, tree, "unit");
    if (cu.unit.kind() == v1::UNIT_KIND_TOWN_STREET) ++towns;
  }
  EXPECT_EQ(towns, 27);  // 6 streets + 21 towns
  ASSERT_NE(tree.Find("town.longshui"), nullptr);
  EXPECT_EQ(tree.Find("town.longshui")->name(), "龙水镇人民政府");
  EXPECT_EQ(tree.FirstLevelOf("sec.urban.shirong"), "dept.urban");
}

}  // namespace
}  // namespace hotline::routing
