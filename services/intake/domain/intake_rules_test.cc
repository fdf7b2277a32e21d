#include "services/intake/domain/intake_rules.h"

#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::intake {
namespace {

TEST(IntakeRulesTest, Phones) {
  EXPECT_EQ(NormalizePhone("138-1234-5678"), "13812345678");
  EXPECT_EQ(NormalizePhone("+86 138 1234 5678"), "13812345678");
  EXPECT_EQ(NormalizePhone("023-43721234"), "02343721234");
  EXPECT_FALSE(NormalizePhone("12812345678").has_value());
  EXPECT_FALSE(NormalizePhone("1381234567").has_value());
  EXPECT_FALSE(NormalizePhone("abc").has_value());
  EXPECT_FALSE(NormalizePhone("0234").has_value());
}

TEST(IntakeRulesTest, IdNumbers) {
  EXPECT_TRUE(IsValidIdNumber("11010519491231002X"));
  EXPECT_TRUE(IsValidIdNumber("110105194912310029") == false);
  EXPECT_FALSE(IsValidIdNumber("1101051949123100"));
}

TEST(IntakeRulesTest, Masks) {
  EXPECT_EQ(MaskPhone("13812345678"), "138****5678");
  EXPECT_EQ(MaskName("张三丰"), "张**");
  EXPECT_EQ(MaskName("李"), "李*");
  EXPECT_EQ(MaskIdNumber("11010519491231002X"), "1101************2X");
  EXPECT_EQ(MaskAddress("大足区龙岗街道五星大道88号"), "大足区龙岗街道****");
  v1::CallerIdentity c;
  EXPECT_TRUE(Mask(c).anonymous());
}

TEST(IntakeRulesTest, TextRules) {
  EXPECT_TRUE(IsValidUtf8("路灯不亮"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));
  EXPECT_THAT(
      std::string(CheckText("title", "a\nb", {true, 200, false}).message()),
      ::testing::StartsWith("title:"));
  EXPECT_FALSE(
      CheckText("content", std::string(8193, 'a'), {true, 8192, true}).ok());
  EXPECT_TRUE(
      CheckText("content", std::string(8192, 'a'), {true, 8192, true}).ok());
  EXPECT_FALSE(CheckText("title", "   ", {true, 200, false}).ok());
}

TEST(IntakeRulesTest, BigramsAndSimilarity) {
  auto a = Terms("龙水镇路灯不亮");
  EXPECT_TRUE(a.contains("路灯"));
  EXPECT_TRUE(a.contains("龙水"));
  EXPECT_EQ(a.size(), 6u);
  auto b = Terms("龙水镇的路灯不亮了");
  EXPECT_GT(Jaccard(a, b), 0.5);
  EXPECT_LT(Jaccard(a, Terms("学校收费过高")), 0.1);
  EXPECT_TRUE(Terms("WiFi 5G").contains("wifi"));
}

TEST(IntakeRulesTest, NumbersAndDates) {
  absl::Time t = absl::FromUnixSeconds(1707350400);  // 2024-02-08 08:00 CST
  EXPECT_EQ(LocalDayCompact(t), "20240208");
  EXPECT_EQ(TicketNumber("20240208", 123), "DZ20240208-000123");
  EXPECT_EQ(LocalDayCompact(absl::FromUnixSeconds(1707350400 - 9 * 3600)),
            "20240207");
  EXPECT_TRUE(IsTicketNumberPrefix("DZ20240208"));
  EXPECT_TRUE(IsTicketNumberPrefix("DZ20240208-0001"));
  EXPECT_FALSE(IsTicketNumberPrefix("DZ2024"));
  EXPECT_FALSE(ParseLocalDate("d", "2024-02-30").ok());
}

// Intake's status follows routing's: a co-unit's acknowledgement leaves the
// holder and status alone, an upheld dispute leaves the order ACCEPTED by
// the disputing unit (routing's AssignmentMachine::DecideDispute).
TEST(IntakeRulesTest, CoUnitAcceptAndUpheldDisputeFollowRouting) {
  v1::TicketEvent e;
  e.mutable_accepted()->set_unit_id("dept.ecology");
  e.mutable_accepted()->set_as_co_unit(true);
  auto u = ProgressFromEvent(e, v1::TICKET_STATUS_DISPATCHED);
  ASSERT_TRUE(u.has_value());
  EXPECT_FALSE(u->status.has_value());
  EXPECT_FALSE(u->holder.has_value());
  EXPECT_EQ(u->unit_id, "dept.ecology");
  e.mutable_accepted()->set_as_co_unit(false);
  u = ProgressFromEvent(e, v1::TICKET_STATUS_DISPATCHED);
  EXPECT_EQ(u->status, v1::TICKET_STATUS_ACCEPTED);
  EXPECT_EQ(u->holder, "dept.ecology");

  e.Clear();
  e.mutable_dispute_decided()->set_unit_id("town.longshui");
  e.mutable_dispute_decided()->set_outcome(v1::DISPUTE_OUTCOME_DISPATCH_UPHELD);
  u = ProgressFromEvent(e, v1::TICKET_STATUS_DISPUTED);
  EXPECT_EQ(u->status, v1::TICKET_STATUS_ACCEPTED);
  EXPECT_EQ(u->holder, "town.longshui");
  e.mutable_dispute_decided()->set_outcome(v1::DISPUTE_OUTCOME_DISPUTE_GRANTED);
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_DISPUTED)->status,
            v1::TICKET_STATUS_RETURNED);
}

TEST(IntakeRulesTest, EventsMoveStatus) {
  v1::TicketEvent e;
  e.mutable_dispatched()->set_unit_id("town.longshui");
  auto u = ProgressFromEvent(e, v1::TICKET_STATUS_RECEIVED);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->status, v1::TICKET_STATUS_DISPATCHED);
  EXPECT_EQ(u->holder, "town.longshui");
  e.Clear();
  e.mutable_reviewed()->set_approved(false);
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_REPLIED)->status,
            v1::TICKET_STATUS_REHANDLING);
  e.Clear();
  e.mutable_closed()->set_reason(v1::CLOSE_REASON_MERGED);
  EXPECT_FALSE(
      ProgressFromEvent(e, v1::TICKET_STATUS_MERGED)->status.has_value());
  e.Clear();
  e.mutable_clock_stopped();
  EXPECT_FALSE(ProgressFromEvent(e, v1::TICKET_STATUS_ACCEPTED).has_value());
  e.Clear();
  e.mutable_clock_moved()->set_kind(v1::CLOCK_KIND_HANDLING);
  *e.mutable_clock_moved()->mutable_due() =
      ToProto(absl::FromUnixSeconds(1708000000));
  EXPECT_EQ(*ProgressFromEvent(e, v1::TICKET_STATUS_ACCEPTED)->handling_due,
            absl::FromUnixSeconds(1708000000));
  // A multi-unit order's due is the lead unit's.
  e.Clear();
  e.mutable_clock_started()->set_kind(v1::CLOCK_KIND_LEAD_UNIT);
  *e.mutable_clock_started()->mutable_due() =
      ToProto(absl::FromUnixSeconds(1709000000));
  EXPECT_EQ(*ProgressFromEvent(e, v1::TICKET_STATUS_DISPATCHED)->handling_due,
            absl::FromUnixSeconds(1709000000));
  e.mutable_clock_started()->set_kind(v1::CLOCK_KIND_RESPONSE);
  EXPECT_FALSE(ProgressFromEvent(e, v1::TICKET_STATUS_DISPATCHED).has_value());
}

TEST(IntakeRulesTest, Subtree) {
  EXPECT_TRUE(InSubtree("town.longshui", "town.longshui"));
  EXPECT_TRUE(InSubtree("town.longshui.v1", "town.longshui"));
  EXPECT_FALSE(InSubtree("town.longshuix", "town.longshui"));
  EXPECT_FALSE(InSubtree("", "town.longshui"));
}

}  // namespace
}  // namespace hotline::intake

namespace hotline::intake {
namespace {

TEST(IntakeRulesTest, MinHashEstimatesSimilarityAndBandsFindNearDuplicates) {
  auto a = Terms(
      "五金市场东门附近的三盏路灯已经一周不亮了，晚上出行很不安全，请尽快维修"
      "。");
  auto b = Terms(
      "五金市场东门附近的三盏路灯已经一周不亮了，晚上出行不安全，请尽快维修！");
  auto c = Terms("孩子今年秋季入学需要准备哪些材料？户籍在本区。");
  auto sa = MinHash(a), sb = MinHash(b), sc = MinHash(c);
  ASSERT_EQ(sa.size(), static_cast<size_t>(kMinHashes));
  EXPECT_EQ(sa, MinHash(a));  // stable
  EXPECT_NEAR(EstimatedJaccard(sa, sb), Jaccard(a, b), 0.2);
  EXPECT_LT(EstimatedJaccard(sa, sc), 0.2);
  EXPECT_EQ(DecodeSignature(EncodeSignature(sa)), sa);
  auto ba = LshBands(sa), bb = LshBands(sb), bc = LshBands(sc);
  ASSERT_EQ(ba.size(), static_cast<size_t>(kBands));
  int shared_ab = 0, shared_ac = 0;
  for (int i = 0; i < kBands; ++i) {
    shared_ab += ba[i] == bb[i];
    shared_ac += ba[i] == bc[i];
    EXPECT_EQ(ba[i][0], '#');
    EXPECT_LE(ba[i].size(), 16u);  // fits ticket_term.term
  }
  EXPECT_GT(shared_ab, 0);
  EXPECT_EQ(shared_ac, 0);
  EXPECT_TRUE(MinHash({}).empty());
  EXPECT_TRUE(LshBands({}).empty());
}

}  // namespace
}  // namespace hotline::intake

namespace hotline::intake {
namespace {

v1::Unit Place(const std::string& id, v1::UnitKind kind,
               const std::string& parent, bool active = true) {
  v1::Unit u;
  u.set_unit_id(id);
  u.set_name(id == "town.longshui" ? "龙水镇" : "单位");
  u.set_kind(kind);
  u.set_parent_unit_id(parent);
  u.set_active(active);
  return u;
}

TEST(PlacesTest, CommunitiesResolveToTheirTownThroughTheTree) {
  const std::vector<v1::Unit> units = {
      // Children before parents: the order of the list does not matter.
      Place("grp.qiaotou.3", v1::UNIT_KIND_VILLAGE_COMMUNITY, "vill.qiaotou"),
      Place("vill.qiaotou", v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui"),
      Place("town.longshui", v1::UNIT_KIND_TOWN_STREET, "center"),
      Place("center", v1::UNIT_KIND_CENTER, ""),
      Place("dept.urban", v1::UNIT_KIND_DEPARTMENT, "center"),
      Place("town.closed", v1::UNIT_KIND_TOWN_STREET, "center", false),
      Place("comm.closed", v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui",
            false),
      Place("comm.under.closed", v1::UNIT_KIND_VILLAGE_COMMUNITY,
            "town.closed"),
      Place("comm.orphan", v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.missing"),
      // A cycle must not hang the walk.
      Place("comm.a", v1::UNIT_KIND_VILLAGE_COMMUNITY, "comm.b"),
      Place("comm.b", v1::UNIT_KIND_VILLAGE_COMMUNITY, "comm.a"),
  };
  const Places p = PlacesFromUnits(units);
  EXPECT_EQ(p.towns.size(), 1u);
  EXPECT_EQ(p.towns.at("town.longshui"), "龙水镇");
  EXPECT_EQ(p.communities.size(), 2u);
  EXPECT_EQ(p.communities.at("vill.qiaotou"), "town.longshui");
  EXPECT_EQ(p.communities.at("grp.qiaotou.3"), "town.longshui");
  // Every unit is named, whatever its kind or state.
  EXPECT_EQ(p.names.size(), units.size());
  EXPECT_EQ(p.names.at("town.longshui"), "龙水镇");
  EXPECT_TRUE(p.names.contains("dept.urban"));
  EXPECT_TRUE(p.names.contains("town.closed"));
}

// What the caller reads names units by their names, never by ids.
TEST(IntakeRulesTest, ProgressNamesUnits) {
  const absl::flat_hash_map<std::string, std::string> names = {
      {"town.longshui", "龙水镇人民政府"},
      {"comm.longshui.nanshan", "龙水镇南山社区居委会"},
      {"dept.urban", "重庆市大足区城市管理局"}};
  const UnitNamer name_of = [&](const std::string& id) {
    auto it = names.find(id);
    return it == names.end() ? std::string() : it->second;
  };
  v1::TicketEvent e;
  e.mutable_dispatched()->set_unit_id("town.longshui");
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_RECEIVED, name_of)->note,
            "已交办至龙水镇人民政府");
  e.Clear();
  e.mutable_accepted()->set_unit_id("town.longshui");
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_DISPATCHED, name_of)->note,
            "龙水镇人民政府已签收，正在办理");
  e.Clear();
  e.mutable_forwarded()->set_to_unit_id("comm.longshui.nanshan");
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_ACCEPTED, name_of)->note,
            "已流转至龙水镇南山社区居委会");
  e.Clear();
  e.mutable_redispatched()->mutable_dispatch()->set_unit_id("dept.urban");
  auto u = ProgressFromEvent(e, v1::TICKET_STATUS_RETURNED, name_of);
  EXPECT_EQ(u->note, "已改派至重庆市大足区城市管理局");
  EXPECT_EQ(u->unit_id, "dept.urban");  // the record keeps the id
  // A unit intake has no name for yet is "the handling unit", not its id.
  e.Clear();
  e.mutable_dispatched()->set_unit_id("sec.new");
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_RECEIVED, name_of)->note,
            "已交办至承办单位");
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_RECEIVED)->note,
            "已交办至承办单位");
}

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
TEST(IntakeRulesTest, UnitTreeFollowsTheDirectory) {
  std::vector<v1::Unit> units;
  auto add = [&](const std::string& id, v1::UnitKind kind,
                 const std::string& parent) {
    v1::Unit u;
    u.set_unit_id(id);
    u.set_kind(kind);
    u.set_parent_unit_id(parent);
    u.set_active(true);
    units.push_back(u);
  };
  add("town.longshui", v1::UNIT_KIND_TOWN_STREET, "center");
  add("comm.nanshan", v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui");
  add("vill.qiaotou", v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui");
  add("grp.qiaotou.3", v1::UNIT_KIND_VILLAGE_COMMUNITY, "vill.qiaotou");
  add("town.youting", v1::UNIT_KIND_TOWN_STREET, "center");
  const Places p = PlacesFromUnits(units);
  EXPECT_TRUE(InUnitTree(p, "comm.nanshan", "town.longshui"));
  EXPECT_TRUE(InUnitTree(p, "grp.qiaotou.3", "town.longshui"));
  EXPECT_TRUE(InUnitTree(p, "grp.qiaotou.3", "vill.qiaotou"));
  EXPECT_TRUE(InUnitTree(p, "town.longshui", "town.longshui"));
  EXPECT_TRUE(InUnitTree(p, "town.longshui.x", "town.longshui"));
  EXPECT_FALSE(InUnitTree(p, "comm.nanshan", "town.youting"));
  EXPECT_FALSE(InUnitTree(p, "town.longshui", "comm.nanshan"));
  EXPECT_FALSE(InUnitTree(p, "grp.qiaotou.3", "comm.nanshan"));
  EXPECT_FALSE(InUnitTree(p, "dept.housing", "town.longshui"));
  // Stored before parents were kept: the town/street stands for them.
  Places old = p;
  old.parents.clear();
  EXPECT_TRUE(InUnitTree(old, "grp.qiaotou.3", "town.longshui"));
  EXPECT_FALSE(InUnitTree(old, "grp.qiaotou.3", "town.youting"));
  // A cycle in the data ends the walk.
  Places cyclic;
  cyclic.communities = {{"a", "town.x"}, {"b", "town.x"}};
  cyclic.parents = {{"a", "b"}, {"b", "a"}};
  EXPECT_FALSE(InUnitTree(cyclic, "a", "town.y"));
  // What a query by id prefix misses of a subtree.
  EXPECT_EQ(PlacesBelowOffPrefix(p, "town.longshui"),
            (std::vector<std::string>{"comm.nanshan", "grp.qiaotou.3",
                                      "vill.qiaotou"}));
  EXPECT_EQ(PlacesBelowOffPrefix(p, "vill.qiaotou"),
            std::vector<std::string>{"grp.qiaotou.3"});
  EXPECT_TRUE(PlacesBelowOffPrefix(p, "town.youting").empty());
  EXPECT_TRUE(PlacesBelowOffPrefix(p, "dept.housing").empty());
}

// Whistle-blowers [10(5)]: a report's caller only for the center, while open.
TEST(IntakeRulesTest, ReportCallersOnlyForTheCenterWhileOpen) {
  v1::Ticket t;
  t.set_ticket_number("DZ20240208-000001");
  t.set_request_type(v1::REQUEST_TYPE_REPORT);
  t.set_status(v1::TICKET_STATUS_AWAITING_EVALUATION);
  const auth::Principal center{"c", auth::Role::kCenterStaff, "", ""};
  const auth::Principal evaluator{"e", auth::Role::kEvaluator, "", ""};
  const auth::Principal unit{"u", auth::Role::kUnitLead, "town.longshui", ""};
  EXPECT_TRUE(CheckReportReveal(t, center).ok());
  EXPECT_EQ(CheckReportReveal(t, evaluator).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckReportReveal(t, unit).code(),
            absl::StatusCode::kPermissionDenied);
  t.set_status(v1::TICKET_STATUS_CLOSED);
  EXPECT_EQ(CheckReportReveal(t, center).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckReportReveal(t, evaluator).code(),
            absl::StatusCode::kPermissionDenied);
  t.set_request_type(v1::REQUEST_TYPE_COMPLAINT);
  EXPECT_TRUE(CheckReportReveal(t, evaluator).ok());
}

// The stored fingerprint holds no caller data: it does not change with the
// caller, and it does with anything else.
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
