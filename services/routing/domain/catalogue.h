#pragma once

// The dispatch catalogue (派单目录): matching rules against an order's facts.
// Plain domain code: no gRPC, no SQL.
//
// A rule matches when one of its category codes equals the order's category
// or is an ancestor of it (prefix followed by '.' or '/': "urban.road"
// matches "urban.road.damage", "城乡建设" matches "城乡建设/物业管理"; codes
// are opaque otherwise), its area list is empty or names the order's
// town/street, and it has no keywords or one of them occurs in the text.
// Inactive rules never match. Order: priority (desc), then specificity
// (longer matched category, an area condition, a keyword condition), then
// rule_id.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "hotline/v1/routing.pb.h"

namespace hotline::routing {

struct Facts {
  std::string category_code;
  std::string area_code;  // town/street unit id; may be empty
  std::string text;       // title + content
};

// True when `rule_code` is `code` or an ancestor of it.
bool CategoryMatches(absl::string_view rule_code, absl::string_view code);

// Candidates best first (one per matching rule).
std::vector<v1::DispatchCandidate> MatchRules(
    const std::vector<v1::DispatchRule>& rules, const Facts& facts);

// The suggestion for `facts`: candidates, and `automatic` when the best
// candidate's rule is automatic, `auto_enabled`, and no other candidate of
// the same priority names a different unit (an exact, unambiguous match).
v1::DispatchSuggestion Suggest(const std::vector<v1::DispatchRule>& rules,
                               const Facts& facts, bool auto_enabled);

// Validates a rule's own fields (units are checked by the caller against the
// directory). `field` prefixes messages ("rule").
absl::Status ValidateRuleFields(const v1::DispatchRule& rule,
                                absl::string_view field);

}  // namespace hotline::routing
