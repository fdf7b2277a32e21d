// The incremental rollups equal a recomputation from the facts after a random
// history of 50 000 events published over gRPC in batches of 500 by four
// concurrent streams (as relays would; each order in one stream); a tampered
// rollup is detected and repaired by RebuildRollups.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <random>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "common/calendar/calendar.h"
#include "common/db/connection.h"
#include "common/server/proto_time.h"
#include "hotline/v1/assessment.grpc.pb.h"
#include "services/assessment/domain/rebuild_diff.h"
#include "services/assessment/edge/assessment_service.h"
#include "services/assessment/store/mysql_assessment_store.h"
#include "services/assessment/tests/assessment_test_util.h"

namespace hotline::assessment {
namespace {

using ::hotline::testing::kCenterToken;
using ::hotline::testing::ServiceUnderTest;
using testing::EventFactory;
using testing::Local;

// A random but well-formed history: every order is created, dispatched and
// then takes a random path (forward, return + redispatch, dispute,
// extension decided in time or late, co-units, ladder steps and duty gaps,
// reply, rejected/approved review); its clocks end MET, MISSED (reported by
// ClockOverdue and accruals, or legacy) or CANCELLED at random. Events of one
// producer keep per-ticket order.
std::vector<v1::TicketEvent> RandomHistory(size_t target, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  const std::vector<std::string> towns = {"town.longgang", "town.longshui",
                                          "town.baoding", "town.zhongao",
                                          "street.tangxiang"};
  const std::vector<std::string> depts = {"dept.housing", "dept.transport",
                                          "dept.water", "dept.market",
                                          "dept.health"};
  const std::vector<std::string> cats = {
      "urban.road.damage", "urban.water",       "policy.social.pension",
      "market.price",      "environment.noise", "transport.bus"};
  EventFactory f;
  std::vector<v1::TicketEvent> intake, routing, deadline;
  const absl::Time start = Local("2024-01-01 08:00");
  int ticket_no = 0;
  while (intake.size() + routing.size() + deadline.size() < target) {
    const std::string t = absl::StrCat("R", ++ticket_no);
    absl::Time at = start + absl::Minutes(pick(365 * 24 * 60));
    auto step = [&] { at += absl::Minutes(30 + pick(3 * 24 * 60)); };
    const auto type = static_cast<v1::RequestType>(1 + pick(6));
    const auto urgency = static_cast<v1::Urgency>(1 + pick(3));
    const std::string cat = cats[pick(cats.size())];
    const std::string area = pick(4) == 0 ? "" : towns[pick(towns.size())];
    {
      auto e = f.Make("intake", t, at);
      auto* c = e.mutable_ticket_created();
      c->set_request_type(type);
      c->set_urgency(urgency);
      c->set_category_code(cat);
      c->mutable_location()->set_town_code(area);
      intake.push_back(std::move(e));
    }
    if (pick(10) == 0) {
      step();
      auto e = f.Make("intake", t, at);
      e.mutable_ticket_closed_at_intake()->add_article_ids("kb-1");
      intake.push_back(std::move(e));
      continue;
    }
    std::string unit =
        pick(2) == 0 ? towns[pick(towns.size())] : depts[pick(depts.size())];
    // A clock's verdict as deadline reports it (docs/clocks.md): MET at the
    // stop; MISSED first as a ClockOverdue dated by its due, completion
    // clocks then accruing a working day at a time, the stop saying
    // overdue_reported — or, one time in ten, a legacy MISSED stop without
    // any ClockOverdue; CANCELLED.
    int clocks = 0;
    auto clock = [&](v1::ClockKind k, const std::string& u) {
      const std::string id = absl::StrCat("clk-", t, "-", ++clocks);
      const absl::Time due = at - absl::Hours(1 + pick(72));
      const int r = pick(10);
      const auto outcome = r < 6   ? v1::CLOCK_OUTCOME_MET
                           : r < 9 ? v1::CLOCK_OUTCOME_MISSED
                                   : v1::CLOCK_OUTCOME_CANCELLED;
      const bool legacy = outcome == v1::CLOCK_OUTCOME_MISSED && pick(10) == 0;
      int late = 0;
      if (outcome == v1::CLOCK_OUTCOME_MISSED && !legacy) {
        const bool accrues =
            k == v1::CLOCK_KIND_HANDLING || k == v1::CLOCK_KIND_LEAD_UNIT;
        const int days = accrues ? pick(5) : 0;
        for (int d = 0; d <= days; ++d) {
          auto e = f.Make("deadline", t, at);
          auto* o = e.mutable_clock_overdue();
          o->set_clock_id(id);
          o->set_kind(k);
          o->set_unit_id(u);
          *o->mutable_due() = ToProto(due);
          *o->mutable_as_of() = ToProto(due + absl::Hours(24 * d));
          o->set_first(d == 0);
          o->set_added_working_days(d == 0 ? pick(2) : 1);
          late += o->added_working_days();
          o->set_overdue_working_days(late);
          deadline.push_back(std::move(e));
        }
      } else if (legacy) {
        late = 1 + pick(5);
      }
      auto e = f.Make("deadline", t, at);
      auto* s = e.mutable_clock_stopped();
      s->set_clock_id(id);
      s->set_kind(k);
      s->set_unit_id(u);
      s->set_outcome(outcome);
      *s->mutable_due() = ToProto(due);
      s->set_overdue_working_days(late);
      s->set_overdue_reported(outcome == v1::CLOCK_OUTCOME_MISSED && !legacy);
      if (outcome != v1::CLOCK_OUTCOME_CANCELLED && !legacy) {
        *s->mutable_judged_at() = ToProto(at);
        s->set_elapsed_working_days(1 + pick(12));
      }
      deadline.push_back(std::move(e));
    };
    // A ladder notice that found nobody, now and then twice the same day.
    auto gap = [&](const std::string& u, v1::LadderStep step) {
      for (int n = pick(3); n > 0; --n) {
        auto e = f.Make("deadline", t, at);
        auto* g = e.mutable_duty_gap();
        g->set_unit_id(u);
        g->set_date(calendar::FormatDate(calendar::LocalDay(at)));
        g->set_recipient_kind(pick(2) == 0 ? v1::RECIPIENT_KIND_LIAISON
                                           : v1::RECIPIENT_KIND_DUTY_LEADER);
        g->set_step(step);
        deadline.push_back(std::move(e));
      }
    };
    auto dispatch = [&](int round) {
      step();
      auto e = f.Make("routing", t, at);
      v1::Dispatched* d;
      if (round == 1) {
        d = e.mutable_dispatched();
      } else {
        e.mutable_redispatched()->set_cause(v1::REDISPATCH_CAUSE_RETURNED);
        d = e.mutable_redispatched()->mutable_dispatch();
      }
      d->set_unit_id(unit);
      d->set_request_type(type);
      d->set_urgency(urgency);
      d->set_category_code(cat);
      d->set_area_code(area);
      d->set_dispatch_round(round);
      routing.push_back(std::move(e));
    };
    dispatch(1);
    if (pick(5) == 0) {  // returned and redispatched
      step();
      auto e = f.Make("routing", t, at);
      e.mutable_returned()->set_from_unit_id(unit);
      e.mutable_returned()->set_to_unit_id("center");
      e.mutable_returned()->set_reached_center(true);
      routing.push_back(std::move(e));
      clock(v1::CLOCK_KIND_RETURN, unit);
      unit = towns[pick(towns.size())];
      dispatch(2);
    }
    clock(v1::CLOCK_KIND_RESPONSE, unit);
    std::string handler = unit;
    if (pick(3) == 0) {  // forwarded to a sub-unit
      step();
      handler = absl::StrCat(unit, ".sub", pick(3));
      auto e = f.Make("routing", t, at);
      e.mutable_forwarded()->set_from_unit_id(unit);
      e.mutable_forwarded()->set_to_unit_id(handler);
      routing.push_back(std::move(e));
      clock(v1::CLOCK_KIND_FORWARD, unit);
    }
    if (pick(8) == 0) {
      step();
      auto e = f.Make("routing", t, at);
      e.mutable_dispute_raised()->set_unit_id(unit);
      routing.push_back(std::move(e));
      step();
      auto d = f.Make("routing", t, at);
      d.mutable_dispute_decided()->set_unit_id(unit);
      d.mutable_dispute_decided()->set_outcome(
          pick(2) == 0 ? v1::DISPUTE_OUTCOME_DISPATCH_UPHELD
                       : v1::DISPUTE_OUTCOME_DISPUTE_GRANTED);
      routing.push_back(std::move(d));
    }
    if (pick(6) == 0) {
      step();
      auto e = f.Make("deadline", t, at);
      e.mutable_extension_requested()->set_unit_id(handler);
      deadline.push_back(std::move(e));
      step();
      auto d = f.Make("deadline", t, at);
      auto* x = d.mutable_extension_decided();
      x->set_unit_id(handler);
      x->set_approver_unit_id(handler == unit ? "center" : unit);
      x->set_approved(pick(3) != 0);
      x->set_decided_after_due(pick(4) == 0);
      deadline.push_back(std::move(d));
    }
    if (pick(5) == 0) {  // a co-unit acknowledges, gives its input or is
                         // released
      const std::string co = depts[pick(depts.size())];
      step();
      auto e = f.Make("routing", t, at);
      e.mutable_accepted()->set_unit_id(co);
      e.mutable_accepted()->set_as_co_unit(true);
      routing.push_back(std::move(e));
      step();
      if (pick(3) == 0) {
        auto r = f.Make("routing", t, at);
        r.mutable_co_unit_released()->set_co_unit_id(co);
        r.mutable_co_unit_released()->set_lead_unit_id(unit);
        r.mutable_co_unit_released()->set_reason("协办事项已无需办理");
        routing.push_back(std::move(r));
      }
      clock(v1::CLOCK_KIND_CO_OPINION, co);
    }
    for (int s = 1; s <= 4 && pick(3) == 0; ++s) {
      step();
      auto e = f.Make("deadline", t, at);
      e.mutable_ladder_step_fired()->set_step(static_cast<v1::LadderStep>(s));
      e.mutable_ladder_step_fired()->set_unit_id(handler);
      deadline.push_back(std::move(e));
      if (pick(4) == 0) gap(handler, static_cast<v1::LadderStep>(s));
    }
    for (int round = 0; round < 3; ++round) {
      step();
      auto e = f.Make("routing", t, at);
      e.mutable_replied()->set_unit_id(handler);
      e.mutable_replied()->set_rehandling_round(round);
      routing.push_back(std::move(e));
      if (round == 0) {
        clock(pick(4) == 0 ? v1::CLOCK_KIND_LEAD_UNIT : v1::CLOCK_KIND_HANDLING,
              handler);
      } else if (pick(2) == 0) {
        clock(v1::CLOCK_KIND_REHANDLING, handler);
      }
      step();
      auto r = f.Make("routing", t, at);
      const bool approved = pick(4) != 0;
      r.mutable_reviewed()->set_unit_id(handler);
      r.mutable_reviewed()->set_approved(approved);
      routing.push_back(std::move(r));
      if (approved) break;
    }
  }
  std::vector<v1::TicketEvent> all;
  for (auto* list : {&intake, &routing, &deadline}) {
    for (auto& e : *list) all.push_back(std::move(e));
  }
  return all;
}

v1::RebuildRollupsResponse Rebuild(v1::AssessmentService::Stub& stub,
                                   const std::string& request_id,
                                   bool verify_only) {
  v1::RebuildRollupsRequest req;
  req.set_request_id(request_id);
  req.set_verify_only(verify_only);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::RebuildRollupsResponse resp;
  grpc::Status s = stub.RebuildRollups(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

TEST(AssessmentRebuildTest, RollupsEqualRecomputationAfter50kRandomEvents) {
  auto svc = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(svc.ok()) << svc.status();
  auto stub = v1::AssessmentService::NewStub((*svc)->channel());
  const std::vector<v1::TicketEvent> events = RandomHistory(50000, 20240308);
  ASSERT_GE(events.size(), 50000u);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(testing::PublishParallel((*svc)->channel(), events, 4),
            static_cast<int64_t>(events.size()));
  const auto t1 = std::chrono::steady_clock::now();
  std::printf("published %zu events in %.1f s\n", events.size(),
              std::chrono::duration<double>(t1 - t0).count());

  v1::RebuildRollupsResponse r = Rebuild(*stub, "verify-1", true);
  EXPECT_EQ(r.facts_scanned(), static_cast<int64_t>(events.size()));
  EXPECT_GT(r.rollup_rows(), 1000);
  EXPECT_EQ(r.mismatches(), 0);
  for (const auto& m : r.examples()) {
    ADD_FAILURE() << m.unit_id() << " " << m.date() << " " << m.indicator()
                  << " incremental " << m.incremental() << " recomputed "
                  << m.recomputed();
  }

  // Tamper with one rollup row: verification finds it, a rebuild repairs it.
  ASSERT_TRUE((*svc)
                  ->schema()
                  .Execute(absl::StrCat(
                      "UPDATE `", (*svc)->schema().name(),
                      "`.rollup_unit_day SET orders = orders + 7 ORDER BY "
                      "local_date, unit_id, request_type LIMIT 1"))
                  .ok());
  r = Rebuild(*stub, "verify-2", true);
  EXPECT_EQ(r.mismatches(), 1);
  ASSERT_EQ(r.examples_size(), 1);
  EXPECT_EQ(r.examples(0).incremental() - r.examples(0).recomputed(), 7);
  r = Rebuild(*stub, "repair-1", false);
  EXPECT_EQ(r.mismatches(), 1);
  // Same request id: the first answer again.
  EXPECT_EQ(Rebuild(*stub, "repair-1", false).mismatches(), 1);
  EXPECT_EQ(Rebuild(*stub, "verify-3", true).mismatches(), 0);
}

// Sets --rebuild_chunk for the services started while it lives.
class RebuildChunkFlag {
 public:
  explicit RebuildChunkFlag(const std::string& value) {
    absl::SetFlag(&FLAGS_rebuild_chunk, value);
  }
  ~RebuildChunkFlag() { absl::SetFlag(&FLAGS_rebuild_chunk, ""); }
};

v1::RebuildRollupsResponse RebuildPeriod(v1::AssessmentService::Stub& stub,
                                         const std::string& request_id,
                                         const char* from, const char* to) {
  v1::RebuildRollupsRequest req;
  req.set_request_id(request_id);
  req.set_verify_only(true);
  req.mutable_period()->set_from_date(from);
  req.mutable_period()->set_to_date(to);
  grpc::ClientContext ctx;
  ServiceUnderTest::Authorize(&ctx, kCenterToken);
  v1::RebuildRollupsResponse resp;
  grpc::Status s = stub.RebuildRollups(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return resp;
}

// RebuildRollups reads the facts a chunk at a time (--rebuild_chunk, here 7:
// hundreds of chunks, the last one short) and recomputes exactly the
// incremental rollups, over everything and over a period (only the period's
// id span is paged); a rebuild that finds nothing to repair changes nothing.
TEST(AssessmentRebuildTest, RebuildInChunksEqualsTheIncrementalRollups) {
  {
    RebuildChunkFlag zero("0");
    auto refused = ServiceUnderTest::Start(Definition());
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(refused.status().message()),
                ::testing::HasSubstr("--rebuild_chunk"));
  }
  RebuildChunkFlag seven("7");
  auto svc = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(svc.ok()) << svc.status();
  auto stub = v1::AssessmentService::NewStub((*svc)->channel());
  std::vector<v1::TicketEvent> events = RandomHistory(3000, 20261206);
  // Not a whole number of chunks: the last chunk is short.
  if (events.size() % 7 == 0) events.pop_back();
  ASSERT_EQ(testing::PublishParallel((*svc)->channel(), events, 4),
            static_cast<int64_t>(events.size()));

  v1::RebuildRollupsResponse r = Rebuild(*stub, "chunked-verify-1", true);
  EXPECT_EQ(r.facts_scanned(), static_cast<int64_t>(events.size()));
  EXPECT_GT(r.rollup_rows(), 100);
  EXPECT_EQ(r.mismatches(), 0);
  for (const auto& m : r.examples()) {
    ADD_FAILURE() << m.unit_id() << " " << m.date() << " " << m.indicator()
                  << " incremental " << m.incremental() << " recomputed "
                  << m.recomputed();
  }
  const int64_t rows = r.rollup_rows();

  // A period (widened to whole months): its facts alone, still in chunks.
  r = RebuildPeriod(*stub, "chunked-verify-march", "2024-03-05", "2024-04-20");
  EXPECT_GT(r.facts_scanned(), 7);
  EXPECT_LT(r.facts_scanned(), static_cast<int64_t>(events.size()));
  EXPECT_GT(r.rollup_rows(), 0);
  EXPECT_LT(r.rollup_rows(), rows);
  EXPECT_EQ(r.mismatches(), 0);
  // A period without facts: nothing read (its id span is empty).
  r = RebuildPeriod(*stub, "chunked-verify-empty", "2019-01-01", "2019-01-31");
  EXPECT_EQ(r.facts_scanned(), 0);
  EXPECT_EQ(r.mismatches(), 0);

  r = Rebuild(*stub, "chunked-repair-none", false);
  EXPECT_EQ(r.facts_scanned(), static_cast<int64_t>(events.size()));
  EXPECT_EQ(r.mismatches(), 0);
  EXPECT_EQ(Rebuild(*stub, "chunked-verify-2", true).rollup_rows(), rows);
}

// Mismatches planted in rows whose facts lie in several chunks (here of 2
// facts: the largest monthly row, counting more orders than a chunk holds,
// and the first daily row) are each reported once by a chunked
// verify_only, with the recomputed value summed over all chunks; the
// rebuild repairs them.
TEST(AssessmentRebuildTest, ChunkedVerifyReportsMismatchesPlantedAcrossChunks) {
  RebuildChunkFlag two("2");
  auto svc = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(svc.ok()) << svc.status();
  auto stub = v1::AssessmentService::NewStub((*svc)->channel());
  const std::vector<v1::TicketEvent> events = RandomHistory(3000, 20261207);
  ASSERT_EQ(testing::PublishParallel((*svc)->channel(), events, 4),
            static_cast<int64_t>(events.size()));
  ASSERT_EQ(Rebuild(*stub, "planted-verify-0", true).mismatches(), 0);

  const std::string schema = (*svc)->schema().name();
  ASSERT_TRUE((*svc)
                  ->schema()
                  .Execute(absl::StrCat(
                      "UPDATE `", schema,
                      "`.rollup_unit_month SET orders = orders + 5 ORDER BY "
                      "orders DESC, month_start, unit_id, request_type "
                      "LIMIT 1"))
                  .ok());
  ASSERT_TRUE((*svc)
                  ->schema()
                  .Execute(absl::StrCat(
                      "UPDATE `", schema,
                      "`.rollup_unit_day SET orders = orders + 3 ORDER BY "
                      "local_date, unit_id, request_type LIMIT 1"))
                  .ok());

  v1::RebuildRollupsResponse r = Rebuild(*stub, "planted-verify-1", true);
  EXPECT_EQ(r.facts_scanned(), static_cast<int64_t>(events.size()));
  EXPECT_EQ(r.mismatches(), 2);
  ASSERT_EQ(r.examples_size(), 2);
  const v1::RollupMismatch* month = nullptr;
  const v1::RollupMismatch* day = nullptr;
  for (const auto& m : r.examples()) {
    if (absl::StartsWith(m.indicator(), "month:orders")) month = &m;
    if (absl::StartsWith(m.indicator(), "orders")) day = &m;
  }
  ASSERT_NE(month, nullptr) << r.DebugString();
  ASSERT_NE(day, nullptr) << r.DebugString();
  EXPECT_EQ(month->incremental() - month->recomputed(), 5);
  EXPECT_GT(month->recomputed(), 2);  // more orders than one chunk holds
  EXPECT_EQ(day->incremental() - day->recomputed(), 3);

  r = Rebuild(*stub, "planted-repair", false);
  EXPECT_EQ(r.mismatches(), 2);
  EXPECT_EQ(Rebuild(*stub, "planted-verify-2", true).mismatches(), 0);
}

// What RebuildRollups reads, it reads at one snapshot: facts stored while
// the chunks are being read (after the first) are in no chunk, and the
// stored rollups read after them are those of the snapshot too, so the two
// agree; the next rebuild counts the new facts.
TEST(AssessmentRebuildTest, ChunksAndStoredRollupsAreReadAtOneSnapshot) {
  auto svc = ServiceUnderTest::Start(Definition());
  ASSERT_TRUE(svc.ok()) << svc.status();
  auto stub = v1::AssessmentService::NewStub((*svc)->channel());
  const std::vector<v1::TicketEvent> events = RandomHistory(600, 20261208);
  ASSERT_EQ(testing::Publish((*svc)->channel(), events),
            static_cast<int64_t>(events.size()));

  auto pool = db::ConnectionPool::Create((*svc)->schema().config());
  ASSERT_TRUE(pool.ok()) << pool.status();
  MysqlAssessmentStore store(pool->get());
  auto scan = (*pool)->Acquire();
  ASSERT_TRUE(scan.ok()) << scan.status();
  ASSERT_TRUE(store.BeginRebuildSnapshot(**scan).ok());
  std::vector<FactRecord> chunk;
  int64_t after = 0;
  constexpr int64_t kAll = std::numeric_limits<int64_t>::max();
  ASSERT_TRUE(
      store.ReadFactChunk(**scan, std::nullopt, after, kAll, 5, &chunk, &after)
          .ok());
  ASSERT_EQ(chunk.size(), 5u);

  // Three orders received meanwhile (their facts and rollup increments
  // committed by the inbox).
  std::vector<v1::TicketEvent> late;
  for (int i = 1; i <= 3; ++i) {
    v1::TicketEvent e;
    e.set_event_id(absl::StrCat("intake-snapshot-", i));
    e.set_ticket_id(absl::StrCat("S", i));
    e.set_seq(1);
    e.set_producer("intake");
    e.set_ticket_number(absl::StrCat("DZ20240315-00000", i));
    *e.mutable_occurred_at() = ToProto(Local("2024-03-15 09:00"));
    e.mutable_actor()->set_principal_id("system");
    e.mutable_actor()->set_role(v1::SERVICE);
    e.mutable_ticket_created()->set_request_type(v1::REQUEST_TYPE_COMPLAINT);
    e.mutable_ticket_created()->set_category_code("environment.noise");
    e.mutable_ticket_created()->mutable_location()->set_town_code(
        "town.longgang");
    late.push_back(std::move(e));
  }
  ASSERT_EQ(testing::Publish((*svc)->channel(), late), 3);

  RollupSet fresh, stored;
  size_t facts = 0;
  for (;;) {
    for (const FactRecord& f : chunk) AddFactToRollups(f, &fresh);
    facts += chunk.size();
    if (chunk.size() < 5) break;
    chunk.clear();
    ASSERT_TRUE(
        store
            .ReadFactChunk(**scan, std::nullopt, after, kAll, 5, &chunk, &after)
            .ok());
  }
  ASSERT_TRUE(store.ReadStoredRollups(**scan, std::nullopt, &stored).ok());
  ASSERT_TRUE((*scan)->Commit().ok());
  EXPECT_EQ(facts, events.size());
  RebuildOutcome diff;
  CompareRollups(stored, fresh, &diff);
  EXPECT_EQ(diff.mismatches, 0);

  v1::RebuildRollupsResponse r = Rebuild(*stub, "after-snapshot", true);
  EXPECT_EQ(r.facts_scanned(), static_cast<int64_t>(events.size() + 3));
  EXPECT_EQ(r.mismatches(), 0);
}

// A RebuildRollups answered before the shared request log
// (idempotency_log) and retried after the upgrade gets its first answer:
// the schema is laid down as the release before left it (migrations below
// 013) with the row that release wrote into assessment's own request_log;
// the service then starts, applies 013 (which carries the answer over) and
// answers the retry from it without rebuilding.
TEST(AssessmentRebuildTest, RebuildAnsweredBeforeTheUpgradeReplaysAfterIt) {
  v1::RebuildRollupsResponse first;
  first.set_facts_scanned(12);
  first.set_rollup_rows(30);
  first.set_mismatches(3);
  *first.mutable_finished_at() = ToProto(Local("2024-02-08 09:00"));
  hotline::testing::ServiceOptions o;
  o.before_start = [&](hotline::testing::TestSchema& schema) -> absl::Status {
    absl::Status s = hotline::testing::MigrateBelow(schema, Definition(), 13);
    if (!s.ok()) return s;
    // request_hash: the old hex FNV-1a column, no longer compared.
    return schema.Execute(absl::StrCat(
        "INSERT INTO request_log (request_id, rpc, request_hash, response) "
        "VALUES ('repair-before-upgrade', 'RebuildRollups', "
        "'00000000075bcd15', X'",
        absl::BytesToHexString(first.SerializeAsString()), "')"));
  };
  auto svc = ServiceUnderTest::Start(Definition(), o);
  ASSERT_TRUE(svc.ok()) << svc.status();
  auto stub = v1::AssessmentService::NewStub((*svc)->channel());
  // No fact is stored: a rebuild that ran would scan none.
  v1::RebuildRollupsResponse again =
      Rebuild(*stub, "repair-before-upgrade", false);
  EXPECT_EQ(again.SerializeAsString(), first.SerializeAsString());
}

// An upgraded assessment knows the orders it stored before order_lock
// (migration 014): they are not taken for new ones, which would queue under
// the guard row.
TEST(AssessmentRebuildTest, OrdersStoredBeforeTheOrderLockAreKnownAfterIt) {
  hotline::testing::ServiceOptions o;
  o.before_start = [&](hotline::testing::TestSchema& schema) -> absl::Status {
    // The release before: its own migrations below 014, every shared one.
    absl::Status s =
        hotline::testing::MigrateBelow(schema, Definition(), 14, 10);
    if (!s.ok()) return s;
    return schema.Execute(
        "INSERT INTO ticket_state (ticket_id, ticket_number, category_code) "
        "VALUES ('tk-before-upgrade', 'DZ20240208-000001', '城乡建设')");
  };
  auto svc = ServiceUnderTest::Start(Definition(), o);
  ASSERT_TRUE(svc.ok()) << svc.status();
  // The order's lock row is there: inserting it again is a duplicate.
  EXPECT_FALSE((*svc)
                   ->schema()
                   .Execute("INSERT INTO order_lock (ticket_id) VALUES "
                            "('tk-before-upgrade')")
                   .ok());
  EXPECT_TRUE((*svc)
                  ->schema()
                  .Execute("INSERT INTO order_lock (ticket_id) VALUES "
                           "('tk-after-upgrade')")
                  .ok());
}

}  // namespace
}  // namespace hotline::assessment
