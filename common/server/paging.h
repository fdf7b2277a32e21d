#pragma once

// Page tokens for every List/Search RPC of the four services: one format,
// one check (common.proto, PageRequest / PageResponse).
//
// A token carries a position in a list (an offset, or a keyset position
// such as "the last month of the previous page") bound to the identity of
// the query that issued it: the list's name plus the request's filters (the
// request without its `page` field, serialized deterministically). A token
// presented to another list, or to the same list with other filters, is
// refused with INVALID_ARGUMENT naming page.page_token, as is anything that
// is no token at all. Tokens are opaque to clients (URL-safe base64); their
// content is not a contract and may change between releases, in which case
// a token issued by the older release is refused the same way.
//
// The binding is a consistency check, not a secret: a caller can only ever
// reach through a token what the request itself would let it read.
//
//   const paging::Query query("intake.ListTickets", *req);
//   ASSIGN_OR_RETURN(paging::OffsetPage page,
//                    paging::OffsetPage::Parse(req->page(), query));
//   ... read page.limit() rows from page.offset() ...
//   resp->mutable_page()->set_next_page_token(page.NextAfterRead(rows.size()));
//
// Pure functions and immutable values; thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "hotline/v1/common.pb.h"

namespace hotline::paging {

// PageRequest.page_size: 0 means kDefaultPageSize; above kMaxPageSize is
// INVALID_ARGUMENT.
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;
// The largest offset a token may carry (no list comes near it).
inline constexpr int kMaxOffset = 1000000000;

// The page size a request asks for: page.page_size, 0 -> 50; INVALID_ARGUMENT
// "page.page_size: must be 0–500" outside 0–500.
absl::StatusOr<int> PageSize(const v1::PageRequest& page);

// The identity of one query: the list's name and the request's filters.
class Query {
 public:
  // `list` names the list, unique across the services ("routing.ListWork");
  // `request` is the whole request: a field named `page` of type
  // hotline.v1.PageRequest is left out, every other field (set or not) is
  // part of the identity.
  Query(absl::string_view list, const google::protobuf::Message& request);

  // The position page.page_token carries: "" for an empty token (the first
  // page); INVALID_ARGUMENT "page.page_token: not a token of this query"
  // for a token issued by another query or list, or none at all.
  absl::StatusOr<std::string> Position(const v1::PageRequest& page) const;

  // The token that carries `position` (not empty) for this query.
  std::string Token(absl::string_view position) const;

 private:
  std::string tag_;  // digest of the list's name and the filters
};

// A page of a list read by offset: at most size() items from offset().
// Offsets stay below kMaxOffset, so offset() + limit() fits an int.
class OffsetPage {
 public:
  // The size (PageSize) and the offset carried by page.page_token for
  // `query` (0 without a token). INVALID_ARGUMENT naming page.page_size or
  // page.page_token.
  static absl::StatusOr<OffsetPage> Parse(const v1::PageRequest& page,
                                          const Query& query);

  int offset() const { return offset_; }
  int size() const { return size_; }
  // What to ask a store for to learn whether another page follows: size()+1.
  int limit() const { return size_ + 1; }

  // The token of the page after this one when `more` items follow it, else
  // "" (the last page).
  std::string Next(bool more) const;
  // Next() after reading limit() items from offset() and getting `read`.
  std::string NextAfterRead(size_t read) const {
    return Next(read > static_cast<size_t>(size_));
  }
  // Next() for a list held whole, of `total` items.
  std::string NextOfTotal(size_t total) const {
    return Next(static_cast<size_t>(offset_) + size_ < total);
  }

 private:
  OffsetPage(Query query, int offset, int size)
      : query_(std::move(query)), offset_(offset), size_(size) {}

  Query query_;
  int offset_ = 0;
  int size_ = kDefaultPageSize;
};

}  // namespace hotline::paging
