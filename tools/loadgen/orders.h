#pragma once

// The orders the load generators send: realistic and varied (27 towns,
// several categories and request types, random mobile numbers, Chinese
// content mixing landmarks and details so that, as on a real hotline, most
// orders are not near-duplicates of each other). Deterministic per (run, i):
// a retry sends the same body.

#include <cstdint>
#include <string>
#include <vector>

#include "hotline/v1/intake.pb.h"

namespace hotline::loadgen {

// The CreateTicket request of order `i` of run `run` (request id
// "<run>-<i>").
v1::CreateTicketRequest MakeOrder(const std::string& run, int i);
// The same with another seed (hotline-sim: a different month per --seed);
// MakeOrder(run, i) is MakeOrder(run, i, 12345).
v1::CreateTicketRequest MakeOrder(const std::string& run, int i, uint32_t seed);

// The matter categories MakeOrder uses, each with the department a sample
// dispatch catalogue sends it to.
struct CategoryRoute {
  const char* category;
  const char* unit_id;
};
const std::vector<CategoryRoute>& OrderCategories();

}  // namespace hotline::loadgen
