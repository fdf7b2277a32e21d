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
#include "tools/hotlinectl/verbs.h"

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

const char *const kServices[] = {"intake", "routing", "deadline", "assessment"};

std::string Address(const std::string &service) {
  std::string flag;
  if (service == "intake")
    flag = absl::GetFlag(FLAGS_intake);
  if (service == "routing")
    flag = absl::GetFlag(FLAGS_routing);
  if (service == "deadline")
    flag = absl::GetFlag(FLAGS_deadline);
  if (service == "assessment")
    flag = absl::GetFlag(FLAGS_assessment);
  if (!flag.empty())
    return flag;
  std::string env_name = "HOTLINE_" + service + "_ADDR";
  for (char &c : env_name)
    c = static_cast<char>(toupper(c));
  if (const char *env = std::getenv(env_name.c_str()); env && *env)
    return env;
  for (int i = 0; i < 4; ++i) {
    if (service == kServices[i])
      return absl::StrCat("127.0.0.1:", 7101 + i);
  }
  return service; // an address given directly
}

std::string Token() {
  std::string token = absl::GetFlag(FLAGS_token);
  if (token.empty()) {
    if (const char *env = std::getenv("HOTLINE_TOKEN"))
      token = env;
  }
  return token;
}

// Set once in Main from --tls_* (tools/client/client_tls.h).
std::shared_ptr<grpc::ChannelCredentials> &Credentials() {
  static auto *credentials = new std::shared_ptr<grpc::ChannelCredentials>(
      grpc::InsecureChannelCredentials());
  return *credentials;
}

// A channel to a service by name (its certificate must be that service's,
// with TLS) or to an address given directly.
std::shared_ptr<grpc::Channel> ChannelTo(const std::string &service) {
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

int Fail(const std::string &code, const std::string &message) {
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
grpc::Status Call(const std::string &service,
                  const google::protobuf::MethodDescriptor *method,
                  const google::protobuf::Message &request,
                  google::protobuf::Message *response) {
  auto channel = ChannelTo(service);
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(Deadline());
  const std::string token = Token();
  if (!token.empty())
    ctx.AddMetadata("authorization", "Bearer " + token);
  grpc::ByteBuffer req_buf, resp_buf;
  bool own = false;
  grpc::Status s = grpc::GenericSerialize<grpc::ProtoBufferWriter,
                                          google::protobuf::Message>(
      request, &req_buf, &own);
  if (!s.ok())
    return s;
  std::promise<grpc::Status> done;
  stub.UnaryCall(
      &ctx,
      absl::StrCat("/", method->service()->full_name(), "/", method->name()),
      grpc::StubOptions(), &req_buf, &resp_buf,
      [&done](grpc::Status status) { done.set_value(status); });
  s = done.get_future().get();
  if (!s.ok())
    return s;
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
int RunRpc(const std::string &service, const std::string &method_name,
           const std::vector<std::string> &words) {
  LinkContracts();
  const auto *pool = google::protobuf::DescriptorPool::generated_pool();
  const auto *method = pool->FindMethodByName(method_name);
  if (method == nullptr)
    return Fail("USAGE", "no method " + method_name);
  auto *factory = google::protobuf::MessageFactory::generated_factory();
  std::unique_ptr<google::protobuf::Message> request(
      factory->GetPrototype(method->input_type())->New());
  std::unique_ptr<google::protobuf::Message> response(
      factory->GetPrototype(method->output_type())->New());
  if (const std::string data = absl::GetFlag(FLAGS_data); !data.empty()) {
    std::string json = data;
    if (data[0] == '@') {
      FILE *f = std::fopen(data.c_str() + 1, "rb");
      if (f == nullptr)
        return Fail("USAGE", "cannot read " + data.substr(1));
      json.clear();
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
        json.append(buf, n);
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
  const auto *rid = request->GetDescriptor()->FindFieldByName("request_id");
  if (rid != nullptr &&
      rid->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
      request->GetReflection()->GetString(*request, rid).empty()) {
    request->GetReflection()->SetString(request.get(), rid, RandomRequestId());
  }
  grpc::Status s = Call(service, method, *request, response.get());
  if (!s.ok())
    return Fail(CodeName(s.error_code()), s.error_message());
  std::cout << (absl::GetFlag(FLAGS_json) ? RenderJson(*response)
                                          : RenderHuman(*response));
  if (absl::GetFlag(FLAGS_json))
    std::cout << "\n";
  return 0;
}

std::vector<std::string> Targets() {
  const std::string on = absl::GetFlag(FLAGS_on);
  if (!on.empty())
    return {on};
  return {std::begin(kServices), std::end(kServices)};
}

int Health() {
  int bad = 0;
  std::vector<std::vector<std::string>> rows;
  for (const std::string &service : Targets()) {
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
    if (state != "SERVING")
      ++bad;
    rows.push_back({service, address, state});
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::vector<std::string> items;
    for (const auto &r : rows) {
      items.push_back(absl::StrCat("{\"service\": \"", r[0],
                                   "\", \"address\": \"", r[1],
                                   "\", \"status\": \"", r[2], "\"}"));
    }
    std::cout << "[" << absl::StrJoin(items, ", ") << "]\n";
  } else {
    for (const auto &r : rows) {
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
  for (const Verb &v : Verbs()) {
    std::printf("  %-24s %-11s %s\n", v.name, v.service, v.help);
  }
}

int Main(int argc, char **argv) {
  absl::SetProgramUsageMessage("hotlinectl [flags] VERB [field=value ...]");
  std::vector<char *> rest = absl::ParseCommandLine(argc, argv);
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
  if (verb == "health")
    return Health();
  if (verb == "call") {
    if (words.size() < 2)
      return Fail("USAGE", "call SERVICE METHOD [field=value ...]");
    const std::string method = words[1];
    return RunRpc(words[0], method, {words.begin() + 2, words.end()});
  }
  for (const Verb &v : Verbs()) {
    if (verb != v.name)
      continue;
    if (std::string(v.service) != "any")
      return RunRpc(v.service, v.method, words);
    int worst = 0;
    for (const std::string &target : Targets()) {
      if (!absl::GetFlag(FLAGS_json))
        std::cout << "[" << target << "]\n";
      worst = std::max(worst, RunRpc(target, v.method, words));
    }
    return worst;
  }
  std::vector<std::string> names;
  for (const Verb &v : Verbs())
    names.push_back(v.name);
  return Fail("USAGE", absl::StrCat("unknown verb \"", verb, "\"",
                                    DidYouMean(verb, names),
                                    " (hotlinectl help lists them)"));
}

} // namespace
} // namespace hotline::ctl

int main(int argc, char **argv) { return hotline::ctl::Main(argc, argv); }
