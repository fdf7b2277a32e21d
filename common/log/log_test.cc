#include "common/log/log.h"

#include "gtest/gtest.h"

namespace hotline::log {
namespace {

TEST(LogFormatTest, OneJsonObjectPerLineWithEscapes) {
  EXPECT_EQ(Format(Level::kWarning, "intake", "db.unavailable",
                   {{"error", "line1\n\"quoted\"\\"}, {"单位", "龙水镇"}},
                   "2026-11-26T10:00:00.000Z"),
            "{\"ts\":\"2026-11-26T10:00:00.000Z\",\"level\":\"warning\","
            "\"service\":\"intake\",\"event\":\"db.unavailable\","
            "\"error\":\"line1\\n\\\"quoted\\\"\\\\\",\"单位\":\"龙水镇\"}\n");
}

TEST(LogFormatTest, ControlCharactersAreEscaped) {
  EXPECT_EQ(
      Format(Level::kInfo, "s", "e", {{"k", std::string("\x01", 1)}}, "t"),
      "{\"ts\":\"t\",\"level\":\"info\",\"service\":\"s\",\"event\":"
      "\"e\",\"k\":\"\\u0001\"}\n");
}

}  // namespace
}  // namespace hotline::log
