#include "services/intake/domain/repeats.h"

#include "absl/time/time.h"
#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/intake/domain/similarity.h"

namespace hotline::intake {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kNow = absl::FromCivil(
    absl::CivilSecond(2026, 12, 5, 10, 0, 0), absl::FixedTimeZone(8 * 3600));

std::vector<uint32_t> SignatureOf(const char* text) {
  return MinHash(Terms(text));
}

RepeatQuery QueryFor(const char* text) {
  RepeatQuery q;
  q.caller_hash = "h:来电人";
  q.town_code = "town.longshui";
  q.signature = SignatureOf(text);
  q.since = kNow - absl::Hours(24 * 30);
  q.threshold = 0.5;
  q.exclude_ticket_id = "t-new";
  return q;
}

v1::RepeatCandidate Found(const std::string& id, absl::Time received) {
  v1::RepeatCandidate c;
  c.set_ticket_id(id);
  c.set_ticket_number("DZ20261205-000001");
  c.set_status(v1::TICKET_STATUS_DISPATCHED);
  *c.mutable_received_at() = ToProto(received);
  return c;
}

std::vector<std::string> Ids(const std::vector<v1::RepeatCandidate>& cs) {
  std::vector<std::string> out;
  for (const auto& c : cs) out.push_back(c.ticket_id());
  return out;
}

constexpr char kText[] = "龙水镇南山社区路灯不亮，晚上出行很不方便，请尽快维修";

TEST(RepeatCandidatesTest, SameCallerScoresOneAndWinsOverThePlace) {
  const RepeatQuery q = QueryFor(kText);
  RepeatCandidates c(q);
  c.AddSameCaller(7, Found("t-7", kNow - absl::Hours(2)));
  c.AddSamePlace(7, Found("t-7", kNow - absl::Hours(2)), SignatureOf(kText));
  const auto ranked = c.Ranked();
  ASSERT_EQ(ranked.size(), 1u);
  EXPECT_EQ(ranked[0].signal(), v1::REPEAT_SIGNAL_SAME_CALLER);
  EXPECT_EQ(ranked[0].score(), 1.0);
}

TEST(RepeatCandidatesTest, ThePlaceCountsOnlyAtOrAboveTheThreshold) {
  const RepeatQuery q = QueryFor(kText);
  RepeatCandidates c(q);
  c.AddSamePlace(1, Found("t-same", kNow - absl::Hours(1)), SignatureOf(kText));
  c.AddSamePlace(2, Found("t-other", kNow - absl::Hours(1)),
                 SignatureOf("棠香街道农贸市场噪音扰民，凌晨装卸货物"));
  const auto ranked = c.Ranked();
  ASSERT_THAT(Ids(ranked), ElementsAre("t-same"));
  EXPECT_EQ(ranked[0].signal(), v1::REPEAT_SIGNAL_SAME_PLACE_SIMILAR_CONTENT);
  EXPECT_DOUBLE_EQ(ranked[0].score(), 1.0);

  RepeatQuery strict = q;  // a threshold no estimate reaches
  strict.threshold = 1.01;
  RepeatCandidates none(strict);
  none.AddSamePlace(1, Found("t-same", kNow), SignatureOf(kText));
  EXPECT_THAT(none.Ranked(), IsEmpty());
}

TEST(RepeatCandidatesTest, NeverItselfNorOutsideTheWindow) {
  const RepeatQuery q = QueryFor(kText);
  RepeatCandidates c(q);
  c.AddSameCaller(1, Found("t-new", kNow));
  c.AddSameCaller(2, Found("t-old", q.since - absl::Seconds(1)));
  c.AddSameCaller(3, Found("t-edge", q.since));
  c.AddSameCaller(4, Found("t-own-row", kNow));
  c.Drop(4);
  EXPECT_THAT(Ids(c.Ranked()), ElementsAre("t-edge"));
}

TEST(RepeatCandidatesTest, WithoutACallerOrATownThatSignalIsNotUsed) {
  RepeatQuery q = QueryFor(kText);
  q.caller_hash.clear();
  q.town_code.clear();
  RepeatCandidates c(q);
  c.AddSameCaller(1, Found("t-1", kNow));
  c.AddSamePlace(2, Found("t-2", kNow), SignatureOf(kText));
  v1::Ticket earlier;
  earlier.set_ticket_id("t-3");
  *earlier.mutable_received_at() = ToProto(kNow);
  c.AddEarlier(3, earlier, SignatureOf(kText));
  EXPECT_THAT(c.Ranked(), IsEmpty());
}

TEST(RepeatCandidatesTest, EarlierOrdersOfTheBatchBySameCallerOrSameTown) {
  const RepeatQuery q = QueryFor(kText);
  RepeatCandidates c(q);
  v1::Ticket caller;
  caller.set_ticket_id("t-caller");
  caller.set_caller_hash("h:来电人");
  caller.mutable_location()->set_town_code("town.tangxiang");
  *caller.mutable_received_at() = ToProto(kNow);
  c.AddEarlier(10, caller, SignatureOf("完全不同的内容"));
  v1::Ticket town;
  town.set_ticket_id("t-town");
  town.mutable_location()->set_town_code("town.longshui");
  *town.mutable_received_at() = ToProto(kNow);
  c.AddEarlier(11, town, SignatureOf(kText));
  v1::Ticket elsewhere = town;
  elsewhere.set_ticket_id("t-elsewhere");
  elsewhere.mutable_location()->set_town_code("town.tangxiang");
  c.AddEarlier(12, elsewhere, SignatureOf(kText));
  // Equal scores: the newest row first.
  EXPECT_THAT(Ids(c.Ranked()), ElementsAre("t-town", "t-caller"));
}

TEST(RepeatCandidatesTest, BestFirstThenNewestAndAtMostTen) {
  const RepeatQuery q = QueryFor(kText);
  RepeatCandidates c(q);
  for (int row = 1; row <= 12; ++row) {
    c.AddSamePlace(row, Found("t-" + std::to_string(row), kNow),
                   SignatureOf(kText));
  }
  c.AddSamePlace(20, Found("t-near", kNow),
                 SignatureOf("龙水镇南山社区路灯不亮，晚上出行很不方便"));
  const auto ranked = c.Ranked();
  ASSERT_EQ(ranked.size(), kMaxRepeatCandidates);
  EXPECT_EQ(ranked.front().ticket_id(), "t-12");
  EXPECT_EQ(ranked.back().ticket_id(), "t-3");
  for (size_t i = 1; i < ranked.size(); ++i) {
    EXPECT_GE(ranked[i - 1].score(), ranked[i].score());
  }
}

}  // namespace
}  // namespace hotline::intake
