#include "common/db/sql_text.h"

#include <string>

#include "gtest/gtest.h"

namespace hotline::db {
namespace {

TEST(SqlTextTest, QuotesAndEscapesLikeTheClientLibrary) {
  EXPECT_EQ(SqlQuote("路灯'不亮\\\n"), "'路灯\\'不亮\\\\\\n'");
  EXPECT_EQ(SqlQuote(std::string("a\0b", 3)), "'a\\0b'");
}

TEST(SqlTextTest, HexLiteralCarriesAnyBytes) {
  EXPECT_EQ(SqlHex(std::string("\x00\xff'\\", 4)), "X'00ff275c'");
  EXPECT_EQ(SqlHex(""), "X''");
}

TEST(SqlTextTest, TimeRoundTripsInUtc) {
  const absl::Time t = absl::FromUnixMicros(1727712000123456);
  EXPECT_EQ(SqlTime(t), "2024-09-30 16:00:00.123456");
  EXPECT_EQ(ParseSqlTime(SqlTime(t)), t);
  EXPECT_EQ(ParseSqlTime("not a time"), absl::UnixEpoch());
}

}  // namespace
}  // namespace hotline::db
