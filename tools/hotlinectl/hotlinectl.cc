// hotlinectl: the operator's and agent's command line for every day-to-day
// operation of the hotline suite. See `hotlinectl help`.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>
#include <map>
#include <random>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/server/tls.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "hotline/v1/admin.pb.h"
#include "hotline/v1/assessment.pb.h"
#include "hotline/v1/deadline.pb.h"
#include "hotline/v1/intake.pb.h"
#include "hotline/v1/routing.pb.h"
#include "tools/client/client_tls.h"
#include "tools/hotlinectl/render.h"
#include "tools/hotlinectl/request_builder.h"

ABSL_FLAG(std::string, token, "", "bearer token (default: $HOTLINE_TOKEN)");
ABSL_FLAG(std::string, intake, "",
          "intake address ($HOTLINE_INTAKE_ADDR, 127.0.0.1:7101)");
ABSL_FLAG(std::string, routing, "",
          "routing address ($HOTLINE_ROUTING_ADDR, 127.0.0.1:7102)");
ABSL_FLAG(std::string, deadline, "",
          "deadline address ($HOTLINE_DEADLINE_ADDR, 127.0.0.1:7103)");
ABSL_FLAG(std::string, assessment, "",
          "assessment address ($HOTLINE_ASSESSMENT_ADDR, 127.0.0.1:7104)");
ABSL_FLAG(std::string, on, "",
          "health / clock verbs: only this service (intake, routing, "
          "deadline, assessment) or an address host:port");
ABSL_FLAG(bool, json, false, "print responses as JSON (for scripts)");
ABSL_FLAG(std::string, data, "",
          "the whole request as JSON (or @file); field=value words override");
ABSL_FLAG(double, timeout, 15, "seconds to wait for an answer");

namespace hotline::ctl {
namespace {

struct Verb {
  const char* name;
  const char* service;  // intake | routing | deadline | assessment | any
  const char* method;  // fully qualified: hotline.v1.IntakeService.CreateTicket
  const char* help;
};

constexpr Verb kVerbs[] = {
    // intake
    {"create", "intake", "hotline.v1.IntakeService.CreateTicket",
     "record a new order (工单)"},
    {"get", "intake", "hotline.v1.IntakeService.GetTicket",
     "one order and its progress"},
    {"list", "intake", "hotline.v1.IntakeService.ListTickets",
     "orders by status/period"},
    {"search", "intake", "hotline.v1.IntakeService.SearchTickets",
     "find orders by number, phone, text"},
    {"reveal", "intake", "hotline.v1.IntakeService.RevealCaller",
     "show a caller's identity (reason required, audited)"},
    {"reveal-audit", "intake", "hotline.v1.IntakeService.ListRevealAudit",
     "who revealed which caller, and why"},
    {"merge", "intake", "hotline.v1.IntakeService.MergeTicket",
     "merge a repeat request into its original (并单)"},
    {"unmerge", "intake", "hotline.v1.IntakeService.UnmergeTicket",
     "undo a merge"},
    {"categories", "intake", "hotline.v1.IntakeService.ListCategories",
     "the matter taxonomy"},
    {"article-create", "intake", "hotline.v1.KnowledgeService.CreateArticle",
     "draft a knowledge article"},
    {"article-update", "intake", "hotline.v1.KnowledgeService.UpdateArticle",
     "edit a draft (new version)"},
    {"article-submit", "intake", "hotline.v1.KnowledgeService.SubmitArticle",
     "send a draft for review"},
    {"article-review", "intake", "hotline.v1.KnowledgeService.ReviewArticle",
     "approve/reject (not the author)"},
    {"article-retire", "intake", "hotline.v1.KnowledgeService.RetireArticle",
     "withdraw an article"},
    {"article-search", "intake", "hotline.v1.KnowledgeService.SearchArticles",
     "search the knowledge base"},
    {"article-get", "intake", "hotline.v1.KnowledgeService.GetArticle",
     "one article"},
    // routing
    {"dispatch", "routing", "hotline.v1.RoutingService.Dispatch",
     "dispatch / re-dispatch to a unit (交办)"},
    {"accept", "routing", "hotline.v1.RoutingService.Accept",
     "accept an order (签收), or a co-unit acknowledges its part"},
    {"forward", "routing", "hotline.v1.RoutingService.Forward",
     "pass down to a sub-unit"},
    {"return", "routing", "hotline.v1.RoutingService.Return",
     "return one level up with a reason (退回)"},
    {"dispute", "routing", "hotline.v1.RoutingService.Dispute",
     "dispute a dispatch (派单异议)"},
    {"decide-dispute", "routing", "hotline.v1.RoutingService.DecideDispute",
     "center decides a dispute"},
    {"add-co-units", "routing", "hotline.v1.RoutingService.AddCoUnits",
     "name co-units (协办)"},
    {"co-opinion", "routing", "hotline.v1.RoutingService.SubmitCoOpinion",
     "co-unit's input to the lead"},
    {"release-co-unit", "routing", "hotline.v1.RoutingService.ReleaseCoUnit",
     "center releases a co-unit (协办) with a reason"},
    {"reply", "routing", "hotline.v1.RoutingService.Reply",
     "answer the caller (办理答复)"},
    {"review", "routing", "hotline.v1.RoutingService.Review",
     "center approves/rejects a reply"},
    {"worklist", "routing", "hotline.v1.RoutingService.ListWork",
     "a unit's work, by due time"},
    {"queue", "routing", "hotline.v1.RoutingService.ListCenterQueue",
     "the center's dispatch queue"},
    {"assignment", "routing", "hotline.v1.RoutingService.GetAssignment",
     "who holds an order now"},
    {"history", "routing", "hotline.v1.RoutingService.GetAssignmentHistory",
     "an order's assignment chain"},
    {"suggest", "routing", "hotline.v1.RoutingService.SuggestDispatch",
     "dispatch-catalogue suggestion"},
    {"unit-upsert", "routing", "hotline.v1.DirectoryService.UpsertUnit",
     "add/change a unit"},
    {"unit-get", "routing", "hotline.v1.DirectoryService.GetUnit", "one unit"},
    {"units", "routing", "hotline.v1.DirectoryService.ListUnits",
     "the unit tree"},
    {"directory-import", "routing",
     "hotline.v1.DirectoryService.ImportDirectory",
     "import a directory file (content=@file.csv)"},
    {"directory-export", "routing",
     "hotline.v1.DirectoryService.ExportDirectory", "export the directory"},
    {"rule-upsert", "routing", "hotline.v1.DirectoryService.UpsertRule",
     "add/change a dispatch rule (派单目录)"},
    {"rules", "routing", "hotline.v1.DirectoryService.ListRules",
     "the dispatch catalogue"},
    {"rule-delete", "routing", "hotline.v1.DirectoryService.DeleteRule",
     "remove a rule"},
    {"duty-set", "routing", "hotline.v1.DirectoryService.SetDuty",
     "leader on hotline duty for a date"},
    {"duty-get", "routing", "hotline.v1.DirectoryService.GetDuty",
     "who is on duty"},
    // deadline
    {"due", "deadline", "hotline.v1.CalendarService.AddWorkingDays",
     "start + N working days, explained"},
    {"count", "deadline", "hotline.v1.CalendarService.CountWorkingDays",
     "working days in (from, to]"},
    {"workday", "deadline", "hotline.v1.CalendarService.IsWorkingDay",
     "is a date a working day?"},
    {"timely", "deadline", "hotline.v1.CalendarService.CheckExtensionTimely",
     "would an extension request be timely?"},
    {"load-year", "deadline", "hotline.v1.CalendarService.LoadYear",
     "load a year's holidays (--data=@2027.json)"},
    {"calendar", "deadline", "hotline.v1.CalendarService.GetCalendar",
     "the calendar in force"},
    {"clocks", "deadline", "hotline.v1.DeadlineService.GetClocks",
     "an order's clocks, explained"},
    {"extension-request", "deadline",
     "hotline.v1.DeadlineService.RequestExtension",
     "ask for more time (≥2 working days before)"},
    {"extension-decide", "deadline",
     "hotline.v1.DeadlineService.DecideExtension", "the level above decides"},
    {"list-due", "deadline", "hotline.v1.DeadlineService.ListDue",
     "clocks due within a window"},
    {"notices", "deadline", "hotline.v1.DeadlineService.ListNotices",
     "reminders, supervision letters, ..."},
    {"ladder", "deadline", "hotline.v1.DeadlineService.ListLadderSteps",
     "escalation steps fired"},
    {"escalation-candidates", "deadline",
     "hotline.v1.DeadlineService.ListEscalationCandidates",
     "orders chased twice and unfinished (督办2次仍未办结), with evidence"},
    {"supervision-act", "deadline",
     "hotline.v1.DeadlineService.RecordSupervisionAct",
     "record a special inspection (专项督查) or district notice (全区通报)"},
    {"supervision-acts", "deadline",
     "hotline.v1.DeadlineService.ListSupervisionActs",
     "special inspections and district notices recorded"},
    {"caller-informed", "deadline",
     "hotline.v1.DeadlineService.RecordCallerInformed",
     "record telling the caller of an extension [6(3)]"},
    {"extensions", "deadline", "hotline.v1.DeadlineService.ListExtensions",
     "extensions by state; caller_not_informed=true for the follow-up list"},
    // assessment
    {"evaluate", "assessment", "hotline.v1.AssessmentService.RecordEvaluation",
     "record a satisfaction callback"},
    {"scorecard", "assessment", "hotline.v1.AssessmentService.UnitScorecard",
     "a unit's indicators for a period"},
    {"ranking", "assessment", "hotline.v1.AssessmentService.Ranking",
     "units ranked against their peers"},
    {"accountability", "assessment",
     "hotline.v1.AssessmentService.AccountabilityCandidates",
     "candidates under 第十条"},
    {"report", "assessment", "hotline.v1.AssessmentService.Report",
     "the period's report (通报)"},
    {"hot-topics", "assessment", "hotline.v1.AssessmentService.HotTopics",
     "counts by matter × area"},
    {"facts", "assessment", "hotline.v1.AssessmentService.ListFacts",
     "recorded facts"},
    {"rebuild-rollups", "assessment",
     "hotline.v1.AssessmentService.RebuildRollups",
     "recompute rollups, compare"},
    {"explain", "assessment", "hotline.v1.AssessmentService.ExplainFigure",
     "the orders and clocks behind one figure of a scorecard"},
    // every service, with --clock=manual
    {"clock", "any", "hotline.v1.ClockAdmin.GetTime",
     "a manual clock's time (--on=SERVICE)"},
    {"clock-advance", "any", "hotline.v1.ClockAdmin.AdvanceClock",
     "advance manual clocks (by=36h | to=...)"},
};

const char* const kServices[] = {"intake", "routing", "deadline", "assessment"};

// The generated descriptors of a .proto file register themselves only when
// its object file is linked in; touching one message of each file makes sure
// the reflective calls below find every service.
void LinkContracts() {
  (void)v1::GetTimeRequest::descriptor();
  (void)v1::CreateTicketRequest::descriptor();
  (void)v1::DispatchRequest::descriptor();
  (void)v1::AddWorkingDaysRequest::descriptor();
  (void)v1::RankingRequest::descriptor();
}

std::string Address(const std::string& service) {
  std::string flag;
  if (service == "intake") flag = absl::GetFlag(FLAGS_intake);
  if (service == "routing") flag = absl::GetFlag(FLAGS_routing);
  if (service == "deadline") flag = absl::GetFlag(FLAGS_deadline);
  if (service == "assessment") flag = absl::GetFlag(FLAGS_assessment);
  if (!flag.empty()) return flag;
  std::string env_name = "HOTLINE_" + service + "_ADDR";
  for (char& c : env_name) c = static_cast<char>(toupper(c));
  if (const char* env = std::getenv(env_name.c_str()); env && *env) return env;
  for (int i = 0; i < 4; ++i) {
    if (service == kServices[i]) return absl::StrCat("127.0.0.1:", 7101 + i);
  }
  return service;  // an address given directly
}

std::string Token() {
  std::string token = absl::GetFlag(FLAGS_token);
  if (token.empty()) {
    if (const char* env = std::getenv("HOTLINE_TOKEN")) token = env;
  }
  return token;
}

// Set once in Main from --tls_* (tools/client/client_tls.h).
std::shared_ptr<grpc::ChannelCredentials>& Credentials() {
  static auto* credentials = new std::shared_ptr<grpc::ChannelCredentials>(
      grpc::InsecureChannelCredentials());
  return *credentials;
}

// A channel to a service by name (its certificate must be that service's,
// with TLS) or to an address given directly.
std::shared_ptr<grpc::Channel> ChannelTo(const std::string& service) {
  const bool named = std::find(std::begin(kServices), std::end(kServices),
                               service) != std::end(kServices);
  return server::NewPeerChannel(Address(service), named ? service : "",
                                Credentials());
}

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() +
         std::chrono::milliseconds(
             static_cast<int64_t>(absl::GetFlag(FLAGS_timeout) * 1000));
}

// gRPC and absl share the numeric codes, and so their names.
std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

int Fail(const std::string& code, const std::string& message) {
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << "{\"error\": {\"code\": \"" << code << "\", \"message\": \""
              << absl::StrReplaceAll(message, {{"\\", "\\\\"}, {"\"", "\\\""}})
              << "\"}}\n";
  } else {
    std::cerr << "error: " << code << ": " << message << "\n";
  }
  return code == "USAGE" ? 2 : 1;
}

// Calls `method` on `service` (a name or an address) with `request`,
// filling `response`.
grpc::Status Call(const std::string& service,
                  const google::protobuf::MethodDescriptor* method,
                  const google::protobuf::Message& request,
                  google::protobuf::Message* response) {
  auto channel = ChannelTo(service);
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  const std::string token = Token();
  if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
  grpc::ByteBuffer req_buf, resp_buf;
  bool own = false;
  grpc::Status s = grpc::GenericSerialize<grpc::ProtoBufferWriter,
                                          google::protobuf::Message>(
      request, &req_buf, &own);
  if (!s.ok()) return s;
  std::promise<grpc::Status> done;
  stub.UnaryCall(
      &ctx,
      absl::StrCat("/", method->service()->full_name(), "/", method->name()),
      grpc::StubOptions(), &req_buf, &resp_buf,
      [&done](grpc::Status status) { done.set_value(status); });
  s = done.get_future().get();
  if (!s.ok()) return s;
  return grpc::GenericDeserialize<grpc::ProtoBufferReader,
                                  google::protobuf::Message>(&resp_buf,
                                                             response);
}

std::string RandomRequestId() {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  return absl::StrCat("ctl-", absl::Hex(gen(), absl::kZeroPad16));
}

// Runs one RPC verb; returns the exit code.
int RunRpc(const std::string& service, const std::string& method_name,
           const std::vector<std::string>& words) {
  LinkContracts();
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const auto* method = pool->FindMethodByName(method_name);
  if (method == nullptr) return Fail("USAGE", "no method " + method_name);
  auto* factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<google::protobuf::Message> request(
      factory->GetPrototype(method->input_type())->New());
  std::unique_ptr<google::protobuf::Message> response(
      factory->GetPrototype(method->output_type())->New());
  if (const std::string data = absl::GetFlag(FLAGS_data); !data.empty()) {
    std::string json = data;
    if (data[0] == '@') {
      FILE* f = std::fopen(data.c_str() + 1, "rb");
      if (f == nullptr) return Fail("USAGE", "cannot read " + data.substr(1));
      json.clear();
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) json.append(buf, n);
      std::fclose(f);
    }
    if (absl::Status s = ApplyJson(json, request.get()); !s.ok()) {
      return Fail("INVALID_ARGUMENT", std::string(s.message()));
    }
  }
  if (absl::Status s = ApplyAssignments(words, request.get()); !s.ok()) {
    return Fail("INVALID_ARGUMENT", std::string(s.message()));
  }
  // Mutations need an idempotency key; make one when none was given.
  const auto* rid = request->GetDescriptor()->FindFieldByName("request_id");
  if (rid != nullptr &&
      rid->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
      request->GetReflection()->GetString(*request, rid).empty()) {
    request->GetReflection()->SetString(request.get(), rid, RandomRequestId());
  }
  grpc::Status s = Call(service, method, *request, response.get());
  if (!s.ok()) return Fail(CodeName(s.error_code()), s.error_message());
  std::cout << (absl::GetFlag(FLAGS_json) ? RenderJson(*response)
                                          : RenderHuman(*response));
  if (absl::GetFlag(FLAGS_json)) std::cout << "\n";
  return 0;
}

std::vector<std::string> Targets() {
  const std::string on = absl::GetFlag(FLAGS_on);
  if (!on.empty()) return {on};
  return {std::begin(kServices), std::end(kServices)};
}

int Health() {
  int bad = 0;
  std::vector<std::vector<std::string>> rows;
  for (const std::string& service : Targets()) {
    const std::string address = Address(service);
    auto stub = grpc::health::v1::Health::NewStub(ChannelTo(service));
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(Deadline());
    grpc::Status s = stub->Check(&ctx, req, &resp);
    std::string state =
        s.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                     resp.status())
               : absl::StrCat("UNREACHABLE (", CodeName(s.error_code()), ")");
    if (state != "SERVING") ++bad;
    rows.push_back({service, address, state});
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::vector<std::string> items;
    for (const auto& r : rows) {
      items.push_back(absl::StrCat("{\"service\": \"", r[0],
                                   "\", \"address\": \"", r[1],
                                   "\", \"status\": \"", r[2], "\"}"));
    }
    std::cout << "[" << absl::StrJoin(items, ", ") << "]\n";
  } else {
    for (const auto& r : rows) {
      std::printf("%-11s %-22s %s\n", r[0].c_str(), r[1].c_str(), r[2].c_str());
    }
  }
  return bad == 0 ? 0 : 1;
}

void Usage() {
  std::cout
      << "usage: hotlinectl [flags] VERB [field=value ...]\n\n"
         "Talks gRPC to the four services (addresses from --intake/"
         "--routing/--deadline/--assessment or $HOTLINE_<SERVICE>_ADDR),\n"
         "authenticating with --token or $HOTLINE_TOKEN. Request fields "
         "are set with field=value words (nested: a.b=v; repeated:\n"
         "repeat the word; enums by short name; times as RFC 3339 or "
         "local YYYY-MM-DD[ HH:MM]; content=@file reads a file),\n"
         "or whole with --data='{json}'. A missing request_id is "
         "generated. Human-readable output; --json for scripts.\n\n"
         "  health                   health of every service (exit 1 "
         "unless all SERVING; --on=SERVICE for one)\n"
         "  call SERVICE METHOD ...  any RPC, e.g. call deadline "
         "hotline.v1.CalendarService.GetCalendar\n";
  for (const Verb& v : kVerbs) {
    std::printf("  %-24s %-11s %s\n", v.name, v.service, v.help);
  }
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage("hotlinectl [flags] VERB [field=value ...]");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() < 2 || std::string(rest[1]) == "help") {
    Usage();
    return rest.size() < 2 ? 2 : 0;
  }
  auto credentials = tools::ClientCredentialsFromFlags();
  if (!credentials.ok()) {
    return Fail("USAGE", std::string(credentials.status().message()));
  }
  Credentials() = *std::move(credentials);
  const std::string verb = rest[1];
  std::vector<std::string> words(rest.begin() + 2, rest.end());
  if (verb == "health") return Health();
  if (verb == "call") {
    if (words.size() < 2)
      return Fail("USAGE", "call SERVICE METHOD [field=value ...]");
    const std::string method = words[1];
    return RunRpc(words[0], method, {words.begin() + 2, words.end()});
  }
  for (const Verb& v : kVerbs) {
    if (verb != v.name) continue;
    if (std::string(v.service) != "any")
      return RunRpc(v.service, v.method, words);
    int worst = 0;
    for (const std::string& target : Targets()) {
      if (!absl::GetFlag(FLAGS_json)) std::cout << "[" << target << "]\n";
      worst = std::max(worst, RunRpc(target, v.method, words));
    }
    return worst;
  }
  return Fail("USAGE", absl::StrCat("unknown verb \"", verb,
                                    "\" (hotlinectl help lists them)"));
}

}  // namespace
}  // namespace hotline::ctl

int main(int argc, char** argv) { return hotline::ctl::Main(argc, argv); }
