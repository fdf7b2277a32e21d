// The authorization matrix (issue 13): every RPC of every hotline.v1 service,
// found through the generated descriptor pool, called by every role — unit
// roles from the order's own unit, its parent, a unit below it and an
// unrelated one — and again with a replayed request id, against the four
// real services (suite.h). The expected verdicts are the table
// tests/security/authz_matrix.csv; the requests are
// tests/security/authz_requests.txt. An RPC without a row fails.
//
// HOTLINE_AUTHZ_RECORD=<file> writes the observed table there, to review
// when a row is added.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "common/server/proto_time.h"
#include "gtest/gtest.h"
#include "hotline/v1/admin.pb.h"
#include "hotline/v1/assessment.pb.h"
#include "hotline/v1/deadline.pb.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/intake.pb.h"
#include "hotline/v1/routing.pb.h"
#include "tests/security/suite.h"

namespace hotline::security {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

constexpr const char* kColumns[] = {
    "CALL_AGENT", "CENTER_STAFF", "UNIT_STAFF",      "UNIT_LEAD", "EVALUATOR",
    "AUDITOR",    "SERVICE",      "CHANNEL_GATEWAY", "NONE"};

struct Caller {
  std::string column;    // a role column of the table
  std::string relation;  // own / parent / sub / unrelated for unit roles
  std::string token;     // empty: no token
  std::string Label() const {
    return relation.empty() ? column : absl::StrCat(column, ":", relation);
  }
};

std::vector<Caller> Callers() {
  std::vector<Caller> out = {{"CALL_AGENT", "", testing::kAgentToken},
                             {"CENTER_STAFF", "", testing::kCenterToken},
                             {"EVALUATOR", "", testing::kEvaluatorToken},
                             {"AUDITOR", "", testing::kAuditorToken},
                             {"SERVICE", "", testing::kRoutingServiceToken},
                             {"CHANNEL_GATEWAY", "", testing::kGatewayToken},
                             {"NONE", "", ""}};
  const std::pair<const char*, const char*> staff[] = {
      {"own", kStaffOwn},
      {"parent", kStaffParent},
      {"sub", kStaffSub},
      {"unrelated", kStaffUnrelated}};
  const std::pair<const char*, const char*> leads[] = {
      {"own", kLeadOwn},
      {"parent", kLeadParent},
      {"sub", kLeadSub},
      {"unrelated", kLeadUnrelated}};
  for (const auto& [rel, token] : staff)
    out.push_back({"UNIT_STAFF", rel, token});
  for (const auto& [rel, token] : leads)
    out.push_back({"UNIT_LEAD", rel, token});
  return out;
}

// own, parent, sub, unrelated for each subtree rule.
const std::map<std::string, std::vector<std::string>>& Rules() {
  static const auto* rules =
      new std::map<std::string, std::vector<std::string>>{
          {"any", {"OK", "OK", "OK", "OK"}},
          {"subtree", {"OK", "OK", "DENIED", "DENIED"}},
          {"own", {"OK", "DENIED", "DENIED", "DENIED"}},
          {"approver", {"DENIED", "OK", "DENIED", "DENIED"}},
          {"holder", {"OK", "DENIED", "DENIED", "DENIED"}},
          {"DENIED", {"DENIED", "DENIED", "DENIED", "DENIED"}}};
  return *rules;
}

int RelationIndex(const std::string& r) {
  if (r == "own") return 0;
  if (r == "parent") return 1;
  if (r == "sub") return 2;
  return 3;
}

std::string Verdict(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::PERMISSION_DENIED:
      return "DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTH";
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNIMPLEMENTED:
      return absl::StrCat("ERROR(", s.error_code(), ": ", s.error_message(),
                          ")");
    default:
      return "OK";
  }
}

struct Row {
  std::map<std::string, std::string> cells;  // column → cell
  std::string fixture;
  std::string first;
};

std::string Read(const std::string& name) {
  std::ifstream in(std::string(HOTLINE_SOURCE_DIR) + "/tests/security/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::map<std::string, Row> ReadTable() {
  std::map<std::string, Row> rows;
  std::vector<std::string> header;
  for (absl::string_view line :
       absl::StrSplit(Read("authz_matrix.csv"), '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = absl::StrSplit(line, ',');
    if (header.empty()) {
      header = f;
      continue;
    }
    EXPECT_EQ(f.size(), header.size()) << line;
    if (f.size() != header.size()) continue;
    Row row;
    for (size_t i = 1; i < f.size(); ++i) {
      if (header[i] == "fixture") {
        row.fixture = f[i];
      } else if (header[i] == "first") {
        row.first = f[i];
      } else {
        row.cells[header[i]] = f[i];
      }
    }
    EXPECT_TRUE(rows.emplace(f[0], row).second) << "row twice: " << f[0];
  }
  return rows;
}

std::map<std::string, std::string> ReadRequests() {
  std::map<std::string, std::string> out;
  std::string current;
  for (absl::string_view line :
       absl::StrSplit(Read("authz_requests.txt"), '\n')) {
    if (absl::ConsumePrefix(&line, "== ")) {
      current = std::string(absl::StripAsciiWhitespace(line));
      out[current];
    } else if (!current.empty() && !absl::StartsWith(line, "#")) {
      absl::StrAppend(&out[current], line, "\n");
    }
  }
  return out;
}

// The services that serve each hotline.v1 service.
std::vector<std::string> Hosts(const std::string& service) {
  if (service == "IntakeService" || service == "KnowledgeService") {
    return {"intake"};
  }
  if (service == "RoutingService" || service == "DirectoryService") {
    return {"routing"};
  }
  if (service == "DeadlineService" || service == "CalendarService") {
    return {"deadline"};
  }
  if (service == "AssessmentService") return {"assessment"};
  return {"intake", "routing", "deadline", "assessment"};  // EventSink, ...
}

// Every method of every service of the hotline.v1 protos.
std::vector<const MethodDescriptor*> AllMethods() {
  // Referencing one message of each file links its descriptor in.
  (void)v1::GetTimeRequest::descriptor();
  (void)v1::PublishRequest::descriptor();
  (void)v1::CreateTicketRequest::descriptor();
  (void)v1::DispatchRequest::descriptor();
  (void)v1::GetClocksRequest::descriptor();
  (void)v1::RecordEvaluationRequest::descriptor();
  std::vector<const MethodDescriptor*> out;
  for (const char* file :
       {"hotline/v1/admin.proto", "hotline/v1/events.proto",
        "hotline/v1/intake.proto", "hotline/v1/routing.proto",
        "hotline/v1/deadline.proto", "hotline/v1/assessment.proto",
        "hotline/v1/common.proto"}) {
    const auto* fd = DescriptorPool::generated_pool()->FindFileByName(file);
    EXPECT_NE(fd, nullptr) << file;
    if (fd == nullptr) continue;
    for (int s = 0; s < fd->service_count(); ++s) {
      const ServiceDescriptor* sd = fd->service(s);
      for (int m = 0; m < sd->method_count(); ++m) out.push_back(sd->method(m));
    }
  }
  return out;
}

std::string Key(const MethodDescriptor* m) {
  return absl::StrCat(m->service()->full_name(), "/", m->name());
}

class AuthzMatrixTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto suite = Suite::Start();
    ASSERT_TRUE(suite.ok()) << suite.status();
    suite_ = std::move(*suite).release();
  }
  static void TearDownTestSuite() {
    delete suite_;
    suite_ = nullptr;
  }

  // The request of `m` about `order`, serialized.
  std::string Request(const MethodDescriptor* m, const std::string& text,
                      const Order& order) {
    const absl::Time now = suite_->Of("deadline").clock().Now();
    const std::string body = absl::StrReplaceAll(
        text, {{"${RID}", absl::StrCat("authz-", ++rid_)},
               {"${TICKET}", order.ticket_id},
               {"${NUMBER}", order.ticket_number},
               {"${UNIT}", kOwnUnit},
               {"${PARENT}", kParentUnit},
               {"${EXT}", order.extension_id},
               {"${ARTICLE}", order.article_id},
               {"${NOW}", absl::StrCat(absl::ToUnixSeconds(now))},
               {"${PAST}", absl::StrCat(absl::ToUnixSeconds(now) - 60)},
               {"${LATER}",
                absl::StrCat(absl::ToUnixSeconds(now + absl::Hours(240)))},
               {"${TODAY}", absl::FormatCivilTime(absl::ToCivilDay(
                                now, absl::FixedTimeZone(8 * 3600)))}});
    const google::protobuf::Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(
            m->input_type());
    std::unique_ptr<google::protobuf::Message> msg(prototype->New());
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(body, msg.get()))
        << Key(m) << ": request does not parse:\n"
        << body;
    return msg->SerializeAsString();
  }

  static Suite* suite_;
  int rid_ = 0;
};
Suite* AuthzMatrixTest::suite_ = nullptr;

TEST_F(AuthzMatrixTest, EveryRpcEveryRoleDirectAndReplayed) {
  const std::map<std::string, Row> table = ReadTable();
  const std::map<std::string, std::string> requests = ReadRequests();
  const std::vector<Caller> callers = Callers();
  std::set<std::string> seen;
  std::vector<std::string> mismatches;
  std::map<std::string, std::map<std::string, std::string>> observed;
  int calls = 0, replays_with_answer = 0;

  for (const MethodDescriptor* m : AllMethods()) {
    const std::string key = Key(m);
    seen.insert(key);
    auto row_it = table.find(key);
    if (row_it == table.end()) {
      ADD_FAILURE() << key
                    << " has no row in tests/security/authz_matrix.csv: add "
                       "its expected verdicts";
      continue;
    }
    auto req_it = requests.find(key);
    if (req_it == requests.end()) {
      ADD_FAILURE() << key << " has no request in authz_requests.txt";
      continue;
    }
    const Row& row = row_it->second;
    auto expected = [&](const Caller& c, bool replay = false) -> std::string {
      auto cell = row.cells.find(c.column);
      if (cell == row.cells.end()) return "?";
      if (c.relation.empty()) return cell->second;
      // A unit that held the order (the parent forwarded it) may retry.
      if (replay && cell->second == "holder" && c.relation == "parent") {
        return "OK";
      }
      auto rule = Rules().find(cell->second);
      if (rule == Rules().end()) return "?rule " + cell->second;
      return rule->second[RelationIndex(c.relation)];
    };
    const std::string method = absl::StrCat("/", key);
    const bool has_request_id =
        m->input_type()->FindFieldByName("request_id") != nullptr;
    for (const std::string& host : Hosts(m->service()->name())) {
      auto shared = suite_->NewOrder();
      ASSERT_TRUE(shared.ok()) << shared.status();
      std::string out;
      // Replays: the first caller's request, then the same bytes by all.
      if (has_request_id && row.first != "-") {
        const std::string first_req = Request(m, req_it->second, *shared);
        const Caller* first = nullptr;
        for (const Caller& c : callers) {
          if (c.Label() == row.first) first = &c;
        }
        ASSERT_NE(first, nullptr) << key << ": first " << row.first;
        grpc::Status s = CallRaw(suite_->Channel(host), method, first->token,
                                 first_req, &out);
        ++calls;
        replays_with_answer += s.ok();
        // Without a stored answer (the first call was refused on the
        // order's state) a replay is a first call again.
        for (const Caller& c : callers) {
          const std::string got = Verdict(
              CallRaw(suite_->Channel(host), method, c.token, first_req, &out));
          ++calls;
          if (got != expected(c, s.ok())) {
            mismatches.push_back(absl::StrCat(
                key, " @", host, " replayed by ", c.Label(), ": expected ",
                expected(c, s.ok()), ", got ", got));
          }
        }
      }
      // Direct calls: those expected to be refused first (they must change
      // nothing), then the others.
      std::vector<const Caller*> order;
      for (const Caller& c : callers) {
        if (expected(c) != "OK") order.push_back(&c);
      }
      for (const Caller& c : callers) {
        if (expected(c) == "OK") order.push_back(&c);
      }
      for (const Caller* c : order) {
        Order target = *shared;
        if (row.fixture == "fresh") {
          auto fresh = suite_->NewOrder();
          ASSERT_TRUE(fresh.ok()) << fresh.status();
          target = *fresh;
        }
        grpc::Status s = CallRaw(suite_->Channel(host), method, c->token,
                                 Request(m, req_it->second, target), &out);
        ++calls;
        const std::string got = Verdict(s);
        observed[key][c->Label()] = got;
        if (got != expected(*c)) {
          mismatches.push_back(absl::StrCat(
              key, " @", host, " called by ", c->Label(), ": expected ",
              expected(*c), ", got ", got, " (", s.error_message(), ")"));
        }
      }
    }
  }
  for (const auto& [key, row] : table) {
    EXPECT_TRUE(seen.count(key)) << key
                                 << " is in authz_matrix.csv but no "
                                    "hotline.v1 service has it";
  }
  if (const char* path = std::getenv("HOTLINE_AUTHZ_RECORD")) {
    std::ofstream rec(path);
    rec << "rpc," << absl::StrJoin(kColumns, ",") << "\n";
    for (const auto& [key, got] : observed) {
      rec << key;
      for (const char* col : kColumns) {
        std::string cell;
        if (std::string(col) == "UNIT_STAFF" ||
            std::string(col) == "UNIT_LEAD") {
          std::vector<std::string> v;
          for (const char* rel : {"own", "parent", "sub", "unrelated"}) {
            auto it = got.find(absl::StrCat(col, ":", rel));
            v.push_back(it == got.end() ? "?" : it->second);
          }
          cell = absl::StrJoin(v, "/");
          for (const auto& [name, pattern] : Rules()) {
            if (pattern == v) cell = name;
          }
        } else {
          auto it = got.find(col);
          cell = it == got.end() ? "?" : it->second;
        }
        rec << "," << cell;
      }
      rec << "\n";
    }
  }
  EXPECT_TRUE(mismatches.empty())
      << mismatches.size() << " cells differ from authz_matrix.csv:\n"
      << absl::StrJoin(mismatches, "\n");
  std::cout << "authz matrix: " << seen.size() << " RPCs, " << calls
            << " calls, " << replays_with_answer
            << " replays of a stored answer\n";
}

}  // namespace
}  // namespace hotline::security
