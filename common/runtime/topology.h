#pragma once

// The event topology: which services each producer's relay delivers to
// (deploy/topology.txt, docs/DESIGN.md §5). One line per producer:
//
//   # comment
//   routing: deadline assessment intake
//
// Read by the local run, the e2e cluster and the topology test; the
// container manifests are checked against it.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotline::runtime {

struct Topology {
  // producer -> its subscribers, in delivery order.
  std::map<std::string, std::vector<std::string>> subscribers;

  // The subscribers of `producer`; empty when it has none or is not named.
  const std::vector<std::string>& SubscribersOf(
      absl::string_view producer) const;
  // Whether `producer`'s events are delivered to `consumer`.
  bool Delivers(absl::string_view producer, absl::string_view consumer) const;
};

// Parses the text of a topology file. INVALID_ARGUMENT naming the line for a
// line without "producer:", a producer named twice, a service subscribed to
// itself or twice to the same producer.
absl::StatusOr<Topology> ParseTopology(absl::string_view text);

// Reads and parses the file at `path`; NOT_FOUND when it cannot be read.
absl::StatusOr<Topology> LoadTopology(const std::string& path);

}  // namespace hotline::runtime
