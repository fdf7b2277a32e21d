#pragma once

// Ticket ids this process knows to be stored: lets the application of an
// event that needs nothing of the order but its existence (e.g. a clock that
// is not the caller's handling due) skip reading the order.
//
// Sound across replicas and rollbacks because orders are never deleted: an
// id is added only once a committed row was seen (read inside a transaction,
// or after the CreateTicket transaction committed), and a stored order stays
// stored. Bounded: two generations of at most `capacity` ids each; when the
// newer fills up, the older is dropped (an id forgotten is read again).

#include <cstddef>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"

namespace hotline::intake {

class KnownTickets {
 public:
  explicit KnownTickets(size_t capacity = 1 << 15) : capacity_(capacity) {}

  // Records that the order `ticket_id` is stored (committed). Thread-safe.
  void Add(const std::string& ticket_id);
  // Whether Add(ticket_id) was called and not yet forgotten. Thread-safe.
  bool Contains(const std::string& ticket_id) const;

 private:
  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<std::string> newer_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> older_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hotline::intake
