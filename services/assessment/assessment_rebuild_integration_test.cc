// The incremental rollups equal a recomputation from the facts after a random
// history of 50 000 events published over gRPC in batches of 500 by four
// concurrent streams (as relays would; each order in one stream); a tampered
// rollup is detected and repaired by RebuildRollups.

#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "hotline/v1/assessment.grpc.pb.h"
#include "services/assessment/assessment_service.h"
#include "services/assessment/assessment_test_util.h"

namespace hotline::assessment {
namespace {

using ::hotline::testing::kCenterToken;
using ::hotline::testing::ServiceUnderTest;
using testing::EventFactory;
using testing::Local;

// A random but well-formed history: every order is created, dispatched and
// then takes a random path (forward, return + redispatch, dispute,
// extension, ladder steps, reply, rejected/approved review); its clocks stop
// MET or MISSED at random. Events of one producer keep per-ticket order.
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
    auto clock = [&](v1::ClockKind k, const std::string& u) {
      auto e = f.Make("deadline", t, at);
      auto* s = e.mutable_clock_stopped();
      s->set_kind(k);
      s->set_unit_id(u);
      const int r = pick(10);
      s->set_outcome(r < 6   ? v1::CLOCK_OUTCOME_MET
                     : r < 9 ? v1::CLOCK_OUTCOME_MISSED
                             : v1::CLOCK_OUTCOME_CANCELLED);
      if (s->outcome() == v1::CLOCK_OUTCOME_MISSED) {
        s->set_overdue_working_days(1 + pick(5));
      }
      deadline.push_back(std::move(e));
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
      d.mutable_extension_decided()->set_unit_id(handler);
      d.mutable_extension_decided()->set_approved(pick(3) != 0);
      deadline.push_back(std::move(d));
    }
    for (int s = 1; s <= 4 && pick(3) == 0; ++s) {
      step();
      auto e = f.Make("deadline", t, at);
      e.mutable_ladder_step_fired()->set_step(static_cast<v1::LadderStep>(s));
      e.mutable_ladder_step_fired()->set_unit_id(handler);
      deadline.push_back(std::move(e));
    }
    for (int round = 0; round < 3; ++round) {
      step();
      auto e = f.Make("routing", t, at);
      e.mutable_replied()->set_unit_id(handler);
      e.mutable_replied()->set_rehandling_round(round);
      routing.push_back(std::move(e));
      if (round == 0) clock(v1::CLOCK_KIND_HANDLING, handler);
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

}  // namespace
}  // namespace hotline::assessment
