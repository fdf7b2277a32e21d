#include "common/auth/auth.h"

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

}  // namespace
}  // namespace hotline::auth
