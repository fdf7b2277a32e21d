#pragma once

// The deadline policy (policy/deadline_policy.txt): every number of the clocks
// and the ladder, each with the article it comes from. Pure C++, no gRPC/SQL.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotline::deadline {

struct PolicyRule {
  int working_days = 0;
  std::string article;  // e.g. "6(2)"
};

class Policy {
 public:
  // Parses the policy text ("KEY N ARTICLE" lines, # comments). Every key of
  // the shipped file is required; unknown or repeated keys, a negative or
  // non-numeric N are INVALID_ARGUMENT naming the line.
  static absl::StatusOr<Policy> Parse(absl::string_view text);
  // The policy embedded at build time.
  static const Policy& Builtin();

  // "policy-<8 hex>" of the text.
  const std::string& version() const { return version_; }
  const PolicyRule& rule(absl::string_view key) const;

  const PolicyRule& response() const { return rule("response.working_days"); }
  const PolicyRule& forward() const { return rule("forward.working_days"); }
  const PolicyRule& return_total() const { return rule("return.working_days"); }
  const PolicyRule& handling_consultation() const {
    return rule("handling.consultation.working_days");
  }
  const PolicyRule& handling_default() const {
    return rule("handling.default.working_days");
  }
  const PolicyRule& rehandling() const {
    return rule("rehandling.working_days");
  }
  const PolicyRule& extension_min() const {
    return rule("extension.min_working_days");
  }
  const PolicyRule& extension_max() const {
    return rule("extension.max_working_days");
  }
  const PolicyRule& co_opinion() const {
    return rule("co_opinion.working_days");
  }

  // Test hook: overrides one number.
  void SetForTest(absl::string_view key, int working_days);

 private:
  std::map<std::string, PolicyRule, std::less<>> rules_;
  std::string version_;
};

}  // namespace hotline::deadline
