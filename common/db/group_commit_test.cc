#include "common/db/group_commit.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace hotline::db {
namespace {

using Writer = GroupCommit<int, std::string>;

std::vector<std::string> Echo(absl::Span<const int* const> batch) {
  std::vector<std::string> out;
  for (const int* r : batch) out.push_back(absl::StrCat("工单", *r));
  return out;
}

TEST(GroupCommitTest, ALoneRequestRunsAtOnceInABatchOfItsOwn) {
  Writer writer(Echo);
  EXPECT_EQ(writer.Submit(7), "工单7");
  EXPECT_EQ(writer.Submit(8), "工单8");
  EXPECT_EQ(writer.Totals(), std::make_pair(int64_t{2}, int64_t{2}));
}

// While the first batch is held open, nine more callers queue up; they are
// written as one batch (max_inflight 1), each caller gets its own result.
TEST(GroupCommitTest, RequestsArrivingDuringACommitShareTheNextBatch) {
  absl::Notification first_started, release_first;
  std::vector<size_t> sizes;
  std::atomic<int> calls{0};
  Writer writer(
      [&](absl::Span<const int* const> batch) {
        if (calls++ == 0) {
          first_started.Notify();
          release_first.WaitForNotification();
        }
        sizes.push_back(batch.size());
        return Echo(batch);
      },
      GroupCommitOptions{/*max_batch=*/64, /*max_inflight=*/1, nullptr});

  std::vector<std::string> got(10);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { got[0] = writer.Submit(0); });
  first_started.WaitForNotification();
  for (int i = 1; i < 10; ++i) {
    threads.emplace_back([&, i] { got[i] = writer.Submit(i); });
  }
  // All nine are queued before the first batch is let go.
  while (writer.QueuedForTest() < 9) std::this_thread::yield();
  release_first.Notify();
  for (auto& t : threads) t.join();

  for (int i = 0; i < 10; ++i) EXPECT_EQ(got[i], absl::StrCat("工单", i));
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 9}));
}

TEST(GroupCommitTest, BatchesAreCappedAndAtMostMaxInflightRunAtOnce) {
  std::atomic<int> running{0}, most{0};
  std::atomic<int> largest{0};
  Writer writer(
      [&](absl::Span<const int* const> batch) {
        const int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        int big = largest.load();
        const int n = static_cast<int>(batch.size());
        while (n > big && !largest.compare_exchange_weak(big, n)) {
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        --running;
        return Echo(batch);
      },
      GroupCommitOptions{/*max_batch=*/5, /*max_inflight=*/2, nullptr});

  constexpr int kThreads = 16, kEach = 50;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kEach; ++k) {
        const int id = t * 1000 + k;
        if (writer.Submit(id) != absl::StrCat("工单", id)) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();

  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(most.load(), 2);
  EXPECT_LE(largest.load(), 5);
  const auto [batches, requests] = writer.Totals();
  EXPECT_EQ(requests, kThreads * kEach);
  EXPECT_LT(batches, requests);  // 16 callers for 2 slots: they did combine
}

}  // namespace
}  // namespace hotline::db
