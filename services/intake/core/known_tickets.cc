#include "services/intake/core/known_tickets.h"

#include <utility>

namespace hotline::intake {

void KnownTickets::Add(const std::string& ticket_id) {
  absl::MutexLock lock(&mu_);
  if (newer_.contains(ticket_id)) return;
  if (newer_.size() >= capacity_) {
    older_ = std::move(newer_);
    newer_.clear();
  }
  newer_.insert(ticket_id);
}

bool KnownTickets::Contains(const std::string& ticket_id) const {
  absl::MutexLock lock(&mu_);
  return newer_.contains(ticket_id) || older_.contains(ticket_id);
}

}  // namespace hotline::intake
