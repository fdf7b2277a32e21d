#pragma once

// "A unit and its subtree" for hotline-deadline: routing's directory
// (common/directory, DESIGN.md §4), as intake and assessment read it — the
// directory's parent links, never the order's dispatch chain. Which units a
// list call may see, and whether a unit may ask about another. No gRPC, no
// SQL.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/auth.h"
#include "common/directory/directory.h"

namespace hotline::deadline {

// The units a list is narrowed to: std::nullopt for every unit (the center's
// view); else the ids, of which the row's unit must be one (a unit and its
// subtree, at most directory::kMaxQueryUnits ids).
using UnitScope = std::optional<std::vector<std::string>>;

// The units of `root` and its subtree by the directory
// (Directory::SubtreeForQuery): every unit for "" or the center
// (directory::kCenterUnitId, or the directory's CENTER); `root` alone when the
// directory does not know it. FAILED_PRECONDITION naming `root` when the
// subtree has more than directory::kMaxQueryUnits units.
absl::StatusOr<UnitScope> SubtreeScope(const directory::Directory& directory,
                                       const std::string& root);

// The root of the units `who` may see when a list call names `requested`
// ("" for none): for the center, auditors and services the unit named (""
// when none: every unit); for unit staff their own unit when none or their
// own is named, else `requested` if it lies in their subtree by the
// directory. PERMISSION_DENIED "unit_id: …" otherwise.
absl::StatusOr<std::string> ListRoot(const directory::Directory& directory,
                                     const auth::Principal& who,
                                     const std::string& requested);

// Whether an order held by `holders` (the units that held or hold it) lies
// in `root`'s subtree by the directory: one of them is `root` or below it.
bool HeldInSubtree(const directory::Directory& directory,
                   const std::vector<std::string>& holders,
                   const std::string& root);

}  // namespace hotline::deadline
