#include "services/deadline/domain/policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::deadline {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(PolicyTest, BuiltinFileHasEveryNumberWithItsArticle) {
  const Policy& p = Policy::Builtin();
  EXPECT_THAT(p.version(), StartsWith("policy-"));
  EXPECT_EQ(p.response().working_days, 1);
  EXPECT_EQ(p.response().article, "7");
  EXPECT_EQ(p.forward().working_days, 1);
  EXPECT_EQ(p.forward().article, "6(1)");
  EXPECT_EQ(p.return_total().working_days, 2);
  EXPECT_EQ(p.return_total().article, "6(1)");
  EXPECT_EQ(p.handling_consultation().working_days, 3);
  EXPECT_EQ(p.handling_default().working_days, 10);
  EXPECT_EQ(p.handling_default().article, "6(2)");
  EXPECT_EQ(p.extension_min().working_days, 2);
  EXPECT_EQ(p.extension_min().article, "6(3)");
  // Numbers the regulation does not contain are named as local policy.
  EXPECT_EQ(p.rehandling().article, "local");
  EXPECT_EQ(p.co_opinion().working_days, 3);
  EXPECT_EQ(p.co_opinion().article, "local");
}

TEST(PolicyTest, RejectsBrokenFiles) {
  EXPECT_THAT(Policy::Parse("response.working_days 1\n").status().message(),
              HasSubstr("line 1"));
  EXPECT_THAT(Policy::Parse("bogus.key 1 7\n").status().message(),
              HasSubstr("unknown key"));
  EXPECT_THAT(Policy::Parse("response.working_days -1 7\n").status().message(),
              HasSubstr("0..3650"));
  EXPECT_THAT(Policy::Parse("response.working_days 1 7\n").status().message(),
              HasSubstr("missing"));
  // The invented ladder intervals are gone: 第七条 has none.
  EXPECT_THAT(Policy::Parse("ladder.special_inspection.working_days 5 7\n")
                  .status()
                  .message(),
              HasSubstr("unknown key"));
}

TEST(PolicyTest, VersionFollowsContent) {
  std::string text;
  for (const char* k :
       {"response.working_days", "forward.working_days", "return.working_days",
        "handling.consultation.working_days", "handling.default.working_days",
        "rehandling.working_days", "extension.min_working_days",
        "extension.max_working_days", "co_opinion.working_days"}) {
    text += std::string(k) + " 3 7\n";
  }
  auto a = Policy::Parse(text);
  auto b = Policy::Parse(text + "# comment\n");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(a->version(), b->version());
  EXPECT_EQ(a->version(), Policy::Parse(text)->version());
}

}  // namespace
}  // namespace hotline::deadline
