#include "common/clock/clock.h"

#include "gtest/gtest.h"

namespace hotline {
namespace {

TEST(ManualClockTest, MovesOnlyForward) {
  const absl::Time start = absl::FromUnixSeconds(1707379200);  // 2024-02-08
  ManualClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  ASSERT_TRUE(clock.Advance(absl::Hours(16)).ok());
  EXPECT_EQ(clock.Now(), start + absl::Hours(16));
  EXPECT_EQ(clock.Advance(absl::Seconds(-1)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(clock.AdvanceTo(start).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(clock.AdvanceTo(start + absl::Hours(48)).ok());
  EXPECT_EQ(clock.Now(), start + absl::Hours(48));
  ASSERT_TRUE(clock.Advance(absl::ZeroDuration()).ok());
  EXPECT_EQ(clock.Now(), start + absl::Hours(48));
}

TEST(SystemClockTest, IsCloseToAbslNow) {
  const absl::Time before = absl::Now();
  const absl::Time now = SystemClock::Get()->Now();
  EXPECT_GE(now, before);
  EXPECT_LT(now - before, absl::Minutes(1));
}

}  // namespace
}  // namespace hotline
