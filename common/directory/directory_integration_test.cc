// The directory follower with its stored copy in a real MariaDB: what it
// reads is stored and swapped in, the last good copy stays while routing is
// away, and a restart while routing is away starts from the stored copy.
// The source is an in-process stand-in for routing that can be taken down;
// the gRPC source against the real routing service is exercised by intake's
// and assessment's integration tests.

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/db/connection.h"
#include "common/db/migrations.h"
#include "common/directory/directory_follower.h"
#include "common/directory/mysql_directory_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline_directory_DirectoryMigrations.h"
#include "tests/support/test_db.h"

namespace hotline::directory {
namespace {

UnitEntry E(const std::string& id, const std::string& name, v1::UnitKind kind,
            const std::string& parent, const std::string& short_name = "") {
  UnitEntry e;
  e.unit_id = id;
  e.name = name;
  e.kind = kind;
  e.parent_unit_id = parent;
  e.short_name = short_name;
  return e;
}

std::vector<UnitEntry> Dazu() {
  return {
      E("center", "大足区政务服务管理办公室", v1::UNIT_KIND_CENTER, ""),
      E("town.longshui", "龙水镇人民政府", v1::UNIT_KIND_TOWN_STREET, "center",
        "龙水镇"),
      E("comm.longshui.nanshan", "龙水镇南山社区居委会",
        v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui", "南山社区"),
      E("dept.market", "区市场监督管理局", v1::UNIT_KIND_DEPARTMENT, "center",
        "区市场监管局"),
  };
}

// routing's directory, as far as the follower can tell.
class FakeRouting final : public DirectorySource {
 public:
  struct State {
    absl::Mutex mu;
    std::vector<UnitEntry> units ABSL_GUARDED_BY(mu);
    bool down ABSL_GUARDED_BY(mu) = false;
    int reads ABSL_GUARDED_BY(mu) = 0;
  };
  explicit FakeRouting(std::shared_ptr<State> state)
      : state_(std::move(state)) {}
  absl::StatusOr<std::vector<UnitEntry>> ListUnits() override {
    absl::MutexLock lock(&state_->mu);
    ++state_->reads;
    if (state_->down) return absl::UnavailableError("routing: connect failed");
    return state_->units;
  }

 private:
  std::shared_ptr<State> state_;
};

class DirectoryFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto schema = testing::TestSchema::Create("directory");
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = std::move(*schema);
    auto pool = db::ConnectionPool::Create(schema_->config());
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    ASSERT_TRUE(db::ApplyMigrations(*pool_, DirectoryMigrations()).ok());
    store_ = std::make_unique<MysqlDirectoryStore>(pool_.get());
    routing_ = std::make_shared<FakeRouting::State>();
    SetRouting(Dazu());
  }

  void SetRouting(std::vector<UnitEntry> units, bool down = false) {
    absl::MutexLock lock(&routing_->mu);
    routing_->units = std::move(units);
    routing_->down = down;
  }
  int Reads() {
    absl::MutexLock lock(&routing_->mu);
    return routing_->reads;
  }

  std::unique_ptr<DirectoryFollower> Follower(
      FollowerOptions options = {}, DirectoryFollower::Listener l = nullptr) {
    return std::make_unique<DirectoryFollower>(
        std::make_unique<FakeRouting>(routing_), store_.get(), options,
        std::move(l));
  }

  int64_t Count(const std::string& sql) {
    auto conn = pool_->Acquire();
    EXPECT_TRUE(conn.ok()) << conn.status();
    auto rs = (*conn)->Query(sql);
    EXPECT_TRUE(rs.ok()) << rs.status();
    (*rs)->next();
    return (*rs)->getInt64(1);
  }

  std::unique_ptr<testing::TestSchema> schema_;
  std::unique_ptr<db::ConnectionPool> pool_;
  std::unique_ptr<MysqlDirectoryStore> store_;
  std::shared_ptr<FakeRouting::State> routing_;
};

TEST_F(DirectoryFollowerTest, WhatIsReadIsStoredAndSwappedIn) {
  std::vector<std::shared_ptr<const Directory>> seen;
  auto follower = Follower({}, [&](std::shared_ptr<const Directory> d) {
    seen.push_back(std::move(d));
  });
  EXPECT_TRUE(follower->Snapshot()->empty());
  ASSERT_TRUE(follower->Prime().ok());
  // The stored copy (empty), then routing's.
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen[0]->empty());
  std::shared_ptr<const Directory> first = follower->Snapshot();
  EXPECT_EQ(first, seen[1]);
  EXPECT_EQ(first->Name("comm.longshui.nanshan"), "龙水镇南山社区居委会");
  EXPECT_TRUE(first->InSubtree("comm.longshui.nanshan", "town.longshui"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM directory_unit"), 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM directory_unit WHERE unit_id = "
                  "'comm.longshui.nanshan' AND parent_unit_id = "
                  "'town.longshui' AND kind = 4 AND short_name = '南山社区' "
                  "AND active = 1"),
            1);
  absl::StatusOr<Directory> stored = store_->Load();
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(*stored, *first);

  // Unchanged: nothing stored, nothing swapped.
  absl::StatusOr<bool> again = follower->Refresh();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(*again);
  EXPECT_EQ(follower->Snapshot(), first);
  EXPECT_EQ(seen.size(), 2u);

  // A new community and a retired town: the whole copy is replaced; a
  // reader's snapshot stays as it was.
  std::vector<UnitEntry> grown = Dazu();
  grown.push_back(E("vill.longshui.qiaotou", "龙水镇桥头村村民委员会",
                    v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui"));
  grown[1].active = false;
  SetRouting(grown);
  absl::StatusOr<bool> changed = follower->Refresh();
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(*changed);
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_TRUE(follower->Snapshot()->Has("vill.longshui.qiaotou"));
  EXPECT_FALSE(follower->Snapshot()->Active("town.longshui"));
  EXPECT_FALSE(first->Has("vill.longshui.qiaotou"));
  EXPECT_TRUE(first->Active("town.longshui"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM directory_unit"), 5);
  EXPECT_EQ(Count("SELECT active FROM directory_unit WHERE unit_id = "
                  "'town.longshui'"),
            0);
}

TEST_F(DirectoryFollowerTest, TheLastGoodCopyStaysWhileRoutingIsAwayOrEmpty) {
  auto follower = Follower();
  ASSERT_TRUE(follower->Prime().ok());
  std::shared_ptr<const Directory> good = follower->Snapshot();
  ASSERT_EQ(good->size(), 4u);

  SetRouting({}, /*down=*/true);
  absl::StatusOr<bool> away = follower->Refresh();
  EXPECT_EQ(away.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(follower->Snapshot(), good);

  SetRouting({});  // up, but with no units yet
  absl::StatusOr<bool> empty = follower->Refresh();
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(follower->Snapshot(), good);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM directory_unit"), 4);
}

TEST_F(DirectoryFollowerTest, AReadTheServiceCannotUseYetLeavesTheCopy) {
  FollowerOptions options;
  options.usable = [](const Directory& d) {
    return !d.UnitsOfKind(v1::UNIT_KIND_TOWN_STREET).empty();
  };
  auto follower = Follower(options);
  ASSERT_TRUE(follower->Prime().ok());
  std::shared_ptr<const Directory> good = follower->Snapshot();
  // Routing restarted with only its center so far.
  SetRouting(
      {E("center", "大足区政务服务管理办公室", v1::UNIT_KIND_CENTER, "")});
  EXPECT_EQ(follower->Refresh().status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(follower->Snapshot(), good);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM directory_unit"), 4);
}

TEST_F(DirectoryFollowerTest, ARestartWhileRoutingIsAwayKeepsTheStoredCopy) {
  {
    auto follower = Follower();
    ASSERT_TRUE(follower->Prime().ok());
  }
  SetRouting({}, /*down=*/true);
  auto restarted = Follower();
  ASSERT_TRUE(restarted->Prime().ok());  // routing away is no failure
  std::shared_ptr<const Directory> d = restarted->Snapshot();
  EXPECT_EQ(d->size(), 4u);
  EXPECT_EQ(d->ShortName("town.longshui"), "龙水镇");
  EXPECT_EQ(d->Kind("dept.market"), v1::UNIT_KIND_DEPARTMENT);
  EXPECT_TRUE(d->InSubtree("comm.longshui.nanshan", "town.longshui"));

  // Without a source at all (no routing configured) the stored copy serves.
  DirectoryFollower alone(nullptr, store_.get(), {});
  ASSERT_TRUE(alone.Prime().ok());
  EXPECT_EQ(*alone.Snapshot(), *d);
  EXPECT_EQ(alone.Refresh().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(DirectoryFollowerTest, AnUnknownUnitTriggersAtMostOneReadPerGap) {
  FollowerOptions options;
  options.min_gap = absl::Hours(1);
  auto follower = Follower(options);
  ASSERT_TRUE(follower->Prime().ok());
  const int after_prime = Reads();
  std::vector<UnitEntry> grown = Dazu();
  grown.push_back(E("sec.market.longshui", "区市场监管局龙水市场监管所",
                    v1::UNIT_KIND_SECTION, "dept.market", "龙水所"));
  SetRouting(grown);
  // Prime read less than an hour ago: no read.
  EXPECT_FALSE(follower->RefreshForUnknownUnit()->Has("sec.market.longshui"));
  EXPECT_EQ(Reads(), after_prime);

  options.min_gap = absl::ZeroDuration();
  auto eager = Follower(options);
  ASSERT_TRUE(eager->Prime().ok());
  EXPECT_TRUE(eager->RefreshForUnknownUnit()->Has("sec.market.longshui"));
  EXPECT_EQ(eager->Snapshot()->Parent("sec.market.longshui"), "dept.market");
}

TEST_F(DirectoryFollowerTest, TheBackgroundRefreshFollowsRouting) {
  FollowerOptions options;
  options.interval = absl::Milliseconds(1);
  absl::Mutex mu;
  bool grown_seen = false;
  auto follower = Follower(options, [&](std::shared_ptr<const Directory> d) {
    absl::MutexLock lock(&mu);
    grown_seen = grown_seen || d->Has("vill.longshui.qiaotou");
  });
  ASSERT_TRUE(follower->Prime().ok());
  follower->Start();
  std::vector<UnitEntry> grown = Dazu();
  grown.push_back(E("vill.longshui.qiaotou", "龙水镇桥头村村民委员会",
                    v1::UNIT_KIND_VILLAGE_COMMUNITY, "town.longshui"));
  SetRouting(grown);
  {
    absl::MutexLock lock(&mu);
    EXPECT_TRUE(
        mu.AwaitWithTimeout(absl::Condition(&grown_seen), absl::Seconds(30)));
  }
  follower->Stop();
  EXPECT_TRUE(follower->Snapshot()->Has("vill.longshui.qiaotou"));
}

}  // namespace
}  // namespace hotline::directory
