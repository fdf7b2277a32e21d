#pragma once

// report --out FILE (and stored-report --out FILE, the same documents kept
// for a closed month): the report's documents arrive as bytes
// (ReportDocument.content); --out picks the one whose format matches the
// file's extension (.html/.htm, .md/.markdown, .csv) and writes it decoded.
// For CSV, one document per table: the table named in the file name
// (ranking-town_street in march-ranking-town_street.csv), else the first.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hotline/v1/assessment.pb.h"

namespace hotline::ctl {

// The format an output path asks for by its extension (case-insensitive);
// INVALID_ARGUMENT naming the extensions known.
absl::StatusOr<v1::ReportFormat> ReportFormatForPath(absl::string_view path);

// With no formats requested, requests the one `path` needs (so
// `report ... --out r.html` needs no formats=html); otherwise checks that
// it is among them.
absl::Status RequestFormatForPath(absl::string_view path,
                                  v1::ReportRequest* request);

// The same for a stored monthly bulletin (GetStoredReportRequest).
absl::Status RequestFormatForPath(absl::string_view path,
                                  v1::GetStoredReportRequest* request);

// The document of `response` to write to `path`; NOT_FOUND listing the
// documents there are when none fits.
absl::StatusOr<const v1::ReportDocument*> ChooseReportDocument(
    const v1::ReportResponse& response, absl::string_view path);
absl::StatusOr<const v1::ReportDocument*> ChooseReportDocument(
    const google::protobuf::RepeatedPtrField<v1::ReportDocument>& documents,
    absl::string_view path);

// Whether --out applies to the RPC `method_full_name` (Report,
// GetStoredReport): the ones whose answer is documents.
bool WritesDocuments(absl::string_view method_full_name);

// For such an RPC: requests the format `path` needs (as above) in `request`
// (a ReportRequest or GetStoredReportRequest); INVALID_ARGUMENT for any
// other request.
absl::Status PrepareDocumentRequest(absl::string_view path,
                                    google::protobuf::Message* request);

// For such an RPC: the document of `response` (a ReportResponse or
// GetStoredReportResponse) to write to `path`, copied out.
absl::StatusOr<v1::ReportDocument> DocumentForPath(
    const google::protobuf::Message& response, absl::string_view path);

// Writes `content` to `path` (replacing it); the error names the path.
absl::Status WriteFileContent(const std::string& path,
                              const std::string& content);

}  // namespace hotline::ctl
