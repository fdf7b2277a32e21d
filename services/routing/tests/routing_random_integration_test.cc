// Randomized state-machine test over gRPC against the real MariaDB: random
// operations by random principals on a set of orders. After every call:
// the order has exactly one holder inside the unit tree; an accepted call
// wrote exactly one outbox row and a refused call none. At the end, every
// order's events have seq 1..n without gaps, in outbox (delivery) order.

#include <random>
#include <set>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/routing/tests/routing_test_client.h"

namespace hotline::routing {
namespace {

using namespace testing;  // NOLINT

#define RCALL(method, token, req, resp) \
  c.Call(c.routing.get(), &v1::RoutingService::Stub::method, token, req, resp)

TEST(RoutingRandomIT, RandomOperationsKeepOneHolderAndOneEventPerChange) {
  hotline::testing::ServiceOptions o;
  o.extra_tokens = ExtraTokens();
  auto started = ServiceUnderTest::Start(Definition(), o);
  ASSERT_TRUE(started.ok()) << started.status();
  auto& svc = **started;
  RoutingClient c(svc.channel());
  {
    v1::ImportDirectoryRequest req;
    req.set_request_id("import");
    req.set_format(v1::DIRECTORY_FORMAT_CSV);
    req.set_content(SampleDirectory());
    v1::ImportDirectoryResponse resp;
    ASSERT_TRUE(c.Call(c.directory.get(),
                       &v1::DirectoryService::Stub::ImportDirectory,
                       std::string(kCenterToken), req, &resp)
                    .ok());
  }
  std::set<std::string> tree_units;
  {
    v1::ListUnitsRequest req;
    req.mutable_page()->set_page_size(500);
    v1::ListUnitsResponse resp;
    ASSERT_TRUE(c.Call(c.directory.get(),
                       &v1::DirectoryService::Stub::ListUnits,
                       std::string(kCenterToken), req, &resp)
                    .ok());
    for (const auto& u : resp.units()) tree_units.insert(u.unit_id());
  }
  auto conn = svc.instance().pool().Acquire();
  ASSERT_TRUE(conn.ok());
  auto count_events = [&](const std::string& t) {
    auto rs = (*conn)->Query("SELECT COUNT(*) FROM outbox WHERE ticket_id = '" +
                             t + "'");
    EXPECT_TRUE(rs.ok());
    (*rs)->next();
    return (*rs)->getInt64(1);
  };

  const std::vector<std::string> tokens = {
      kCenterToken,  kCenterToken,    kLongshuiStaff, kLongshuiLead,
      kNanshanStaff, kLonggangStaff,  kUrbanStaff,    kShirongStaff,
      kHousingStaff, kTransportStaff, kAgentToken,    kServiceToken};
  const std::map<std::string, std::string> unit_token = {
      {"town.longshui", kLongshuiStaff},
      {"comm.longshui.nanshan", kNanshanStaff},
      {"town.longgang", kLonggangStaff},
      {"dept.urban", kUrbanStaff},
      {"sec.urban.shirong", kShirongStaff},
      {"dept.housing", kHousingStaff},
      {"dept.transport", kTransportStaff}};
  const std::vector<std::string> first_level = {
      "town.longshui", "town.longgang", "dept.urban", "dept.housing",
      "dept.transport"};
  const std::map<std::string, std::string> below = {
      {"town.longshui", "comm.longshui.nanshan"},
      {"town.longgang", "comm.longgang.beichan"},
      {"dept.urban", "sec.urban.shirong"},
      {"dept.housing", "sec.housing.property"}};
  const std::vector<std::string> targets = {
      "town.longshui",     "town.longgang",         "dept.urban",
      "dept.housing",      "dept.transport",        "comm.longshui.nanshan",
      "sec.urban.shirong", "comm.longgang.beichan", "center",
      "town.nowhere"};
  std::mt19937 rng(12345);
  auto pick = [&](const auto& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
  };
  auto coin = [&](int pct) {
    return std::uniform_int_distribution<int>(0, 99)(rng) < pct;
  };

  constexpr int kOrders = 30;
  constexpr int kSteps = 80;
  std::vector<std::string> orders;
  for (int i = 0; i < kOrders; ++i) {
    orders.push_back(absl::StrCat("rnd-", i));
    ASSERT_TRUE(c.Publish({Created(orders.back(), i, "城乡建设/物业管理",
                                   "town.longshui", svc.clock().Now())},
                          "intake")
                    .ok());
  }
  int rid = 0, ok_calls = 0, refused_calls = 0, closed = 0;
  int next_order = kOrders;
  const absl::Time wall_start = absl::Now();  // for the printed rate only
  std::map<int, int> ok_by_op;
  for (int step = 0; step < kSteps; ++step) {
    for (auto& order : orders) {
      v1::GetAssignmentRequest g;
      g.set_ticket_id(order);
      v1::GetAssignmentResponse before;
      ASSERT_TRUE(
          RCALL(GetAssignment, std::string(kCenterToken), g, &before).ok());
      if (before.assignment().status() ==
          v1::TICKET_STATUS_AWAITING_EVALUATION) {
        // The callback closes it (one Closed event); a new order takes its
        // place so the walk keeps exploring.
        const int64_t n = count_events(order);
        v1::TicketEvent ev;
        ev.set_event_id(absl::StrCat("assessment-", order));
        ev.set_ticket_id(order);
        ev.set_seq(1);
        *ev.mutable_occurred_at() = ToProto(svc.clock().Now());
        ev.set_producer("assessment");
        ev.set_ticket_number(before.assignment().ticket_number());
        ev.mutable_evaluation_recorded()->set_unit_id(
            before.assignment().latest_reply().unit_id());
        ASSERT_TRUE(c.Publish({ev}, "assessment").ok());
        ASSERT_EQ(count_events(order), n + 1);
        ASSERT_TRUE(
            RCALL(GetAssignment, std::string(kCenterToken), g, &before).ok());
        ASSERT_EQ(before.assignment().status(), v1::TICKET_STATUS_CLOSED);
        ++closed;
        order = absl::StrCat("rnd-", next_order);
        ASSERT_TRUE(c.Publish({Created(order, next_order, "城乡建设/物业管理",
                                       "town.longshui", svc.clock().Now())},
                              "intake")
                        .ok());
        ++next_order;
        g.set_ticket_id(order);
        ASSERT_TRUE(
            RCALL(GetAssignment, std::string(kCenterToken), g, &before).ok());
      }
      const std::string t = order;
      const auto& a = before.assignment();
      const int64_t events_before = count_events(t);
      const int op = std::uniform_int_distribution<int>(0, 9)(rng);
      // Bias towards principals that may act, so the walk goes deep: the
      // center for its operations, the holder (or a co-unit) for the others.
      std::string token = pick(tokens);
      const bool center_op = op == 0 || op == 5 || op == 6 || op == 9;
      if (center_op && coin(70)) token = kCenterToken;
      if (!center_op && coin(70)) {
        std::string unit = a.holder_unit_id();
        if (op == 7 && a.co_units_size() > 0)
          unit = pick(a.co_units()).unit_id();
        auto it = unit_token.find(unit);
        if (it != unit_token.end()) token = it->second;
      }
      const std::string id = absl::StrCat("r-", ++rid);
      grpc::Status s;
      switch (op) {
        case 0: {
          v1::DispatchRequest r;
          r.set_request_id(id);
          r.set_ticket_id(t);
          r.set_unit_id(coin(60) ? pick(first_level) : pick(targets));
          if (coin(20)) r.add_co_unit_ids(pick(targets));
          if (coin(60)) r.set_reason("改派");
          v1::DispatchResponse resp;
          s = RCALL(Dispatch, token, r, &resp);
          break;
        }
        case 1: {
          v1::AcceptRequest r;
          r.set_request_id(id);
          r.set_ticket_id(t);
          v1::AcceptResponse resp;
          s = RCALL(Accept, token, r, &resp);
          break;
        }
        case 2: {
          v1::ForwardRequest r;
          r.set_request_id(id);
          r.set_ticket_id(t);
          auto child = below.find(a.holder_unit_id());
          r.set_to_unit_id(child != below.end() && coin(70) ? child->second
                                                            : pick(targets));
          v1::ForwardResponse resp;
          s = RCALL(Forward, token, r, &resp);
          break;
        }
        case 3: {
          v1::ReturnRequest r;
          r.set_request_id(id);
          r.set_ticket_id(t);
          r.set_reason("非本单位职责");
          v1::ReturnResponse resp;
          s = RCALL(Return, token, r, &resp);
          break;
        }
        case 4: {
          v1::DisputeRequest r;
          r.set_request_id(id);
          r.set_ticket_id(t);
          r.set_reason("派单异议");
          v1::DisputeResponse resp;
          s = RCALL(Dispute, token, r, &resp);
          break;
        }
        case 5: {
          v1::DecideDisputeRequest r;
          r.set_request_id(id);
          r.set_ticket_id(t);
          r.set_dispute_id(coin(85) && a.has_open_dispute()
                               ? a.open_dispute().dispute_id()
                               : "dsp-stale");
          r.set_outcome(coin(50) ? v1::DISPUTE_OUTCOME_DISPATCH_UPHELD
                                 : v1::DISPUTE_OUTCOME_DISPUTE_GRANTED);
          r.set_reason("决定");
          v1::DecideDisputeResponse resp;
          s = RCALL(DecideDispute, token, r, &resp);
          break;
        }
        case 6: {
          v1::AddCoUnitsRequest r;
          r.set_request_id(id);
          r.set_ticket_id(t);
          r.add_co_unit_ids(pick(targets));
          v1::AddCoUnitsResponse resp;
          s = RCALL(AddCoUnits, token, r, &resp);
          break;
        }
        case 7: {
          v1::SubmitCoOpinionRequest r;
          r.set_request_id(id);
          r.set_ticket_id(t);
          r.set_opinion("协办意见");
          v1::SubmitCoOpinionResponse resp;
          s = RCALL(SubmitCoOpinion, token, r, &resp);
          break;
        }
        case 8: {
          v1::ReplyRequest r;
          r.set_request_id(id);
          r.set_ticket_id(t);
          r.set_text("已处理并电话回复来电人");
          r.set_contact(v1::REPLY_CONTACT_PHONE);
          *r.mutable_contacted_at() = ToProto(svc.clock().Now());
          auto* k = r.mutable_checks();
          k->set_policy_checked(true);
          k->set_confidentiality_checked(true);
          k->set_source_checked(true);
          k->set_wording_checked(coin(90));
          v1::ReplyResponse resp;
          s = RCALL(Reply, token, r, &resp);
          break;
        }
        case 9: {
          v1::ReviewRequest r;
          r.set_request_id(id);
          r.set_ticket_id(t);
          r.set_reply_id(coin(85) && a.has_latest_reply()
                             ? a.latest_reply().reply_id()
                             : "rpl-stale");
          r.set_approve(coin(60));
          if (!r.approve()) r.add_reasons(v1::REVIEW_REASON_WORDING);
          v1::ReviewResponse resp;
          s = RCALL(Review, token, r, &resp);
          break;
        }
      }
      const int64_t events_after = count_events(t);
      const std::string where =
          absl::StrCat(t, " step ", step, " op ", op, ": ", s.error_message());
      if (s.ok()) {
        ++ok_calls;
        ++ok_by_op[op];
        ASSERT_EQ(events_after, events_before + 1) << where;
      } else {
        ++refused_calls;
        ASSERT_EQ(events_after, events_before) << where;
        ASSERT_NE(s.error_code(), grpc::StatusCode::INTERNAL) << where;
        ASSERT_NE(s.error_code(), grpc::StatusCode::UNKNOWN) << where;
        if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION &&
            absl::StrContains(s.error_message(), " is ")) {
          EXPECT_THAT(s.error_message(),
                      ::testing::HasSubstr("held by " + a.holder_unit_id()))
              << where;
        }
      }
      v1::GetAssignmentResponse after;
      ASSERT_TRUE(
          RCALL(GetAssignment, std::string(kCenterToken), g, &after).ok());
      ASSERT_EQ(tree_units.count(after.assignment().holder_unit_id()), 1u)
          << where;
      if (!s.ok()) {
        // Nothing changed.
        ASSERT_EQ(after.assignment().SerializeAsString(), a.SerializeAsString())
            << where;
      }
    }
  }
  {
    std::map<std::string, int> hist;
    for (const auto& t : orders) {
      v1::GetAssignmentRequest g;
      g.set_ticket_id(t);
      v1::GetAssignmentResponse r;
      ASSERT_TRUE(RCALL(GetAssignment, std::string(kCenterToken), g, &r).ok());
      ++hist[v1::TicketStatus_Name(r.assignment().status())];
    }
    for (const auto& [k, v] : hist) std::printf("final %s: %d\n", k.c_str(), v);
    for (const auto& [k, v] : ok_by_op) std::printf("op %d ok: %d\n", k, v);
  }
  const double secs = absl::ToDoubleSeconds(absl::Now() - wall_start);
  std::printf(
      "gRPC random: %d accepted, %d refused, %d closed by evaluation; %.0f "
      "mutating calls/s (each with 2 reads and an outbox count)\n",
      ok_calls, refused_calls, closed, (ok_calls + refused_calls) / secs);
  EXPECT_GT(ok_calls, 100);
  for (int op = 0; op <= 9; ++op) EXPECT_GT(ok_by_op[op], 0) << "op " << op;

  // Per order: seq 1..n, and outbox ids (the relay's delivery order) ascend
  // with seq.
  auto rs = (*conn)->Query("SELECT ticket_id, seq FROM outbox ORDER BY id");
  ASSERT_TRUE(rs.ok());
  std::map<std::string, int64_t> last;
  int64_t rows = 0;
  while ((*rs)->next()) {
    const std::string t = (*rs)->getString(1);
    const int64_t seq = (*rs)->getInt64(2);
    EXPECT_EQ(seq, last[t] + 1) << t;
    last[t] = seq;
    ++rows;
  }
  EXPECT_EQ(rows, ok_calls + closed);
  EXPECT_GT(closed, 0);
}

}  // namespace
}  // namespace hotline::routing
