#pragma once

// The unit tree of routing's directory (DirectoryService.ListUnits), as the
// other services read it: one model, so that "a unit and its subtree" means
// the same everywhere (DESIGN.md §4). Free of gRPC and SQL.
//
// The tree is the directory's parent links, never the ids: the shipped
// directory has comm.longshui.nanshan under town.longshui although the one id
// is no prefix of the other. Every walk up the tree is bounded, so a cycle in
// the data ends it instead of hanging the caller.

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "hotline/v1/common.pb.h"
#include "hotline/v1/routing.pb.h"

namespace hotline::directory {

// The most units a query names as one unit's subtree. The shipped directory
// has < 200 units and a whole district < 2,000; a larger subtree is refused
// (Directory::SubtreeForQuery) rather than sent to the database as a longer
// list.
inline constexpr size_t kMaxQueryUnits = 4096;

// The id of the center's unit (区政务服务管理办公室, kind CENTER, the root of
// the shipped directory): the unit that dispatches, decides the extensions
// of the units it dispatched to and is told of district-wide notices. A
// directory may name its CENTER otherwise (Directory::Center).
inline constexpr char kCenterUnitId[] = "center";

// What the services keep of a unit: the parts of v1::Unit that say where it
// lies and what it is called.
struct UnitEntry {
  std::string unit_id;
  std::string parent_unit_id;  // "" for the center
  v1::UnitKind kind = v1::UNIT_KIND_UNSPECIFIED;
  std::string name;        // official name
  std::string short_name;  // for tables; may be empty
  bool active = true;

  bool operator==(const UnitEntry& o) const {
    return unit_id == o.unit_id && parent_unit_id == o.parent_unit_id &&
           kind == o.kind && name == o.name && short_name == o.short_name &&
           active == o.active;
  }
  bool operator!=(const UnitEntry& o) const { return !(*this == o); }
};

UnitEntry EntryOf(const v1::Unit& unit);

// An immutable copy of the directory. Units with an empty id are dropped; of
// two units with one id the last wins.
class Directory {
 public:
  Directory() = default;
  explicit Directory(std::vector<UnitEntry> units);
  static Directory FromUnits(const std::vector<v1::Unit>& units);

  bool empty() const { return units_.empty(); }
  size_t size() const { return units_.size(); }
  // Every unit, sorted by id.
  const std::vector<UnitEntry>& units() const { return units_; }
  // The units as v1::Unit (id, parent, kind, names, active), sorted by id.
  std::vector<v1::Unit> ToUnits() const;

  bool Has(absl::string_view unit_id) const;
  // nullptr when the directory does not have the unit.
  const UnitEntry* Find(absl::string_view unit_id) const;
  // "" when unknown or the root.
  std::string Parent(absl::string_view unit_id) const;
  // UNSPECIFIED when unknown.
  v1::UnitKind Kind(absl::string_view unit_id) const;
  // The official name; "" when unknown.
  std::string Name(absl::string_view unit_id) const;
  // The short name when it has one, else the official name; "" when unknown.
  std::string ShortName(absl::string_view unit_id) const;
  bool Active(absl::string_view unit_id) const;

  // True when `unit_id` is `root` or lies below it by the directory's parent
  // links. Units the directory does not have lie in no subtree but their own.
  bool InSubtree(absl::string_view unit_id, absl::string_view root) const;
  // `root` and every unit below it, sorted; empty when `root` is unknown.
  std::vector<std::string> Subtree(absl::string_view root) const;
  // The subtree as a query names it, unit by unit (`unit_id IN (…)`):
  // `root` and every unit below it, sorted; {root} alone when the directory
  // does not have it (an empty copy before the first read included).
  // INVALID_ARGUMENT for an empty root; FAILED_PRECONDITION naming `root`
  // when the subtree has more than kMaxQueryUnits units.
  absl::StatusOr<std::vector<std::string>> SubtreeForQuery(
      absl::string_view root) const;
  // The units of `kind`, sorted (inactive ones included: they keep their
  // history).
  std::vector<std::string> UnitsOfKind(v1::UnitKind kind) const;
  // The unit with kind CENTER, "" when the directory has none.
  std::string Center() const;

  bool operator==(const Directory& o) const { return units_ == o.units_; }
  bool operator!=(const Directory& o) const { return !(*this == o); }

 private:
  std::vector<UnitEntry> units_;                    // sorted by id
  absl::flat_hash_map<std::string, size_t> index_;  // id → units_ index
};

}  // namespace hotline::directory
