#pragma once

// routing in-process with the sample directory (data/directory/
// dazu_sample.csv) imported, for the assessment tests that show units by the
// directory's names and kinds: assessment follows it as in production
// (HOTLINE_ROUTING, the service token).

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "services/assessment/edge/assessment_service.h"
#include "services/routing/edge/routing_service.h"
#include "tests/support/read_file.h"
#include "tests/support/service_fixture.h"

namespace hotline::assessment::testing {

class SampleDirectory {
 public:
  static absl::StatusOr<std::unique_ptr<SampleDirectory>> Start() {
    std::unique_ptr<SampleDirectory> d(new SampleDirectory());
    ASSIGN_OR_RETURN(d->routing_, ::hotline::testing::ServiceUnderTest::Start(
                                      routing::Definition()));
    auto stub = v1::DirectoryService::NewStub(d->routing_->channel());
    v1::ImportDirectoryRequest req;
    req.set_request_id("assessment-sample-directory");
    req.set_format(v1::DIRECTORY_FORMAT_CSV);
    req.set_content(::hotline::testing::ReadFile(
        HOTLINE_SOURCE_DIR "/data/directory/dazu_sample.csv"));
    req.set_source("sample: Dazu District");
    grpc::ClientContext ctx;
    ::hotline::testing::ServiceUnderTest::Authorize(
        &ctx, ::hotline::testing::kCenterToken);
    v1::ImportDirectoryResponse resp;
    RETURN_IF_ERROR(FromGrpcStatus(stub->ImportDirectory(&ctx, req, &resp)));
    return d;
  }

  // assessment, following this routing's directory.
  absl::StatusOr<std::unique_ptr<::hotline::testing::ServiceUnderTest>>
  StartAssessment(::hotline::testing::ServiceOptions options = {}) {
    setenv("HOTLINE_ROUTING", routing_->address().c_str(), 1);
    auto svc = ::hotline::testing::ServiceUnderTest::Start(Definition(),
                                                           std::move(options));
    unsetenv("HOTLINE_ROUTING");
    return svc;
  }

  ::hotline::testing::ServiceUnderTest& routing() { return *routing_; }

 private:
  SampleDirectory() = default;
  std::unique_ptr<::hotline::testing::ServiceUnderTest> routing_;
};

}  // namespace hotline::assessment::testing
