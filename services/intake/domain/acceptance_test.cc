#include "services/intake/domain/acceptance.h"

#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/intake/domain/caller_privacy.h"

namespace hotline::intake {
namespace {

TEST(PlacesTest, CreateTicketNamesAKnownTownAndACommunityInIt) {
  Catalog c;
  v1::MatterCategory streetlight;
  streetlight.set_code("urban.road.streetlight");
  c.categories.push_back(streetlight);
  c.places.towns = {{"town.longshui", "龙水镇"}, {"town.longgang", "龙岗街道"}};
  const absl::Time now = absl::FromUnixSeconds(1707350400);
  v1::CreateTicketRequest req;
  req.set_request_id("req-places-1");
  req.set_channel(v1::CHANNEL_PHONE);
  req.set_request_type(v1::REQUEST_TYPE_HELP_SEEKING);
  req.set_category_code("urban.road.streetlight");
  req.set_title("路灯不亮");
  req.set_content("南山社区路灯不亮。");
  // No caller: anonymous.
  v1::Location* loc = req.mutable_location();
  loc->set_town_code("town.longshui");
  loc->set_community_code("comm.nanshan");

  // Before the directory was read: the community's form only.
  EXPECT_TRUE(KnowsPlaces(c, *loc));
  EXPECT_TRUE(ValidateCreateTicket(req, c, now).ok());

  c.places.communities = {{"comm.nanshan", "town.longshui"}};
  EXPECT_TRUE(ValidateCreateTicket(req, c, now).ok());
  loc->set_town_code("town.longgang");
  EXPECT_TRUE(KnowsPlaces(c, *loc));  // known, but in the wrong town
  EXPECT_THAT(ValidateCreateTicket(req, c, now).message(),
              ::testing::HasSubstr("lies in town.longshui, not in "
                                   "town.longgang"));
  loc->set_community_code("comm.unknown");
  EXPECT_FALSE(KnowsPlaces(c, *loc));
  EXPECT_THAT(ValidateCreateTicket(req, c, now).message(),
              ::testing::HasSubstr("location.community_code"));
  loc->set_town_code("town.unknown");
  loc->clear_community_code();
  EXPECT_FALSE(KnowsPlaces(c, *loc));
  EXPECT_THAT(ValidateCreateTicket(req, c, now).message(),
              ::testing::HasSubstr("location.town_code"));
}

// Issue 13: a unit's subtree follows the directory's places, whose ids do
// not encode the tree.

TEST(IntakeRulesTest, FingerprintLeavesTheCallerOut) {
  v1::CreateTicketRequest r;
  r.set_request_id("req-1");
  r.set_title("路灯不亮");
  r.mutable_caller()->set_name("张三丰");
  r.mutable_caller()->set_phone("13812345678");
  v1::CreateTicketRequest other = r;
  other.mutable_caller()->set_phone("13812345679");
  other.mutable_caller()->set_name("李四");
  EXPECT_EQ(CreateTicketFingerprint(r), CreateTicketFingerprint(other));
  EXPECT_EQ(CreateTicketFingerprint(r).size(), 32u);
  other.set_title("路灯闪烁");
  EXPECT_NE(CreateTicketFingerprint(r), CreateTicketFingerprint(other));
  v1::CallerIdentity a = StoredCaller(r.caller());
  v1::CallerIdentity typed = r.caller();
  typed.set_phone("+86 138-1234-5678");
  EXPECT_TRUE(SameCaller(a, StoredCaller(typed)));
  typed.set_phone("13812345679");
  EXPECT_FALSE(SameCaller(a, StoredCaller(typed)));
}

}  // namespace
}  // namespace hotline::intake
