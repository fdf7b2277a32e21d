#pragma once

// The one-to-one mapping between absl::Status and grpc::Status used at the
// service edge. absl::StatusCode and grpc::StatusCode share their numeric
// values (both follow google.rpc.Code), so the mapping is exact both ways.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace hotline {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace hotline
