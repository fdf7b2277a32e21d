#include "common/status/status.h"

#include <string>

#include "common/status/grpc_status.h"
#include "gtest/gtest.h"

namespace hotline {
namespace {

TEST(StatusMappingTest, EveryCodeMapsOneToOneAndBack) {
  for (int code = 0; code <= 16; ++code) {
    absl::Status s(static_cast<absl::StatusCode>(code), "字段 content 过长");
    grpc::Status g = ToGrpcStatus(s);
    EXPECT_EQ(static_cast<int>(g.error_code()), code);
    if (code != 0) {
      EXPECT_EQ(g.error_message(), "字段 content 过长");
    }
    EXPECT_EQ(FromGrpcStatus(g), s);
  }
}

TEST(StatusMappingTest, NamedCodesAgree) {
  EXPECT_EQ(ToGrpcStatus(absl::InvalidArgumentError("x")).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ToGrpcStatus(absl::UnauthenticatedError("x")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ToGrpcStatus(absl::PermissionDeniedError("x")).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("x")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ToGrpcStatus(absl::FailedPreconditionError("x")).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

absl::Status Fails() { return absl::NotFoundError("工单不存在"); }
absl::StatusOr<int> Seven() { return 7; }
absl::StatusOr<int> Missing() { return absl::NotFoundError("no"); }

absl::StatusOr<int> UseMacros(bool fail_first, bool fail_second) {
  if (fail_first) RETURN_IF_ERROR(Fails());
  ASSIGN_OR_RETURN(int a, Seven());
  int b = 0;
  ASSIGN_OR_RETURN(b, fail_second ? Missing() : Seven());
  return a + b;
}

TEST(StatusMacrosTest, ReturnIfErrorAndAssignOrReturn) {
  EXPECT_EQ(*UseMacros(false, false), 14);
  EXPECT_EQ(UseMacros(true, false).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(UseMacros(true, false).status().message(), "工单不存在");
  EXPECT_EQ(UseMacros(false, true).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace hotline
