#pragma once

// Page tokens for intake's List/Search RPCs: an offset bound to a hash of
// the request's filters, so a token is refused with other filters.

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "hotline/v1/common.pb.h"

namespace hotline::intake {

struct Page {
  int offset = 0;
  int size = 50;
};

// `filters` is the request with its page field cleared.
absl::StatusOr<Page> ParsePage(const v1::PageRequest& page,
                               const google::protobuf::Message& filters);
std::string NextPageToken(int offset, const google::protobuf::Message& filters);

}  // namespace hotline::intake
