#include "services/deadline/domain/policy.h"

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace hotline::deadline {

extern const char kBuiltinPolicyText[];

namespace {

constexpr const char* kKeys[] = {
    "response.working_days",         "forward.working_days",
    "return.working_days",           "handling.consultation.working_days",
    "handling.default.working_days", "rehandling.working_days",
    "extension.min_working_days",    "extension.max_working_days",
    "co_opinion.working_days",
};

}  // namespace

absl::StatusOr<Policy> Policy::Parse(absl::string_view text) {
  Policy p;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    const size_t hash = line.find('#');
    if (hash != absl::string_view::npos) line = line.substr(0, hash);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const std::string where = absl::StrCat("policy line ", line_no);
    if (parts.size() != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": want KEY WORKING_DAYS ARTICLE"));
    }
    bool known = false;
    for (const char* k : kKeys) known = known || parts[0] == k;
    if (!known) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": unknown key ", parts[0]));
    }
    int n = 0;
    if (!absl::SimpleAtoi(parts[1], &n) || n < 0 || n > 3650) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": working days must be 0..3650"));
    }
    if (!p.rules_
             .emplace(std::string(parts[0]),
                      PolicyRule{n, std::string(parts[2])})
             .second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": repeated key ", parts[0]));
    }
  }
  for (const char* k : kKeys) {
    if (p.rules_.find(k) == p.rules_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("policy: missing ", k));
    }
  }
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  p.version_ =
      absl::StrFormat("policy-%08x", static_cast<uint32_t>(h ^ (h >> 32)));
  return p;
}

const Policy& Policy::Builtin() {
  static const Policy* const kPolicy = [] {
    absl::StatusOr<Policy> p = Parse(kBuiltinPolicyText);
    if (!p.ok()) {
      // The file is checked by the unit test; a broken build must not run.
      std::abort();
    }
    return new Policy(*std::move(p));
  }();
  return *kPolicy;
}

const PolicyRule& Policy::rule(absl::string_view key) const {
  auto it = rules_.find(key);
  if (it == rules_.end()) std::abort();  // keys are checked by Parse
  return it->second;
}

void Policy::SetForTest(absl::string_view key, int working_days) {
  auto it = rules_.find(key);
  if (it != rules_.end()) it->second.working_days = working_days;
}

}  // namespace hotline::deadline
