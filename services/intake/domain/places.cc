#include "services/intake/domain/places.h"

namespace hotline::intake {

Places PlacesFromUnits(const std::vector<v1::Unit>& units) {
  absl::flat_hash_map<std::string, const v1::Unit*> by_id;
  for (const v1::Unit& u : units) by_id[u.unit_id()] = &u;
  Places p;
  for (const v1::Unit& u : units) {
    if (!u.name().empty()) p.names[u.unit_id()] = u.name();
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
