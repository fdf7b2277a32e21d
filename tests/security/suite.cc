#include "tests/security/suite.h"

#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/byte_buffer.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/outbox/outbox.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "hotline/v1/deadline.pb.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/intake.pb.h"
#include "hotline/v1/routing.pb.h"
#include "services/assessment/edge/assessment_service.h"
#include "services/deadline/edge/deadline_service.h"
#include "services/intake/edge/intake_service.h"
#include "services/routing/edge/routing_service.h"
#include "tests/support/read_file.h"

namespace hotline::security {
namespace {

using testing::kAgentToken;
using testing::kCenterToken;

absl::Status FromGrpc(const grpc::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      absl::StrCat(what, ": ", s.error_message()));
}

}  // namespace

grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method, const std::string& token,
                     const std::string& request, std::string* response) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  if (!token.empty()) {
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  grpc::Slice slice(request);
  grpc::ByteBuffer req(&slice, 1);
  grpc::ByteBuffer resp;
  grpc::internal::RpcMethod rpc(method.c_str(),
                                grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Status s =
      grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
          channel.get(), rpc, &ctx, req, &resp);
  response->clear();
  if (s.ok()) {
    std::vector<grpc::Slice> slices;
    (void)resp.Dump(&slices);
    for (const auto& sl : slices) {
      response->append(reinterpret_cast<const char*>(sl.begin()), sl.size());
    }
  }
  return s;
}

absl::StatusOr<std::unique_ptr<Suite>> Suite::Start() {
  // intake's caller-data keys; assessment's unit names; no automatic
  // dispatch (the orders go where the tests send them).
  static const std::string keys = [] {
    char path[] = "/tmp/hotline-security-keys-XXXXXX";
    const int fd = mkstemp(path);
    close(fd);
    std::ofstream out(path);
    out << "k1 " << std::string(64, 'a') << "\nhmac " << std::string(64, 'b')
        << "\n";
    return std::string(path);
  }();
  setenv("HOTLINE_CALLER_KEY_FILE", keys.c_str(), 1);
  setenv("HOTLINE_ROUTING_AUTO_DISPATCH", "off", 1);
  const std::string csv =
      std::string(HOTLINE_SOURCE_DIR) + "/data/directory/dazu_sample.csv";

  testing::ServiceOptions options;
  options.extra_tokens = absl::StrCat(
      kStaffOwn, " UNIT_STAFF ", kOwnUnit, "\n", kLeadOwn, " UNIT_LEAD ",
      kOwnUnit, "\n", kStaffParent, " UNIT_STAFF ", kParentUnit, "\n",
      kLeadParent, " UNIT_LEAD ", kParentUnit, "\n", kStaffSub, " UNIT_STAFF ",
      kSubUnit, "\n", kLeadSub, " UNIT_LEAD ", kSubUnit, "\n", kStaffUnrelated,
      " UNIT_STAFF ", kUnrelatedUnit, "\n", kLeadUnrelated, " UNIT_LEAD ",
      kUnrelatedUnit, "\n");
  std::unique_ptr<Suite> s(new Suite());
  ASSIGN_OR_RETURN(s->routing_, testing::ServiceUnderTest::Start(
                                    routing::Definition(), options));
  v1::ImportDirectoryRequest import;
  import.set_request_id("security-import");
  import.set_format(v1::DIRECTORY_FORMAT_CSV);
  import.set_content(testing::ReadFile(csv));
  import.set_source("sample: Dazu District");
  v1::ImportDirectoryResponse imported;
  RETURN_IF_ERROR(FromGrpc(Call(s->Channel("routing"),
                                "/hotline.v1.DirectoryService/ImportDirectory",
                                kCenterToken, import, &imported),
                           "import directory"));
  // Intake, deadline and assessment follow routing's directory (the unit
  // tree, as in production: deploy/local/run.sh).
  setenv("HOTLINE_ROUTING", s->routing_->address().c_str(), 1);
  auto intake = testing::ServiceUnderTest::Start(intake::Definition(), options);
  auto deadline =
      testing::ServiceUnderTest::Start(deadline::Definition(), options);
  auto assessment =
      testing::ServiceUnderTest::Start(assessment::Definition(), options);
  unsetenv("HOTLINE_ROUTING");
  ASSIGN_OR_RETURN(s->intake_, std::move(intake));
  ASSIGN_OR_RETURN(s->deadline_, std::move(deadline));
  ASSIGN_OR_RETURN(s->assessment_, std::move(assessment));
  return s;
}

testing::ServiceUnderTest& Suite::Of(const std::string& service) {
  if (service == "intake") return *intake_;
  if (service == "routing") return *routing_;
  if (service == "deadline") return *deadline_;
  return *assessment_;
}

absl::Status Suite::Ship(const std::string& from, const std::string& to,
                         const std::string& ticket) {
  std::vector<v1::TicketEvent> events;
  {
    ASSIGN_OR_RETURN(db::PooledConnection conn,
                     Of(from).instance().pool().Acquire());
    ASSIGN_OR_RETURN(events, outbox::ReadTicketEvents(*conn, from, ticket));
  }
  if (events.empty()) return absl::OkStatus();
  v1::PublishRequest req;
  req.set_source_service(from);
  for (auto& e : events) *req.add_events() = std::move(e);
  v1::PublishResponse resp;
  RETURN_IF_ERROR(FromGrpc(Call(Channel(to), "/hotline.v1.EventSink/Publish",
                                testing::ServiceTokenOf(from), req, &resp),
                           absl::StrCat("ship ", from, " → ", to)));
  if (resp.acknowledged_event_ids_size() != req.events_size()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "ship ", from, " → ", to, ": ", resp.acknowledged_event_ids_size(),
        " of ", req.events_size(), " acknowledged"));
  }
  return absl::OkStatus();
}

absl::Status Suite::ShipAll(const std::string& ticket) {
  static const std::vector<std::pair<const char*, const char*>> kFlows = {
      {"intake", "routing"},     {"intake", "assessment"},
      {"routing", "deadline"},   {"routing", "intake"},
      {"routing", "assessment"}, {"deadline", "routing"},
      {"deadline", "intake"},    {"deadline", "assessment"},
      {"assessment", "intake"},  {"assessment", "routing"}};
  absl::Status last;
  for (int round = 0; round < 2; ++round) {
    last = absl::OkStatus();
    for (const auto& [from, to] : kFlows) {
      absl::Status s = Ship(from, to, ticket);
      if (!s.ok()) last = s;
    }
  }
  return last;
}

absl::StatusOr<Order> Suite::NewOrder() {
  const int n = ++next_;
  Order o;
  v1::CreateTicketRequest create;
  create.set_request_id(absl::StrCat("sec-create-", n));
  create.set_channel(v1::CHANNEL_PHONE);
  create.set_request_type(v1::REQUEST_TYPE_HELP_SEEKING);
  create.set_category_code("urban.road.streetlight");
  create.mutable_location()->set_town_code(kParentUnit);
  create.mutable_location()->set_address("龙水镇南山社区文化广场");
  create.set_title("南山社区路灯不亮");
  create.set_content("南山社区文化广场的路灯已经一周不亮，晚上出行不安全。");
  create.mutable_caller()->set_name("李四");
  create.mutable_caller()->set_phone("13912345678");
  v1::CreateTicketResponse created;
  RETURN_IF_ERROR(
      FromGrpc(Call(Channel("intake"), "/hotline.v1.IntakeService/CreateTicket",
                    kAgentToken, create, &created),
               "create ticket"));
  o.ticket_id = created.ticket().ticket_id();
  o.ticket_number = created.ticket().ticket_number();
  RETURN_IF_ERROR(ShipAll(o.ticket_id));

  auto routing = [&](const std::string& method, const std::string& token,
                     const auto& req) {
    v1::DispatchResponse ignored;  // every transition answers an assignment
    std::string out;
    return FromGrpc(
        CallRaw(Channel("routing"), "/hotline.v1.RoutingService/" + method,
                token, req.SerializeAsString(), &out),
        method);
  };
  v1::DispatchRequest dispatch;
  dispatch.set_request_id(absl::StrCat("sec-dispatch-", n));
  dispatch.set_ticket_id(o.ticket_id);
  dispatch.set_unit_id(kParentUnit);
  dispatch.set_note("请属地核实处理");
  RETURN_IF_ERROR(routing("Dispatch", kCenterToken, dispatch));
  v1::AcceptRequest accept;
  accept.set_request_id(absl::StrCat("sec-accept-parent-", n));
  accept.set_ticket_id(o.ticket_id);
  RETURN_IF_ERROR(routing("Accept", kStaffParent, accept));
  v1::ForwardRequest forward;
  forward.set_request_id(absl::StrCat("sec-forward-", n));
  forward.set_ticket_id(o.ticket_id);
  forward.set_to_unit_id(kOwnUnit);
  forward.set_note("请社区现场核实");
  RETURN_IF_ERROR(routing("Forward", kStaffParent, forward));
  accept.set_request_id(absl::StrCat("sec-accept-own-", n));
  RETURN_IF_ERROR(routing("Accept", kStaffOwn, accept));
  RETURN_IF_ERROR(ShipAll(o.ticket_id));

  // An extension the unit asks for (decided by the town that forwarded it).
  v1::GetClocksRequest clocks_req;
  clocks_req.set_ticket_id(o.ticket_id);
  v1::GetClocksResponse clocks;
  RETURN_IF_ERROR(FromGrpc(
      Call(Channel("deadline"), "/hotline.v1.DeadlineService/GetClocks",
           kCenterToken, clocks_req, &clocks),
      "get clocks"));
  std::optional<absl::Time> due;
  for (const auto& c : clocks.clocks()) {
    if (c.kind() == v1::CLOCK_KIND_HANDLING && c.unit_id() == kOwnUnit &&
        c.state() == v1::CLOCK_STATE_RUNNING) {
      due = FromProto(c.due());
    }
  }
  if (!due) return absl::InternalError("no handling clock against the unit");
  const absl::CivilDay last = absl::ToCivilDay(*due - absl::Nanoseconds(1),
                                               absl::FixedTimeZone(8 * 3600));
  v1::RequestExtensionRequest ask;
  ask.set_request_id(absl::StrCat("sec-ask-", n));
  ask.set_ticket_id(o.ticket_id);
  ask.set_reason("需协调供电部门更换线路，无法按期办结");
  ask.set_progress_note("已现场核实，正在联系供电所");
  ask.set_proposed_due_date(absl::FormatCivilTime(last + 3));
  v1::RequestExtensionResponse asked;
  RETURN_IF_ERROR(FromGrpc(
      Call(Channel("deadline"), "/hotline.v1.DeadlineService/RequestExtension",
           kStaffOwn, ask, &asked),
      "request extension"));
  o.extension_id = asked.extension().extension_id();
  RETURN_IF_ERROR(ShipAll(o.ticket_id));

  v1::CreateArticleRequest article;
  article.set_request_id(absl::StrCat("sec-article-", n));
  article.set_owner_unit_id(kOwnUnit);
  auto* content = article.mutable_content();
  content->set_title("社区路灯报修流程");
  content->set_body(
      "社区路灯故障由社区登记后报镇供电所维修，一般三个工作日内修复。");
  content->add_category_codes("urban.road.streetlight");
  v1::CreateArticleResponse drafted;
  RETURN_IF_ERROR(FromGrpc(
      Call(Channel("intake"), "/hotline.v1.KnowledgeService/CreateArticle",
           kStaffOwn, article, &drafted),
      "create article"));
  o.article_id = drafted.article().article_id();
  return o;
}

}  // namespace hotline::security
