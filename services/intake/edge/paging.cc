#include "services/intake/edge/paging.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hotline::intake {
namespace {

std::string FilterTag(const google::protobuf::Message& filters) {
  std::string bytes;
  filters.SerializePartialToString(&bytes);
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         md);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(md), 6));
}

}  // namespace

absl::StatusOr<Page> ParsePage(const v1::PageRequest& page,
                               const google::protobuf::Message& filters) {
  Page p;
  if (page.page_size() < 0 || page.page_size() > 500) {
    return absl::InvalidArgumentError("page.page_size: must be 0–500");
  }
  if (page.page_size() > 0) p.size = page.page_size();
  if (page.page_token().empty()) return p;
  std::vector<std::string> parts = absl::StrSplit(page.page_token(), '.');
  if (parts.size() != 2 || parts[1] != FilterTag(filters) ||
      !absl::SimpleAtoi(parts[0], &p.offset) || p.offset < 0) {
    return absl::InvalidArgumentError(
        "page.page_token: not a token of this request");
  }
  return p;
}

std::string NextPageToken(int offset,
                          const google::protobuf::Message& filters) {
  return absl::StrCat(offset, ".", FilterTag(filters));
}

}  // namespace hotline::intake
