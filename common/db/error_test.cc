#include "common/db/error.h"

#include <ostream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::db {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Case {
  int code;
  absl::StatusCode expected;
};

void PrintTo(const Case& c, std::ostream* os) { *os << "mysql" << c.code; }

class ErrorMappingTest : public ::testing::TestWithParam<Case> {};

TEST_P(ErrorMappingTest, MapsCode) {
  sql::SQLException e("server says no", "HY000", GetParam().code);
  absl::Status status = FromSqlException(e, "insert ticket");
  EXPECT_EQ(status.code(), GetParam().expected) << GetParam().code;
  EXPECT_THAT(status.message(), HasSubstr("insert ticket"));
  // 1062 and 1366 quote row data; their text is rebuilt (see below).
  if (GetParam().code != 1062 && GetParam().code != 1366) {
    EXPECT_THAT(status.message(), HasSubstr("server says no"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ErrorMappingTest,
    ::testing::Values(Case{1062, absl::StatusCode::kAlreadyExists},
                      Case{1205, absl::StatusCode::kAborted},
                      Case{1213, absl::StatusCode::kAborted},
                      Case{3572, absl::StatusCode::kAborted},
                      Case{2002, absl::StatusCode::kUnavailable},
                      Case{2003, absl::StatusCode::kUnavailable},
                      Case{2005, absl::StatusCode::kUnavailable},
                      Case{2006, absl::StatusCode::kUnavailable},
                      Case{2013, absl::StatusCode::kUnavailable},
                      Case{2055, absl::StatusCode::kUnavailable},
                      Case{1040, absl::StatusCode::kUnavailable},
                      Case{1053, absl::StatusCode::kUnavailable},
                      Case{1927, absl::StatusCode::kUnavailable},
                      Case{4031, absl::StatusCode::kUnavailable},
                      Case{1044, absl::StatusCode::kUnavailable},
                      Case{1045, absl::StatusCode::kUnavailable},
                      Case{1142, absl::StatusCode::kUnavailable},
                      Case{1146, absl::StatusCode::kInternal},
                      Case{1406, absl::StatusCode::kInvalidArgument},
                      Case{1366, absl::StatusCode::kInvalidArgument},
                      Case{1264, absl::StatusCode::kInvalidArgument},
                      Case{1064, absl::StatusCode::kInternal},
                      Case{0, absl::StatusCode::kInternal}));

TEST(ErrorTest, AccessDeniedSaysSo) {
  absl::Status status = FromMysqlError(
      1045, "Access denied for user 'intake'@'127.0.0.1' (using password: YES)",
      "connect");
  EXPECT_TRUE(absl::IsUnavailable(status));
  EXPECT_THAT(status.message(), HasSubstr("access denied"));
  EXPECT_THAT(status.message(), HasSubstr("'intake'"));
}

TEST(ErrorTest, DuplicateEntryHidesTheValue) {
  absl::Status status = FromMysqlError(
      1062, "Duplicate entry '13800138000' for key 'uk_phone'", "insert");
  EXPECT_TRUE(absl::IsAlreadyExists(status));
  EXPECT_THAT(status.message(), Not(HasSubstr("13800138000")));
  EXPECT_THAT(status.message(), HasSubstr("uk_phone"));
}

TEST(ErrorTest, IncorrectStringHidesTheValue) {
  absl::Status status = FromMysqlError(
      1366,
      "Incorrect string value: '\\xE5\\xBC\\xA0' for column `s`.`t`.`name` at "
      "row 1",
      "insert");
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), Not(HasSubstr("xE5")));
  EXPECT_THAT(status.message(), HasSubstr("`name`"));
}

TEST(ErrorTest, ConnectionLostCodes) {
  EXPECT_TRUE(IsConnectionLost(2006));
  EXPECT_TRUE(IsConnectionLost(2013));
  EXPECT_FALSE(IsConnectionLost(1062));
  EXPECT_FALSE(IsConnectionLost(1045));
}

TEST(GuardTest, PassesValuesAndConvertsExceptions) {
  absl::StatusOr<int> value = Guard("x", [] { return 42; });
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 42);

  absl::Status ok = Guard("x", [] {});
  EXPECT_TRUE(ok.ok());

  absl::Status failed = Guard("update widget", []() {
    throw sql::SQLException("Deadlock found", "40001", 1213);
  });
  EXPECT_TRUE(absl::IsAborted(failed));
  EXPECT_THAT(failed.message(), HasSubstr("update widget"));

  absl::StatusOr<int> passthrough = Guard(
      "x", []() -> absl::StatusOr<int> { return absl::NotFoundError("none"); });
  EXPECT_TRUE(absl::IsNotFound(passthrough.status()));
}

}  // namespace
}  // namespace hotline::db
