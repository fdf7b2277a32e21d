#include "tools/hotlinectl/commands.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

#include <iostream>
#include <memory>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/log/log.h"
#include "hotline/v1/admin.pb.h"
#include "hotline/v1/assessment.pb.h"
#include "hotline/v1/deadline.pb.h"
#include "hotline/v1/routing.pb.h"
#include "tools/hotlinectl/health_format.h"
#include "tools/hotlinectl/help.h"
#include "tools/hotlinectl/paging.h"
#include "tools/hotlinectl/render.h"
#include "tools/hotlinectl/report_out.h"
#include "tools/hotlinectl/request_builder.h"
#include "tools/hotlinectl/verbs.h"
#include "tools/hotlinectl/worklist_overdue.h"

namespace hotline::ctl {
namespace {

using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

constexpr char kListWork[] = "hotline.v1.RoutingService.ListWork";
constexpr char kListDue[] = "hotline.v1.DeadlineService.ListDue";
// The worklist's overdue figures are a courtesy: do not wait long for them.
constexpr double kEnrichTimeoutSeconds = 3;

std::string RandomRequestId() {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  return absl::StrCat("ctl-", absl::Hex(gen(), absl::kZeroPad16));
}

absl::Status ReadData(const std::string& data, std::string* json) {
  *json = data;
  if (data.empty() || data[0] != '@') return absl::OkStatus();
  FILE* f = std::fopen(data.c_str() + 1, "rb");
  if (f == nullptr) {
    return absl::InvalidArgumentError("--data: cannot read " + data.substr(1));
  }
  json->clear();
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) json->append(buf, n);
  std::fclose(f);
  return absl::OkStatus();
}

std::string HelpHint(const std::string& verb) {
  return absl::StrCat("hotlinectl ", verb, " --help lists the fields");
}

// The figures behind the worklist's overdue column; empty when they cannot
// be had.
ExtraValues WorklistExtras(const Client& client, const Message& request,
                           const Message& response) {
  v1::ListWorkRequest work_request;
  v1::ListWorkResponse work;
  work_request.CopyFrom(request);
  work.CopyFrom(response);
  std::optional<v1::ListDueRequest> due_request =
      OverdueClocksRequest(work_request, work);
  if (!due_request.has_value()) return {};
  const MethodDescriptor* list_due =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          kListDue);
  v1::ListDueResponse due;
  const absl::Status s = FetchAllPages(
      &*due_request, &due,
      [&](const Message& req, Message* resp) {
        grpc::Status g =
            client.Call("deadline", list_due, req, resp, kEnrichTimeoutSeconds);
        return g.ok() ? absl::OkStatus()
                      : absl::UnavailableError(g.error_message());
      },
      /*max_pages=*/5);
  if (!s.ok()) return {};
  return {{kOverdueExtra, OverdueDays(work, due)}};
}

// report / stored-report --out FILE: writes the document FILE asks for.
int WriteReport(const Options& options, const Message& response) {
  absl::StatusOr<v1::ReportDocument> doc =
      DocumentForPath(response, options.out);
  if (!doc.ok()) {
    return Fail(options, absl::StatusCodeToString(doc.status().code()),
                std::string(doc.status().message()));
  }
  if (absl::Status s = WriteFileContent(options.out, doc->content()); !s.ok()) {
    return Fail(options, "USAGE", std::string(s.message()));
  }
  const std::string line =
      absl::StrCat("wrote ", options.out, " (", doc->file_name(), ", ",
                   doc->media_type(), ", ", doc->content().size(), " bytes)");
  if (options.json) {
    std::cout << "{\"wrote\": \"" << log::JsonEscape(options.out)
              << "\", \"file_name\": \"" << log::JsonEscape(doc->file_name())
              << "\", \"bytes\": " << doc->content().size() << "}\n";
  } else {
    std::cout << line << "\n";
  }
  return 0;
}

}  // namespace

int Fail(const Options& options, const std::string& code,
         const std::string& message) {
  if (options.json) {
    std::cout << "{\"error\": {\"code\": \"" << log::JsonEscape(code)
              << "\", \"message\": \"" << log::JsonEscape(message) << "\"}}\n";
  } else {
    std::cerr << "error: " << code << ": " << message << "\n";
  }
  return 1;
}

int RunRpc(const Client& client, const Options& options,
           const std::string& service, const std::string& method_name,
           const std::string& verb, const std::vector<std::string>& words) {
  LinkContracts();
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const MethodDescriptor* method = pool->FindMethodByName(method_name);
  if (method == nullptr) {
    std::vector<std::string> methods;
    for (const Verb& v : Verbs()) methods.push_back(v.method);
    return Fail(options, "USAGE",
                absl::StrCat("no method ", method_name,
                             DidYouMean(method_name, methods)));
  }
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<Message> request(
      factory->GetPrototype(method->input_type())->New());
  std::unique_ptr<Message> response(
      factory->GetPrototype(method->output_type())->New());
  if (!options.data.empty()) {
    std::string json;
    if (absl::Status s = ReadData(options.data, &json); !s.ok()) {
      return Fail(options, "USAGE", std::string(s.message()));
    }
    if (absl::Status s = ApplyJson(json, request.get()); !s.ok()) {
      return Fail(options, "INVALID_ARGUMENT",
                  absl::StrCat(s.message(), "; ", HelpHint(verb)));
    }
  }
  if (absl::Status s = ApplyAssignments(words, request.get()); !s.ok()) {
    return Fail(options, "INVALID_ARGUMENT",
                absl::StrCat(s.message(), "; ", HelpHint(verb)));
  }
  // Mutations need an idempotency key; make one when none was given.
  const auto* rid = request->GetDescriptor()->FindFieldByName("request_id");
  if (rid != nullptr &&
      rid->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
      request->GetReflection()->GetString(*request, rid).empty()) {
    request->GetReflection()->SetString(request.get(), rid, RandomRequestId());
  }
  const bool pages = TakesPage(method->input_type());
  if ((options.all || !options.page_token.empty() || options.page_size > 0) &&
      !pages) {
    return Fail(options, "USAGE",
                absl::StrCat(verb,
                             " answers in one piece: --all, --page_token "
                             "and --page_size do not apply"));
  }
  if (!options.page_token.empty() || options.page_size > 0) {
    SetPage(request.get(), options.page_token, options.page_size);
  }
  const bool report = WritesDocuments(method->full_name());
  if (!options.out.empty()) {
    if (!report) {
      return Fail(options, "USAGE",
                  "--out applies to report and stored-report only");
    }
    if (absl::Status s = PrepareDocumentRequest(options.out, request.get());
        !s.ok()) {
      return Fail(options, "USAGE", std::string(s.message()));
    }
  }
  if (!options.json) {
    if (absl::Status s = CheckColumns(method->output_type(), options.columns);
        !s.ok()) {
      return Fail(options, "USAGE", std::string(s.message()));
    }
  }

  grpc::Status status;
  if (options.all) {
    std::unique_ptr<Message> page_request(request->New());
    page_request->CopyFrom(*request);
    // Fewer round trips: the largest page the contracts allow.
    if (RequestedPageSize(*page_request) == 0) {
      SetPage(page_request.get(), "", 500);
    }
    const absl::Status s = FetchAllPages(
        page_request.get(), response.get(),
        [&](const Message& req, Message* resp) {
          status = client.Call(service, method, req, resp);
          return status.ok() ? absl::OkStatus()
                             : absl::UnknownError(status.error_message());
        });
    if (!s.ok() && status.ok()) {  // the loop itself gave up
      return Fail(options, absl::StatusCodeToString(s.code()),
                  std::string(s.message()));
    }
  } else {
    status = client.Call(service, method, *request, response.get());
  }
  if (!status.ok()) {
    const int code =
        Fail(options, CodeName(status.error_code()), status.error_message());
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      const std::vector<std::string> missing = MissingRequired(*request);
      if (!missing.empty()) {
        std::cerr << "hint: the contract also requires "
                  << absl::StrJoin(missing, ", ") << " (unset); "
                  << HelpHint(verb) << "\n";
      } else {
        std::cerr << "hint: " << HelpHint(verb) << "\n";
      }
    }
    return code;
  }
  if (report && !options.out.empty()) return WriteReport(options, *response);
  if (options.json) {
    std::cout << RenderJson(*response) << "\n";
    return 0;
  }
  RenderOptions render;
  render.columns = options.columns;
  if (method->full_name() == kListWork) {
    render.extra = WorklistExtras(client, *request, *response);
  }
  std::cout << RenderHuman(*response, render);
  if (report) {
    std::cout << "save a document with --out FILE.html, FILE.md or "
                 "TABLE.csv\n";
  }
  if (const std::string token = NextPageToken(*response); !token.empty()) {
    std::cout << "more: --page_token=" << token << " or --all\n";
  }
  return 0;
}

int RunVerb(const Client& client, const Options& options,
            const std::string& verb, const std::vector<std::string>& words) {
  const Verb* v = FindVerb(verb);
  if (v == nullptr) return Fail(options, "USAGE", "unknown verb " + verb);
  if (std::string(v->service) != "any") {
    return RunRpc(client, options, v->service, v->method, v->name, words);
  }
  std::vector<std::string> targets = {std::begin(kServices),
                                      std::end(kServices)};
  if (!options.on.empty()) targets = {options.on};
  int worst = 0;
  for (const std::string& target : targets) {
    if (!options.json) std::cout << "[" << target << "]\n";
    worst = std::max(
        worst, RunRpc(client, options, target, v->method, v->name, words));
  }
  return worst;
}

int Health(const Client& client, const Options& options) {
  std::vector<std::string> targets = {std::begin(kServices),
                                      std::end(kServices)};
  if (!options.on.empty()) targets = {options.on};
  const google::protobuf::MethodDescriptor* lag_method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          "hotline.v1.EventAdmin.GetSubscriptionLag");
  int bad = 0;
  std::vector<HealthRow> rows;
  for (const std::string& service : targets) {
    HealthRow& row = rows.emplace_back();
    row.service = service;
    row.address = client.Address(service);
    row.status = client.Health(service);
    if (row.status != "SERVING") {
      ++bad;
      continue;
    }
    // The backlog of each subscription of its events (CENTER_STAFF,
    // AUDITOR or SERVICE token); the health verdict does not depend on it.
    v1::GetSubscriptionLagResponse lag;
    grpc::Status s =
        client.Call(service, lag_method, v1::GetSubscriptionLagRequest(), &lag,
                    kEnrichTimeoutSeconds);
    if (s.ok()) {
      row.lag = std::move(lag);
    } else {
      row.lag_error =
          absl::StrCat(CodeName(s.error_code()), ": ", s.error_message());
    }
  }
  std::cout << RenderHealth(rows, options.json);
  return bad == 0 ? 0 : 1;
}

}  // namespace hotline::ctl
