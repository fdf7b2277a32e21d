// The units a deadline list may see, by routing's directory.

#include "services/deadline/domain/unit_scope.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace hotline::deadline {

namespace {

bool IsCenter(const directory::Directory& directory, const std::string& unit) {
  return unit == directory::kCenterUnitId ||
         (!unit.empty() && unit == directory.Center());
}

}  // namespace

absl::StatusOr<UnitScope> SubtreeScope(const directory::Directory& directory,
                                       const std::string& root) {
  if (root.empty() || IsCenter(directory, root)) return UnitScope();
  ASSIGN_OR_RETURN(std::vector<std::string> units,
                   directory.SubtreeForQuery(root));
  return UnitScope(std::move(units));
}

absl::StatusOr<std::string> ListRoot(const directory::Directory& directory,
                                     const auth::Principal& who,
                                     const std::string& requested) {
  if (!who.IsUnitRole()) return requested;
  if (requested.empty() || requested == who.unit_id) return who.unit_id;
  if (!directory.InSubtree(requested, who.unit_id)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "unit_id: ", requested, " is outside the subtree of ", who.unit_id));
  }
  return requested;
}

bool HeldInSubtree(const directory::Directory& directory,
                   const std::vector<std::string>& holders,
                   const std::string& root) {
  for (const std::string& unit : holders) {
    if (directory.InSubtree(unit, root)) return true;
  }
  return false;
}

}  // namespace hotline::deadline
