#include "common/db/migrations.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline_db_testing_TestMigrations.h"

namespace hotline::db {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SplitSqlStatementsTest, SplitsAtSemicolonAtLineEnd) {
  EXPECT_THAT(
      SplitSqlStatements("CREATE TABLE a (x INT);\n"
                         "CREATE TABLE b (\n  y INT\n)  ;  \n"),
      ElementsAre("CREATE TABLE a (x INT)", "CREATE TABLE b (\n  y INT\n)"));
}

TEST(SplitSqlStatementsTest, KeepsSemicolonsInsideALine) {
  EXPECT_THAT(SplitSqlStatements("INSERT INTO t VALUES ('a;b'), ('c; d');\n"),
              ElementsAre("INSERT INTO t VALUES ('a;b'), ('c; d')"));
}

TEST(SplitSqlStatementsTest, DropsCommentLinesAndEmptyStatements) {
  EXPECT_THAT(SplitSqlStatements("-- header;\n"
                                 "# another;\n"
                                 "\n"
                                 ";\n"
                                 "  -- indented comment\n"
                                 "SELECT 1;\n"
                                 "\n\n"),
              ElementsAre("SELECT 1"));
}

TEST(SplitSqlStatementsTest, LastStatementMayLackSemicolon) {
  EXPECT_THAT(SplitSqlStatements("SELECT 1;\nSELECT 2"),
              ElementsAre("SELECT 1", "SELECT 2"));
}

TEST(SplitSqlStatementsTest, HandlesCrLf) {
  EXPECT_THAT(SplitSqlStatements("SELECT 1;\r\nSELECT 2;\r\n"),
              ElementsAre("SELECT 1", "SELECT 2"));
}

TEST(SplitSqlStatementsTest, KeepsChineseText) {
  EXPECT_THAT(SplitSqlStatements("INSERT INTO t VALUES ('中文；全角');\n"),
              ElementsAre("INSERT INTO t VALUES ('中文；全角')"));
}

TEST(MigrationVersionTest, ParsesNames) {
  EXPECT_EQ(*MigrationVersion("001_init.sql"), 1);
  EXPECT_EQ(*MigrationVersion("120_add_index.sql"), 120);
  EXPECT_EQ(*MigrationVersion("7_x.sql"), 7);
  for (const char* bad : {"init.sql", "001.sql", "_x.sql", "000_zero.sql",
                          "01a_x.sql", "001_x.txt", "-1_x.sql"}) {
    auto version = MigrationVersion(bad);
    EXPECT_FALSE(version.ok()) << bad;
    EXPECT_THAT(version.status().message(), HasSubstr(bad));
  }
}

TEST(MigrationChecksumTest, IgnoresCarriageReturnsOnly) {
  EXPECT_EQ(MigrationChecksum("SELECT 1;\r\n"),
            MigrationChecksum("SELECT 1;\n"));
  EXPECT_NE(MigrationChecksum("SELECT 1;\n"), MigrationChecksum("SELECT 2;\n"));
  EXPECT_EQ(MigrationChecksum("").size(), 64u);
  EXPECT_EQ(MigrationChecksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(LoadMigrationsTest, ReadsSortedAndSkipsOtherFiles) {
  auto migrations = LoadMigrations(HOTLINE_DB_TESTDATA "/migrations");
  ASSERT_TRUE(migrations.ok()) << migrations.status();
  ASSERT_EQ(migrations->size(), 3u);
  EXPECT_EQ((*migrations)[0].version, 1);
  EXPECT_EQ((*migrations)[0].name, "001_create_widget.sql");
  EXPECT_EQ((*migrations)[1].version, 2);
  EXPECT_EQ((*migrations)[2].version, 10);
  EXPECT_EQ(SplitSqlStatements((*migrations)[1].sql).size(), 2u);
}

TEST(LoadMigrationsTest, MissingFolderIsNotFound) {
  auto migrations = LoadMigrations(HOTLINE_DB_TESTDATA "/no_such_folder");
  EXPECT_TRUE(absl::IsNotFound(migrations.status()));
}

TEST(EmbeddedMigrationsTest, MatchTheFilesByteForByte) {
  auto files = LoadMigrations(HOTLINE_DB_TESTDATA "/migrations");
  ASSERT_TRUE(files.ok()) << files.status();
  const std::vector<Migration>& embedded = testing::TestMigrations();
  ASSERT_EQ(embedded.size(), files->size());
  for (size_t i = 0; i < embedded.size(); ++i) {
    EXPECT_EQ(embedded[i].version, (*files)[i].version);
    EXPECT_EQ(embedded[i].name, (*files)[i].name);
    EXPECT_EQ(embedded[i].sql, (*files)[i].sql);
  }
}

}  // namespace
}  // namespace hotline::db
