#pragma once

// Lists answer a page at a time (common.proto: PageRequest / PageResponse,
// 50 items unless page.page_size says otherwise). --all follows the tokens;
// without it hotlinectl says how to get the next page.

#include <functional>
#include <string>

#include "absl/status/status.h"

namespace google::protobuf {
class Descriptor;
class Message;
}  // namespace google::protobuf

namespace hotline::ctl {

// True when the request type takes a PageRequest (field "page").
bool TakesPage(const google::protobuf::Descriptor* request);

// The response's page.next_page_token; "" on the last page or when the
// response has no PageResponse.
std::string NextPageToken(const google::protobuf::Message& response);

// Sets page.page_token / page.page_size of a request that TakesPage; an
// empty token or a size of 0 leaves that field as it is.
void SetPage(google::protobuf::Message* request, const std::string& token,
             int page_size);

// The request's page.page_size (0 when unset or not paged).
int RequestedPageSize(const google::protobuf::Message& request);

// Fetches one page: `request` in, `response` out.
using PageSource =
    std::function<absl::Status(const google::protobuf::Message& request,
                               google::protobuf::Message* response)>;

// Calls `source` from the request's page on, page after page, until the
// next_page_token is empty, appending each page's lists to `response` (whose
// token ends empty). The first error is returned as is, `response` keeping
// the pages before it. A token that repeats, or more than `max_pages` pages,
// is an error rather than an endless loop.
absl::Status FetchAllPages(google::protobuf::Message* request,
                           google::protobuf::Message* response,
                           const PageSource& source, int max_pages = 10000);

}  // namespace hotline::ctl
