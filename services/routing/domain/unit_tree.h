#pragma once

// The unit directory as a tree (DESIGN.md §2, issue 5): the center at the
// top, first-level units (towns/streets, departments) below it, sub-units
// below those. A plain value: no gRPC, no SQL. Thread-compatible.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/directory/directory.h"
#include "hotline/v1/routing.pb.h"

namespace hotline::routing {

using directory::kCenterUnitId;

class UnitTree {
 public:
  UnitTree() = default;
  explicit UnitTree(const std::vector<v1::Unit>& units);

  void Put(const v1::Unit& unit);
  const v1::Unit* Find(absl::string_view unit_id) const;
  bool Contains(absl::string_view unit_id) const {
    return Find(unit_id) != nullptr;
  }
  // The center's id ("center" unless the tree says otherwise); empty if none.
  std::string CenterId() const;
  // Parent id; empty for the center or an unknown unit.
  std::string Parent(absl::string_view unit_id) const;
  // True when `unit_id` is `ancestor` or lies below it.
  bool InSubtree(absl::string_view ancestor, absl::string_view unit_id) const;
  // True for TOWN_STREET and DEPARTMENT units directly below the center.
  bool IsFirstLevel(absl::string_view unit_id) const;
  // The first-level unit above (or equal to) `unit_id`; empty for the center.
  std::string FirstLevelOf(absl::string_view unit_id) const;
  // Ancestors from the center down to the parent.
  std::vector<std::string> Ancestors(absl::string_view unit_id) const;
  // Direct children sorted by (sort_order, unit_id).
  std::vector<const v1::Unit*> Children(absl::string_view unit_id) const;
  // Depth-first tree order from `root` (inclusive).
  std::vector<const v1::Unit*> Preorder(absl::string_view root) const;
  // Every unit id of the subtree of `root`, root included.
  std::vector<std::string> Subtree(absl::string_view root) const;
  size_t size() const { return units_.size(); }

 private:
  std::map<std::string, v1::Unit, std::less<>> units_;
};

// Field rules of common.proto / routing.proto.
bool IsValidUnitId(absl::string_view id);
bool IsValidMobile(absl::string_view s);       // 1[3-9]\d{9}
bool IsValidOfficePhone(absl::string_view s);  // 0\d{9,11}
// Checks a contact; `field` prefixes messages ("unit.liaison").
absl::Status ValidateContact(const v1::Contact& c, absl::string_view field,
                             bool mobile_required);
// Checks one unit's own fields and its place in `tree` (parent exists, kind
// fits the parent's kind, no cycle). `field` prefixes messages ("unit").
absl::Status ValidateUnit(const v1::Unit& unit, const UnitTree& tree,
                          absl::string_view field);

}  // namespace hotline::routing
