#include "services/intake/domain/progress.h"

#include "absl/container/flat_hash_map.h"
#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::intake {
namespace {

TEST(IntakeRulesTest, CoUnitAcceptAndUpheldDisputeFollowRouting) {
  v1::TicketEvent e;
  e.mutable_accepted()->set_unit_id("dept.ecology");
  e.mutable_accepted()->set_as_co_unit(true);
  auto u = ProgressFromEvent(e, v1::TICKET_STATUS_DISPATCHED);
  ASSERT_TRUE(u.has_value());
  EXPECT_FALSE(u->status.has_value());
  EXPECT_FALSE(u->holder.has_value());
  EXPECT_EQ(u->unit_id, "dept.ecology");
  e.mutable_accepted()->set_as_co_unit(false);
  u = ProgressFromEvent(e, v1::TICKET_STATUS_DISPATCHED);
  EXPECT_EQ(u->status, v1::TICKET_STATUS_ACCEPTED);
  EXPECT_EQ(u->holder, "dept.ecology");

  e.Clear();
  e.mutable_dispute_decided()->set_unit_id("town.longshui");
  e.mutable_dispute_decided()->set_outcome(v1::DISPUTE_OUTCOME_DISPATCH_UPHELD);
  u = ProgressFromEvent(e, v1::TICKET_STATUS_DISPUTED);
  EXPECT_EQ(u->status, v1::TICKET_STATUS_ACCEPTED);
  EXPECT_EQ(u->holder, "town.longshui");
  e.mutable_dispute_decided()->set_outcome(v1::DISPUTE_OUTCOME_DISPUTE_GRANTED);
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_DISPUTED)->status,
            v1::TICKET_STATUS_RETURNED);
}

TEST(IntakeRulesTest, EventsMoveStatus) {
  v1::TicketEvent e;
  e.mutable_dispatched()->set_unit_id("town.longshui");
  auto u = ProgressFromEvent(e, v1::TICKET_STATUS_RECEIVED);
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->status, v1::TICKET_STATUS_DISPATCHED);
  EXPECT_EQ(u->holder, "town.longshui");
  e.Clear();
  e.mutable_reviewed()->set_approved(false);
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_REPLIED)->status,
            v1::TICKET_STATUS_REHANDLING);
  e.Clear();
  e.mutable_closed()->set_reason(v1::CLOSE_REASON_MERGED);
  EXPECT_FALSE(
      ProgressFromEvent(e, v1::TICKET_STATUS_MERGED)->status.has_value());
  e.Clear();
  e.mutable_clock_stopped();
  EXPECT_FALSE(ProgressFromEvent(e, v1::TICKET_STATUS_ACCEPTED).has_value());
  e.Clear();
  e.mutable_clock_moved()->set_kind(v1::CLOCK_KIND_HANDLING);
  *e.mutable_clock_moved()->mutable_due() =
      ToProto(absl::FromUnixSeconds(1708000000));
  EXPECT_EQ(*ProgressFromEvent(e, v1::TICKET_STATUS_ACCEPTED)->handling_due,
            absl::FromUnixSeconds(1708000000));
  // A multi-unit order's due is the lead unit's.
  e.Clear();
  e.mutable_clock_started()->set_kind(v1::CLOCK_KIND_LEAD_UNIT);
  *e.mutable_clock_started()->mutable_due() =
      ToProto(absl::FromUnixSeconds(1709000000));
  EXPECT_EQ(*ProgressFromEvent(e, v1::TICKET_STATUS_DISPATCHED)->handling_due,
            absl::FromUnixSeconds(1709000000));
  e.mutable_clock_started()->set_kind(v1::CLOCK_KIND_RESPONSE);
  EXPECT_FALSE(ProgressFromEvent(e, v1::TICKET_STATUS_DISPATCHED).has_value());
}

// Routing's Closed follows the evaluation, but assessment's event of it
// travels by another relay: arriving after the Closed, it adds its note and
// leaves the order closed; arriving before, it moves the order on as usual.
TEST(IntakeRulesTest, ALateEvaluationLeavesAClosedOrderClosed) {
  v1::TicketEvent e;
  e.mutable_evaluation_recorded()->set_unit_id("town.longshui");
  e.mutable_evaluation_recorded()->set_reached(true);
  auto late = ProgressFromEvent(e, v1::TICKET_STATUS_CLOSED);
  ASSERT_TRUE(late.has_value());
  EXPECT_FALSE(late->status.has_value());
  EXPECT_EQ(late->note, "已完成回访评价");
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_AWAITING_EVALUATION)->status,
            v1::TICKET_STATUS_EVALUATED);
}

TEST(IntakeRulesTest, ProgressNamesUnits) {
  const absl::flat_hash_map<std::string, std::string> names = {
      {"town.longshui", "龙水镇人民政府"},
      {"comm.longshui.nanshan", "龙水镇南山社区居委会"},
      {"dept.urban", "重庆市大足区城市管理局"}};
  const UnitNamer name_of = [&](const std::string& id) {
    auto it = names.find(id);
    return it == names.end() ? std::string() : it->second;
  };
  v1::TicketEvent e;
  e.mutable_dispatched()->set_unit_id("town.longshui");
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_RECEIVED, name_of)->note,
            "已交办至龙水镇人民政府");
  e.Clear();
  e.mutable_accepted()->set_unit_id("town.longshui");
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_DISPATCHED, name_of)->note,
            "龙水镇人民政府已签收，正在办理");
  e.Clear();
  e.mutable_forwarded()->set_to_unit_id("comm.longshui.nanshan");
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_ACCEPTED, name_of)->note,
            "已流转至龙水镇南山社区居委会");
  e.Clear();
  e.mutable_redispatched()->mutable_dispatch()->set_unit_id("dept.urban");
  auto u = ProgressFromEvent(e, v1::TICKET_STATUS_RETURNED, name_of);
  EXPECT_EQ(u->note, "已改派至重庆市大足区城市管理局");
  EXPECT_EQ(u->unit_id, "dept.urban");  // the record keeps the id
  // A unit intake has no name for yet is "the handling unit", not its id.
  e.Clear();
  e.mutable_dispatched()->set_unit_id("sec.new");
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_RECEIVED, name_of)->note,
            "已交办至承办单位");
  EXPECT_EQ(ProgressFromEvent(e, v1::TICKET_STATUS_RECEIVED)->note,
            "已交办至承办单位");
}

// The consumer reads the order only when the update needs its status: a
// moved handling due alone is the same on every order, anything else (status,
// holder, a note, held units) is not.
TEST(IntakeRulesTest, OnlyADueAloneNeedsNoStoredStatus) {
  v1::TicketEvent e;
  e.mutable_clock_started()->set_kind(v1::CLOCK_KIND_HANDLING);
  *e.mutable_clock_started()->mutable_due() =
      ToProto(absl::FromUnixSeconds(1708000000));
  std::optional<ProgressUpdate> u = ProgressOfEvent(e);
  ASSERT_TRUE(u.has_value());
  EXPECT_FALSE(NeedsStoredStatus(*u));
  e.mutable_clock_started()->set_kind(v1::CLOCK_KIND_RESPONSE);
  EXPECT_FALSE(ProgressOfEvent(e).has_value());

  e.Clear();
  e.mutable_accepted()->set_unit_id("dept.ecology");
  e.mutable_accepted()->set_as_co_unit(true);  // a note, no status
  ASSERT_TRUE(ProgressOfEvent(e).has_value());
  EXPECT_TRUE(NeedsStoredStatus(*ProgressOfEvent(e)));
  e.Clear();
  e.mutable_dispatched()->set_unit_id("town.longshui");
  EXPECT_TRUE(NeedsStoredStatus(*ProgressOfEvent(e)));

  // Both halves together are ProgressFromEvent, on every status.
  for (v1::TicketStatus current :
       {v1::TICKET_STATUS_RECEIVED, v1::TICKET_STATUS_MERGED,
        v1::TICKET_STATUS_CLOSED_AT_INTAKE, v1::TICKET_STATUS_ACCEPTED}) {
    std::optional<ProgressUpdate> whole = ProgressFromEvent(e, current);
    std::optional<ProgressUpdate> half = ProgressOfEvent(e);
    ASSERT_TRUE(whole.has_value() && half.has_value());
    FollowStatus(current, &*half);
    EXPECT_EQ(whole->status, half->status);
    EXPECT_EQ(whole->holder, half->holder);
    EXPECT_EQ(whole->note, half->note);
    EXPECT_EQ(whole->held_units, half->held_units);
  }
  std::optional<ProgressUpdate> merged = ProgressOfEvent(e);
  FollowStatus(v1::TICKET_STATUS_MERGED, &*merged);
  EXPECT_FALSE(merged->status.has_value());
  EXPECT_FALSE(merged->holder.has_value());
}

}  // namespace
}  // namespace hotline::intake
