#include "common/directory/directory.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

namespace hotline::directory {

UnitEntry EntryOf(const v1::Unit& unit) {
  UnitEntry e;
  e.unit_id = unit.unit_id();
  e.parent_unit_id = unit.parent_unit_id();
  e.kind = unit.kind();
  e.name = unit.name();
  e.short_name = unit.short_name();
  e.active = unit.active();
  return e;
}

Directory::Directory(std::vector<UnitEntry> units) {
  std::map<std::string, UnitEntry> by_id;
  for (UnitEntry& u : units) {
    if (u.unit_id.empty()) continue;
    if (u.parent_unit_id == u.unit_id) u.parent_unit_id.clear();
    by_id[u.unit_id] = std::move(u);
  }
  units_.reserve(by_id.size());
  for (auto& [id, u] : by_id) {
    index_[id] = units_.size();
    units_.push_back(std::move(u));
  }
}

Directory Directory::FromUnits(const std::vector<v1::Unit>& units) {
  std::vector<UnitEntry> entries;
  entries.reserve(units.size());
  for (const v1::Unit& u : units) entries.push_back(EntryOf(u));
  return Directory(std::move(entries));
}

std::vector<v1::Unit> Directory::ToUnits() const {
  std::vector<v1::Unit> out;
  out.reserve(units_.size());
  for (const UnitEntry& e : units_) {
    v1::Unit u;
    u.set_unit_id(e.unit_id);
    u.set_parent_unit_id(e.parent_unit_id);
    u.set_kind(e.kind);
    u.set_name(e.name);
    u.set_short_name(e.short_name);
    u.set_active(e.active);
    out.push_back(std::move(u));
  }
  return out;
}

const UnitEntry* Directory::Find(absl::string_view unit_id) const {
  auto it = index_.find(unit_id);
  return it == index_.end() ? nullptr : &units_[it->second];
}

bool Directory::Has(absl::string_view unit_id) const {
  return index_.contains(unit_id);
}

std::string Directory::Parent(absl::string_view unit_id) const {
  const UnitEntry* u = Find(unit_id);
  return u == nullptr ? std::string() : u->parent_unit_id;
}

v1::UnitKind Directory::Kind(absl::string_view unit_id) const {
  const UnitEntry* u = Find(unit_id);
  return u == nullptr ? v1::UNIT_KIND_UNSPECIFIED : u->kind;
}

std::string Directory::Name(absl::string_view unit_id) const {
  const UnitEntry* u = Find(unit_id);
  return u == nullptr ? std::string() : u->name;
}

std::string Directory::ShortName(absl::string_view unit_id) const {
  const UnitEntry* u = Find(unit_id);
  if (u == nullptr) return std::string();
  return u->short_name.empty() ? u->name : u->short_name;
}

bool Directory::Active(absl::string_view unit_id) const {
  const UnitEntry* u = Find(unit_id);
  return u != nullptr && u->active;
}

bool Directory::InSubtree(absl::string_view unit_id,
                          absl::string_view root) const {
  if (unit_id.empty() || root.empty()) return false;
  if (unit_id == root) return true;
  const UnitEntry* at = Find(unit_id);
  // At most one hop per unit: a longer walk has met a cycle.
  for (size_t hops = 0; at != nullptr && hops < units_.size(); ++hops) {
    if (at->parent_unit_id.empty()) return false;
    if (at->parent_unit_id == root) return true;
    at = Find(at->parent_unit_id);
  }
  return false;
}

std::vector<std::string> Directory::Subtree(absl::string_view root) const {
  std::vector<std::string> out;
  if (!Has(root)) return out;
  for (const UnitEntry& u : units_) {
    if (InSubtree(u.unit_id, root)) out.push_back(u.unit_id);
  }
  return out;  // units_ is sorted by id
}

absl::StatusOr<std::vector<std::string>> Directory::SubtreeForQuery(
    absl::string_view root) const {
  if (root.empty()) return absl::InvalidArgumentError("unit: empty");
  if (!Has(root)) return std::vector<std::string>{std::string(root)};
  std::vector<std::string> units = Subtree(root);
  if (units.size() > kMaxQueryUnits) {
    return absl::FailedPreconditionError(
        absl::StrCat("the directory places ", units.size(), " units in ", root,
                     "'s subtree, more than the ", kMaxQueryUnits,
                     " a query names; name a unit below it"));
  }
  return units;
}

std::vector<std::string> Directory::UnitsOfKind(v1::UnitKind kind) const {
  std::vector<std::string> out;
  for (const UnitEntry& u : units_) {
    if (u.kind == kind) out.push_back(u.unit_id);
  }
  return out;
}

std::string Directory::Center() const {
  for (const UnitEntry& u : units_) {
    if (u.kind == v1::UNIT_KIND_CENTER) return u.unit_id;
  }
  return std::string();
}

}  // namespace hotline::directory
