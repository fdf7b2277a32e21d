#include "services/intake/domain/similarity.h"

#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::intake {
namespace {

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
