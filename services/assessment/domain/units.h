#pragma once

// The unit tree learned from events, with assessment's copy of routing's
// directory (common/directory) laid over it (no gRPC, no SQL).

#include <map>
#include <string>
#include <vector>

#include "common/directory/directory.h"
#include "hotline/v1/common.pb.h"

namespace hotline::assessment {

// The root of the unit tree (the center, 区政务服务管理办).
using directory::kCenterUnitId;

// The unit tree learned from events. Kinds are derived: the root is the
// center; a first-level unit is a TOWN_STREET when it was named as a matter's
// area (or its id starts with "town." or "street."), else a DEPARTMENT; below
// a town/street VILLAGE_COMMUNITY, below a department SECTION.
class UnitTree {
 public:
  void Add(const std::string& unit_id, const std::string& parent_id,
           bool is_area);
  bool Has(const std::string& unit_id) const;
  v1::UnitKind Kind(const std::string& unit_id) const;
  // The unit and every unit below it.
  std::vector<std::string> Subtree(const std::string& unit_id) const;
  // Is `unit_id` in the subtree of `root`?
  bool InSubtree(const std::string& unit_id, const std::string& root) const;
  std::vector<std::string> UnitsOfKind(v1::UnitKind kind) const;
  std::string Parent(const std::string& unit_id) const;

  // From the directory: the unit's name, and its kind and parent as the
  // directory states them (they win over what events show).
  void SetDirectoryEntry(const std::string& unit_id, const std::string& name,
                         v1::UnitKind kind, const std::string& parent_id);
  // Every unit of `directory` (SetDirectoryEntry, named by its short name
  // when it has one): "a unit and its subtree" is then the directory's tree,
  // events filling in only the units the directory does not know.
  void LayOver(const directory::Directory& directory);
  // The directory name, else the unit id.
  std::string Name(const std::string& unit_id) const;

 private:
  struct Node {
    std::string parent;
    bool is_area = false;
    v1::UnitKind kind = v1::UNIT_KIND_UNSPECIFIED;  // from the directory
  };
  std::map<std::string, Node> nodes_;
  std::map<std::string, std::string> names_;
};

}  // namespace hotline::assessment
