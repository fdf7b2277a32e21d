#include "services/intake/edge/paging.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/intake.pb.h"

namespace hotline::intake {
namespace {

TEST(PagingTest, TokensAreBoundToTheirFilters) {
  v1::ListTicketsRequest a;
  a.set_town_code("town.longshui");
  v1::ListTicketsRequest b;
  b.set_town_code("town.youting");
  v1::PageRequest page;
  auto first = ParsePage(page, a);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->offset, 0);
  EXPECT_EQ(first->size, 50);
  page.set_page_token(NextPageToken(50, a));
  auto next = ParsePage(page, a);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->offset, 50);
  EXPECT_THAT(std::string(ParsePage(page, b).status().message()),
              ::testing::StartsWith("page.page_token:"));
  page.set_page_token("garbage");
  EXPECT_FALSE(ParsePage(page, a).ok());
  page.clear_page_token();
  page.set_page_size(501);
  EXPECT_THAT(std::string(ParsePage(page, a).status().message()),
              ::testing::StartsWith("page.page_size:"));
}

}  // namespace
}  // namespace hotline::intake
