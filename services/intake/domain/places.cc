#include "services/intake/domain/places.h"

#include <algorithm>

#include "absl/strings/match.h"

namespace hotline::intake {

bool InUnitTree(const Places& places, absl::string_view unit,
                absl::string_view scope) {
  if (unit.empty() || scope.empty()) return false;
  if (unit == scope) return true;
  const std::string start(unit);
  if (!places.parents.contains(start) && !places.towns.contains(start) &&
      !places.communities.contains(start)) {
    return InSubtree(unit, scope);  // not in the directory: by its id
  }
  std::string at = start;
  const size_t bound = places.parents.size() + places.communities.size() + 1;
  for (size_t hops = 0; hops < bound; ++hops) {
    auto parent = places.parents.find(at);
    if (parent != places.parents.end() && !parent->second.empty()) {
      at = parent->second;
    } else {
      // Stored before parents were kept: the town/street stands for it.
      auto town = places.communities.find(at);
      if (town == places.communities.end() || town->second == at) return false;
      at = town->second;
    }
    if (at == scope) return true;
  }
  return false;
}

std::vector<std::string> PlacesBelowOffPrefix(const Places& places,
                                              absl::string_view scope) {
  std::vector<std::string> out;
  auto consider = [&](const std::string& unit) {
    if (!InSubtree(unit, scope) && InUnitTree(places, unit, scope)) {
      out.push_back(unit);
    }
  };
  for (const auto& [town, name] : places.towns) consider(town);
  for (const auto& [community, town] : places.communities) consider(community);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool InSubtree(absl::string_view unit, absl::string_view scope) {
  if (scope.empty() || unit.empty()) return false;
  return unit == scope ||
         (unit.size() > scope.size() && absl::StartsWith(unit, scope) &&
          unit[scope.size()] == '.');
}

Places PlacesFromUnits(const std::vector<v1::Unit>& units) {
  absl::flat_hash_map<std::string, const v1::Unit*> by_id;
  for (const v1::Unit& u : units) by_id[u.unit_id()] = &u;
  Places p;
  for (const v1::Unit& u : units) {
    if (!u.name().empty()) p.names[u.unit_id()] = u.name();
    if (!u.parent_unit_id().empty() && u.parent_unit_id() != u.unit_id()) {
      p.parents[u.unit_id()] = u.parent_unit_id();
    }
    if (!u.active()) continue;
    if (u.kind() == v1::UNIT_KIND_TOWN_STREET) {
      p.towns[u.unit_id()] = u.name();
    } else if (u.kind() == v1::UNIT_KIND_VILLAGE_COMMUNITY) {
      // Up through communities to the town/street (bounded: no cycles).
      const v1::Unit* at = &u;
      for (size_t hops = 0;
           at != nullptr && at->kind() == v1::UNIT_KIND_VILLAGE_COMMUNITY &&
           hops <= units.size();
           ++hops) {
        auto parent = by_id.find(at->parent_unit_id());
        at = parent == by_id.end() ? nullptr : parent->second;
      }
      if (at != nullptr && at->kind() == v1::UNIT_KIND_TOWN_STREET &&
          at->active()) {
        p.communities[u.unit_id()] = at->unit_id();
      }
    }
  }
  return p;
}

Places PlacesFromDirectory(const directory::Directory& directory) {
  return PlacesFromUnits(directory.ToUnits());
}

bool KnowsPlaces(const Catalog& catalog, const v1::Location& loc) {
  const Places& p = catalog.places;
  return (loc.town_code().empty() || p.towns.contains(loc.town_code())) &&
         (loc.community_code().empty() || p.communities.empty() ||
          p.communities.contains(loc.community_code()));
}

bool Catalog::HasCategory(const std::string& code) const {
  for (const auto& c : categories) {
    if (c.code() == code) return true;
  }
  return false;
}

}  // namespace hotline::intake
