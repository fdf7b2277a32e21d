// Randomized state-machine test: thousands of random operation sequences by
// random units against AssignmentMachine. After every step: the order has
// exactly one holder, inside the unit tree and consistent with its status;
// every accepted operation produced exactly one event; refusals changed
// nothing and used only the documented codes.

#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/routing/domain/assignment_machine.h"
#include "services/routing/tests/routing_test_tree.h"

namespace hotline::routing {
namespace {

void CheckInvariants(const UnitTree& tree, const AssignmentState& s,
                     const std::string& where) {
  const auto& v = s.view;
  ASSERT_FALSE(v.holder_unit_id().empty()) << where;
  ASSERT_TRUE(tree.Contains(v.holder_unit_id())) << where;
  const std::string lead = v.dispatched_unit_id();
  switch (v.status()) {
    case v1::TICKET_STATUS_RECEIVED:
      EXPECT_EQ(v.holder_unit_id(), "center") << where;
      break;
    case v1::TICKET_STATUS_DISPATCHED:
      EXPECT_EQ(v.holder_unit_id(), lead) << where;
      EXPECT_TRUE(tree.IsFirstLevel(lead)) << where;
      break;
    case v1::TICKET_STATUS_FORWARDED:
      EXPECT_NE(v.holder_unit_id(), lead) << where;
      EXPECT_TRUE(tree.InSubtree(lead, v.holder_unit_id())) << where;
      break;
    case v1::TICKET_STATUS_DISPUTED:
      EXPECT_EQ(v.holder_unit_id(), lead) << where;
      EXPECT_TRUE(v.has_open_dispute()) << where;
      break;
    case v1::TICKET_STATUS_RETURNED:
      EXPECT_TRUE(v.holder_unit_id() == "center" ||
                  tree.InSubtree(lead, v.holder_unit_id()))
          << where;
      break;
    case v1::TICKET_STATUS_ACCEPTED:
    case v1::TICKET_STATUS_REPLIED:
    case v1::TICKET_STATUS_REHANDLING:
    case v1::TICKET_STATUS_AWAITING_EVALUATION:
      EXPECT_TRUE(tree.InSubtree(lead, v.holder_unit_id())) << where;
      break;
    default:
      ADD_FAILURE() << where << ": unexpected status " << v.status();
  }
  if (v.status() == v1::TICKET_STATUS_REPLIED) {
    for (const auto& c : v.co_units())
      EXPECT_TRUE(c.opinion_submitted() || c.released()) << where;
  }
  for (const auto& u : s.touched_units) EXPECT_TRUE(tree.Contains(u)) << where;
}

TEST(AssignmentRandomTest, ThousandsOfRandomSequencesKeepInvariants) {
  const UnitTree tree = testing::SampleTree();
  const AssignmentMachine m(&tree);
  const std::vector<std::string> units = tree.Subtree("center");
  std::vector<std::string> with_unknown = units;
  with_unknown.push_back("town.unknown");
  std::mt19937 rng(20240208);
  auto pick = [&](const std::vector<std::string>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
  };
  auto coin = [&](int percent) {
    return std::uniform_int_distribution<int>(0, 99)(rng) < percent;
  };
  const absl::Time now = absl::FromUnixSeconds(1707350400);
  int64_t accepted = 0, events = 0, refused = 0;
  std::map<int, int> accepted_by_op;
  constexpr int kSequences = 3000;
  constexpr int kSteps = 40;
  for (int seq = 0; seq < kSequences; ++seq) {
    v1::TicketCreated created;
    created.set_request_type(coin(30) ? v1::REQUEST_TYPE_REPORT
                                      : v1::REQUEST_TYPE_COMPLAINT);
    created.set_category_code("城乡建设");
    created.set_urgency(v1::URGENCY_NORMAL);
    AssignmentState s =
        m.Received(absl::StrCat("t-", seq), "DZ20240208-000001", created, now);
    int dispute_n = 0, reply_n = 0;
    for (int step = 0; step < kSteps; ++step) {
      const std::string where = absl::StrCat("seq ", seq, " step ", step);
      const int op = std::uniform_int_distribution<int>(0, 11)(rng);
      // Half the time the acting unit is the holder, so transitions happen.
      const std::string actor =
          coin(50) ? s.view.holder_unit_id() : pick(units);
      absl::StatusOr<Transition> t = absl::InternalError("unset");
      switch (op) {
        case 0: {
          DispatchCommand c;
          c.unit_id = pick(with_unknown);
          if (coin(30)) c.co_unit_ids.push_back(pick(units));
          if (coin(70)) c.reason = "改派";
          t = m.Dispatch(s, c, now);
          break;
        }
        case 1:
          t = m.Accept(s, actor, now);
          break;
        case 2:
          t = m.Forward(s, actor, pick(with_unknown), "", now);
          break;
        case 3:
          t = m.Return(s, actor, "非本单位职责", now);
          break;
        case 4:
          t = m.Dispute(s, actor, absl::StrCat("dsp-", ++dispute_n), "异议", "",
                        now);
          break;
        case 5: {
          std::string id = s.view.has_open_dispute() && coin(80)
                               ? s.view.open_dispute().dispute_id()
                               : "dsp-stale";
          t = m.DecideDispute(s, id,
                              coin(50) ? v1::DISPUTE_OUTCOME_DISPATCH_UPHELD
                                       : v1::DISPUTE_OUTCOME_DISPUTE_GRANTED,
                              "决定", now);
          break;
        }
        case 6:
          t = m.AddCoUnits(s, {pick(units)}, "", now);
          break;
        case 7:
          t = m.SubmitCoOpinion(s, actor, "协办意见", now);
          break;
        case 8: {
          ReplyCommand r;
          r.reply_id = absl::StrCat("rpl-", ++reply_n);
          r.text = "答复";
          r.contact =
              coin(50) ? v1::REPLY_CONTACT_VIA_CENTER : v1::REPLY_CONTACT_PHONE;
          r.contacted_at = now;
          t = m.Reply(s, actor, r, now);
          break;
        }
        case 9: {
          std::string id = s.view.has_latest_reply() && coin(80)
                               ? s.view.latest_reply().reply_id()
                               : "rpl-stale";
          const bool approve = coin(40);
          std::vector<v1::ReviewReason> reasons;
          if (!approve) reasons.push_back(v1::REVIEW_REASON_WORDING);
          t = m.Review(s, id, approve, reasons, "", now);
          break;
        }
        case 10: {
          // Stay open: evaluation closes the order, so restart instead.
          if (s.view.status() == v1::TICKET_STATUS_AWAITING_EVALUATION) {
            t = m.Evaluated(s, now);
          } else {
            t = absl::FailedPreconditionError("not awaiting evaluation");
          }
          break;
        }
        case 11: {
          std::string co = s.view.co_units_size() > 0 && coin(80)
                               ? s.view.co_units(0).unit_id()
                               : pick(units);
          t = m.ReleaseCoUnit(s, co, "无需协办", now);
          break;
        }
      }
      if (t.ok()) {
        ++accepted;
        ++accepted_by_op[op];
        ASSERT_TRUE(t->has_event) << where;
        ASSERT_NE(t->event.payload_case(), v1::TicketEvent::PAYLOAD_NOT_SET)
            << where;
        ASSERT_EQ(t->event.ticket_id(), s.view.ticket_id()) << where;
        ++events;
        if (t->after.view.status() == v1::TICKET_STATUS_CLOSED) break;
        s = t->after;
        CheckInvariants(tree, s, where);
        if (::testing::Test::HasFailure()) return;
      } else {
        ++refused;
        const auto code = t.status().code();
        ASSERT_TRUE(code == absl::StatusCode::kPermissionDenied ||
                    code == absl::StatusCode::kFailedPrecondition ||
                    code == absl::StatusCode::kInvalidArgument ||
                    code == absl::StatusCode::kNotFound)
            << where << ": " << t.status();
        if (code == absl::StatusCode::kFailedPrecondition &&
            t.status().message() != "not awaiting evaluation" &&
            !absl::StrContains(t.status().message(), "inactive") &&
            !absl::StrContains(t.status().message(), "dispute ")) {
          // State refusals name the order's status and holder.
          EXPECT_TRUE(absl::StrContains(
              t.status().message(),
              absl::StrCat("held by ", s.view.holder_unit_id())))
              << where << ": " << t.status();
        }
      }
    }
  }
  EXPECT_EQ(accepted, events);
  // The walk really exercised every operation.
  for (int op = 0; op <= 11; ++op) {
    EXPECT_GT(accepted_by_op[op], 0)
        << "operation " << op << " never succeeded";
  }
  EXPECT_GT(refused, 0);
  std::printf("random sequences: %d, accepted %lld, refused %lld\n", kSequences,
              static_cast<long long>(accepted),
              static_cast<long long>(refused));
}

}  // namespace
}  // namespace hotline::routing
