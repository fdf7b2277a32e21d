#pragma once

// Early-return macros for absl::Status / absl::StatusOr, which Abseil 20220623
// does not ship. Pure Abseil: usable from libraries that know nothing of gRPC.
// The mapping onto gRPC status codes is in grpc_status.h.

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define HOTLINE_STATUS_CONCAT_INNER_(a, b) a##b
#define HOTLINE_STATUS_CONCAT_(a, b) HOTLINE_STATUS_CONCAT_INNER_(a, b)

// RETURN_IF_ERROR(expr): evaluates `expr` (an absl::Status) and returns it from
// the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status hotline_status_ = (expr);           \
    if (!hotline_status_.ok()) return hotline_status_; \
  } while (0)

// ASSIGN_OR_RETURN(lhs, expr): evaluates `expr` (an absl::StatusOr<T>); on
// error returns the status, otherwise moves the value into `lhs`, which may be
// a declaration (`auto x`) or an existing lvalue.
#define ASSIGN_OR_RETURN(lhs, expr) \
  HOTLINE_ASSIGN_OR_RETURN_IMPL_(   \
      HOTLINE_STATUS_CONCAT_(hotline_statusor_, __LINE__), lhs, expr)

#define HOTLINE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()
