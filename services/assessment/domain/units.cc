#include "services/assessment/domain/units.h"

#include "absl/strings/match.h"

namespace hotline::assessment {

namespace {
bool HasTownPrefix(const std::string& id) {
  return absl::StartsWith(id, "town.") || absl::StartsWith(id, "street.") ||
         absl::StartsWith(id, "town-") || absl::StartsWith(id, "street-");
}
}  // namespace

void UnitTree::Add(const std::string& unit_id, const std::string& parent_id,
                   bool is_area) {
  if (unit_id.empty()) return;
  Node& n = nodes_[unit_id];
  if (!parent_id.empty() && parent_id != unit_id) n.parent = parent_id;
  n.is_area = n.is_area || is_area;
}

bool UnitTree::Has(const std::string& unit_id) const {
  return unit_id == kCenterUnitId || nodes_.count(unit_id) > 0;
}

std::string UnitTree::Parent(const std::string& unit_id) const {
  auto it = nodes_.find(unit_id);
  if (it == nodes_.end()) return "";
  return it->second.parent;
}

void UnitTree::SetDirectoryEntry(const std::string& unit_id,
                                 const std::string& name, v1::UnitKind kind,
                                 const std::string& parent_id) {
  if (unit_id.empty()) return;
  if (!name.empty()) names_[unit_id] = name;
  if (unit_id == kCenterUnitId) return;
  Node& n = nodes_[unit_id];
  if (!parent_id.empty()) n.parent = parent_id;
  n.kind = kind;
}

void UnitTree::LayOver(const directory::Directory& directory) {
  for (const directory::UnitEntry& u : directory.units()) {
    SetDirectoryEntry(u.unit_id, directory.ShortName(u.unit_id), u.kind,
                      u.parent_unit_id);
  }
}

std::string UnitTree::Name(const std::string& unit_id) const {
  auto it = names_.find(unit_id);
  return it == names_.end() ? unit_id : it->second;
}

v1::UnitKind UnitTree::Kind(const std::string& unit_id) const {
  if (unit_id == kCenterUnitId) return v1::UNIT_KIND_CENTER;
  auto it = nodes_.find(unit_id);
  if (it == nodes_.end()) return v1::UNIT_KIND_UNSPECIFIED;
  if (it->second.kind != v1::UNIT_KIND_UNSPECIFIED) return it->second.kind;
  const std::string& parent = it->second.parent;
  if (parent.empty() || parent == kCenterUnitId) {
    return it->second.is_area || HasTownPrefix(unit_id)
               ? v1::UNIT_KIND_TOWN_STREET
               : v1::UNIT_KIND_DEPARTMENT;
  }
  // Below the first level: follow the parents up (bounded against cycles).
  std::string top = unit_id;
  for (int i = 0; i < 64; ++i) {
    std::string p = Parent(top);
    if (p.empty() || p == kCenterUnitId) break;
    top = p;
  }
  auto t = nodes_.find(top);
  // The directory's kind of the first-level unit, else what events show.
  if (t != nodes_.end() && t->second.kind == v1::UNIT_KIND_TOWN_STREET) {
    return v1::UNIT_KIND_VILLAGE_COMMUNITY;
  }
  if (t != nodes_.end() && t->second.kind == v1::UNIT_KIND_DEPARTMENT) {
    return v1::UNIT_KIND_SECTION;
  }
  const bool town =
      (t != nodes_.end() && t->second.is_area) || HasTownPrefix(top);
  return town ? v1::UNIT_KIND_VILLAGE_COMMUNITY : v1::UNIT_KIND_SECTION;
}

bool UnitTree::InSubtree(const std::string& unit_id,
                         const std::string& root) const {
  if (root == kCenterUnitId) return true;
  std::string u = unit_id;
  for (int i = 0; i < 64 && !u.empty(); ++i) {
    if (u == root) return true;
    u = Parent(u);
  }
  return false;
}

std::vector<std::string> UnitTree::Subtree(const std::string& root) const {
  std::vector<std::string> out;
  if (root == kCenterUnitId) out.push_back(kCenterUnitId);
  for (const auto& [id, node] : nodes_) {
    if (InSubtree(id, root)) out.push_back(id);
  }
  return out;
}

std::vector<std::string> UnitTree::UnitsOfKind(v1::UnitKind kind) const {
  std::vector<std::string> out;
  for (const auto& [id, node] : nodes_) {
    if (Kind(id) == kind) out.push_back(id);
  }
  return out;
}

}  // namespace hotline::assessment
