#pragma once

// GroupCommit: the writes of concurrent callers combined into shared
// transactions, so that N callers cost one transaction's round trips and one
// commit instead of N.
//
//   GroupCommit<NewOrder, absl::StatusOr<Order>> writer(
//       [&](absl::Span<const NewOrder* const> batch) {
//         return WriteAllInOneTransaction(batch);  // one result per request
//       },
//       GroupCommitOptions{/*max_batch=*/64, /*max_inflight=*/2});
//   absl::StatusOr<Order> order = writer.Submit(new_order);  // blocks
//
// Submit queues the request and waits. A waiting caller becomes the leader
// of a batch as soon as fewer than max_inflight batches are running: it takes
// its own request and up to max_batch - 1 more from the front of the queue,
// runs the batch function once for all of them on its own thread, hands every
// caller its result and returns. While batches run, new requests queue up and
// form the next batch. There is no timer: a lone request is written at once,
// and under load batches grow by themselves to what arrived during the
// previous commit.
//
// The batch function runs without the lock, on the leader's thread, and must
// return exactly one result per request, in order. It decides what a failure
// means for each request (e.g. retry the batch's requests one by one).

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace hotline::db {

struct GroupCommitOptions {
  // Requests per batch at most.
  int max_batch = 64;
  // Batches running at the same time at most (each holds a connection).
  int max_inflight = 2;
  // Called after each batch with its number of requests (metrics), on the
  // leader's thread without the lock, so batches in flight together may call
  // it at once; may be empty.
  std::function<void(int)> on_batch;
};

template <typename Request, typename Result>
class GroupCommit {
 public:
  using BatchFn =
      std::function<std::vector<Result>(absl::Span<const Request* const>)>;

  explicit GroupCommit(BatchFn fn, GroupCommitOptions options = {})
      : fn_(std::move(fn)), options_(options) {
    if (options_.max_batch < 1) options_.max_batch = 1;
    if (options_.max_inflight < 1) options_.max_inflight = 1;
  }

  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Blocks until the batch holding `request` has run; returns its result.
  Result Submit(const Request& request) {
    Slot mine{&request, std::nullopt, false};
    absl::MutexLock lock(&mu_);
    queue_.push_back(&mine);
    while (true) {
      Ready ready{this, &mine};
      mu_.Await(absl::Condition(&ready));
      if (mine.result.has_value()) return std::move(*mine.result);
      RunBatch(&mine);
    }
  }

  // Batches run so far and requests they carried (for metrics and tests).
  std::pair<int64_t, int64_t> Totals() const {
    absl::MutexLock lock(&mu_);
    return {batches_, requests_};
  }

  // Requests waiting for a batch (tests).
  int QueuedForTest() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(queue_.size());
  }

 private:
  struct Slot {
    const Request* request;
    std::optional<Result> result;
    bool taken = false;
  };

  // Wake when our result is in, or when we may lead a batch.
  struct Ready {
    GroupCommit* self;
    Slot* slot;
    bool operator()() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
      return slot->result.has_value() ||
             (!slot->taken && self->inflight_ < self->options_.max_inflight);
    }
  };

  // Leads one batch: `mine` and the oldest queued requests.
  void RunBatch(Slot* mine) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<Slot*> batch{mine};
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (*it == mine) {
        it = queue_.erase(it);
      } else if (static_cast<int>(batch.size()) < options_.max_batch) {
        batch.push_back(*it);
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    std::vector<const Request*> requests;
    for (Slot* s : batch) {
      s->taken = true;
      requests.push_back(s->request);
    }
    ++inflight_;
    mu_.Unlock();
    std::vector<Result> results = fn_(requests);
    if (options_.on_batch) options_.on_batch(static_cast<int>(batch.size()));
    mu_.Lock();
    --inflight_;
    ++batches_;
    requests_ += static_cast<int64_t>(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i]->result.emplace(std::move(results.at(i)));
    }
  }

  const BatchFn fn_;
  GroupCommitOptions options_;
  mutable absl::Mutex mu_;
  std::deque<Slot*> queue_ ABSL_GUARDED_BY(mu_);
  int inflight_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t batches_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t requests_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hotline::db
