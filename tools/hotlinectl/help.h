#pragma once

// hotlinectl explains itself, as kubectl and gh do:
//   hotlinectl help                  the verbs and flags
//   hotlinectl help VERB, VERB --help  the method's purpose, roles and errors,
//                                    every request field (dotted paths for
//                                    nested ones) with its type, whether it is
//                                    required, enum values and meaning, the
//                                    table's columns, and examples
//   hotlinectl describe NAME         a message, enum, service or method as
//                                    .proto text with its comments, like
//                                    grpcurl describe
// Everything said about fields comes from the contracts' comments
// (proto_docs.h); whether a field is required is read from them too.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace google::protobuf {
class Descriptor;
class Message;
class MethodDescriptor;
}  // namespace google::protobuf

namespace hotline::ctl {

enum class Requirement {
  kOptional,
  kRequired,     // the comment says "Required." (or "Required; …")
  kConditional,  // "Required when …", "Required for …", "… unless …"
};

// One settable field of a request, as help lists it.
struct FieldDoc {
  std::string path;  // "location.town_code"; "entries[].date" inside JSON
  std::string type;  // "string", "enum ReplyContact", "time", "list of …"
  Requirement requirement = Requirement::kOptional;
  std::string oneof;  // "key: exactly one of ticket_id, ticket_number"
  std::vector<std::string> values;  // enum values: "PHONE  12345 phone call"
  std::string comment;              // from the .proto file
  int depth = 0;                    // 0 for the request's own fields
};

// Reads "Required" the way the contracts write it (common.proto: FIELD
// RULES): at the start of a sentence, followed by ".", ",", ";" or the end
// means required; followed by a condition ("when", "for", "except", "(…)
// when") means required only then.
Requirement RequirementOf(absl::string_view comment);

// Every field of `request`, nested messages expanded with dotted paths
// (three levels at most, no type inside itself).
std::vector<FieldDoc> RequestFieldDocs(
    const google::protobuf::Descriptor* request);

// The usage page: verbs by service, flags, where to read more.
std::string GeneralHelp();

// `hotlinectl help VERB`; NOT_FOUND (with the nearest verbs) for an unknown
// one. "call" and "health" have pages too.
absl::StatusOr<std::string> VerbHelp(absl::string_view verb);

// The same page for any method (call SERVICE METHOD --help).
std::string MethodHelp(const google::protobuf::MethodDescriptor* method,
                       absl::string_view verb_name);

// `hotlinectl describe NAME`: NAME is a verb, a full or short name of a
// message, enum, service, method or field of hotline.v1
// (hotline.v1.Ticket, Ticket, ClockOutcome, Reply, RoutingService.Reply,
// Ticket.status). NOT_FOUND with the nearest names otherwise.
absl::StatusOr<std::string> Describe(absl::string_view name);

// Fields the contract says are required and `request` leaves unset
// (request_id excepted: hotlinectl makes one), for the hint printed after
// an INVALID_ARGUMENT, so all of them are known after one try.
std::vector<std::string> MissingRequired(
    const google::protobuf::Message& request);

}  // namespace hotline::ctl
