#pragma once

// Repeat suggestions (DESIGN.md §4, repeats; 国办函〔2025〕66号 并单): which
// earlier orders a new one may repeat, and in what order they are offered.
// Free of gRPC and SQL: the store finds the rows (same caller, or same town
// sharing LSH bands, in the window) and hands them here.
//
// An earlier order is a candidate when it was received in the window
// (`since` on), is not the new order itself, and either has the same
// caller (score 1) or lies in the same town with an estimated similarity of
// the two texts at or above the threshold (score = that estimate). An order
// found both ways counts as the same caller. At most kMaxRepeatCandidates
// are offered, best score first, then the newest.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "hotline/v1/intake.pb.h"

namespace hotline::intake {

inline constexpr size_t kMaxRepeatCandidates = 10;

// What a new order is compared with.
struct RepeatQuery {
  std::string caller_hash;  // may be empty
  // The same phone under the key file's other phone-hash keys (rows not yet
  // re-keyed by a rotation).
  std::vector<std::string> other_caller_hashes;
  std::string town_code;            // may be empty
  std::vector<uint32_t> signature;  // MinHash of the new order's terms
  absl::Time since;
  double threshold = 0.5;
  std::string exclude_ticket_id;
};

// The candidates of one new order, by the earlier order's row id.
class RepeatCandidates {
 public:
  explicit RepeatCandidates(const RepeatQuery& query) : query_(&query) {}

  // A stored order the store found by the same caller (`found` carries its
  // ticket id, number, status and received_at).
  void AddSameCaller(int64_t row_id, v1::RepeatCandidate found);
  // A stored order of the same town sharing LSH bands, with its signature.
  void AddSamePlace(int64_t row_id, v1::RepeatCandidate found,
                    const std::vector<uint32_t>& signature);
  // An order written earlier in the same creation batch (the store had not
  // stored it yet when the batch looked), with its signature.
  void AddEarlier(int64_t row_id, const v1::Ticket& earlier,
                  const std::vector<uint32_t>& signature);
  // The order never repeats itself (its own row, once it has one).
  void Drop(int64_t row_id) { by_row_.erase(row_id); }

  // Best score first, then the newest row; at most kMaxRepeatCandidates.
  std::vector<v1::RepeatCandidate> Ranked() const;

 private:
  bool InWindow(const v1::RepeatCandidate& c) const;

  const RepeatQuery* query_;
  absl::flat_hash_map<int64_t, v1::RepeatCandidate> by_row_;
};

}  // namespace hotline::intake
