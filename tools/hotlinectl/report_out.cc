#include "tools/hotlinectl/report_out.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace hotline::ctl {
namespace {

std::string Extension(absl::string_view path) {
  const size_t slash = path.find_last_of('/');
  const absl::string_view base =
      slash == absl::string_view::npos ? path : path.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  if (dot == absl::string_view::npos) return "";
  return absl::AsciiStrToLower(base.substr(dot));
}

std::string Stem(absl::string_view file_name) {
  const size_t slash = file_name.find_last_of('/');
  if (slash != absl::string_view::npos) file_name = file_name.substr(slash + 1);
  const size_t dot = file_name.find_last_of('.');
  return absl::AsciiStrToLower(
      dot == absl::string_view::npos ? file_name : file_name.substr(0, dot));
}

// How much of a document's name `wanted` mentions: the length of the
// longest leading run of its '-'-separated parts found in `wanted` ("ranking-
// town_street" of "ranking-town_street-2024-03"), 0 for none.
size_t Mentioned(const std::string& wanted, const std::string& stem) {
  size_t best = 0;
  for (size_t end = stem.find('-');; end = stem.find('-', end + 1)) {
    const std::string prefix =
        end == std::string::npos ? stem : stem.substr(0, end);
    if (!prefix.empty() && absl::StrContains(wanted, prefix)) {
      best = prefix.size();
    }
    if (end == std::string::npos) break;
  }
  return best;
}

}  // namespace

absl::StatusOr<v1::ReportFormat> ReportFormatForPath(absl::string_view path) {
  const std::string ext = Extension(path);
  if (ext == ".html" || ext == ".htm") return v1::REPORT_FORMAT_HTML;
  if (ext == ".md" || ext == ".markdown") return v1::REPORT_FORMAT_MARKDOWN;
  if (ext == ".csv") return v1::REPORT_FORMAT_CSV;
  return absl::InvalidArgumentError(absl::StrCat(
      "--out ", path, ": ",
      ext.empty() ? "no extension" : absl::StrCat("\"", ext, "\" is"),
      " none of .html, .md, .csv (the extension chooses the document)"));
}

namespace {

constexpr char kReportMethod[] = "hotline.v1.AssessmentService.Report";
constexpr char kStoredReportMethod[] =
    "hotline.v1.AssessmentService.GetStoredReport";

// Requests `path`'s format among `formats` (ReportRequest.formats,
// GetStoredReportRequest.formats): adds it when none is asked for, else
// checks that it is among them.
absl::Status RequestFormat(absl::string_view path,
                           google::protobuf::RepeatedField<int>* formats) {
  absl::StatusOr<v1::ReportFormat> format = ReportFormatForPath(path);
  if (!format.ok()) return format.status();
  if (formats->empty()) {
    formats->Add(*format);
    return absl::OkStatus();
  }
  for (int f : *formats) {
    if (f == *format) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--out ", path, " needs formats=",
                   absl::AsciiStrToLower(absl::StripPrefix(
                       v1::ReportFormat_Name(*format), "REPORT_FORMAT_")),
                   " among the formats requested"));
}

}  // namespace

absl::Status RequestFormatForPath(absl::string_view path,
                                  v1::ReportRequest* request) {
  return RequestFormat(path, request->mutable_formats());
}

absl::Status RequestFormatForPath(absl::string_view path,
                                  v1::GetStoredReportRequest* request) {
  return RequestFormat(path, request->mutable_formats());
}

absl::StatusOr<const v1::ReportDocument*> ChooseReportDocument(
    const v1::ReportResponse& response, absl::string_view path) {
  return ChooseReportDocument(response.documents(), path);
}

absl::StatusOr<const v1::ReportDocument*> ChooseReportDocument(
    const google::protobuf::RepeatedPtrField<v1::ReportDocument>& documents,
    absl::string_view path) {
  absl::StatusOr<v1::ReportFormat> format = ReportFormatForPath(path);
  if (!format.ok()) return format.status();
  const std::string wanted = Stem(path);
  const v1::ReportDocument* first = nullptr;
  const v1::ReportDocument* named = nullptr;
  size_t named_length = 0;
  for (const v1::ReportDocument& doc : documents) {
    if (doc.format() != *format) continue;
    if (first == nullptr) first = &doc;
    // The document whose table the path names most fully wins
    // (ranking-town_street over ranking-department for
    // ranking-town_street.csv).
    const size_t length = Mentioned(wanted, Stem(doc.file_name()));
    if (length > named_length) {
      named = &doc;
      named_length = length;
    }
  }
  if (named != nullptr) return named;
  if (first != nullptr) return first;
  std::vector<std::string> names;
  for (const v1::ReportDocument& doc : documents) {
    names.push_back(doc.file_name());
  }
  return absl::NotFoundError(
      absl::StrCat("the report has no ", Extension(path), " document (it has: ",
                   names.empty() ? "none" : absl::StrJoin(names, ", "), ")"));
}

bool WritesDocuments(absl::string_view method_full_name) {
  return method_full_name == kReportMethod ||
         method_full_name == kStoredReportMethod;
}

absl::Status PrepareDocumentRequest(absl::string_view path,
                                    google::protobuf::Message* request) {
  const std::string& type = request->GetDescriptor()->full_name();
  if (type == v1::ReportRequest::descriptor()->full_name()) {
    v1::ReportRequest typed;
    typed.CopyFrom(*request);
    if (absl::Status s = RequestFormatForPath(path, &typed); !s.ok()) return s;
    request->CopyFrom(typed);
    return absl::OkStatus();
  }
  if (type == v1::GetStoredReportRequest::descriptor()->full_name()) {
    v1::GetStoredReportRequest typed;
    typed.CopyFrom(*request);
    if (absl::Status s = RequestFormatForPath(path, &typed); !s.ok()) return s;
    request->CopyFrom(typed);
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "--out applies to report and stored-report only");
}

absl::StatusOr<v1::ReportDocument> DocumentForPath(
    const google::protobuf::Message& response, absl::string_view path) {
  const std::string& type = response.GetDescriptor()->full_name();
  absl::StatusOr<const v1::ReportDocument*> doc;
  if (type == v1::ReportResponse::descriptor()->full_name()) {
    v1::ReportResponse typed;
    typed.CopyFrom(response);
    doc = ChooseReportDocument(typed.documents(), path);
    if (!doc.ok()) return doc.status();
    return **doc;
  }
  if (type == v1::GetStoredReportResponse::descriptor()->full_name()) {
    v1::GetStoredReportResponse typed;
    typed.CopyFrom(response);
    doc = ChooseReportDocument(typed.report().documents(), path);
    if (!doc.ok()) return doc.status();
    return **doc;
  }
  return absl::InvalidArgumentError(
      "--out applies to report and stored-report only");
}

absl::Status WriteFileContent(const std::string& path,
                              const std::string& content) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  const size_t written = std::fwrite(content.data(), 1, content.size(), f);
  const bool closed = std::fclose(f) == 0;
  if (written != content.size() || !closed) {
    return absl::InternalError(absl::StrCat("writing ", path, " failed"));
  }
  return absl::OkStatus();
}

}  // namespace hotline::ctl
