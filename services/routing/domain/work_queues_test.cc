#include "services/routing/domain/work_queues.h"

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hotline::routing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(WorkQueuesTest, EveryReasonByDefaultAndReturnedOnlyAtTheCenter) {
  const CenterQueueSelection all = CenterQueueFor({});
  EXPECT_THAT(all.anywhere, ElementsAre(v1::TICKET_STATUS_RECEIVED,
                                        v1::TICKET_STATUS_DISPUTED,
                                        v1::TICKET_STATUS_REPLIED));
  EXPECT_THAT(all.at_center, ElementsAre(v1::TICKET_STATUS_RETURNED));
}

TEST(WorkQueuesTest, OnlyTheReasonsAskedFor) {
  const CenterQueueSelection returned =
      CenterQueueFor({v1::QUEUE_REASON_RETURNED});
  EXPECT_THAT(returned.anywhere, IsEmpty());
  EXPECT_THAT(returned.at_center, ElementsAre(v1::TICKET_STATUS_RETURNED));
  const CenterQueueSelection review =
      CenterQueueFor({v1::QUEUE_REASON_AWAITING_REVIEW, v1::QUEUE_REASON_NEW});
  EXPECT_THAT(review.anywhere, ElementsAre(v1::TICKET_STATUS_RECEIVED,
                                           v1::TICKET_STATUS_REPLIED));
  EXPECT_THAT(review.at_center, IsEmpty());
  // A reason with no statuses (an unknown number) selects nothing.
  EXPECT_TRUE(CenterQueueFor({999}).empty());
}

TEST(WorkQueuesTest, ReasonFollowsTheStatusAndSuggestionsOnlyToDispatch) {
  EXPECT_EQ(QueueReasonOf(v1::TICKET_STATUS_RECEIVED), v1::QUEUE_REASON_NEW);
  EXPECT_EQ(QueueReasonOf(v1::TICKET_STATUS_RETURNED),
            v1::QUEUE_REASON_RETURNED);
  EXPECT_EQ(QueueReasonOf(v1::TICKET_STATUS_DISPUTED),
            v1::QUEUE_REASON_DISPUTED);
  EXPECT_EQ(QueueReasonOf(v1::TICKET_STATUS_REPLIED),
            v1::QUEUE_REASON_AWAITING_REVIEW);
  EXPECT_TRUE(SuggestsDispatch(v1::QUEUE_REASON_NEW));
  EXPECT_TRUE(SuggestsDispatch(v1::QUEUE_REASON_RETURNED));
  EXPECT_FALSE(SuggestsDispatch(v1::QUEUE_REASON_DISPUTED));
  EXPECT_FALSE(SuggestsDispatch(v1::QUEUE_REASON_AWAITING_REVIEW));
}

TEST(WorkQueuesTest, OpenIsEveryStatusButTheEndsOfAnOrder) {
  const std::vector<int>& open = OpenStatuses();
  for (int s = v1::TicketStatus_MIN; s <= v1::TicketStatus_MAX; ++s) {
    if (!v1::TicketStatus_IsValid(s)) continue;
    const bool ended = s == v1::TICKET_STATUS_UNSPECIFIED ||
                       s == v1::TICKET_STATUS_CLOSED_AT_INTAKE ||
                       s == v1::TICKET_STATUS_CLOSED ||
                       s == v1::TICKET_STATUS_MERGED;
    EXPECT_EQ(std::count(open.begin(), open.end(), s), ended ? 0 : 1)
        << v1::TicketStatus_Name(static_cast<v1::TicketStatus>(s));
  }
}

}  // namespace
}  // namespace hotline::routing
