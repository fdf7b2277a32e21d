#include "services/intake/domain/merge.h"

#include "common/server/proto_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::intake {
namespace {

using ::testing::HasSubstr;

v1::Ticket Order(const std::string& id, const std::string& number,
                 v1::TicketStatus status, const std::string& holder = "") {
  v1::Ticket t;
  t.set_ticket_id(id);
  t.set_ticket_number(number);
  t.set_status(status);
  t.set_holder_unit_id(holder);
  return t;
}

const absl::Time kNow = absl::FromUnixSeconds(1717200000);

TEST(MergeTest, MergeFollowsTheOriginalAndSaysSo) {
  v1::Actor agent;
  agent.set_principal_id("agent-wang");
  const v1::Ticket repeat =
      Order("tk-2", "DZ20240601-000002", v1::TICKET_STATUS_RECEIVED);
  const v1::Ticket original =
      Order("tk-1", "DZ20240601-000001", v1::TICKET_STATUS_DISPATCHED,
            "town.longshui");
  auto c = DecideMerge(repeat, original, 0, "同一路灯不亮", agent, kNow);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->status, v1::TICKET_STATUS_MERGED);
  EXPECT_EQ(c->merged_into, "tk-1");
  EXPECT_EQ(c->note, "已并入工单 DZ20240601-000001 一并办理");
  EXPECT_EQ(c->event.ticket_id(), "tk-2");
  EXPECT_EQ(c->event.ticket_number(), "DZ20240601-000002");
  EXPECT_EQ(FromProto(c->event.occurred_at()), kNow);
  EXPECT_EQ(c->event.actor().principal_id(), "agent-wang");
  EXPECT_EQ(c->event.ticket_merged().original_ticket_id(), "tk-1");
  EXPECT_EQ(c->event.ticket_merged().original_ticket_number(),
            "DZ20240601-000001");
  EXPECT_EQ(c->event.ticket_merged().reason(), "同一路灯不亮");
}

TEST(MergeTest, ClosedOrMergedOrdersAndOrdersWithRepeatsAreNotMerged) {
  const v1::Actor actor;
  const v1::Ticket open =
      Order("tk-2", "DZ20240601-000002", v1::TICKET_STATUS_RECEIVED);
  const v1::Ticket original =
      Order("tk-1", "DZ20240601-000001", v1::TICKET_STATUS_DISPATCHED,
            "town.longshui");
  for (v1::TicketStatus s :
       {v1::TICKET_STATUS_CLOSED, v1::TICKET_STATUS_CLOSED_AT_INTAKE,
        v1::TICKET_STATUS_MERGED}) {
    auto c = DecideMerge(Order("tk-2", "DZ20240601-000002", s), original, 0,
                         "重复", actor, kNow);
    EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(c.status().message()),
                HasSubstr("DZ20240601-000002 is "));
    auto o = DecideMerge(open,
                         Order("tk-1", "DZ20240601-000001", s, "town.longshui"),
                         0, "重复", actor, kNow);
    EXPECT_EQ(o.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(o.status().message()),
                HasSubstr("original: DZ20240601-000001 is "));
    EXPECT_THAT(std::string(o.status().message()),
                HasSubstr(", held by town.longshui"));
  }
  auto with_repeats = DecideMerge(open, original, 2, "重复", actor, kNow);
  EXPECT_EQ(with_repeats.status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(with_repeats.status().message(),
            "DZ20240601-000002 has 2 repeats merged into it");
}

TEST(MergeTest, UnmergeReturnsAMergedOrderToTheCenter) {
  v1::Ticket merged =
      Order("tk-2", "DZ20240601-000002", v1::TICKET_STATUS_MERGED);
  merged.set_merged_into_ticket_id("tk-1");
  auto c = DecideUnmerge(merged, "并错了", v1::Actor(), kNow);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->status, v1::TICKET_STATUS_RECEIVED);
  EXPECT_EQ(c->merged_into, "");
  EXPECT_EQ(c->note, "已撤销并单，重新进入中心待派单");
  EXPECT_EQ(c->event.ticket_unmerged().original_ticket_id(), "tk-1");
  EXPECT_EQ(c->event.ticket_unmerged().reason(), "并错了");

  auto open = DecideUnmerge(
      Order("tk-3", "DZ20240601-000003", v1::TICKET_STATUS_RECEIVED), "并错了",
      v1::Actor(), kNow);
  EXPECT_EQ(open.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(open.status().message(),
            "DZ20240601-000003 is RECEIVED, not MERGED");
}

}  // namespace
}  // namespace hotline::intake
