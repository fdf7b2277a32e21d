#include "common/db/config.h"

#include <cctype>
#include <ostream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::db {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ConnectionConfigTest, ParsesFullUrl) {
  auto config = ConnectionConfig::ParseUrl(
      "mysql://intake:s3cret@db.example:3307/hotline_intake");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->user, "intake");
  EXPECT_EQ(config->password, "s3cret");
  EXPECT_EQ(config->host, "db.example");
  EXPECT_EQ(config->port, 3307);
  EXPECT_EQ(config->schema, "hotline_intake");
}

TEST(ConnectionConfigTest, DefaultsPortAndAllowsEmptyPasswordAndSchema) {
  auto config = ConnectionConfig::ParseUrl("mysql://root@127.0.0.1/");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->port, 3306);
  EXPECT_EQ(config->password, "");
  EXPECT_EQ(config->schema, "");
  auto bare = ConnectionConfig::ParseUrl("mysql://root:pw@localhost");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->host, "localhost");
  EXPECT_EQ(bare->schema, "");
}

TEST(ConnectionConfigTest, PercentDecodesUserAndPassword) {
  auto config = ConnectionConfig::ParseUrl(
      "mysql://svc%2Buser:p%40ss%3Aw%2Fo%25rd@h:1/s");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->user, "svc+user");
  EXPECT_EQ(config->password, "p@ss:w/o%rd");
}

TEST(ConnectionConfigTest, ChinesePasswordEncodedAndRaw) {
  auto encoded =
      ConnectionConfig::ParseUrl("mysql://u:%E5%AF%86%E7%A0%81123@h:3306/s");
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  EXPECT_EQ(encoded->password, "密码123");
  auto raw = ConnectionConfig::ParseUrl("mysql://u:密码123@h:3306/s");
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(raw->password, "密码123");
}

TEST(ConnectionConfigTest, UnencodedAtAndSlashInPasswordStillParse) {
  auto config = ConnectionConfig::ParseUrl("mysql://u:a@b/c@h:3306/s");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->password, "a@b/c");
  EXPECT_EQ(config->host, "h");
  EXPECT_EQ(config->schema, "s");
}

TEST(ConnectionConfigTest, Ipv6Host) {
  auto config = ConnectionConfig::ParseUrl("mysql://u:p@[::1]:3310/s");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->host, "::1");
  EXPECT_EQ(config->port, 3310);
}

TEST(ConnectionConfigTest, UrlRoundTrips) {
  ConnectionConfig config;
  config.host = "127.0.0.1";
  config.port = 4000;
  config.user = "assessment";
  config.password = "p@ss 密码/:%";
  config.schema = "hotline_assessment";
  auto parsed = ConnectionConfig::ParseUrl(config.Url());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, config);
}

TEST(ConnectionConfigTest, RedactedHidesPassword) {
  auto config = ConnectionConfig::ParseUrl("mysql://intake:topsecret@h:3306/s");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->Redacted(), "mysql://intake:***@h:3306/s");
  EXPECT_THAT(config->Redacted(), Not(HasSubstr("topsecret")));
}

struct BadUrl {
  const char* url;
  const char* complaint;
};

void PrintTo(const BadUrl& bad, std::ostream* os) {
  for (const char* c = bad.url; *c != '\0'; ++c) {
    *os << (std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_');
  }
}

class BadUrlTest : public ::testing::TestWithParam<BadUrl> {};

TEST_P(BadUrlTest, NamesTheProblemAndHidesThePassword) {
  auto config = ConnectionConfig::ParseUrl(GetParam().url);
  ASSERT_FALSE(config.ok()) << GetParam().url;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr(GetParam().complaint));
  EXPECT_THAT(config.status().message(), Not(HasSubstr("hunter2")));
}

INSTANTIATE_TEST_SUITE_P(
    All, BadUrlTest,
    ::testing::Values(
        BadUrl{"postgres://u:hunter2@h/s", "mysql://"},
        BadUrl{"h:3306/s", "mysql://"}, BadUrl{"mysql://h:3306/s", "user"},
        BadUrl{"mysql://:hunter2@h/s", "user is empty"},
        BadUrl{"mysql://u:hunter2@:3306/s", "host is empty"},
        BadUrl{"mysql://u:hunter2@h:abc/s", "port 'abc'"},
        BadUrl{"mysql://u:hunter2@h:0/s", "port '0'"},
        BadUrl{"mysql://u:hunter2@h:70000/s", "port '70000'"},
        BadUrl{"mysql://u:hunter2@h:-1/s", "port '-1'"},
        BadUrl{"mysql://u:hunter2@h:/s", "port after ':' is empty"},
        BadUrl{"mysql://u:hunter2%zz@h/s", "password has a malformed"},
        BadUrl{"mysql://u:hunter2%4@h/s", "password has a malformed"},
        BadUrl{"mysql://u%:hunter2@h/s", "user has a malformed"},
        BadUrl{"mysql://u:hunter2@[::1/s", "unclosed '['"},
        BadUrl{"mysql://u:hunter2@h/s/t", "single name"},
        BadUrl{"mysql://u:hunter2@h/s?ssl=1", "single name"}));

}  // namespace
}  // namespace hotline::db
