#include "common/id/id.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::id {
namespace {

using ::testing::MatchesRegex;

TEST(NewIdTest, KeepsEachKindsFormat) {
  EXPECT_THAT(NewId("tk-", kLongIdBytes), MatchesRegex("tk-[0-9a-f]{24}"));
  EXPECT_THAT(NewId("kb-", kLongIdBytes), MatchesRegex("kb-[0-9a-f]{24}"));
  EXPECT_THAT(NewId("rule-", kShortIdBytes), MatchesRegex("rule-[0-9a-f]{16}"));
  EXPECT_THAT(NewId("eval-", kShortIdBytes), MatchesRegex("eval-[0-9a-f]{16}"));
}

TEST(NewIdTest, ManyIdsAreDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) seen.insert(NewId("rpl-", kShortIdBytes));
  EXPECT_EQ(seen.size(), 20000u);
}

TEST(NewIdTest, RandomPartUsesEveryHexDigit) {
  // 500 ids of 16 digits: each of the 16 digits shows up (a generator stuck
  // on a few values, or a lost nibble, would not).
  std::set<char> digits;
  for (int i = 0; i < 500; ++i) {
    for (char c : NewId("", kShortIdBytes)) digits.insert(c);
  }
  EXPECT_EQ(digits.size(), 16u);
}

TEST(NewIdTest, SizeIsKeptWithinBounds) {
  EXPECT_THAT(NewId("x-", 0), MatchesRegex("x-[0-9a-f]{2}"));
  EXPECT_THAT(NewId("x-", 40), MatchesRegex("x-[0-9a-f]{64}"));
}

}  // namespace
}  // namespace hotline::id
