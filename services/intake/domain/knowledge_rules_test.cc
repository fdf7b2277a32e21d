#include "services/intake/domain/knowledge_rules.h"

#include "gtest/gtest.h"

namespace hotline::intake {
namespace {

ArticleSnapshot Draft(const std::string& author) {
  ArticleSnapshot s;
  s.owner_unit_id = "dept.housing";
  s.latest_version = 1;
  s.latest.set_article_id("kb-1");
  s.latest.set_version(1);
  s.latest.set_state(v1::ARTICLE_STATE_DRAFT);
  s.latest.mutable_author()->set_principal_id(author);
  s.latest.mutable_content()->set_title("公租房申请条件");
  return s;
}

TEST(KnowledgeRulesTest, Workflow) {
  const absl::Time now = absl::FromUnixSeconds(1707350400);
  ArticleSnapshot s = Draft("tok-a");
  auto sub = DecideSubmit(s, now);
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub->result.state(), v1::ARTICLE_STATE_IN_REVIEW);
  s.latest = sub->result;
  v1::Actor author;
  author.set_principal_id("tok-a");
  EXPECT_EQ(DecideReview(s, 1, true, "", author, now).status().code(),
            absl::StatusCode::kPermissionDenied);
  v1::Actor lead;
  lead.set_principal_id("tok-b");
  EXPECT_EQ(DecideReview(s, 2, true, "", lead, now).status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto pub = DecideReview(s, 1, true, "", lead, now);
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->result.state(), v1::ARTICLE_STATE_PUBLISHED);
  EXPECT_TRUE(pub->reindex);
  // Editing a published article opens version 2 as a draft.
  s.latest = pub->result;
  s.published = pub->result;
  s.published_version = 1;
  v1::ArticleContent c;
  c.set_title("公租房申请条件（2024版）");
  auto upd = DecideUpdate(s, 1, c, author, now);
  ASSERT_TRUE(upd.ok());
  EXPECT_EQ(upd->result.version(), 2);
  EXPECT_EQ(upd->result.state(), v1::ARTICLE_STATE_DRAFT);
  EXPECT_EQ(upd->published_version, 1);
  EXPECT_EQ(DecideUpdate(s, 0, c, author, now).status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto ret = DecideRetire(s, "政策废止", now);
  ASSERT_TRUE(ret.ok());
  EXPECT_TRUE(ret->retired);
  s.retired = true;
  EXPECT_FALSE(DecideRetire(s, "again", now).ok());
}

// The matter taxonomy nests by its dotted codes (a different tree from the
// units', which is the directory's parent links).
TEST(KnowledgeRulesTest, CategoryCodesNestByTheirDottedPath) {
  EXPECT_TRUE(InCategoryByCode("urban.housing", "urban.housing"));
  EXPECT_TRUE(InCategoryByCode("urban.housing.property", "urban.housing"));
  EXPECT_TRUE(InCategoryByCode("urban.housing.property", "urban"));
  EXPECT_FALSE(InCategoryByCode("urban.housingx", "urban.housing"));
  EXPECT_FALSE(InCategoryByCode("urban", "urban.housing"));
  EXPECT_FALSE(InCategoryByCode("", "urban"));
  EXPECT_FALSE(InCategoryByCode("urban", ""));
}

TEST(KnowledgeRulesTest, Filters) {
  v1::Article a;
  a.set_owner_unit_id("dept.housing");
  a.mutable_content()->add_category_codes("urban.housing.property");
  a.mutable_content()->add_area_codes("town.longgang");
  a.mutable_content()->set_valid_from("2024-01-01");
  a.mutable_content()->set_valid_to("2024-12-31");
  EXPECT_TRUE(ArticleMatches(a, "urban", "town.longgang", "", "2024-02-08"));
  EXPECT_TRUE(ArticleMatches(a, "urban.housing", "", "", "2024-02-08"));
  EXPECT_FALSE(ArticleMatches(a, "urb", "", "", "2024-02-08"));
  EXPECT_FALSE(ArticleMatches(a, "eco", "", "", "2024-02-08"));
  EXPECT_FALSE(ArticleMatches(a, "", "town.longshui", "", "2024-02-08"));
  EXPECT_FALSE(ArticleMatches(a, "", "", "", "2025-01-01"));
}

}  // namespace
}  // namespace hotline::intake
