#include "services/intake/core/known_tickets.h"

#include "gtest/gtest.h"

namespace hotline::intake {
namespace {

TEST(KnownTicketsTest, RemembersWhatWasAddedAndForgetsTheOldestWhenFull) {
  KnownTickets known(2);
  EXPECT_FALSE(known.Contains("tk-龙水-1"));
  known.Add("tk-龙水-1");
  known.Add("tk-龙水-2");
  EXPECT_TRUE(known.Contains("tk-龙水-1"));
  EXPECT_TRUE(known.Contains("tk-龙水-2"));
  known.Add("tk-龙水-2");  // again: no room taken
  known.Add("tk-龙水-3");  // the newer generation was full: 1 and 2 age
  EXPECT_TRUE(known.Contains("tk-龙水-1"));
  EXPECT_TRUE(known.Contains("tk-龙水-3"));
  known.Add("tk-龙水-4");
  known.Add("tk-龙水-5");  // full again: 1 and 2 are forgotten
  EXPECT_FALSE(known.Contains("tk-龙水-1"));
  EXPECT_FALSE(known.Contains("tk-龙水-2"));
  EXPECT_TRUE(known.Contains("tk-龙水-3"));
  EXPECT_TRUE(known.Contains("tk-龙水-4"));
  EXPECT_TRUE(known.Contains("tk-龙水-5"));
  EXPECT_FALSE(known.Contains("tk-邮亭-1"));
}

}  // namespace
}  // namespace hotline::intake
