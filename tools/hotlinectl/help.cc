// About 640 lines: the overview, the per-verb help (fields, types, enum
// values and meanings from the contracts' own comments, roles, errors,
// examples) and `describe` for any message or method — one renderer of the
// descriptor set.

#include "tools/hotlinectl/help.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/hotlinectl/columns.h"
#include "tools/hotlinectl/examples.h"
#include "tools/hotlinectl/paging.h"
#include "tools/hotlinectl/proto_docs.h"
#include "tools/hotlinectl/proto_text.h"
#include "tools/hotlinectl/report_out.h"
#include "tools/hotlinectl/values.h"
#include "tools/hotlinectl/verbs.h"

namespace hotline::ctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

constexpr int kMaxDepth = 3;
constexpr char kPackage[] = "hotline.v1";

const ProtoDocs& Docs() { return ProtoDocs::Embedded(); }

std::string Indent(absl::string_view text, absl::string_view indent) {
  if (text.empty()) return "";
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    lines.push_back(line.empty() ? "" : absl::StrCat(indent, line));
  }
  return absl::StrJoin(lines, "\n") + "\n";
}

std::string OneLine(absl::string_view text) {
  return absl::StrJoin(absl::StrSplit(text, '\n', absl::SkipEmpty()), " ");
}

std::string TypeText(const FieldDescriptor* f) {
  std::string base;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      base = f->type() == FieldDescriptor::TYPE_BYTES ? "bytes" : "string";
      break;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      base = "integer";
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      base = "number";
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      base = "bool";
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      base = absl::StrCat("enum ", f->enum_type()->name());
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (IsTimestampType(f)) {
        base = "time";
      } else if (f->message_type()->full_name() == "google.protobuf.Duration") {
        base = "duration";
      } else {
        base = absl::StrCat("message ", f->message_type()->name());
      }
      break;
  }
  if (!f->is_repeated()) return base;
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
      !IsOneValueMessage(f)) {
    return absl::StrCat("list of ", base, " (JSON, one word per item)");
  }
  return absl::StrCat("list of ", base, " (repeat the word)");
}

std::vector<std::string> EnumValues(const EnumDescriptor* e) {
  std::vector<std::string> names;
  std::vector<std::string> notes;
  size_t width = 0;
  for (int i = 0; i < e->value_count(); ++i) {
    if (e->value(i)->number() == 0) continue;  // *_UNSPECIFIED: unset
    names.push_back(EnumShortName(e->value(i)));
    notes.push_back(OneLine(Docs().Comment(e->value(i))));
    width = std::max(width, names.back().size());
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < names.size(); ++i) {
    out.push_back(
        notes[i].empty()
            ? names[i]
            : absl::StrCat(names[i],
                           std::string(width + 2 - names[i].size(), ' '),
                           notes[i]));
  }
  return out;
}

void AddFields(const Descriptor* d, const std::string& prefix, int depth,
               std::vector<const Descriptor*>* chain,
               std::vector<FieldDoc>* out) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    FieldDoc doc;
    doc.path = prefix + f->name();
    doc.type = TypeText(f);
    doc.comment = Docs().Comment(f);
    doc.requirement = RequirementOf(doc.comment);
    doc.depth = depth;
    if (const auto* oneof = f->containing_oneof()) {
      std::vector<std::string> members;
      for (int k = 0; k < oneof->field_count(); ++k) {
        members.push_back(prefix + oneof->field(k)->name());
      }
      const std::string note = OneLine(Docs().Comment(oneof));
      doc.oneof = absl::StrCat(
          oneof->name(), ": ",
          absl::StrContains(absl::AsciiStrToLower(note), "required")
              ? "exactly one"
              : "at most one",
          " of ", absl::StrJoin(members, ", "));
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
      doc.values = EnumValues(f->enum_type());
    }
    out->push_back(doc);
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        IsOneValueMessage(f) || depth + 1 >= kMaxDepth) {
      continue;
    }
    const Descriptor* inner = f->message_type();
    if (std::find(chain->begin(), chain->end(), inner) != chain->end()) {
      continue;
    }
    chain->push_back(inner);
    AddFields(inner, doc.path + (f->is_repeated() ? "[]." : "."), depth + 1,
              chain, out);
    chain->pop_back();
  }
}

// Purpose, "Roles:" and "Errors:" of a method comment.
struct MethodSections {
  std::string purpose;
  std::string roles;
  std::string errors;
};

MethodSections SplitMethodComment(const std::string& comment) {
  MethodSections s;
  std::string* current = &s.purpose;
  for (absl::string_view line : absl::StrSplit(comment, '\n')) {
    if (absl::ConsumePrefix(&line, "Roles:")) {
      current = &s.roles;
    } else if (absl::ConsumePrefix(&line, "Errors:")) {
      current = &s.errors;
    }
    line = absl::StripLeadingAsciiWhitespace(line);
    absl::StrAppend(current, current->empty() ? "" : "\n", line);
  }
  return s;
}

void LinkContractsOnce() {
  static const bool linked = [] {
    LinkContracts();
    return true;
  }();
  (void)linked;
}

const MethodDescriptor* GeneratedMethod(absl::string_view full_name) {
  LinkContractsOnce();
  return DescriptorPool::generated_pool()->FindMethodByName(
      std::string(full_name));
}

std::string ServiceOf(const MethodDescriptor* m) {
  if (const Verb* v = FindVerbByMethod(m->full_name())) return v->service;
  return "SERVICE";
}

std::string GenericExample(absl::string_view verb, const Descriptor* request) {
  std::string line = absl::StrCat("hotlinectl ", verb);
  for (const FieldDoc& doc : RequestFieldDocs(request)) {
    if (doc.requirement != Requirement::kRequired || doc.path == "request_id" ||
        absl::StrContains(doc.path, "[]") ||
        absl::StartsWith(doc.type, "message")) {
      continue;
    }
    std::string value = absl::AsciiStrToUpper(doc.path);
    if (doc.type == "time") value = "\"2026-12-07 15:30\"";
    if (absl::EndsWith(doc.path, "_date")) value = "2026-12-07";
    if (doc.type == "integer") value = "1";
    if (doc.type == "bool") value = "true";
    if (!doc.values.empty()) {
      value = absl::AsciiStrToLower(std::string(absl::StripAsciiWhitespace(
          doc.values[0].substr(0, doc.values[0].find(' ')))));
    }
    absl::StrAppend(&line, " ", doc.path, "=", value);
  }
  return line;
}

std::string OutputSection(const MethodDescriptor* method) {
  std::string out;
  const Descriptor* response = method->output_type();
  for (int i = 0; i < response->field_count(); ++i) {
    const FieldDescriptor* f = response->field(i);
    if (!f->is_repeated() ||
        f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        IsOneValueMessage(f)) {
      continue;
    }
    const Descriptor* row = f->message_type();
    std::vector<std::string> shown;
    absl::StatusOr<std::vector<Column>> columns = ChooseColumns(row, {});
    if (FindTableSpec(row->full_name()) != nullptr && columns.ok()) {
      for (const Column& c : *columns) shown.push_back(c.name);
    }
    std::vector<std::string> wide;
    for (const std::string& name : ColumnNames(row)) {
      if (std::find(shown.begin(), shown.end(), name) == shown.end()) {
        wide.push_back(name);
      }
    }
    absl::StrAppend(
        &out, "  ", f->name(), ": a table of ", row->name(),
        shown.empty() ? " (the columns that have values)"
                      : absl::StrCat(", columns ", absl::StrJoin(shown, ", ")),
        "\n");
    if (!wide.empty()) {
      absl::StrAppend(&out, "    -o wide adds: ", absl::StrJoin(wide, ", "),
                      "\n");
    }
  }
  if (!out.empty()) {
    absl::StrAppend(&out,
                    "  --columns=a,b,c chooses columns by name or field path; "
                    "instants print in China Standard Time,\n  dues as "
                    "\"24:00 of the last working day\" (2026-12-07 24:00).\n");
  }
  if (TakesPage(method->input_type())) {
    absl::StrAppend(&out,
                    "  A page holds 50 rows (page.page_size, at most 500); "
                    "when there are more, hotlinectl says\n  how to get them: "
                    "--page_token=TOKEN for the next page, --all for every "
                    "page.\n");
  }
  if (WritesDocuments(method->full_name())) {
    absl::StrAppend(&out,
                    "  --out FILE writes the document whose format the "
                    "extension names (.html, .md, .csv;\n  for CSV the table "
                    "the file name mentions, else the first), decoded.\n");
  }
  absl::StrAppend(&out, "  --json prints the response as protobuf JSON (",
                  response->full_name(), ").\n");
  return out;
}

// The hotline.v1 files, from the generated pool.
std::vector<const FileDescriptor*> ContractFiles() {
  LinkContractsOnce();
  std::vector<const FileDescriptor*> files;
  std::vector<const FileDescriptor*> todo;
  for (const Verb& v : Verbs()) {
    if (const MethodDescriptor* m = GeneratedMethod(v.method)) {
      todo.push_back(m->file());
    }
  }
  std::set<const FileDescriptor*> seen;
  while (!todo.empty()) {
    const FileDescriptor* f = todo.back();
    todo.pop_back();
    if (!seen.insert(f).second) continue;
    if (f->package() == kPackage) files.push_back(f);
    for (int i = 0; i < f->dependency_count(); ++i) {
      todo.push_back(f->dependency(i));
    }
  }
  return files;
}

std::vector<std::string> DescribableNames() {
  std::vector<std::string> names;
  for (const Verb& v : Verbs()) names.push_back(v.name);
  for (const FileDescriptor* f : ContractFiles()) {
    for (int i = 0; i < f->message_type_count(); ++i) {
      names.push_back(f->message_type(i)->name());
    }
    for (int i = 0; i < f->enum_type_count(); ++i) {
      names.push_back(f->enum_type(i)->name());
    }
    for (int i = 0; i < f->service_count(); ++i) {
      names.push_back(f->service(i)->name());
      for (int k = 0; k < f->service(i)->method_count(); ++k) {
        names.push_back(f->service(i)->method(k)->name());
      }
    }
  }
  return names;
}

std::string DescribeMethod(const MethodDescriptor* m) {
  const Verb* verb = FindVerbByMethod(m->full_name());
  std::string out = absl::StrCat(
      m->full_name(), " is a method",
      verb != nullptr ? absl::StrCat(" (hotlinectl ", verb->name, ")") : "",
      ":\n", ProtoText(m), "\n");
  absl::StrAppend(&out, "Its request, ", m->input_type()->full_name(), ":\n",
                  ProtoText(m->input_type()),
                  "\nIts response: hotlinectl describe ",
                  m->output_type()->full_name(), "\n");
  return out;
}

}  // namespace

Requirement RequirementOf(absl::string_view comment) {
  const std::string text = absl::StrReplaceAll(comment, {{"\n", " "}});
  Requirement result = Requirement::kOptional;
  for (size_t pos = text.find("Required"); pos != std::string::npos;
       pos = text.find("Required", pos + 1)) {
    size_t before = pos;
    while (before > 0 && text[before - 1] == ' ') --before;
    const bool sentence_start =
        before == 0 || text[before - 1] == '.' || text[before - 1] == ';';
    if (!sentence_start) continue;
    const size_t after = pos + 8;
    if (after == text.size() || text[after] == '.' || text[after] == ',' ||
        text[after] == ';') {
      return Requirement::kRequired;
    }
    result = Requirement::kConditional;
  }
  return result;
}

std::vector<FieldDoc> RequestFieldDocs(const Descriptor* request) {
  std::vector<FieldDoc> out;
  std::vector<const Descriptor*> chain = {request};
  AddFields(request, "", 0, &chain, &out);
  return out;
}

std::string GeneralHelp() {
  std::string out =
      "usage: hotlinectl [flags] VERB [field=value ...]\n"
      "       hotlinectl help VERB | hotlinectl VERB --help   a verb's fields, "
      "roles, errors, examples\n"
      "       hotlinectl describe NAME                       a message, enum "
      "or method with its comments\n\n"
      "Talks gRPC to the four services. Request fields are field=value words "
      "(nested: a.b=value; lists:\nrepeat the word; enums by short name, any "
      "case; times as RFC 3339 or local \"YYYY-MM-DD[ HH:MM]\";\n"
      "content=@file reads a file), or the whole request with "
      "--data='{json}' / --data=@file.json.\nA missing request_id is "
      "generated. Output is a table; --json prints protobuf JSON for "
      "scripts.\nInstants print in China Standard Time, dues as \"24:00 of "
      "the last working day\" (2026-12-07 24:00).\n\n"
      "  health                   health of every service (exit 1 unless all "
      "SERVING; --on=SERVICE for one)\n"
      "  call SERVICE METHOD ...  any RPC, e.g. call deadline "
      "hotline.v1.CalendarService.GetCalendar\n";
  std::string service;
  for (const Verb& v : Verbs()) {
    if (service != v.service) {
      service = v.service;
      absl::StrAppend(&out, "\n ", service == "any" ? "every service" : service,
                      "\n");
    }
    absl::StrAppend(&out, "  ", v.name,
                    std::string(std::max<size_t>(1, 25 - strlen(v.name)), ' '),
                    v.help, "\n");
  }
  absl::StrAppend(
      &out,
      "\nflags:\n"
      "  --token=T            bearer token (default $HOTLINE_TOKEN; whitespace "
      "around it is ignored)\n"
      "  --json               protobuf JSON output\n"
      "  -o wide              every column; --columns=a,b,c chooses them (by "
      "name or field path)\n"
      "  --all                follow page tokens and print every page; "
      "--page_token=T, --page_size=N for one\n"
      "  --out=FILE           report, stored-report: write the .html/.md/.csv "
      "document to FILE\n"
      "  --data=JSON|@FILE    the request as JSON; field=value words "
      "override\n"
      "  --timeout=SECONDS    wait this long for an answer (15)\n"
      "  --intake/--routing/--deadline/--assessment=HOST:PORT  addresses "
      "(default $HOTLINE_<SERVICE>_ADDR,\n"
      "                       127.0.0.1:7101–7104)\n"
      "  --on=SERVICE         health and clock verbs: only this service\n"
      "  --tls_ca/--tls_cert/--tls_key=FILE  TLS (default "
      "$HOTLINE_TLS_CA/_CERT/_KEY)\n\n"
      "Errors print the gRPC code and exit 1.\n");
  return out;
}

std::string MethodHelp(const MethodDescriptor* method,
                       absl::string_view verb_name) {
  const Verb* verb = FindVerb(verb_name);
  const MethodSections sections = SplitMethodComment(Docs().Comment(method));
  std::string out = absl::StrCat(
      "hotlinectl ", verb_name,
      verb != nullptr ? absl::StrCat(" — ", verb->help) : "", "\n\n");
  absl::StrAppend(&out, Indent(sections.purpose, "  "));
  if (!sections.roles.empty()) {
    absl::StrAppend(&out, "\nROLES\n", Indent(sections.roles, "  "));
  } else if (const std::string service = Docs().Comment(method->service());
             !service.empty()) {
    absl::StrAppend(&out, "\nSERVICE\n", Indent(service, "  "));
  }
  if (!sections.errors.empty()) {
    absl::StrAppend(&out, "\nERRORS\n", Indent(sections.errors, "  "),
                    "  Any call: UNAUTHENTICATED without a known token, "
                    "PERMISSION_DENIED for a role or unit not admitted.\n");
  }
  absl::StrAppend(&out, "\nUSAGE\n  hotlinectl ", verb_name,
                  " [field=value ...] [--data='{json}'|@file] [--json]\n",
                  "  calls ", method->full_name(), " on ", ServiceOf(method),
                  " (", method->input_type()->name(), " → ",
                  method->output_type()->name(), ")\n");

  const std::vector<FieldDoc> docs = RequestFieldDocs(method->input_type());
  absl::StrAppend(&out, "\nFIELDS of ", method->input_type()->name());
  if (docs.empty()) {
    absl::StrAppend(&out, "\n  none: the request is empty.\n");
  } else {
    absl::StrAppend(
        &out,
        "\n  field=value words; nested: a.b=value; lists: repeat the word; "
        "a[].b is a key of a's JSON.\n  time: \"2026-12-07 15:30\" or "
        "2026-12-07 (China Standard Time) or RFC 3339; duration: 36h, 1h30m;\n"
        "  enum: a value listed, any case; string, bytes: text, or @file for a "
        "file's content.\n\n");
  }
  for (const FieldDoc& doc : docs) {
    std::vector<std::string> attributes = {doc.type};
    if (doc.requirement == Requirement::kRequired) {
      attributes.push_back(doc.path == "request_id"
                               ? "required, made by hotlinectl when omitted"
                               : "required");
    } else if (doc.requirement == Requirement::kConditional) {
      attributes.push_back("required in some cases (see below)");
    }
    if (!doc.oneof.empty()) attributes.push_back(doc.oneof);
    absl::StrAppend(&out, "  ", doc.path, "  ", absl::StrJoin(attributes, ", "),
                    "\n");
    if (!doc.comment.empty() && doc.comment != "Required.") {
      absl::StrAppend(&out, Indent(doc.comment, "      "));
    }
    if (!doc.values.empty()) {
      absl::StrAppend(&out, "      values:\n");
      for (const std::string& v : doc.values) {
        absl::StrAppend(&out, "        ", v, "\n");
      }
    }
  }
  absl::StrAppend(&out, "\nOUTPUT\n", OutputSection(method));

  absl::StrAppend(&out, "\nEXAMPLES\n");
  std::vector<Example> examples = ExamplesFor(verb_name);
  if (examples.empty()) {
    const std::string line = GenericExample(verb_name, method->input_type());
    absl::StrAppend(&out, "  ", line, "\n");
  }
  for (const Example& e : examples) {
    absl::StrAppend(&out, "  # ", e.what, "\n  ", e.line, "\n");
  }
  absl::StrAppend(&out, "\nSEE ALSO\n  hotlinectl describe ",
                  method->input_type()->full_name(),
                  "   the request as .proto, with comments\n");
  return out;
}

absl::StatusOr<std::string> VerbHelp(absl::string_view verb) {
  if (verb == "call") {
    return std::string(
        "hotlinectl call SERVICE METHOD [field=value ...]\n\n"
        "  Calls any method of the contracts on a service (intake, routing, "
        "deadline, assessment, or\n  HOST:PORT), e.g.\n"
        "    hotlinectl call deadline hotline.v1.CalendarService.GetCalendar "
        "year=2026\n"
        "  hotlinectl call SERVICE METHOD --help lists the method's fields.\n");
  }
  if (verb == "health") {
    return std::string(
        "hotlinectl health [--on=SERVICE]\n\n"
        "  The standard gRPC health check of every service (or one): "
        "SERVING, NOT_SERVING while its\n  database is unreachable, or "
        "UNREACHABLE. Exit 1 unless all are SERVING.\n"
        "  Under each SERVING service, its event subscriptions "
        "(EventAdmin.GetSubscriptionLag; a\n  CENTER_STAFF, AUDITOR or SERVICE "
        "token): events pending, the age of the oldest,\n  BEHIND past 30 s, "
        "FAILING with the relay's last error.\n");
  }
  if (verb == "describe") {
    return std::string(
        "hotlinectl describe NAME\n\n"
        "  A message, enum, service, method or field of hotline.v1 as .proto "
        "text with its comments:\n"
        "    hotlinectl describe hotline.v1.Ticket\n"
        "    hotlinectl describe reply            (a verb: its method and "
        "request)\n"
        "    hotlinectl describe ClockOutcome\n");
  }
  const Verb* v = FindVerb(verb);
  if (v == nullptr) {
    std::vector<std::string> names = {"call", "health", "describe"};
    for (const Verb& known : Verbs()) names.push_back(known.name);
    return absl::NotFoundError(absl::StrCat("unknown verb \"", verb, "\"",
                                            DidYouMean(verb, names),
                                            "; hotlinectl help lists them"));
  }
  const MethodDescriptor* method = GeneratedMethod(v->method);
  if (method == nullptr) {
    return absl::InternalError(absl::StrCat("no method ", v->method));
  }
  return MethodHelp(method, v->name);
}

absl::StatusOr<std::string> Describe(absl::string_view raw) {
  std::string name(absl::StripPrefix(absl::StripAsciiWhitespace(raw), "."));
  if (const Verb* v = FindVerb(name)) name = v->method;
  std::vector<std::string> candidates = {name};
  if (!absl::StartsWith(name, absl::StrCat(kPackage, "."))) {
    candidates.push_back(absl::StrCat(kPackage, ".", name));
  }
  LinkContractsOnce();
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  for (const std::string& n : candidates) {
    if (const Descriptor* d = pool->FindMessageTypeByName(n)) {
      return absl::StrCat(d->full_name(), " is a message:\n", ProtoText(d));
    }
    if (const EnumDescriptor* e = pool->FindEnumTypeByName(n)) {
      return absl::StrCat(e->full_name(), " is an enum:\n", ProtoText(e));
    }
    if (const ServiceDescriptor* s = pool->FindServiceByName(n)) {
      return absl::StrCat(s->full_name(), " is a service:\n", ProtoText(s));
    }
    if (const MethodDescriptor* m = pool->FindMethodByName(n)) {
      return DescribeMethod(m);
    }
    if (const FieldDescriptor* f = pool->FindFieldByName(n)) {
      return absl::StrCat(f->full_name(), " is a field of ",
                          f->containing_type()->full_name(), ":\n",
                          ProtoText(f));
    }
    if (const auto* v = pool->FindEnumValueByName(n)) {
      return absl::StrCat(v->full_name(), " is a value of ",
                          v->type()->full_name(), ":\n", ProtoText(v));
    }
  }
  // A method by its short name (Reply), unless several services share it.
  std::vector<const MethodDescriptor*> methods;
  for (const FileDescriptor* f : ContractFiles()) {
    for (int i = 0; i < f->service_count(); ++i) {
      for (int k = 0; k < f->service(i)->method_count(); ++k) {
        const MethodDescriptor* m = f->service(i)->method(k);
        if (absl::EqualsIgnoreCase(m->name(), name)) methods.push_back(m);
      }
    }
  }
  if (methods.size() == 1) return DescribeMethod(methods[0]);
  if (methods.size() > 1) {
    std::vector<std::string> names;
    for (const MethodDescriptor* m : methods) names.push_back(m->full_name());
    return absl::NotFoundError(absl::StrCat("\"", name, "\" is ",
                                            absl::StrJoin(names, " and "),
                                            "; name one in full"));
  }
  return absl::NotFoundError(
      absl::StrCat("nothing in ", kPackage, " is called \"", raw, "\"",
                   DidYouMean(name, DescribableNames())));
}

std::vector<std::string> MissingRequired(const Message& request) {
  std::vector<std::string> missing;
  std::set<std::string> reported_oneofs;
  for (const FieldDoc& doc : RequestFieldDocs(request.GetDescriptor())) {
    if (doc.path == "request_id" || absl::StrContains(doc.path, "[]")) {
      continue;
    }
    // Walk to the field; stop at an unset parent (reported itself when it is
    // required, irrelevant when it is not).
    const Message* m = &request;
    const FieldDescriptor* f = nullptr;
    bool parent_unset = false;
    const std::vector<std::string> parts = absl::StrSplit(doc.path, '.');
    for (size_t i = 0; i < parts.size(); ++i) {
      f = m->GetDescriptor()->FindFieldByName(parts[i]);
      if (f == nullptr) break;
      if (i + 1 < parts.size()) {
        if (!m->GetReflection()->HasField(*m, f)) {
          parent_unset = true;
          break;
        }
        m = &m->GetReflection()->GetMessage(*m, f);
      }
    }
    if (f == nullptr || parent_unset) continue;
    const bool set = f->is_repeated() ? m->GetReflection()->FieldSize(*m, f) > 0
                                      : m->GetReflection()->HasField(*m, f);
    if (const auto* oneof = f->containing_oneof();
        oneof != nullptr &&
        absl::StartsWith(doc.oneof, absl::StrCat(oneof->name(), ": exactly"))) {
      if (!m->GetReflection()->HasOneof(*m, oneof) &&
          reported_oneofs.insert(doc.oneof).second) {
        missing.push_back(absl::StrCat(
            "one of ", doc.oneof.substr(doc.oneof.find(" of ") + 4)));
      }
      continue;
    }
    if (doc.requirement == Requirement::kRequired && !set) {
      missing.push_back(doc.path);
    }
  }
  return missing;
}

}  // namespace hotline::ctl
