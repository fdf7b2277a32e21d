// Wire input errors on every service (issue 13): invalid UTF-8 in a string
// field, 50 000 nested unknown groups and an oversized message are
// INVALID_ARGUMENT naming the field, not INTERNAL with an empty message, and
// change nothing. Against the four real services (suite.h).

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/assessment.pb.h"
#include "hotline/v1/deadline.pb.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/intake.pb.h"
#include "hotline/v1/routing.pb.h"
#include "tests/security/suite.h"

namespace hotline::security {
namespace {

using ::testing::HasSubstr;

constexpr char kMarker[] = "@@MARK@@";
// Eight bytes that are not UTF-8: a lead byte without its continuation,
// then stray continuation bytes.
constexpr char kInvalid[] = "\xe5\xbc\x41\x80\x80\xff\xfe\x41";

// `bytes` with the marker replaced by the invalid bytes (same length).
std::string Corrupt(std::string bytes) {
  const size_t at = bytes.find(kMarker);
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) bytes.replace(at, 8, std::string(kInvalid, 8));
  return bytes;
}

class WireInputTest : public ::testing::Test {
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

  // Calls with raw bytes; expects INVALID_ARGUMENT whose message is `what`.
  void ExpectInvalid(const std::string& service, const std::string& method,
                     const std::string& token, const std::string& bytes,
                     const std::string& what) {
    std::string out;
    grpc::Status s =
        CallRaw(suite_->Channel(service), method, token, bytes, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << service << " " << method << ": " << s.error_code() << " "
        << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(what)) << service << " " << method;
  }

  static Suite* suite_;
};
Suite* WireInputTest::suite_ = nullptr;

TEST_F(WireInputTest, InvalidUtf8NamesTheFieldOnEveryService) {
  v1::CreateTicketRequest create;
  create.set_request_id("wire-create-1");
  create.set_channel(v1::CHANNEL_PHONE);
  create.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  create.set_category_code("urban.road.streetlight");
  create.set_title("路灯不亮");
  create.set_content("南山社区路灯不亮。");
  create.mutable_caller()->set_name(kMarker);
  ExpectInvalid("intake", "/hotline.v1.IntakeService/CreateTicket",
                testing::kAgentToken, Corrupt(create.SerializeAsString()),
                "caller.name: invalid UTF-8");

  v1::DispatchRequest dispatch;
  dispatch.set_request_id("wire-dispatch-1");
  dispatch.set_ticket_id("t-1");
  dispatch.set_unit_id("town.longshui");
  dispatch.set_note(kMarker);
  ExpectInvalid("routing", "/hotline.v1.RoutingService/Dispatch",
                testing::kCenterToken, Corrupt(dispatch.SerializeAsString()),
                "note: invalid UTF-8");

  v1::RequestExtensionRequest ask;
  ask.set_request_id("wire-ask-1");
  ask.set_ticket_id("t-1");
  ask.set_reason(kMarker);
  ask.set_proposed_due_date("2024-03-01");
  ExpectInvalid("deadline", "/hotline.v1.DeadlineService/RequestExtension",
                kStaffOwn, Corrupt(ask.SerializeAsString()),
                "reason: invalid UTF-8");

  v1::RecordEvaluationRequest eval;
  eval.set_request_id("wire-eval-1");
  eval.set_ticket_id("t-1");
  eval.set_reached(true);
  eval.set_satisfaction(v1::SATISFACTION_SATISFIED);
  eval.set_comment(kMarker);
  ExpectInvalid("assessment", "/hotline.v1.AssessmentService/RecordEvaluation",
                testing::kEvaluatorToken, Corrupt(eval.SerializeAsString()),
                "comment: invalid UTF-8");

  // EventSink of every service, a field two levels down.
  for (const char* service : {"intake", "routing", "deadline", "assessment"}) {
    v1::PublishRequest publish;
    publish.set_source_service("routing");
    v1::TicketEvent* e = publish.add_events();
    e->set_event_id("routing-1");
    e->set_ticket_id("t-1");
    e->set_seq(1);
    e->set_producer("routing");
    e->mutable_replied()->set_text(kMarker);
    ExpectInvalid(service, "/hotline.v1.EventSink/Publish",
                  testing::kRoutingServiceToken,
                  Corrupt(publish.SerializeAsString()),
                  "events[0].replied.text: invalid UTF-8");
  }
}

TEST_F(WireInputTest, NestedUnknownGroupsAndOversizedMessagesOnEveryService) {
  // 50 000 nested start-groups of unknown field 15 (tag 0x7b).
  const std::string groups(50000, '\x7b');
  const struct {
    const char* service;
    const char* method;
    std::string token;
  } calls[] = {
      {"intake", "/hotline.v1.IntakeService/CreateTicket",
       testing::kAgentToken},
      {"routing", "/hotline.v1.RoutingService/Dispatch", testing::kCenterToken},
      {"deadline", "/hotline.v1.DeadlineService/GetClocks",
       testing::kCenterToken},
      {"assessment", "/hotline.v1.AssessmentService/ListFacts",
       testing::kCenterToken}};
  for (const auto& c : calls) {
    ExpectInvalid(c.service, c.method, c.token, groups,
                  "groups (wire type 3) are not accepted");
    // 5 MB of a string field: over the 4 MiB limit, under the transport's.
    v1::GetTicketRequest big;
    big.set_ticket_id(std::string(5'000'000, 'a'));
    ExpectInvalid(c.service, c.method, c.token, big.SerializeAsString(),
                  "bytes, more than 4194304");
  }
}

}  // namespace
}  // namespace hotline::security
