#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/assessment.pb.h"
#include "hotline/v1/deadline.pb.h"
#include "hotline/v1/intake.pb.h"
#include "hotline/v1/routing.pb.h"
#include "tools/hotlinectl/columns.h"
#include "tools/hotlinectl/deadline_format.h"
#include "tools/hotlinectl/examples.h"
#include "tools/hotlinectl/health_format.h"
#include "tools/hotlinectl/help.h"
#include "tools/hotlinectl/metadata.h"
#include "tools/hotlinectl/paging.h"
#include "tools/hotlinectl/proto_docs.h"
#include "tools/hotlinectl/render.h"
#include "tools/hotlinectl/report_out.h"
#include "tools/hotlinectl/request_builder.h"
#include "tools/hotlinectl/verbs.h"
#include "tools/hotlinectl/worklist_overdue.h"

namespace hotline::ctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const MethodDescriptor* MethodOf(const Verb& v) {
  LinkContracts();
  return DescriptorPool::generated_pool()->FindMethodByName(v.method);
}

// 2026-12-08 00:00 China Standard Time, i.e. 2026-12-07 16:00 UTC.
constexpr int64_t kMidnightDec8 = 1796659200;

// Words of a command line as a shell splits them ("…" and '…' quoting).
std::vector<std::string> ShellWords(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word += c;
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

// The header line of the first table in `text`: the line after which rows
// follow, found by its first column.
std::string LineStartingWith(const std::string& text, absl::string_view start) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), start)) {
      return std::string(line);
    }
  }
  return "";
}

TEST(RequestBuilderTest, ScalarsNestedEnumsAndRepeated) {
  v1::CreateTicketRequest req;
  ASSERT_TRUE(
      ApplyAssignments({"request_type=complaint", "channel=CHANNEL_PHONE",
                        "location.town_code=town-longshui",
                        "location.address=龙水镇五金街12号",
                        "content=噪音扰民，夜间施工", "confidential=true"},
                       &req)
          .ok());
  EXPECT_EQ(req.request_type(), v1::REQUEST_TYPE_COMPLAINT);
  EXPECT_EQ(req.channel(), v1::CHANNEL_PHONE);
  EXPECT_EQ(req.location().town_code(), "town-longshui");
  EXPECT_EQ(req.location().address(), "龙水镇五金街12号");
  EXPECT_EQ(req.content(), "噪音扰民，夜间施工");
  EXPECT_TRUE(req.confidential());
}

TEST(RequestBuilderTest, TimestampsInChinaStandardTimeOrRfc3339) {
  v1::AddWorkingDaysRequest req;
  ASSERT_TRUE(
      ApplyAssignments({"start=2024-02-08 16:00", "working_days=3"}, &req)
          .ok());
  EXPECT_EQ(req.start().seconds(), 1707379200);  // 08:00Z
  EXPECT_EQ(req.working_days(), 3);
  ASSERT_TRUE(ApplyAssignment("start=2024-02-08T08:00:00Z", &req).ok());
  EXPECT_EQ(req.start().seconds(), 1707379200);
  ASSERT_TRUE(ApplyAssignment("start=2024-02-09", &req).ok());
  EXPECT_EQ(req.start().seconds(), 1707379200 + 8 * 3600);  // 02-09 00:00+08
}

TEST(RequestBuilderTest, ErrorsNameTheField) {
  v1::CreateTicketRequest req;
  absl::Status s = ApplyAssignment("request_type=mayor", &req);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("request_type"));
  EXPECT_THAT(s.message(), HasSubstr("REQUEST_TYPE_COMPLAINT"));
  s = ApplyAssignment("locaton.town_code=x", &req);
  EXPECT_THAT(s.message(), HasSubstr("has no field \"locaton\""));
  s = ApplyAssignment("content", &req);
  EXPECT_THAT(s.message(), HasSubstr("expected field=value"));
  v1::AddWorkingDaysRequest days;
  EXPECT_THAT(ApplyAssignment("working_days=three", &days).message(),
              HasSubstr("working_days"));
  EXPECT_THAT(ApplyAssignment("start=tomorrow", &days).message(),
              HasSubstr("start"));
}

TEST(RequestBuilderTest, JsonThenWords) {
  v1::CreateTicketRequest req;
  ASSERT_TRUE(
      ApplyJson(R"({"title": "路灯不亮", "location": {"townCode": "a"}})", &req)
          .ok());
  ASSERT_TRUE(ApplyAssignment("location.town_code=b", &req).ok());
  EXPECT_EQ(req.title(), "路灯不亮");
  EXPECT_EQ(req.location().town_code(), "b");
  EXPECT_FALSE(ApplyJson("{not json", &req).ok());
}

// The verb release-co-unit names this method; its request is built from
// words like any other.
TEST(RequestBuilderTest, ReleaseCoUnitFromWords) {
  const auto* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          "hotline.v1.RoutingService.ReleaseCoUnit");
  ASSERT_NE(method, nullptr);
  EXPECT_EQ(method->input_type()->full_name(),
            "hotline.v1.ReleaseCoUnitRequest");
  v1::ReleaseCoUnitRequest req;
  ASSERT_TRUE(ApplyAssignments({"ticket_id=tkt-1", "co_unit_id=dept.urban",
                                "reason=经核实不涉及占道经营，无需协办"},
                               &req)
                  .ok());
  EXPECT_EQ(req.co_unit_id(), "dept.urban");
  EXPECT_EQ(req.reason(), "经核实不涉及占道经营，无需协办");
}

TEST(RenderTest, TablesAlignChineseAndShortenEnums) {
  v1::AddWorkingDaysResponse resp;
  resp.mutable_due()->set_seconds(1708358400);  // 2024-02-20 00:00 +08:00
  resp.set_calendar_version("cn-2021-2026@2065d9a7");
  auto* a = resp.add_skipped();
  a->set_date("2024-02-10");
  a->set_kind(v1::DAY_KIND_HOLIDAY);
  auto* b = resp.add_skipped();
  b->set_date("2024-02-11");
  b->set_kind(v1::DAY_KIND_WEEKEND);
  const std::string text = RenderHuman(resp);
  EXPECT_THAT(text, HasSubstr("due: 2024-02-19 24:00"));
  EXPECT_THAT(text, HasSubstr("skipped (2):"));
  EXPECT_THAT(text, HasSubstr("2024-02-10  HOLIDAY"));
  EXPECT_THAT(text, HasSubstr("2024-02-11  WEEKEND"));
  EXPECT_THAT(RenderJson(resp), HasSubstr("\"calendar_version\": "));
}

TEST(RenderTest, TablesShowFieldsOfNestedMessages) {
  v1::SearchArticlesResponse resp;
  auto* hit = resp.add_hits();
  hit->set_score(2.5);
  hit->mutable_article()->set_article_id("kb-1");
  hit->mutable_article()->mutable_content()->set_title("养老保险办理指南");
  const std::string text = RenderHuman(resp);
  EXPECT_THAT(text, HasSubstr("article_id"));
  EXPECT_THAT(text, HasSubstr("kb-1"));
  EXPECT_THAT(text, HasSubstr("score"));
}

TEST(RenderTest, DisplayWidthCountsWideCharactersTwice) {
  EXPECT_EQ(DisplayWidth("abc"), 3);
  EXPECT_EQ(DisplayWidth("龙水镇"), 6);
  EXPECT_EQ(DisplayWidth("A，B"), 4);
}

// ------------------------------------------------------------------- help

TEST(ProtoDocsTest, CommentsAreEmbedded) {
  const ProtoDocs& docs = ProtoDocs::Embedded();
  EXPECT_GE(docs.file_count(), 7);
  EXPECT_THAT(docs.Comment(v1::ClockOutcome_descriptor()),
              HasSubstr("How a clock ended"));
  EXPECT_THAT(
      docs.Comment(v1::Ticket::descriptor()->FindFieldByName("ticket_number")),
      HasSubstr("DZ20240208-000123"));
  // Trailing comments too.
  EXPECT_EQ(docs.Comment(
                v1::Channel_descriptor()->FindValueByNumber(v1::CHANNEL_PHONE)),
            "12345 phone call");
}

TEST(HelpTest, EveryVerbListsEveryFieldWithTypeAndComment) {
  for (const Verb& v : Verbs()) {
    SCOPED_TRACE(v.name);
    absl::StatusOr<std::string> page = VerbHelp(v.name);
    ASSERT_TRUE(page.ok()) << page.status();
    const MethodDescriptor* method = MethodOf(v);
    ASSERT_NE(method, nullptr);
    const Descriptor* request = method->input_type();
    const std::vector<FieldDoc> docs = RequestFieldDocs(request);
    for (int i = 0; i < request->field_count(); ++i) {
      const std::string name = request->field(i)->name();
      EXPECT_TRUE(std::any_of(docs.begin(), docs.end(), [&](const FieldDoc& d) {
        return d.path == name;
      })) << name;
    }
    for (const FieldDoc& doc : docs) {
      EXPECT_THAT(*page,
                  HasSubstr(absl::StrCat("  ", doc.path, "  ", doc.type)));
      const std::string first_line =
          doc.comment.substr(0, doc.comment.find('\n'));
      if (!first_line.empty() && doc.comment != "Required.") {
        EXPECT_THAT(*page, HasSubstr(first_line));
      }
    }
    EXPECT_THAT(*page, HasSubstr("EXAMPLES\n  "));
    EXPECT_THAT(*page, HasSubstr(absl::StrCat("hotlinectl ", v.name)));
    EXPECT_THAT(*page, HasSubstr(method->full_name()));
  }
}

TEST(HelpTest, ReplyPageSaysPurposeRolesErrorsAndWhatIsRequired) {
  absl::StatusOr<std::string> page = VerbHelp("reply");
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(*page, HasSubstr("whoever handles, answers"));
  EXPECT_THAT(*page,
              HasSubstr("ROLES\n  UNIT_STAFF, UNIT_LEAD of the holder."));
  EXPECT_THAT(*page, HasSubstr("ERRORS\n  INVALID_ARGUMENT (text, contact"));
  EXPECT_THAT(*page, HasSubstr("  text  string, required\n"));
  EXPECT_THAT(*page, HasSubstr("  contact  enum ReplyContact, required\n"));
  EXPECT_THAT(*page, HasSubstr("VIA_CENTER"));
  EXPECT_THAT(*page, HasSubstr("  contacted_at  time, required\n"));
  EXPECT_THAT(*page, HasSubstr("  checks.policy_checked  bool\n"));
  EXPECT_THAT(*page, HasSubstr("政策关"));
  EXPECT_THAT(*page, HasSubstr("  resolved  bool\n"));
  EXPECT_THAT(*page,
              HasSubstr("request_id  string, required, made by hotlinectl"));
  EXPECT_THAT(*page, HasSubstr("checks.wording_checked=true"));
}

TEST(HelpTest, NestedOneofAndListFields) {
  absl::StatusOr<std::string> create = VerbHelp("create");
  ASSERT_TRUE(create.ok());
  EXPECT_THAT(*create, HasSubstr("  location.town_code  string, required in "
                                 "some cases (see below)\n"));
  EXPECT_THAT(*create, HasSubstr("  caller.phone  string\n"));
  EXPECT_THAT(*create,
              HasSubstr("  close_at_intake.article_ids  list of string"));
  EXPECT_THAT(*create, HasSubstr("limit.working_days  integer, limit: at most "
                                 "one of limit.working_days, limit.due_date"));
  EXPECT_THAT(*create, HasSubstr("CONSULTATION  咨询"));
  absl::StatusOr<std::string> get = VerbHelp("get");
  ASSERT_TRUE(get.ok());
  EXPECT_THAT(*get, HasSubstr("key: exactly one of ticket_id, ticket_number"));
  absl::StatusOr<std::string> duty = VerbHelp("duty-set");
  ASSERT_TRUE(duty.ok());
  EXPECT_THAT(*duty, HasSubstr("entries  list of message DutyEntry (JSON"));
  EXPECT_THAT(*duty, HasSubstr("entries[].leader.mobile  string"));
  absl::StatusOr<std::string> units = VerbHelp("units");
  ASSERT_TRUE(units.ok());
  EXPECT_THAT(*units, HasSubstr("page.page_token  string"));
  EXPECT_THAT(*units, HasSubstr("--all"));
  EXPECT_THAT(*units, HasSubstr("columns unit_id, name, kind"));
}

TEST(HelpTest, UnknownVerbNamesTheNearestOnes) {
  absl::StatusOr<std::string> page = VerbHelp("replly");
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(page.status().message(), HasSubstr("unknown verb \"replly\""));
  EXPECT_THAT(page.status().message(), HasSubstr("did you mean reply"));
  EXPECT_THAT(VerbHelp("worklst").status().message(),
              HasSubstr("did you mean worklist"));
  EXPECT_THAT(GeneralHelp(), HasSubstr("directory-import"));
  EXPECT_THAT(GeneralHelp(), HasSubstr("hotlinectl help VERB"));
}

TEST(HelpTest, RequirementIsReadFromTheComments) {
  EXPECT_EQ(RequirementOf("Required."), Requirement::kRequired);
  EXPECT_EQ(RequirementOf("The answer. Required, 1–8192 bytes."),
            Requirement::kRequired);
  EXPECT_EQ(RequirementOf("How.\nRequired; VIA_CENTER only"),
            Requirement::kRequired);
  EXPECT_EQ(RequirementOf("Required when reached; must be UNSPECIFIED"),
            Requirement::kConditional);
  EXPECT_EQ(RequirementOf("Required (≥ 1, distinct) when rejecting"),
            Requirement::kConditional);
  EXPECT_EQ(RequirementOf("Required except for the center."),
            Requirement::kConditional);
  EXPECT_EQ(RequirementOf("At least one key is required; several are ANDed."),
            Requirement::kOptional);
  EXPECT_EQ(RequirementOf("Optional, ≤ 1 KiB."), Requirement::kOptional);
}

TEST(HelpTest, MissingRequiredFieldsAreNamedAllAtOnce) {
  v1::ReplyRequest reply;
  reply.set_ticket_id("tkt-1");
  EXPECT_THAT(MissingRequired(reply),
              ElementsAre("text", "contact", "contacted_at", "checks"));
  v1::GetTicketRequest get;
  EXPECT_THAT(MissingRequired(get),
              ElementsAre("one of ticket_id, ticket_number"));
  get.set_ticket_number("DZ20261207-000001");
  EXPECT_TRUE(MissingRequired(get).empty());
  v1::UnitScorecardRequest scorecard;
  scorecard.set_unit_id("town.longshui");
  EXPECT_THAT(MissingRequired(scorecard), ElementsAre("period"));
  scorecard.mutable_period()->set_from_date("2026-11-01");
  EXPECT_THAT(MissingRequired(scorecard), ElementsAre("period.to_date"));
}

TEST(DescribeTest, MessagesEnumsMethodsAndVerbsWithComments) {
  absl::StatusOr<std::string> ticket = Describe("hotline.v1.Ticket");
  ASSERT_TRUE(ticket.ok()) << ticket.status();
  EXPECT_THAT(*ticket, HasSubstr("hotline.v1.Ticket is a message"));
  EXPECT_THAT(*ticket, HasSubstr("message Ticket {"));
  EXPECT_THAT(*ticket, HasSubstr("Human-readable number"));
  absl::StatusOr<std::string> reply = Describe("reply");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(*reply, HasSubstr("hotline.v1.RoutingService.Reply is a method "
                                "(hotlinectl reply)"));
  EXPECT_THAT(*reply, HasSubstr("rpc Reply("));
  EXPECT_THAT(*reply, HasSubstr("whoever handles, answers"));
  EXPECT_THAT(*reply, HasSubstr("message ReplyRequest {"));
  absl::StatusOr<std::string> outcome = Describe("ClockOutcome");
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_THAT(*outcome, HasSubstr("enum ClockOutcome {"));
  EXPECT_THAT(*outcome, HasSubstr("Judged strictly before its due instant"));
  EXPECT_THAT(Describe("RoutingService.Dispatch").value_or(""),
              HasSubstr("交办"));
  EXPECT_THAT(Describe("Dispatch").value_or(""), HasSubstr("rpc Dispatch("));
  EXPECT_THAT(Describe("Ticket.status").value_or(""),
              HasSubstr("is a field of hotline.v1.Ticket"));
  absl::StatusOr<std::string> typo = Describe("Tiket");
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(typo.status().message(), HasSubstr("did you mean Ticket"));
}

TEST(ExamplesTest, EveryVerbHasExamplesThatBuildItsRequest) {
  for (const Verb& v : Verbs()) {
    SCOPED_TRACE(v.name);
    const std::vector<Example> examples = ExamplesFor(v.name);
    ASSERT_FALSE(examples.empty());
    const MethodDescriptor* method = MethodOf(v);
    ASSERT_NE(method, nullptr);
    for (const Example& e : examples) {
      std::vector<std::string> words = ShellWords(e.line);
      ASSERT_GE(words.size(), 2u);
      EXPECT_EQ(words[0], "hotlinectl");
      EXPECT_EQ(words[1], v.name);
      std::vector<std::string> fields;
      for (size_t i = 2; i < words.size(); ++i) {
        if (absl::StartsWith(words[i], "-") &&
            !absl::StrContains(words[i], "=") && words[i] != "--all" &&
            words[i] != "--json") {
          ++i;  // a flag and its value: -o wide, --out FILE
        } else if (!absl::StartsWith(words[i], "-")) {
          fields.push_back(words[i]);
        }
      }
      std::unique_ptr<Message> request(
          google::protobuf::MessageFactory::generated_factory()
              ->GetPrototype(method->input_type())
              ->New());
      for (const std::string& word : fields) {
        if (absl::StrContains(word, "=@")) continue;  // reads a file
        EXPECT_TRUE(ApplyAssignment(word, request.get()).ok())
            << e.line << ": " << word;
      }
    }
  }
}

TEST(RequestBuilderTest, UnknownFieldSuggestsTheNearest) {
  v1::ReplyRequest req;
  absl::Status s = ApplyAssignment("txt=已处理", &req);
  EXPECT_THAT(s.message(), HasSubstr("has no field \"txt\""));
  EXPECT_THAT(s.message(), HasSubstr("did you mean text"));
  v1::RecordEvaluationRequest eval;
  ASSERT_TRUE(ApplyAssignment("satisfaction=satisfied", &eval).ok());
  EXPECT_EQ(eval.satisfaction(), v1::SATISFACTION_SATISFIED);
  v1::CreateTicketRequest create;
  ASSERT_TRUE(ApplyAssignment("urgency=urgent", &create).ok());
  EXPECT_EQ(create.urgency(), v1::URGENCY_URGENT);
}

// ---------------------------------------------------------------- columns

TEST(ColumnsTest, EverySpecPathResolves) {
  LinkContracts();
  for (const TableSpec& spec : TableSpecs()) {
    SCOPED_TRACE(spec.row_type);
    const Descriptor* row =
        DescriptorPool::generated_pool()->FindMessageTypeByName(spec.row_type);
    ASSERT_NE(row, nullptr);
    EXPECT_FALSE(spec.empty.empty());
    for (const ColumnSpec& c : spec.columns) {
      EXPECT_TRUE(ColumnForPath(row, c.name, c.path).ok()) << c.path;
    }
  }
}

v1::ListWorkResponse TwoWorkItems() {
  v1::ListWorkResponse resp;
  v1::WorkItem* late = resp.add_items();
  late->set_overdue(true);
  late->set_reason(v1::WORK_REASON_HELD);
  v1::Assignment* a = late->mutable_assignment();
  a->set_ticket_id("tkt-1");
  a->set_ticket_number("DZ20261201-000001");
  a->set_title("五金街路灯不亮");
  a->set_status(v1::TICKET_STATUS_ACCEPTED);
  a->set_holder_unit_id("town.longshui");
  a->set_category_code("urban.light");
  a->mutable_next_due()->set_seconds(kMidnightDec8);
  v1::WorkItem* fresh = resp.add_items();
  fresh->mutable_assignment()->set_ticket_id("tkt-2");
  fresh->mutable_assignment()->set_ticket_number("DZ20261207-000002");
  fresh->mutable_assignment()->set_title("噪音扰民");
  fresh->mutable_assignment()->set_status(v1::TICKET_STATUS_DISPATCHED);
  fresh->mutable_assignment()->set_holder_unit_id("town.longshui");
  fresh->mutable_assignment()->mutable_next_due()->set_seconds(kMidnightDec8 +
                                                               86400 + 3600);
  return resp;
}

TEST(ColumnsTest, WorklistDefaultColumns) {
  RenderOptions options;
  options.extra[kOverdueExtra]["tkt-1"] = "2 wd";
  const std::string text = RenderHuman(TwoWorkItems(), options);
  const std::string header = LineStartingWith(text, "number");
  EXPECT_THAT(header, testing::MatchesRegex(
                          "number +title +status +due +overdue +holder"));
  EXPECT_THAT(text, HasSubstr("五金街路灯不亮"));
  EXPECT_THAT(text, HasSubstr("ACCEPTED"));
  EXPECT_THAT(text, HasSubstr("2026-12-07 24:00  2 wd"));
  EXPECT_THAT(text, HasSubstr("2026-12-09 01:00  no"));
  EXPECT_THAT(text, Not(HasSubstr("urban.light")));
  EXPECT_THAT(text, Not(HasSubstr("items")));  // the response is the table
}

TEST(ColumnsTest, WideShowsEveryColumnAndColumnsChooses) {
  RenderOptions wide;
  wide.columns.wide = true;
  const std::string text = RenderHuman(TwoWorkItems(), wide);
  const std::string header = LineStartingWith(text, "number");
  EXPECT_THAT(header, HasSubstr("category"));
  EXPECT_THAT(header, HasSubstr("assignment.dispatch_round"));  // the rest
  EXPECT_THAT(text, HasSubstr("urban.light"));
  EXPECT_THAT(text, HasSubstr("yes"));  // overdue, no figures given

  RenderOptions chosen;
  chosen.columns.names = {"number", "due", "assignment.category_code"};
  const std::string few = RenderHuman(TwoWorkItems(), chosen);
  EXPECT_THAT(LineStartingWith(few, "number"),
              testing::MatchesRegex("number +due +assignment.category_code"));
  EXPECT_THAT(few,
              HasSubstr("DZ20261201-000001  2026-12-07 24:00  urban.light"));
  EXPECT_THAT(few, Not(HasSubstr("五金街")));

  EXPECT_TRUE(
      CheckColumns(v1::ListWorkResponse::descriptor(), chosen.columns).ok());
  ColumnChoice typo;
  typo.names = {"number", "duee"};
  absl::Status s = CheckColumns(v1::ListWorkResponse::descriptor(), typo);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("no column \"duee\""));
  EXPECT_THAT(s.message(), HasSubstr("did you mean due"));
}

TEST(ColumnsTest, NoticesShowTheirText) {
  v1::ListNoticesResponse resp;
  v1::Notice* n = resp.add_notices();
  n->set_ticket_number("DZ20261201-000001");
  n->set_step(v1::LADDER_STEP_REMINDER);
  n->mutable_recipient()->set_kind(v1::RECIPIENT_KIND_LIAISON);
  n->mutable_recipient()->set_unit_id("town.longshui");
  n->mutable_recipient()->set_name("李建国");
  n->set_channel(v1::NOTICE_CHANNEL_SMS);
  n->set_delivery(v1::NOTICE_DELIVERY_SENT);
  const std::string long_text(
      "【催办】工单DZ20261201-000001应于2026-12-07 24:00前响应，已超时，"
      "请尽快签收办理并按时答复来电人。");
  n->set_text(long_text);
  const std::string text = RenderHuman(resp);
  EXPECT_THAT(LineStartingWith(text, "number"),
              testing::MatchesRegex(
                  "number +step +recipient +channel +delivery +text"));
  EXPECT_THAT(text, HasSubstr("LIAISON town.longshui 李建国"));
  EXPECT_THAT(text, HasSubstr("SENT"));
  EXPECT_THAT(text, HasSubstr(long_text));  // the last column is never cut
}

TEST(ColumnsTest, ClocksShowTheirExplanation) {
  v1::GetClocksResponse resp;
  v1::Clock* c = resp.add_clocks();
  c->set_kind(v1::CLOCK_KIND_HANDLING);
  c->set_unit_id("town.longshui");
  c->set_state(v1::CLOCK_STATE_RUNNING);
  c->mutable_due()->set_seconds(kMidnightDec8);
  c->mutable_explanation()->set_text(
      "3 working days from 2026-12-02 (Wed): 12-03, 12-04, 12-07; due "
      "2026-12-07 24:00.");
  const std::string text = RenderHuman(resp);
  EXPECT_THAT(text, HasSubstr("clocks (1):"));
  EXPECT_THAT(
      LineStartingWith(text, "kind"),
      testing::MatchesRegex(" *kind +unit +state +outcome +due +explanation"));
  EXPECT_THAT(text, HasSubstr("HANDLING  town.longshui  RUNNING"));
  EXPECT_THAT(text, HasSubstr("2026-12-07 24:00  3 working days from"));
  EXPECT_THAT(text, HasSubstr("extensions: none"));
}

// ------------------------------------------------------------ zero values

TEST(RenderTest, EmptyResultsAreSaidInWords) {
  EXPECT_EQ(RenderHuman(v1::SearchTicketsResponse()),
            "no orders match (没有结果)\n");
  EXPECT_EQ(RenderHuman(v1::ListWorkResponse()),
            "nothing on this worklist (没有结果)\n");
  EXPECT_THAT(RenderHuman(v1::ListNoticesResponse()), HasSubstr("no notices"));
  EXPECT_EQ(RenderHuman(v1::DeleteRuleResponse()), "done\n");
  EXPECT_THAT(RenderHuman(v1::ListTicketsResponse()), Not(HasSubstr("ok")));
}

TEST(RenderTest, RatiosKeepTheirZeroNumerator) {
  v1::Indicators ind;
  ind.mutable_rehandling()->set_numerator(0);
  ind.mutable_rehandling()->set_denominator(1);
  ind.mutable_on_time_completion()->set_numerator(3);
  ind.mutable_on_time_completion()->set_denominator(4);
  ind.mutable_on_time_completion()->set_value(0.75);
  ind.mutable_satisfaction()->set_not_applicable(true);
  const std::string text = RenderHuman(ind);
  EXPECT_THAT(text, HasSubstr("rehandling: 0/1 (0%)"));
  EXPECT_THAT(text, HasSubstr("on_time_completion: 3/4 (75%)"));
  EXPECT_THAT(text, HasSubstr("satisfaction: 不适用/n/a (0/0)"));
  EXPECT_THAT(text, HasSubstr("orders: 0"));
  EXPECT_THAT(text, HasSubstr("returns: 0"));

  v1::UnitScorecardResponse card;
  card.mutable_scorecard()->set_unit_id("town.longshui");
  *card.mutable_scorecard()->mutable_total() = ind;
  card.mutable_scorecard()->mutable_previous_total()->set_orders(7);
  const std::string scorecard = RenderHuman(card);
  EXPECT_THAT(scorecard, HasSubstr("indicator"));
  EXPECT_THAT(scorecard, HasSubstr("this period"));
  EXPECT_THAT(LineStartingWith(scorecard, "rehandling"), HasSubstr("0/1 (0%)"));
  EXPECT_THAT(LineStartingWith(scorecard, "rehandling"),
              HasSubstr("Rejected reviews / reviewed replies"));
  EXPECT_THAT(LineStartingWith(scorecard, "orders"),
              testing::MatchesRegex(" *orders +0 +7 +.*"));
  EXPECT_THAT(scorecard, HasSubstr("composite_score: 0"));
  EXPECT_THAT(scorecard, HasSubstr("not_scored: no"));
}

TEST(RenderTest, RankingShowsScoresAndNotScored) {
  v1::RankingResponse resp;
  v1::RankingEntry* e = resp.add_entries();
  e->set_rank(1);
  e->set_unit_id("town.longshui");
  e->set_unit_name("龙水镇");
  e->set_composite_score(87.456);
  e->set_score_change(1.5);
  v1::RankingEntry* none = resp.add_entries();
  none->set_unit_id("town.yulong");
  none->set_unit_name("玉龙镇");
  none->set_not_scored(true);
  const std::string text = RenderHuman(resp);
  EXPECT_THAT(
      LineStartingWith(text, "rank"),
      testing::MatchesRegex(
          " *rank +unit +name +score +change +previous_rank +not_scored"));
  EXPECT_THAT(text, HasSubstr("87.46"));
  EXPECT_THAT(text, HasSubstr("+1.5"));
  // Unranked: rank 0 in the contract, "—" on screen.
  EXPECT_THAT(LineStartingWith(text, "—"), HasSubstr("玉龙镇"));
  EXPECT_THAT(LineStartingWith(text, "—"), HasSubstr("yes"));
  EXPECT_THAT(RenderHuman(v1::RankingResponse()),
              HasSubstr("no units to rank (没有结果)"));
}

// ------------------------------------------------------------- deadlines

TEST(DeadlineFormatTest, MidnightDueIs2400OfThePreviousDay) {
  const absl::Time due = absl::FromUnixSeconds(kMidnightDec8);
  EXPECT_EQ(FormatDeadline(due), "2026-12-07 24:00");
  EXPECT_EQ(FormatInstant(due), "2026-12-08 00:00");
  EXPECT_EQ(FormatDeadline(due - absl::Minutes(510)), "2026-12-07 15:30");
  EXPECT_EQ(FormatDeadline(due + absl::Seconds(1)), "2026-12-08 00:00");
  // A field holding a due prints it so; other instants as they are.
  v1::Clock clock;
  clock.mutable_due()->set_seconds(kMidnightDec8);
  clock.mutable_started_at()->set_seconds(kMidnightDec8);
  const std::string text = RenderHuman(clock);
  EXPECT_THAT(text, HasSubstr("due: 2026-12-07 24:00"));
  EXPECT_THAT(text, HasSubstr("started_at: 2026-12-08 00:00"));
  EXPECT_TRUE(IsDeadlineField(
      v1::Assignment::descriptor()->FindFieldByName("handling_due")));
  EXPECT_TRUE(IsDeadlineField(
      v1::Extension::descriptor()->FindFieldByName("due_after")));
  EXPECT_FALSE(IsDeadlineField(
      v1::Assignment::descriptor()->FindFieldByName("received_at")));
  // --json stays protobuf JSON.
  EXPECT_THAT(RenderJson(clock), HasSubstr("\"2026-12-07T16:00:00Z\""));
}

// --------------------------------------------------------------- metadata

TEST(MetadataTest, TokensAreTrimmed) {
  absl::StatusOr<Metadata> md =
      BuildMetadata({"  tok-center-1\n", "$HOTLINE_TOKEN"});
  ASSERT_TRUE(md.ok()) << md.status();
  ASSERT_EQ(md->size(), 1u);
  EXPECT_EQ((*md)[0].first, "authorization");
  EXPECT_EQ((*md)[0].second, "Bearer tok-center-1");
  EXPECT_TRUE(ValidMetadataValue((*md)[0].second));
  md = BuildMetadata({"\r\n", "--token"});
  ASSERT_TRUE(md.ok());
  EXPECT_TRUE(md->empty());
}

TEST(MetadataTest, TokensThatCannotTravelAreRefused) {
  absl::StatusOr<Metadata> two =
      BuildMetadata({"tok-a\ntok-b", "$HOTLINE_TOKEN"});
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(two.status().message(), HasSubstr("$HOTLINE_TOKEN"));
  EXPECT_THAT(two.status().message(), HasSubstr("more than one line"));
  absl::StatusOr<Metadata> bell = BuildMetadata({"tok\x07", "--token"});
  ASSERT_FALSE(bell.ok());
  EXPECT_THAT(bell.status().message(), HasSubstr("control character"));
  EXPECT_FALSE(BuildMetadata({"tok 1", "--token"}).ok());
  EXPECT_FALSE(BuildMetadata({"令牌", "--token"}).ok());
  EXPECT_FALSE(ValidMetadataValue("Bearer a\x01"));
}

// Runs the built hotlinectl; its exit code and what it printed.
std::pair<int, std::string> RunCtl(const std::string& env,
                                   const std::string& args) {
  const std::string cmd =
      absl::StrCat(env, " " HOTLINE_BINARY_DIR "/tools/hotlinectl/hotlinectl ",
                   args, " 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while (p != nullptr && (n = fread(buf, 1, sizeof(buf), p)) > 0) {
    out.append(buf, n);
  }
  const int status = p == nullptr ? -1 : pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
          out};
}

TEST(MetadataTest, TheBinaryExitsOneNeverAborts) {
  // Port 1 answers nothing: the call itself fails UNAVAILABLE, quickly.
  const std::string args =
      "--routing=127.0.0.1:1 --timeout=2 worklist unit_id=town.longshui";
  auto [bell_code, bell_out] = RunCtl("HOTLINE_TOKEN=$(printf 'tok\\a')", args);
  EXPECT_EQ(bell_code, 1) << bell_out;
  EXPECT_THAT(bell_out, HasSubstr("control character"));
  auto [two_code, two_out] =
      RunCtl("HOTLINE_TOKEN=\"$(printf 'tok-a\\ntok-b')\"", args);
  EXPECT_EQ(two_code, 1) << two_out;
  EXPECT_THAT(two_out, HasSubstr("more than one line"));
  // A trailing newline is trimmed: the call goes out (and finds no server).
  auto [nl_code, nl_out] =
      RunCtl("HOTLINE_TOKEN=\"$(printf 'tok\\n ')\"", args);
  EXPECT_EQ(nl_code, 1) << nl_out;
  EXPECT_THAT(nl_out, HasSubstr("UNAVAILABLE"));
  auto [verb_code, verb_out] = RunCtl("", "wrklist");
  EXPECT_EQ(verb_code, 1);
  EXPECT_THAT(verb_out, HasSubstr("did you mean worklist"));
  auto [help_code, help_out] = RunCtl("", "reply --help");
  EXPECT_EQ(help_code, 0);
  EXPECT_THAT(help_out, HasSubstr("contacted_at  time, required"));
  auto [field_code, field_out] = RunCtl("", args + " unitid=x");
  EXPECT_EQ(field_code, 1);
  EXPECT_THAT(field_out, HasSubstr("did you mean unit_id"));
}

// ----------------------------------------------------------------- paging

TEST(PagingTest, AllFollowsTheTokens) {
  v1::ListUnitsRequest req;
  EXPECT_TRUE(TakesPage(req.GetDescriptor()));
  EXPECT_FALSE(TakesPage(v1::GetUnitRequest::descriptor()));
  std::vector<std::string> asked;
  PageSource source = [&](const Message& m, Message* out) {
    const auto& r = static_cast<const v1::ListUnitsRequest&>(m);
    auto* resp = static_cast<v1::ListUnitsResponse*>(out);
    asked.push_back(r.page().page_token());
    const std::string next = r.page().page_token().empty()   ? "p2"
                             : r.page().page_token() == "p2" ? "p3"
                                                             : "";
    resp->add_units()->set_unit_id("u" + std::to_string(asked.size()));
    resp->mutable_page()->set_next_page_token(next);
    return absl::OkStatus();
  };
  v1::ListUnitsResponse all;
  ASSERT_TRUE(FetchAllPages(&req, &all, source).ok());
  EXPECT_THAT(asked, ElementsAre("", "p2", "p3"));
  ASSERT_EQ(all.units_size(), 3);
  EXPECT_EQ(all.units(2).unit_id(), "u3");
  EXPECT_EQ(NextPageToken(all), "");
}

TEST(PagingTest, AnErrorOrALoopStops) {
  v1::ListUnitsRequest req;
  int calls = 0;
  PageSource refuses = [&](const Message&, Message* out) {
    if (++calls == 2) return absl::InvalidArgumentError("stale page token");
    auto* resp = static_cast<v1::ListUnitsResponse*>(out);
    resp->add_units()->set_unit_id("u1");
    resp->mutable_page()->set_next_page_token("p2");
    return absl::OkStatus();
  };
  v1::ListUnitsResponse got;
  absl::Status s = FetchAllPages(&req, &got, refuses);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(got.units_size(), 1);

  v1::ListUnitsRequest again;
  PageSource loops = [](const Message&, Message* out) {
    static_cast<v1::ListUnitsResponse*>(out)
        ->mutable_page()
        ->set_next_page_token("same");
    return absl::OkStatus();
  };
  EXPECT_FALSE(FetchAllPages(&again, &got, loops).ok());

  v1::ListUnitsResponse one;
  one.mutable_page()->set_next_page_token("abc");
  EXPECT_EQ(NextPageToken(one), "abc");
  SetPage(&again, "abc", 20);
  EXPECT_EQ(again.page().page_token(), "abc");
  EXPECT_EQ(RequestedPageSize(again), 20);
  SetPage(&again, "", 0);  // leaves both
  EXPECT_EQ(again.page().page_token(), "abc");
  EXPECT_EQ(again.page().page_size(), 20);
}

// ----------------------------------------------------------------- report

v1::ReportResponse ReportOfMarch() {
  v1::ReportResponse resp;
  auto add = [&](v1::ReportFormat f, const std::string& name) {
    v1::ReportDocument* d = resp.add_documents();
    d->set_format(f);
    d->set_file_name(name);
    d->set_content("content of " + name);
  };
  add(v1::REPORT_FORMAT_MARKDOWN, "report-2024-03.md");
  add(v1::REPORT_FORMAT_HTML, "report-2024-03.html");
  add(v1::REPORT_FORMAT_CSV, "summary-2024-03.csv");
  add(v1::REPORT_FORMAT_CSV, "ranking-town_street-2024-03.csv");
  add(v1::REPORT_FORMAT_CSV, "ranking-department-2024-03.csv");
  add(v1::REPORT_FORMAT_CSV, "open-overdue-2024-03.csv");
  add(v1::REPORT_FORMAT_CSV, "overdue-2024-03.csv");
  return resp;
}

TEST(ReportOutTest, TheExtensionChoosesTheDocument) {
  EXPECT_EQ(*ReportFormatForPath("out/march.HTML"), v1::REPORT_FORMAT_HTML);
  EXPECT_EQ(*ReportFormatForPath("march.md"), v1::REPORT_FORMAT_MARKDOWN);
  EXPECT_EQ(*ReportFormatForPath("march.csv"), v1::REPORT_FORMAT_CSV);
  EXPECT_FALSE(ReportFormatForPath("march.pdf").ok());
  EXPECT_FALSE(ReportFormatForPath("march").ok());

  const v1::ReportResponse resp = ReportOfMarch();
  auto name = [&](const std::string& path) {
    absl::StatusOr<const v1::ReportDocument*> d =
        ChooseReportDocument(resp, path);
    return d.ok() ? (*d)->file_name() : std::string(d.status().message());
  };
  EXPECT_EQ(name("/tmp/march.html"), "report-2024-03.html");
  EXPECT_EQ(name("march.md"), "report-2024-03.md");
  EXPECT_EQ(name("march.csv"), "summary-2024-03.csv");  // the first table
  EXPECT_EQ(name("ranking-department.csv"), "ranking-department-2024-03.csv");
  EXPECT_EQ(name("march-ranking-town_street.csv"),
            "ranking-town_street-2024-03.csv");
  EXPECT_EQ(name("open-overdue.csv"), "open-overdue-2024-03.csv");
  EXPECT_EQ(name("overdue.csv"), "overdue-2024-03.csv");

  v1::ReportResponse md_only;
  *md_only.add_documents() = resp.documents(0);
  EXPECT_THAT(name("x.csv"), Not(HasSubstr("no .csv")));
  absl::StatusOr<const v1::ReportDocument*> none =
      ChooseReportDocument(md_only, "x.csv");
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("report-2024-03.md"));
}

TEST(ReportOutTest, TheFormatIsRequestedForTheFile) {
  v1::ReportRequest req;
  ASSERT_TRUE(RequestFormatForPath("nov.html", &req).ok());
  EXPECT_THAT(req.formats(), ElementsAre(v1::REPORT_FORMAT_HTML));
  v1::ReportRequest md;
  md.add_formats(v1::REPORT_FORMAT_MARKDOWN);
  EXPECT_FALSE(RequestFormatForPath("nov.html", &md).ok());
  EXPECT_TRUE(RequestFormatForPath("nov.md", &md).ok());
}

// ------------------------------------------------- stored monthly reports

v1::ListStoredReportsResponse TwoStoredMonths() {
  v1::ListStoredReportsResponse resp;
  for (const char* month : {"2024-03", "2024-02"}) {
    v1::StoredReport* r = resp.add_reports();
    r->set_month(month);
    r->set_title(absl::StrCat("大足区12345热线办理情况通报 ", month));
    r->mutable_period()->set_from_date(absl::StrCat(month, "-01"));
    r->mutable_period()->set_to_date(
        std::string(month) == "2024-03" ? "2024-03-31" : "2024-02-29");
    // Kept at 02:00 local on the 1st of the next month (18:00 UTC the day
    // before).
    r->mutable_generated_at()->set_seconds(
        std::string(month) == "2024-03" ? 1711908000 : 1709229600);
    r->set_document_count(10);
    r->add_formats(v1::REPORT_FORMAT_HTML);
    r->add_formats(v1::REPORT_FORMAT_MARKDOWN);
    r->add_formats(v1::REPORT_FORMAT_CSV);
  }
  return resp;
}

TEST(StoredReportsTest, VerbsNameTheRpcsAndWordsBuildTheRequests) {
  LinkContracts();
  const Verb* list = FindVerb("reports");
  ASSERT_NE(list, nullptr);
  EXPECT_STREQ(list->method, "hotline.v1.AssessmentService.ListStoredReports");
  EXPECT_STREQ(list->service, "assessment");
  const Verb* get = FindVerb("stored-report");
  ASSERT_NE(get, nullptr);
  EXPECT_STREQ(get->method, "hotline.v1.AssessmentService.GetStoredReport");
  EXPECT_NE(MethodOf(*list), nullptr);
  EXPECT_NE(MethodOf(*get), nullptr);

  v1::ListStoredReportsRequest range;
  ASSERT_TRUE(
      ApplyAssignments({"from_month=2024-01", "to_month=2024-12"}, &range)
          .ok());
  EXPECT_EQ(range.from_month(), "2024-01");
  EXPECT_EQ(range.to_month(), "2024-12");
  absl::Status typo = ApplyAssignment("from=2024-01", &range);
  EXPECT_THAT(typo.message(), HasSubstr("did you mean from_month"));

  // stored-report month=2024-03 --out march.html asks for the HTML only.
  v1::GetStoredReportRequest march;
  ASSERT_TRUE(ApplyAssignments({"month=2024-03"}, &march).ok());
  ASSERT_TRUE(PrepareDocumentRequest("out/march.html", &march).ok());
  EXPECT_EQ(march.month(), "2024-03");
  EXPECT_THAT(march.formats(), ElementsAre(v1::REPORT_FORMAT_HTML));
  v1::GetStoredReportRequest md;
  ASSERT_TRUE(PrepareDocumentRequest("march.md", &md).ok());
  EXPECT_THAT(md.formats(), ElementsAre(v1::REPORT_FORMAT_MARKDOWN));
  v1::GetStoredReportRequest csv_only;
  ASSERT_TRUE(ApplyAssignments({"formats=csv"}, &csv_only).ok());
  absl::Status clash = PrepareDocumentRequest("march.html", &csv_only);
  EXPECT_THAT(clash.message(), HasSubstr("needs formats=html"));
  EXPECT_THAT(PrepareDocumentRequest("march.pdf", &md).message(),
              HasSubstr("none of .html, .md, .csv"));
  // The same function serves report --out; other verbs have no documents.
  v1::ReportRequest report;
  ASSERT_TRUE(PrepareDocumentRequest("nov.csv", &report).ok());
  EXPECT_THAT(report.formats(), ElementsAre(v1::REPORT_FORMAT_CSV));
  v1::RankingRequest ranking;
  EXPECT_THAT(PrepareDocumentRequest("x.html", &ranking).message(),
              HasSubstr("report and stored-report only"));
  EXPECT_TRUE(WritesDocuments("hotline.v1.AssessmentService.GetStoredReport"));
  EXPECT_TRUE(WritesDocuments("hotline.v1.AssessmentService.Report"));
  EXPECT_FALSE(
      WritesDocuments("hotline.v1.AssessmentService.ListStoredReports"));
}

TEST(StoredReportsTest, TheExtensionChoosesTheKeptDocument) {
  v1::GetStoredReportResponse kept;
  *kept.mutable_report() = TwoStoredMonths().reports(0);
  *kept.mutable_report()->mutable_documents() = ReportOfMarch().documents();
  auto name = [&](const std::string& path) {
    absl::StatusOr<v1::ReportDocument> d = DocumentForPath(kept, path);
    return d.ok() ? d->file_name() : std::string(d.status().message());
  };
  EXPECT_EQ(name("march.html"), "report-2024-03.html");
  EXPECT_EQ(name("march.md"), "report-2024-03.md");
  EXPECT_EQ(name("ranking-department.csv"), "ranking-department-2024-03.csv");
  EXPECT_EQ(name("march.csv"), "summary-2024-03.csv");
  absl::StatusOr<v1::ReportDocument> html = DocumentForPath(kept, "a.html");
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->content(), "content of report-2024-03.html");

  // Asked for Markdown only, the answer has no HTML: say what it has.
  v1::GetStoredReportResponse md_only;
  *md_only.mutable_report()->add_documents() = ReportOfMarch().documents(0);
  absl::StatusOr<v1::ReportDocument> none = DocumentForPath(md_only, "m.html");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(none.status().message(), HasSubstr("report-2024-03.md"));
  // report --out reads the ReportResponse the same way.
  absl::StatusOr<v1::ReportDocument> live =
      DocumentForPath(ReportOfMarch(), "overdue.csv");
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->file_name(), "overdue-2024-03.csv");
}

TEST(StoredReportsTest, TheListShowsMonthLocalTimeAndFormats) {
  const std::string text = RenderHuman(TwoStoredMonths());
  EXPECT_THAT(
      LineStartingWith(text, "month"),
      testing::MatchesRegex("month +generated +formats +documents +title *"));
  // Generated at 02:00 China Standard Time, never in UTC.
  const std::string march = LineStartingWith(text, "2024-03");
  EXPECT_THAT(march, HasSubstr("2024-04-01 02:00"));
  EXPECT_THAT(march, HasSubstr("HTML, MARKDOWN, CSV"));
  EXPECT_THAT(march, HasSubstr("10"));
  EXPECT_THAT(march, HasSubstr("大足区12345热线办理情况通报 2024-03"));
  EXPECT_THAT(LineStartingWith(text, "2024-02"), HasSubstr("2024-03-01 02:00"));
  EXPECT_THAT(text, Not(HasSubstr("18:00")));
  EXPECT_LT(text.find("2024-03 "), text.find("2024-02 "));  // newest first

  RenderOptions wide;
  wide.columns.wide = true;
  const std::string all = RenderHuman(TwoStoredMonths(), wide);
  EXPECT_THAT(LineStartingWith(all, "month"),
              testing::MatchesRegex("month +generated +formats +documents "
                                    "+title +from +to +facts_through.*"));
  EXPECT_THAT(LineStartingWith(all, "2024-02"), HasSubstr("2024-02-29"));

  EXPECT_THAT(RenderHuman(v1::ListStoredReportsResponse()),
              HasSubstr("no monthly bulletin kept in that range (没有结果)"));
}

TEST(StoredReportsTest, HelpExplainsListingAndSaving) {
  absl::StatusOr<std::string> list = VerbHelp("reports");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(*list, HasSubstr("from_month"));
  EXPECT_THAT(*list, HasSubstr("02:00"));  // from the RPC's comment
  EXPECT_THAT(*list, HasSubstr("hotlinectl reports from_month=2026-01"));
  absl::StatusOr<std::string> get = VerbHelp("stored-report");
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_THAT(*get, HasSubstr("--out FILE writes the document"));
  EXPECT_THAT(*get, HasSubstr("month=2026-11 --out report-2026-11.html"));
  EXPECT_THAT(GeneralHelp(), HasSubstr("stored-report"));
}

// --------------------------------------------------------------- worklist

TEST(WorklistOverdueTest, OneListDueGivesTheWorkingDaysLate) {
  v1::ListWorkRequest req;
  req.set_unit_id("town.longshui");
  const v1::ListWorkResponse work = TwoWorkItems();
  std::optional<v1::ListDueRequest> due = OverdueClocksRequest(req, work);
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(due->unit_id(), "town.longshui");
  EXPECT_EQ(due->due_before().seconds(), kMidnightDec8 + 1);
  EXPECT_FALSE(due->exclude_overdue());

  v1::ListDueResponse clocks;
  auto add = [&](const std::string& ticket, int days) {
    v1::Clock* c = clocks.add_items()->mutable_clock();
    c->set_ticket_id(ticket);
    c->set_overdue_working_days(days);
  };
  add("tkt-1", 1);
  add("tkt-1", 2);
  add("tkt-9", 5);  // not on this page of the worklist
  const std::map<std::string, std::string> days = OverdueDays(work, clocks);
  ASSERT_EQ(days.size(), 1u);
  EXPECT_EQ(days.at("tkt-1"), "2 wd");

  EXPECT_FALSE(OverdueClocksRequest(req, v1::ListWorkResponse()).has_value());
}

}  // namespace
}  // namespace hotline::ctl

namespace hotline::ctl {
namespace {

TEST(HealthTest, RendersEachSubscriptionsBacklogUnderItsService) {
  HealthRow intake{"intake", "127.0.0.1:7101", "SERVING", std::nullopt, ""};
  intake.lag.emplace();
  intake.lag->set_service("intake");
  v1::SubscriptionLag* routing = intake.lag->add_subscriptions();
  routing->set_subscriber("routing");
  v1::SubscriptionLag* assessment = intake.lag->add_subscriptions();
  assessment->set_subscriber("assessment");
  assessment->set_pending(1234);
  assessment->mutable_oldest_age()->set_seconds(192);
  assessment->set_behind(true);
  assessment->set_failing(true);
  assessment->set_last_error("publish to assessment: 连接被拒绝");
  HealthRow routing_row{"routing", "127.0.0.1:7102", "SERVING", std::nullopt,
                        "PERMISSION_DENIED: role CALL_AGENT"};
  HealthRow deadline{"deadline", "127.0.0.1:7103", "UNREACHABLE (UNAVAILABLE)",
                     std::nullopt, ""};
  EXPECT_EQ(RenderHealth({intake, routing_row, deadline}, false),
            "intake      127.0.0.1:7101         SERVING\n"
            "  -> routing     pending 0\n"
            "  -> assessment  pending 1234    oldest 3m12s  BEHIND  FAILING: "
            "publish to assessment: 连接被拒绝\n"
            "routing     127.0.0.1:7102         SERVING\n"
            "  events: lag unknown (PERMISSION_DENIED: role CALL_AGENT)\n"
            "deadline    127.0.0.1:7103         UNREACHABLE (UNAVAILABLE)\n");

  const std::string json = RenderHealth({intake, routing_row}, true);
  EXPECT_THAT(
      json, ::testing::HasSubstr("{\"service\": \"intake\", \"address\": "
                                 "\"127.0.0.1:7101\", \"status\": \"SERVING\", "
                                 "\"lag\": {"));
  EXPECT_THAT(json, ::testing::HasSubstr("\"pending\": \"1234\""));
  EXPECT_THAT(json, ::testing::HasSubstr("\"oldest_age\": \"192s\""));
  EXPECT_THAT(json,
              ::testing::HasSubstr("\"lag_error\": \"PERMISSION_DENIED: role "
                                   "CALL_AGENT\"}]"));
}

TEST(HealthTest, FormatsAgesBySize) {
  EXPECT_EQ(FormatAge(0, 400000000), "0.4s");
  EXPECT_EQ(FormatAge(42, 0), "42.0s");
  EXPECT_EQ(FormatAge(192, 0), "3m12s");
  EXPECT_EQ(FormatAge(7500, 0), "2h05m");
}

}  // namespace
}  // namespace hotline::ctl
