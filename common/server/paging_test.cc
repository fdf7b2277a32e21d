#include "common/server/paging.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/intake.pb.h"
#include "hotline/v1/routing.pb.h"

namespace hotline::paging {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

v1::SearchTicketsRequest Search(const std::string& text) {
  v1::SearchTicketsRequest r;
  r.set_text(text);
  return r;
}

TEST(PageSizeTest, ZeroMeansFiftyAndAboveFiveHundredIsRefused) {
  v1::PageRequest page;
  EXPECT_EQ(*PageSize(page), 50);
  page.set_page_size(1);
  EXPECT_EQ(*PageSize(page), 1);
  page.set_page_size(500);
  EXPECT_EQ(*PageSize(page), 500);
  page.set_page_size(501);
  EXPECT_EQ(PageSize(page).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(PageSize(page).status()),
              StartsWith("page.page_size: must be 0–500"));
  page.set_page_size(-1);
  EXPECT_THAT(Message(PageSize(page).status()), StartsWith("page.page_size:"));
}

TEST(OffsetPageTest, FirstPageThenTheTokensOffset) {
  v1::SearchTicketsRequest req = Search("噪音扰民");
  req.mutable_page()->set_page_size(20);
  const Query query("intake.SearchTickets", req);
  absl::StatusOr<OffsetPage> first = OffsetPage::Parse(req.page(), query);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->offset(), 0);
  EXPECT_EQ(first->size(), 20);
  EXPECT_EQ(first->limit(), 21);
  EXPECT_EQ(first->NextAfterRead(20), "");  // exactly one page
  const std::string token = first->NextAfterRead(21);
  ASSERT_FALSE(token.empty());

  // The next request: the same filters, the token; the query is the same
  // whatever the page field holds.
  req.mutable_page()->set_page_token(token);
  const Query again("intake.SearchTickets", req);
  absl::StatusOr<OffsetPage> second = OffsetPage::Parse(req.page(), again);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->offset(), 20);
  EXPECT_EQ(second->size(), 20);
  EXPECT_EQ(second->NextOfTotal(40), "");
  ASSERT_FALSE(second->NextOfTotal(41).empty());
  req.mutable_page()->set_page_token(second->NextOfTotal(41));
  EXPECT_EQ(OffsetPage::Parse(req.page(), again)->offset(), 40);
}

TEST(OffsetPageTest, TokenOfOtherFiltersIsRefused) {
  v1::SearchTicketsRequest a = Search("噪音扰民");
  v1::SearchTicketsRequest b = Search("道路积水");
  const Query qa("intake.SearchTickets", a);
  const std::string token = OffsetPage::Parse(a.page(), qa)->NextAfterRead(100);
  b.mutable_page()->set_page_token(token);
  absl::StatusOr<OffsetPage> foreign =
      OffsetPage::Parse(b.page(), Query("intake.SearchTickets", b));
  EXPECT_EQ(foreign.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Message(foreign.status()),
            "page.page_token: not a token of this query");
  // A filter left at its default is a filter too.
  v1::SearchTicketsRequest c = a;
  c.mutable_received()->set_from_date("2026-03-01");
  c.mutable_page()->set_page_token(token);
  EXPECT_FALSE(
      OffsetPage::Parse(c.page(), Query("intake.SearchTickets", c)).ok());
}

TEST(OffsetPageTest, TokenOfAnotherListIsRefused) {
  // Two lists over the same request type (the same filters): the list's
  // name tells them apart.
  v1::ListUnitsRequest req;
  req.set_root_unit_id("town.longshui");
  const std::string units_token =
      OffsetPage::Parse(req.page(), Query("routing.ListUnits", req))
          ->NextAfterRead(51);
  req.mutable_page()->set_page_token(units_token);
  EXPECT_TRUE(
      OffsetPage::Parse(req.page(), Query("routing.ListUnits", req)).ok());
  EXPECT_THAT(
      Message(OffsetPage::Parse(req.page(), Query("routing.ListRules", req))
                  .status()),
      HasSubstr("page.page_token"));
}

TEST(OffsetPageTest, WhatIsNoTokenIsRefused) {
  v1::ListUnitsRequest req;
  const Query query("routing.ListUnits", req);
  for (const char* bad : {"garbage", "rules:3", "o50", "50.abcdef012345", "!!!",
                          "AAAA", "编号"}) {
    req.mutable_page()->set_page_token(bad);
    EXPECT_EQ(OffsetPage::Parse(req.page(), query).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  // A token of this query whose position is no offset.
  req.mutable_page()->set_page_token(query.Token("2026-03"));
  EXPECT_THAT(Message(OffsetPage::Parse(req.page(), query).status()),
              StartsWith("page.page_token:"));
  req.mutable_page()->set_page_token(query.Token("-5"));
  EXPECT_FALSE(OffsetPage::Parse(req.page(), query).ok());
  req.mutable_page()->set_page_token(query.Token("1000000001"));
  EXPECT_FALSE(OffsetPage::Parse(req.page(), query).ok());
  req.mutable_page()->set_page_token(query.Token("1000000000"));
  EXPECT_EQ(OffsetPage::Parse(req.page(), query)->offset(), kMaxOffset);
}

TEST(OffsetPageTest, BadSizeIsNamedBeforeTheToken) {
  v1::ListUnitsRequest req;
  req.mutable_page()->set_page_size(501);
  req.mutable_page()->set_page_token("garbage");
  EXPECT_THAT(
      Message(OffsetPage::Parse(req.page(), Query("routing.ListUnits", req))
                  .status()),
      StartsWith("page.page_size:"));
}

TEST(QueryTest, KeysetPositionsRoundTrip) {
  v1::ListTicketsRequest req;
  req.set_town_code("town.longshui");
  const Query query("assessment.ListStoredReports", req);
  req.mutable_page()->set_page_token(query.Token("2026-03\nev-民生-7"));
  absl::StatusOr<std::string> position = query.Position(req.page());
  ASSERT_TRUE(position.ok()) << position.status();
  EXPECT_EQ(*position, "2026-03\nev-民生-7");
  req.clear_page();
  EXPECT_EQ(*query.Position(req.page()), "");
  // Tokens are URL-safe: no '+', '/' or padding to escape.
  EXPECT_EQ(query.Token("2026-03").find_first_of("+/= "), std::string::npos);
}

TEST(QueryTest, SameQuerySameTokenInEveryProcess) {
  // The tag is a digest of the list's name and the deterministic bytes of
  // the filters, not a per-process hash: replicas accept each other's
  // tokens. Pinned here so that a change of format is deliberate.
  v1::ListUnitsRequest req;
  req.set_root_unit_id("town.longshui");
  req.add_kinds(v1::UNIT_KIND_TOWN_STREET);
  const Query a("routing.ListUnits", req);
  req.mutable_page()->set_page_size(7);
  const Query b("routing.ListUnits", req);
  EXPECT_EQ(a.Token("20"), b.Token("20"));
  // base64url(SHA-256("routing.ListUnits\0" + filters)[0..8) + "20")
  EXPECT_EQ(a.Token("20"), "Ovsx455yGbwyMA");
  EXPECT_NE(a.Token("20"), a.Token("40"));
}

}  // namespace
}  // namespace hotline::paging
