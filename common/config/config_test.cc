#include "common/config/config.h"

#include <map>

#include "absl/flags/flag.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::config {
namespace {

using ::testing::HasSubstr;

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars](absl::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

class ConfigTest : public ::testing::Test {
 protected:
  void TearDown() override {
    absl::SetFlag(&FLAGS_listen, "");
    absl::SetFlag(&FLAGS_mysql, "");
    absl::SetFlag(&FLAGS_clock, "");
    absl::SetFlag(&FLAGS_clock_start, "");
    absl::SetFlag(&FLAGS_subscribers, "");
  }

  std::map<std::string, std::string> Complete() {
    return {{"HOTLINE_LISTEN", "127.0.0.1:7001"},
            {"HOTLINE_MYSQL", "mysql://intake:密码@127.0.0.1:3306/intake"},
            {"HOTLINE_TOKENS", "/etc/hotline/tokens"},
            {"HOTLINE_METRICS_LISTEN", "127.0.0.1:9101"}};
  }
};

TEST_F(ConfigTest, EnvironmentFillsWhatFlagsLeaveOut) {
  auto c = LoadServiceConfig("intake", FakeEnv(Complete()));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->service_name, "intake");
  EXPECT_EQ(c->listen, "127.0.0.1:7001");
  EXPECT_EQ(c->mysql_url, "mysql://intake:密码@127.0.0.1:3306/intake");
  EXPECT_EQ(c->clock_mode, ClockMode::kSystem);
  EXPECT_EQ(c->metrics_listen, "127.0.0.1:9101");
  EXPECT_TRUE(c->subscribers.empty());
}

TEST_F(ConfigTest, FlagWinsOverEnvironment) {
  absl::SetFlag(&FLAGS_listen, "0.0.0.0:0");
  auto c = LoadServiceConfig("intake", FakeEnv(Complete()));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen, "0.0.0.0:0");
}

TEST_F(ConfigTest, MissingSettingNamesFlagAndVariable) {
  auto env = Complete();
  env.erase("HOTLINE_MYSQL");
  auto c = LoadServiceConfig("intake", FakeEnv(env));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(),
              HasSubstr("--mysql (HOTLINE_MYSQL) is required"));
}

TEST_F(ConfigTest, MalformedSettingsAreRefused) {
  auto env = Complete();
  env["HOTLINE_LISTEN"] = "localhost";
  EXPECT_THAT(LoadServiceConfig("intake", FakeEnv(env)).status().message(),
              HasSubstr("--listen (HOTLINE_LISTEN) must be host:port"));
  env = Complete();
  env["HOTLINE_LISTEN"] = "127.0.0.1:70000";
  EXPECT_THAT(LoadServiceConfig("intake", FakeEnv(env)).status().message(),
              HasSubstr("bad port"));
  env = Complete();
  env["HOTLINE_CLOCK"] = "wall";
  EXPECT_THAT(LoadServiceConfig("intake", FakeEnv(env)).status().message(),
              HasSubstr("--clock (HOTLINE_CLOCK) must be system or manual"));
  env = Complete();
  env["HOTLINE_MYSQL"] = "postgres://x";
  EXPECT_THAT(LoadServiceConfig("intake", FakeEnv(env)).status().message(),
              HasSubstr("--mysql (HOTLINE_MYSQL)"));
  env = Complete();
  env["HOTLINE_CLOCK_START"] = "2024-02-08T08:00:00+08:00";
  EXPECT_THAT(LoadServiceConfig("intake", FakeEnv(env)).status().message(),
              HasSubstr("only meaningful with --clock=manual"));
}

TEST_F(ConfigTest, ManualClockWithStart) {
  auto env = Complete();
  env["HOTLINE_CLOCK"] = "manual";
  env["HOTLINE_CLOCK_START"] = "2024-02-08T16:00:00+08:00";
  auto c = LoadServiceConfig("deadline", FakeEnv(env));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->clock_mode, ClockMode::kManual);
  EXPECT_EQ(c->clock_start, absl::FromUnixSeconds(1707379200));
}

TEST_F(ConfigTest, SubscribersNeedAServiceToken) {
  auto env = Complete();
  env["HOTLINE_SUBSCRIBERS"] = "routing=127.0.0.1:7002";
  EXPECT_THAT(LoadServiceConfig("intake", FakeEnv(env)).status().message(),
              HasSubstr("--service_token (HOTLINE_SERVICE_TOKEN) is required"));
  env["HOTLINE_SERVICE_TOKEN"] = "svc-token-0001";
  auto c = LoadServiceConfig("intake", FakeEnv(env));
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->subscribers.size(), 1u);
  EXPECT_EQ(c->subscribers[0].name, "routing");
  EXPECT_EQ(c->service_token, "svc-token-0001");
}

TEST_F(ConfigTest, MetricsCanBeTurnedOff) {
  auto env = Complete();
  env["HOTLINE_METRICS_LISTEN"] = "off";
  auto c = LoadServiceConfig("intake", FakeEnv(env));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(c->metrics_listen.empty());
}

TEST(ParseSubscribersTest, ParsesAndRejects) {
  auto s = ParseSubscribers("--subscribers",
                            "deadline=127.0.0.1:7003, assessment=[::1]:7004");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->size(), 2u);
  EXPECT_EQ((*s)[0].name, "deadline");
  EXPECT_EQ((*s)[1].address, "[::1]:7004");
  EXPECT_FALSE(ParseSubscribers("--subscribers", "deadline").ok());
  EXPECT_TRUE(ParseSubscribers("--subscribers", "a=h:1,b=h:2").ok());
  EXPECT_FALSE(ParseSubscribers("--subscribers", "a=h:1,a=h:2").ok());
  EXPECT_FALSE(ParseSubscribers("--subscribers", "a=nohost").ok());
  EXPECT_TRUE(ParseSubscribers("--subscribers", "")->empty());
  // Replicas of one subscriber.
  auto replicas = ParseSubscribers(
      "--subscribers", "routing=127.0.0.1:7102|127.0.0.1:7202,intake=h:1");
  ASSERT_TRUE(replicas.ok()) << replicas.status();
  EXPECT_EQ(ChannelTarget((*replicas)[0].address),
            "ipv4:127.0.0.1:7102,127.0.0.1:7202");
  EXPECT_EQ(ChannelTarget((*replicas)[1].address), "h:1");
  EXPECT_FALSE(ParseSubscribers("--subscribers", "a=h:1|nope").ok());
}

}  // namespace
}  // namespace hotline::config
