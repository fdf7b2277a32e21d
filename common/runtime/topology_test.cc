#include "common/runtime/topology.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::runtime {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(TopologyTest, ReadsProducersAndSubscribersInOrder) {
  absl::StatusOr<Topology> t = ParseTopology(
      "# 事件拓扑\n"
      "intake:  routing assessment   # 受理\n"
      "\n"
      "routing:\tdeadline assessment\tintake\n"
      "assessment:\n");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_THAT(t->SubscribersOf("routing"),
              ElementsAre("deadline", "assessment", "intake"));
  EXPECT_TRUE(t->Delivers("intake", "assessment"));
  EXPECT_FALSE(t->Delivers("intake", "deadline"));
  EXPECT_TRUE(t->SubscribersOf("assessment").empty());
  EXPECT_TRUE(t->SubscribersOf("deadline").empty());
}

TEST(TopologyTest, RefusesMalformedLinesNamingTheLine) {
  EXPECT_THAT(ParseTopology("intake routing\n").status().message(),
              HasSubstr("line 1"));
  EXPECT_THAT(ParseTopology("a: b\na: c\n").status().message(),
              HasSubstr("line 2: a is named twice"));
  EXPECT_THAT(ParseTopology("a: a\n").status().message(),
              HasSubstr("subscribed to itself"));
  EXPECT_THAT(ParseTopology("a: b b\n").status().message(),
              HasSubstr("b subscribed twice to a"));
  EXPECT_THAT(ParseTopology(": b\n").status().message(),
              HasSubstr("no producer"));
}

TEST(TopologyTest, MissingFileIsNotFound) {
  EXPECT_EQ(LoadTopology("/nonexistent/topology.txt").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace hotline::runtime
