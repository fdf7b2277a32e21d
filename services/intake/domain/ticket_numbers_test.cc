#include "services/intake/domain/ticket_numbers.h"

#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::intake {
namespace {

TEST(IntakeRulesTest, NumbersAndDates) {
  absl::Time t = absl::FromUnixSeconds(1707350400);  // 2024-02-08 08:00 CST
  EXPECT_EQ(LocalDayCompact(t), "20240208");
  EXPECT_EQ(TicketNumber("20240208", 123), "DZ20240208-000123");
  EXPECT_EQ(LocalDayCompact(absl::FromUnixSeconds(1707350400 - 9 * 3600)),
            "20240207");
  EXPECT_TRUE(IsTicketNumberPrefix("DZ20240208"));
  EXPECT_TRUE(IsTicketNumberPrefix("DZ20240208-0001"));
  EXPECT_FALSE(IsTicketNumberPrefix("DZ2024"));
  EXPECT_FALSE(ParseLocalDate("d", "2024-02-30").ok());
}

// Intake's status follows routing's: a co-unit's acknowledgement leaves the
// holder and status alone, an upheld dispute leaves the order ACCEPTED by
// the disputing unit (routing's AssignmentMachine::DecideDispute).

}  // namespace
}  // namespace hotline::intake
