#include "common/auth/auth.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::auth {
namespace {

using ::testing::HasSubstr;

constexpr char kFile[] = R"(# 开发用令牌 (dev tokens)
agent-token-0001   CALL_AGENT
center-token-0001  CENTER_STAFF
staff-longtang-01  UNIT_STAFF   town-longshui   # 龙水镇
lead-longshui-001  UNIT_LEAD    town-longshui

service-token-001  SERVICE
)";

TEST(TokenStoreTest, ParsesAndAuthenticates) {
  auto store = TokenStore::Parse(kFile);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 5u);

  auto p = store->Authenticate("Bearer staff-longtang-01");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->role, Role::kUnitStaff);
  EXPECT_EQ(p->unit_id, "town-longshui");
  EXPECT_THAT(p->id, ::testing::MatchesRegex("tok-[0-9a-f]{8}"));
  EXPECT_THAT(p->id, ::testing::Not(HasSubstr("staff")));

  auto c = store->Authenticate("Bearer center-token-0001");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->role, Role::kCenterStaff);
  EXPECT_TRUE(c->unit_id.empty());
}

TEST(TokenStoreTest, UnauthenticatedCases) {
  auto store = TokenStore::Parse(kFile);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->Authenticate(std::nullopt).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(store->Authenticate("Basic abc").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(store->Authenticate("Bearer nope-nope-nope").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(store->Authenticate("Bearer ").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TokenStoreTest, BadFilesNameTheLine) {
  EXPECT_THAT(TokenStore::Parse("abcdefgh MAYOR\n").status().message(),
              HasSubstr("line 1: unknown role \"MAYOR\""));
  EXPECT_THAT(TokenStore::Parse("\nabcdefgh UNIT_STAFF\n").status().message(),
              HasSubstr("line 2: UNIT_STAFF must name its UNIT_ID"));
  EXPECT_THAT(TokenStore::Parse("short CALL_AGENT\n").status().message(),
              HasSubstr("shorter than 8"));
  EXPECT_THAT(TokenStore::Parse("abcdefgh CALL_AGENT\nabcdefgh AUDITOR\n")
                  .status()
                  .message(),
              HasSubstr("line 2: token listed twice"));
  EXPECT_THAT(TokenStore::Parse("abcdefgh CALL_AGENT x y\n").status().message(),
              HasSubstr("expected TOKEN ROLE [UNIT_ID | SERVICE_NAME]"));
}

TEST(RequireTest, RoleAndUnit) {
  Principal staff{"tok-1", Role::kUnitStaff, "town-longshui"};
  EXPECT_TRUE(RequireRole(staff, {Role::kUnitStaff, Role::kUnitLead}).ok());
  absl::Status denied = RequireRole(staff, {Role::kCenterStaff});
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(denied.message(), HasSubstr("UNIT_STAFF"));
  EXPECT_THAT(denied.message(), HasSubstr("CENTER_STAFF"));
  EXPECT_TRUE(RequireUnit(staff, "town-longshui").ok());
  EXPECT_EQ(RequireUnit(staff, "town-baoding").code(),
            absl::StatusCode::kPermissionDenied);
  Principal center{"tok-2", Role::kCenterStaff, ""};
  EXPECT_EQ(RequireUnit(center, "").code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(PrincipalTest, UnitRolesAreStaffAndLeadOnly) {
  for (Role r : {Role::kUnitStaff, Role::kUnitLead}) {
    EXPECT_TRUE((Principal{"tok-1", r, "town.longshui"}).IsUnitRole());
  }
  for (Role r : {Role::kCallAgent, Role::kCenterStaff, Role::kAuditor,
                 Role::kEvaluator, Role::kService, Role::kChannelGateway}) {
    EXPECT_FALSE((Principal{"tok-1", r, ""}).IsUnitRole()) << RoleName(r);
  }
}

TEST(RoleNameTest, RoundTrips) {
  for (Role r :
       {Role::kCallAgent, Role::kCenterStaff, Role::kUnitStaff, Role::kUnitLead,
        Role::kEvaluator, Role::kAuditor, Role::kService}) {
    EXPECT_EQ(RoleFromName(RoleName(r)), r);
  }
  EXPECT_FALSE(RoleFromName("center_staff").has_value());
}

// Issue 13: a SERVICE line names its service; CHANNEL_GATEWAY is a role.
TEST(TokenStoreTest, ServiceNamesAndChannelGateway) {
  auto store = TokenStore::Parse(
      "svc-routing-0001 SERVICE routing\n"
      "svc-legacy-00001 SERVICE\n"
      "gateway-00000001 CHANNEL_GATEWAY  # 话务平台网关\n");
  ASSERT_TRUE(store.ok()) << store.status();
  auto routing = store->Authenticate("Bearer svc-routing-0001");
  ASSERT_TRUE(routing.ok());
  EXPECT_EQ(routing->role, Role::kService);
  EXPECT_EQ(routing->service, "routing");
  EXPECT_TRUE(routing->unit_id.empty());
  EXPECT_TRUE(routing->IsService("routing"));
  EXPECT_FALSE(routing->IsService("intake"));
  EXPECT_TRUE(RequireNamedService(*routing).ok());

  auto legacy = store->Authenticate("Bearer svc-legacy-00001");
  ASSERT_TRUE(legacy.ok());
  EXPECT_TRUE(legacy->service.empty());
  EXPECT_EQ(RequireNamedService(*legacy).code(),
            absl::StatusCode::kPermissionDenied);

  auto gateway = store->Authenticate("Bearer gateway-00000001");
  ASSERT_TRUE(gateway.ok());
  EXPECT_EQ(gateway->role, Role::kChannelGateway);
  EXPECT_EQ(RoleName(Role::kChannelGateway), "CHANNEL_GATEWAY");
  EXPECT_EQ(RequireNamedService(*gateway).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(RequireRole(*gateway, {Role::kCallAgent}).code(),
            absl::StatusCode::kPermissionDenied);

  EXPECT_THAT(
      TokenStore::Parse("svc-token-00001 SERVICE billing\n").status().message(),
      HasSubstr("line 1: SERVICE names one of intake, routing"));
}

class TokenFileTest : public ::testing::Test {
 protected:
  void TearDown() override { std::remove(path_.c_str()); }

  // As an operator should: a new file renamed into place.
  void Replace(const std::string& text) {
    const std::string next = path_ + ".new";
    std::ofstream(next) << text;
    ASSERT_EQ(std::rename(next.c_str(), path_.c_str()), 0);
  }
  // As deploy/local/run.sh does: lines appended in place.
  void Append(const std::string& text) {
    std::ofstream(path_, std::ios::app) << text;
  }
  bool Accepts(const TokenFile& file, const std::string& token) {
    return file.Authenticate("Bearer " + token).ok();
  }

  const std::string path_ = absl::StrCat(
      ::testing::TempDir(), "/token-file-", getpid(), "-",
      ::testing::UnitTest::GetInstance()->current_test_info()->name());
};

TEST_F(TokenFileTest, PicksUpAddedAndRemovedTokensAndKeepsOldOnError) {
  Replace(kFile);
  auto file = TokenFile::Open(path_);
  ASSERT_TRUE(file.ok()) << file.status();
  TokenFile& f = **file;
  EXPECT_EQ(f.size(), 5u);
  EXPECT_EQ(*f.ReloadIfChanged(), false);  // nothing changed

  // A unit's staff is added (龙水镇 gets a second clerk).
  EXPECT_FALSE(Accepts(f, "staff-longshui-02"));
  Append("staff-longshui-02 UNIT_STAFF town-longshui\n");
  ASSERT_EQ(*f.ReloadIfChanged(), true);
  EXPECT_TRUE(Accepts(f, "staff-longshui-02"));
  auto p = f.Authenticate("Bearer staff-longshui-02");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, Role::kUnitStaff);
  EXPECT_EQ(p->unit_id, "town-longshui");
  EXPECT_EQ(f.size(), 6u);

  // The agent leaves: the token is refused from the next call on.
  Replace(
      "center-token-0001  CENTER_STAFF\n"
      "staff-longshui-02  UNIT_STAFF town-longshui\n");
  ASSERT_EQ(*f.ReloadIfChanged(), true);
  EXPECT_FALSE(Accepts(f, "agent-token-0001"));
  EXPECT_TRUE(Accepts(f, "center-token-0001"));
  EXPECT_EQ(f.size(), 2u);

  // A broken file (second line names no unit) keeps the tokens in use and is
  // reported once, not at every poll.
  Replace("center-token-0002  CENTER_STAFF\nlead-longshui-002 UNIT_LEAD\n");
  absl::StatusOr<bool> broken = f.ReloadIfChanged();
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(broken.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(broken.status().message(), HasSubstr(path_));
  EXPECT_TRUE(Accepts(f, "center-token-0001"));
  EXPECT_FALSE(Accepts(f, "center-token-0002"));
  EXPECT_EQ(*f.ReloadIfChanged(), false);
  EXPECT_FALSE(f.Reload().ok());  // asked again (SIGHUP): same answer
  EXPECT_TRUE(Accepts(f, "center-token-0001"));

  // Fixed: taken.
  Append("# 补上单位\nlead-longshui-003 UNIT_LEAD town-longshui\n");
  broken = f.ReloadIfChanged();
  EXPECT_FALSE(broken.ok());  // line 2 is still wrong
  Replace(
      "center-token-0002  CENTER_STAFF\n"
      "lead-longshui-002 UNIT_LEAD town-longshui\n");
  ASSERT_EQ(*f.ReloadIfChanged(), true);
  EXPECT_TRUE(Accepts(f, "center-token-0002"));
  EXPECT_TRUE(Accepts(f, "lead-longshui-002"));
  EXPECT_FALSE(Accepts(f, "center-token-0001"));

  // A file that disappears keeps the tokens too.
  std::remove(path_.c_str());
  EXPECT_FALSE(f.ReloadIfChanged().ok());
  EXPECT_TRUE(Accepts(f, "center-token-0002"));
}

TEST_F(TokenFileTest, OpenFailsOnABrokenOrMissingFile) {
  EXPECT_EQ(TokenFile::Open(path_).status().code(),
            absl::StatusCode::kInvalidArgument);
  Replace("center-token-0001 NOBODY\n");
  EXPECT_THAT(TokenFile::Open(path_).status().message(),
              HasSubstr("line 1: unknown role"));
}

// Calls during reloads see the old table or the new one, never a table in
// the making: a token present in both is accepted throughout.
TEST_F(TokenFileTest, CallsDuringReloadsSeeOneWholeTable) {
  std::string a = "center-token-0001 CENTER_STAFF\n";
  std::string b = a;
  for (int i = 0; i < 200; ++i) {
    absl::StrAppend(&a, "agent-a-", 10000 + i, " CALL_AGENT\n");
    absl::StrAppend(&b, "agent-b-", 10000 + i, " CALL_AGENT\n");
  }
  Replace(a);
  auto file = TokenFile::Open(path_);
  ASSERT_TRUE(file.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0}, calls{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (!Accepts(**file, "center-token-0001")) ++refused;
        ++calls;
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    Replace(i % 2 == 0 ? b : a);
    ASSERT_TRUE((*file)->Reload().ok());
    EXPECT_EQ((*file)->size(), 201u);
  }
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(refused.load(), 0);
  EXPECT_GT(calls.load(), 0);
  EXPECT_TRUE(Accepts(**file, "agent-a-10199"));  // the last load was `a`
  EXPECT_FALSE(Accepts(**file, "agent-b-10199"));
}

}  // namespace
}  // namespace hotline::auth
