// The directory cache (core/directory_cache.h) against the real MariaDB:
// the held copy is reused while the directory stamp is unchanged; a change
// committed by another connection or another routing replica on the same
// schema is seen at the next use; a write that rolled back is never served;
// another transaction's uncommitted write is never seen.

#include <memory>

#include "common/db/connection.h"
#include "common/db/migrations.h"
#include "gtest/gtest.h"
#include "hotline_routing_SchemaMigrations.h"
#include "hotline_server_RequestLogMigrations.h"
#include "services/routing/core/directory_cache.h"
#include "services/routing/store/mysql_routing_store.h"
#include "services/routing/tests/routing_test_client.h"
#include "tests/support/test_db.h"

namespace hotline::routing {
namespace {

using namespace testing;  // NOLINT

v1::Unit MakeUnit(const std::string& id, const std::string& parent,
                  v1::UnitKind kind, const std::string& name) {
  v1::Unit u;
  u.set_unit_id(id);
  u.set_parent_unit_id(parent);
  u.set_kind(kind);
  u.set_name(name);
  u.set_active(true);
  u.set_version(1);
  return u;
}

v1::DispatchRule MakeRule(const std::string& id, const std::string& unit) {
  v1::DispatchRule r;
  r.set_rule_id(id);
  r.set_name("交通类事项交区交通局");
  r.add_category_codes("交通");
  r.set_unit_id(unit);
  r.set_priority(500);
  r.set_active(true);
  r.set_version(1);
  return r;
}

class DirectoryCacheIT : public ::testing::Test {
 protected:
  void SetUp() override {
    auto schema = hotline::testing::TestSchema::Create("routing_dircache");
    ASSERT_TRUE(schema.ok()) << schema.status();
    schema_ = std::move(*schema);
    auto pool = db::ConnectionPool::Create(schema_->config());
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
    // The shared request log first: routing's 014 copies into it.
    ASSERT_TRUE(
        db::ApplyMigrations(*pool_, server::RequestLogMigrations()).ok());
    ASSERT_TRUE(db::ApplyMigrations(*pool_, SchemaMigrations()).ok());
    auto c = pool_->Acquire();
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(store_
                    .PutUnit(**c, MakeUnit("center", "", v1::UNIT_KIND_CENTER,
                                           "大足区12345热线中心"))
                    .ok());
  }

  // Writes in one committed transaction on a connection of its own.
  template <typename F>
  void Committed(F&& write) {
    auto c = pool_->Acquire();
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->Begin().ok());
    ASSERT_TRUE(write(**c).ok());
    ASSERT_TRUE((*c)->Commit().ok());
  }

  std::shared_ptr<const Directory> Get(DirectoryCache& cache) {
    auto c = pool_->Acquire();
    EXPECT_TRUE(c.ok());
    auto d = cache.Get(**c);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : nullptr;
  }

  std::unique_ptr<hotline::testing::TestSchema> schema_;
  std::unique_ptr<db::ConnectionPool> pool_;
  MysqlRoutingStore store_;
};

TEST_F(DirectoryCacheIT, HeldCopyIsReusedWhileTheStampIsUnchanged) {
  DirectoryCache cache(store_);
  auto a = Get(cache);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->tree.Contains("center"));
  EXPECT_EQ(a->stamp.version, 1);
  auto b = Get(cache);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(cache.loads(), 1);
}

TEST_F(DirectoryCacheIT, ChangesCommittedByAnotherReplicaAreSeen) {
  DirectoryCache replica_a(store_);
  DirectoryCache replica_b(store_);
  ASSERT_NE(Get(replica_a), nullptr);
  ASSERT_NE(Get(replica_b), nullptr);
  // A unit, then a rule, then the rule's deletion, each written "by" the
  // other replica (its own connection and transaction).
  Committed([&](db::Connection& c) {
    return store_.PutUnit(c, MakeUnit("dept.transport", "center",
                                      v1::UNIT_KIND_DEPARTMENT, "区交通局"));
  });
  auto d = Get(replica_a);
  EXPECT_TRUE(d->tree.Contains("dept.transport"));
  EXPECT_TRUE(d->rules.empty());
  Committed([&](db::Connection& c) {
    return store_.PutRule(c, MakeRule("rule-traffic", "dept.transport"));
  });
  d = Get(replica_a);
  ASSERT_EQ(d->rules.size(), 1u);
  EXPECT_EQ(d->rules[0].rule_id(), "rule-traffic");
  v1::Unit renamed = MakeUnit("dept.transport", "center",
                              v1::UNIT_KIND_DEPARTMENT, "区交通运输局");
  renamed.set_version(2);
  Committed([&](db::Connection& c) { return store_.PutUnit(c, renamed); });
  Committed([&](db::Connection& c) {
    return store_.DeleteRule(c, "rule-traffic").status();
  });
  d = Get(replica_a);
  EXPECT_TRUE(d->rules.empty());
  EXPECT_EQ(d->tree.Find("dept.transport")->name(), "区交通运输局");
  EXPECT_EQ(d->stamp.version, 5);
  // The other replica, which held the first state all along, sees the last.
  auto e = Get(replica_b);
  EXPECT_TRUE(e->rules.empty());
  EXPECT_EQ(e->tree.Find("dept.transport")->name(), "区交通运输局");
  EXPECT_EQ(e->stamp, d->stamp);
}

TEST_F(DirectoryCacheIT, RolledBackWritesAreNeverServed) {
  DirectoryCache cache(store_);
  ASSERT_NE(Get(cache), nullptr);
  const int64_t version = Get(cache)->stamp.version;
  // A transaction writes a unit and a rule and reads the directory through
  // the cache: it sees its own writes ...
  auto writer = pool_->Acquire();
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Begin().ok());
  ASSERT_TRUE(
      store_
          .PutUnit(**writer, MakeUnit("dept.urban", "center",
                                      v1::UNIT_KIND_DEPARTMENT, "区城市管理局"))
          .ok());
  ASSERT_TRUE(store_.PutRule(**writer, MakeRule("rule-x", "dept.urban")).ok());
  auto inside = cache.Get(**writer);
  ASSERT_TRUE(inside.ok());
  EXPECT_TRUE((*inside)->tree.Contains("dept.urban"));
  EXPECT_EQ((*inside)->rules.size(), 1u);
  // ... which no other connection sees while it is open ...
  auto outside = Get(cache);
  EXPECT_FALSE(outside->tree.Contains("dept.urban"));
  EXPECT_TRUE(outside->rules.empty());
  // ... nor after it rolled back, even when another write since then brings
  // the version counter to the same value.
  ASSERT_TRUE((*writer)->Rollback().ok());
  EXPECT_FALSE(Get(cache)->tree.Contains("dept.urban"));
  Committed([&](db::Connection& c) {
    return store_.PutUnit(
        c, MakeUnit("dept.housing", "center", v1::UNIT_KIND_DEPARTMENT,
                    "区住房城乡建委"));
  });
  Committed([&](db::Connection& c) {
    return store_.PutRule(c, MakeRule("rule-y", "dept.housing"));
  });
  auto after = Get(cache);
  EXPECT_EQ(after->stamp.version, version + 2);
  EXPECT_EQ(after->stamp.version, (*inside)->stamp.version);
  EXPECT_NE(after->stamp, (*inside)->stamp);
  EXPECT_FALSE(after->tree.Contains("dept.urban"));
  EXPECT_TRUE(after->tree.Contains("dept.housing"));
  ASSERT_EQ(after->rules.size(), 1u);
  EXPECT_EQ(after->rules[0].rule_id(), "rule-y");
}

// Two routing processes on one schema: the catalogue and the directory
// changed through one are used by the other at once (automatic dispatch,
// suggestions, the unit list), with no restart and no stale copy.
TEST(RoutingReplicasIT, DirectoryChangesThroughOneReplicaReachTheOther) {
  hotline::testing::ServiceOptions o;
  o.extra_tokens = ExtraTokens();
  auto a = ServiceUnderTest::Start(Definition(), o);
  ASSERT_TRUE(a.ok()) << a.status();
  config::ServiceConfig config = (*a)->instance().config();
  config.listen = "127.0.0.1:0";
  auto b = runtime::ServiceInstance::Create(Definition(), config);
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE((*b)->Start().ok());
  RoutingClient ca((*a)->channel());
  RoutingClient cb(grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*b)->port()),
                                       grpc::InsecureChannelCredentials()));
  const absl::Time now = (*a)->clock().Now();

  v1::ImportDirectoryRequest imp;
  imp.set_request_id("import-1");
  imp.set_format(v1::DIRECTORY_FORMAT_CSV);
  imp.set_content(SampleDirectory());
  v1::ImportDirectoryResponse impr;
  ASSERT_TRUE(ca.Call(ca.directory.get(),
                      &v1::DirectoryService::Stub::ImportDirectory,
                      kCenterToken, imp, &impr)
                  .ok());
  // B has read the directory (and an empty catalogue) before A changes it.
  v1::SuggestDispatchRequest s;
  s.mutable_facts()->set_category_code("交通/公交");
  v1::SuggestDispatchResponse sr;
  auto suggest_b = [&] {
    return cb.Call(cb.routing.get(), &v1::RoutingService::Stub::SuggestDispatch,
                   kAgentToken, s, &sr);
  };
  ASSERT_TRUE(suggest_b().ok());
  EXPECT_EQ(sr.suggestion().candidates_size(), 0);
  auto assignment_b = [&](const std::string& ticket) {
    v1::GetAssignmentRequest req;
    req.set_ticket_id(ticket);
    v1::GetAssignmentResponse resp;
    EXPECT_TRUE(cb.Call(cb.routing.get(),
                        &v1::RoutingService::Stub::GetAssignment, kCenterToken,
                        req, &resp)
                    .ok());
    return resp.assignment();
  };
  ASSERT_TRUE(
      cb.Publish({Created("tkt-1", 1, "交通/道路设施", "town.longgang", now)},
                 "intake")
          .ok());
  EXPECT_EQ(assignment_b("tkt-1").status(), v1::TICKET_STATUS_RECEIVED);

  // A adds an automatic rule: B dispatches by it.
  v1::UpsertRuleRequest r;
  r.set_request_id("rule-1");
  auto* rule = r.mutable_rule();
  rule->set_name("交通类事项交区交通局");
  rule->add_category_codes("交通");
  rule->set_unit_id("dept.transport");
  rule->set_priority(800);
  rule->set_automatic(true);
  rule->set_active(true);
  v1::UpsertRuleResponse rr;
  ASSERT_TRUE(ca.Call(ca.directory.get(),
                      &v1::DirectoryService::Stub::UpsertRule, kCenterToken, r,
                      &rr)
                  .ok());
  ASSERT_TRUE(suggest_b().ok());
  ASSERT_EQ(sr.suggestion().candidates_size(), 1);
  EXPECT_TRUE(sr.suggestion().automatic());
  ASSERT_TRUE(
      cb.Publish({Created("tkt-2", 2, "交通/道路设施", "town.longgang", now)},
                 "intake")
          .ok());
  v1::Assignment t2 = assignment_b("tkt-2");
  EXPECT_EQ(t2.status(), v1::TICKET_STATUS_DISPATCHED);
  EXPECT_EQ(t2.holder_unit_id(), "dept.transport");

  // A deletes it: B no longer dispatches by it.
  v1::DeleteRuleRequest del;
  del.set_request_id("del-1");
  del.set_rule_id(rr.rule().rule_id());
  v1::DeleteRuleResponse delr;
  ASSERT_TRUE(ca.Call(ca.directory.get(),
                      &v1::DirectoryService::Stub::DeleteRule, kCenterToken,
                      del, &delr)
                  .ok());
  ASSERT_TRUE(
      cb.Publish({Created("tkt-3", 3, "交通/道路设施", "town.longgang", now)},
                 "intake")
          .ok());
  EXPECT_EQ(assignment_b("tkt-3").status(), v1::TICKET_STATUS_RECEIVED);

  // A adds a unit: B shows it and dispatches to it.
  v1::GetUnitRequest like;
  like.set_unit_id("dept.transport");
  v1::GetUnitResponse liker;
  ASSERT_TRUE(ca.Call(ca.directory.get(), &v1::DirectoryService::Stub::GetUnit,
                      kCenterToken, like, &liker)
                  .ok());
  v1::UpsertUnitRequest up;
  up.set_request_id("unit-1");
  v1::Unit* u = up.mutable_unit();
  u->set_unit_id("dept.archives");
  u->set_parent_unit_id("center");
  u->set_kind(v1::UNIT_KIND_DEPARTMENT);
  u->set_name("区档案馆");
  u->set_active(true);
  *u->mutable_liaison() = liker.unit().liaison();
  v1::UpsertUnitResponse upr;
  grpc::Status st =
      ca.Call(ca.directory.get(), &v1::DirectoryService::Stub::UpsertUnit,
              kCenterToken, up, &upr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  v1::GetUnitRequest gu;
  gu.set_unit_id("dept.archives");
  v1::GetUnitResponse gur;
  ASSERT_TRUE(cb.Call(cb.directory.get(), &v1::DirectoryService::Stub::GetUnit,
                      kCenterToken, gu, &gur)
                  .ok());
  EXPECT_EQ(gur.unit().name(), "区档案馆");
  v1::DispatchRequest d;
  d.set_request_id("dsp-1");
  d.set_ticket_id("tkt-3");
  d.set_unit_id("dept.archives");
  v1::DispatchResponse dr;
  st = cb.Call(cb.routing.get(), &v1::RoutingService::Stub::Dispatch,
               kCenterToken, d, &dr);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(dr.assignment().holder_unit_id(), "dept.archives");
}

}  // namespace
}  // namespace hotline::routing
