#include "tools/hotlinectl/paging.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <memory>
#include <set>

#include "absl/strings/str_cat.h"

namespace hotline::ctl {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

const FieldDescriptor* PageField(const google::protobuf::Descriptor* d,
                                 const char* type) {
  const FieldDescriptor* f = d->FindFieldByName("page");
  if (f == nullptr || f->is_repeated() ||
      f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
      f->message_type()->full_name() != type) {
    return nullptr;
  }
  return f;
}

constexpr char kPageRequest[] = "hotline.v1.PageRequest";
constexpr char kPageResponse[] = "hotline.v1.PageResponse";

}  // namespace

bool TakesPage(const google::protobuf::Descriptor* request) {
  return PageField(request, kPageRequest) != nullptr;
}

std::string NextPageToken(const Message& response) {
  const FieldDescriptor* f = PageField(response.GetDescriptor(), kPageResponse);
  if (f == nullptr) return "";
  const Message& page = response.GetReflection()->GetMessage(response, f);
  const FieldDescriptor* token =
      page.GetDescriptor()->FindFieldByName("next_page_token");
  return token == nullptr ? "" : page.GetReflection()->GetString(page, token);
}

int RequestedPageSize(const Message& request) {
  const FieldDescriptor* f = PageField(request.GetDescriptor(), kPageRequest);
  if (f == nullptr) return 0;
  const Message& page = request.GetReflection()->GetMessage(request, f);
  return page.GetReflection()->GetInt32(
      page, page.GetDescriptor()->FindFieldByName("page_size"));
}

void SetPage(Message* request, const std::string& token, int page_size) {
  const FieldDescriptor* f = PageField(request->GetDescriptor(), kPageRequest);
  if (f == nullptr) return;
  Message* page = request->GetReflection()->MutableMessage(request, f);
  const auto* d = page->GetDescriptor();
  if (!token.empty()) {
    page->GetReflection()->SetString(page, d->FindFieldByName("page_token"),
                                     token);
  }
  if (page_size > 0) {
    page->GetReflection()->SetInt32(page, d->FindFieldByName("page_size"),
                                    page_size);
  }
}

absl::Status FetchAllPages(Message* request, Message* response,
                           const PageSource& source, int max_pages) {
  response->Clear();
  std::set<std::string> seen;
  for (int pages = 0;; ++pages) {
    if (pages == max_pages) {
      return absl::OutOfRangeError(absl::StrCat("stopped after ", max_pages,
                                                " pages; narrow the request"));
    }
    std::unique_ptr<Message> page(response->New());
    if (absl::Status s = source(*request, page.get()); !s.ok()) return s;
    const std::string token = NextPageToken(*page);
    response->MergeFrom(*page);  // appends the page's lists
    if (token.empty()) break;
    if (!seen.insert(token).second) {
      return absl::InternalError(
          absl::StrCat("the server gave the page token \"", token,
                       "\" twice; stopped instead of looping"));
    }
    SetPage(request, token, 0);
  }
  // Merging kept an earlier page's token (an empty string never overwrites).
  if (const FieldDescriptor* f =
          PageField(response->GetDescriptor(), kPageResponse)) {
    response->GetReflection()->ClearField(response, f);
  }
  return absl::OkStatus();
}

}  // namespace hotline::ctl
