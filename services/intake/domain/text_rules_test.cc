#include "services/intake/domain/text_rules.h"

#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::intake {
namespace {

TEST(IntakeRulesTest, TextRules) {
  EXPECT_TRUE(IsValidUtf8("路灯不亮"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));
  EXPECT_THAT(
      std::string(CheckText("title", "a\nb", {true, 200, false}).message()),
      ::testing::StartsWith("title:"));
  EXPECT_FALSE(
      CheckText("content", std::string(8193, 'a'), {true, 8192, true}).ok());
  EXPECT_TRUE(
      CheckText("content", std::string(8192, 'a'), {true, 8192, true}).ok());
  EXPECT_FALSE(CheckText("title", "   ", {true, 200, false}).ok());
}

}  // namespace
}  // namespace hotline::intake
