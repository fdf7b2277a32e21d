#include <google/protobuf/descriptor.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/deadline.pb.h"
#include "hotline/v1/intake.pb.h"
#include "hotline/v1/routing.pb.h"
#include "tools/hotlinectl/render.h"
#include "tools/hotlinectl/request_builder.h"

namespace hotline::ctl {
namespace {

using ::testing::HasSubstr;

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

}  // namespace
}  // namespace hotline::ctl
