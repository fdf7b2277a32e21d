#include "common/server/proto_enum.h"

#include "gtest/gtest.h"
#include "hotline/v1/deadline.pb.h"

namespace hotline::server {
namespace {

TEST(ShortEnumNameTest, DropsTheTypesPrefix) {
  EXPECT_EQ(ShortEnumName(v1::CLOCK_KIND_RESPONSE), "RESPONSE");
  EXPECT_EQ(ShortEnumName(v1::CLOCK_KIND_LEAD_UNIT), "LEAD_UNIT");
  EXPECT_EQ(ShortEnumName(v1::LADDER_STEP_DISTRICT_NOTICE), "DISTRICT_NOTICE");
  EXPECT_EQ(ShortEnumName(v1::CLOCK_OUTCOME_UNSPECIFIED), "UNSPECIFIED");
  EXPECT_EQ(ShortEnumName(static_cast<v1::ClockOutcome>(99)), "UNSPECIFIED");
}

}  // namespace
}  // namespace hotline::server
