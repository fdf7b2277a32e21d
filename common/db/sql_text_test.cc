#include "common/db/sql_text.h"

#include <string>
#include <vector>

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

TEST(SqlTextTest, ChunksTakeFewSizes) {
  EXPECT_EQ(RowsInNextChunk(1), 1u);
  EXPECT_EQ(RowsInNextChunk(16), 16u);
  EXPECT_EQ(RowsInNextChunk(17), 16u);
  EXPECT_EQ(RowsInNextChunk(100), 64u);
  EXPECT_EQ(RowsInNextChunk(1000), 256u);
  EXPECT_EQ(RowsInNextChunk(1000, 128), 128u);
  EXPECT_EQ(PowerOfTwoAtLeast(0), 1u);
  EXPECT_EQ(PowerOfTwoAtLeast(1), 1u);
  EXPECT_EQ(PowerOfTwoAtLeast(5), 8u);
  EXPECT_EQ(PowerOfTwoAtLeast(64), 64u);
}

TEST(SqlTextTest, IdChunksAreSortedDistinctAndPaddedToPowersOfTwo) {
  const std::vector<std::vector<std::string>> chunks =
      PaddedIdChunks({"工单-3", "工单-1", "工单-2", "工单-1"}, 2);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0], (std::vector<std::string>{"工单-1", "工单-2"}));
  // The one id left: a chunk of one, already a power of two.
  EXPECT_EQ(chunks[1], (std::vector<std::string>{"工单-3"}));
  EXPECT_EQ(PaddedIdChunks({"a", "b", "c"}).at(0),
            (std::vector<std::string>{"a", "b", "c", "c"}));
  EXPECT_TRUE(PaddedIdChunks({}).empty());
}

}  // namespace
}  // namespace hotline::db
