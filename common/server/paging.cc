#include "common/server/paging.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/server/proto_digest.h"

namespace hotline::paging {
namespace {

// Bytes of SHA-256 kept as the query's tag: enough that two queries of one
// list never share one by accident.
constexpr size_t kTagBytes = 8;

constexpr absl::string_view kForeignToken =
    "page.page_token: not a token of this query";

}  // namespace

absl::StatusOr<int> PageSize(const v1::PageRequest& page) {
  if (page.page_size() < 0 || page.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page.page_size: must be 0–", kMaxPageSize));
  }
  return page.page_size() == 0 ? kDefaultPageSize : page.page_size();
}

Query::Query(absl::string_view list, const google::protobuf::Message& request) {
  // The list's name, a separator no name contains, then the filters.
  // The filters: the request without its `page`.
  tag_ = server::Sha256(
             absl::StrCat(list, absl::string_view("\0", 1),
                          server::DeterministicBytesWithout(request, "page")))
             .substr(0, kTagBytes);
}

absl::StatusOr<std::string> Query::Position(const v1::PageRequest& page) const {
  if (page.page_token().empty()) return std::string();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(page.page_token(), &raw) ||
      raw.size() <= kTagBytes || raw.compare(0, kTagBytes, tag_) != 0) {
    return absl::InvalidArgumentError(kForeignToken);
  }
  return raw.substr(kTagBytes);
}

std::string Query::Token(absl::string_view position) const {
  return absl::WebSafeBase64Escape(absl::StrCat(tag_, position));
}

absl::StatusOr<OffsetPage> OffsetPage::Parse(const v1::PageRequest& page,
                                             const Query& query) {
  absl::StatusOr<int> size = PageSize(page);
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> position = query.Position(page);
  if (!position.ok()) return position.status();
  int offset = 0;
  if (!position->empty() && (!absl::SimpleAtoi(*position, &offset) ||
                             offset < 0 || offset > kMaxOffset)) {
    return absl::InvalidArgumentError(kForeignToken);
  }
  return OffsetPage(query, offset, *size);
}

std::string OffsetPage::Next(bool more) const {
  if (!more) return "";
  return query_.Token(absl::StrCat(offset_ + size_));
}

}  // namespace hotline::paging
