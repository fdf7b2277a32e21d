#include "services/intake/domain/repeats.h"

#include <algorithm>
#include <utility>

#include "common/server/proto_time.h"
#include "services/intake/domain/similarity.h"

namespace hotline::intake {

bool RepeatCandidates::InWindow(const v1::RepeatCandidate& c) const {
  return c.ticket_id() != query_->exclude_ticket_id &&
         FromProto(c.received_at()) >= query_->since;
}

void RepeatCandidates::AddSameCaller(int64_t row_id,
                                     v1::RepeatCandidate found) {
  if (query_->caller_hash.empty() || !InWindow(found)) return;
  found.set_signal(v1::REPEAT_SIGNAL_SAME_CALLER);
  found.set_score(1.0);
  by_row_[row_id] = std::move(found);
}

void RepeatCandidates::AddSamePlace(int64_t row_id, v1::RepeatCandidate found,
                                    const std::vector<uint32_t>& signature) {
  if (query_->town_code.empty() || !InWindow(found)) return;
  if (by_row_.contains(row_id)) return;  // the same caller wins
  const double score = EstimatedJaccard(query_->signature, signature);
  if (score < query_->threshold) return;
  found.set_signal(v1::REPEAT_SIGNAL_SAME_PLACE_SIMILAR_CONTENT);
  found.set_score(score);
  by_row_[row_id] = std::move(found);
}

void RepeatCandidates::AddEarlier(int64_t row_id, const v1::Ticket& earlier,
                                  const std::vector<uint32_t>& signature) {
  v1::RepeatCandidate c;
  c.set_ticket_id(earlier.ticket_id());
  c.set_ticket_number(earlier.ticket_number());
  c.set_status(earlier.status());
  *c.mutable_received_at() = earlier.received_at();
  if (!query_->caller_hash.empty() &&
      query_->caller_hash == earlier.caller_hash()) {
    AddSameCaller(row_id, std::move(c));
  } else if (query_->town_code == earlier.location().town_code()) {
    AddSamePlace(row_id, std::move(c), signature);
  }
}

std::vector<v1::RepeatCandidate> RepeatCandidates::Ranked() const {
  std::vector<std::pair<int64_t, const v1::RepeatCandidate*>> scored;
  scored.reserve(by_row_.size());
  for (const auto& [row, c] : by_row_) scored.emplace_back(row, &c);
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    return a.second->score() != b.second->score()
               ? a.second->score() > b.second->score()
               : a.first > b.first;
  });
  if (scored.size() > kMaxRepeatCandidates) {
    scored.resize(kMaxRepeatCandidates);
  }
  std::vector<v1::RepeatCandidate> out;
  out.reserve(scored.size());
  for (const auto& [row, c] : scored) out.push_back(*c);
  return out;
}

}  // namespace hotline::intake
