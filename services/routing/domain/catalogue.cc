#include "services/routing/domain/catalogue.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/routing/domain/unit_tree.h"

namespace hotline::routing {

bool CategoryMatches(absl::string_view rule_code, absl::string_view code) {
  if (rule_code.empty()) return false;
  if (code == rule_code) return true;
  if (code.size() <= rule_code.size() || !absl::StartsWith(code, rule_code)) {
    return false;
  }
  char next = code[rule_code.size()];
  return next == '.' || next == '/';
}

namespace {

struct Scored {
  v1::DispatchCandidate candidate;
  size_t category_len = 0;
  bool has_area = false;
  bool has_keywords = false;
};

}  // namespace

std::vector<v1::DispatchCandidate> MatchRules(
    const std::vector<v1::DispatchRule>& rules, const Facts& facts) {
  std::vector<Scored> scored;
  for (const auto& rule : rules) {
    if (!rule.active()) continue;
    std::string best_code;
    for (const auto& c : rule.category_codes()) {
      if (CategoryMatches(c, facts.category_code) &&
          c.size() > best_code.size()) {
        best_code = c;
      }
    }
    if (best_code.empty()) continue;
    if (rule.area_codes_size() > 0 &&
        std::find(rule.area_codes().begin(), rule.area_codes().end(),
                  facts.area_code) == rule.area_codes().end()) {
      continue;
    }
    std::string keyword;
    if (rule.keywords_size() > 0) {
      for (const auto& k : rule.keywords()) {
        if (!k.empty() && absl::StrContains(facts.text, k)) {
          keyword = k;
          break;
        }
      }
      if (keyword.empty()) continue;
    }
    Scored s;
    s.category_len = best_code.size();
    s.has_area = rule.area_codes_size() > 0;
    s.has_keywords = !keyword.empty();
    auto& c = s.candidate;
    c.set_unit_id(rule.unit_id());
    *c.mutable_co_unit_ids() = rule.co_unit_ids();
    c.set_rule_id(rule.rule_id());
    c.set_rule_name(rule.name());
    c.set_priority(rule.priority());
    std::string expl = absl::StrCat("category ", best_code);
    absl::StrAppend(&expl, " × area ",
                    s.has_area ? facts.area_code : std::string("any"));
    if (s.has_keywords) absl::StrAppend(&expl, " × keyword ", keyword);
    c.set_explanation(expl);
    scored.push_back(std::move(s));
  }
  std::sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    if (a.candidate.priority() != b.candidate.priority()) {
      return a.candidate.priority() > b.candidate.priority();
    }
    if (a.category_len != b.category_len)
      return a.category_len > b.category_len;
    if (a.has_area != b.has_area) return a.has_area;
    if (a.has_keywords != b.has_keywords) return a.has_keywords;
    return a.candidate.rule_id() < b.candidate.rule_id();
  });
  std::vector<v1::DispatchCandidate> out;
  out.reserve(scored.size());
  for (auto& s : scored) out.push_back(std::move(s.candidate));
  return out;
}

v1::DispatchSuggestion Suggest(const std::vector<v1::DispatchRule>& rules,
                               const Facts& facts, bool auto_enabled) {
  v1::DispatchSuggestion out;
  std::vector<v1::DispatchCandidate> cands = MatchRules(rules, facts);
  if (!cands.empty() && auto_enabled) {
    const auto& best = cands.front();
    bool rule_auto = false;
    for (const auto& r : rules) {
      if (r.rule_id() == best.rule_id()) rule_auto = r.automatic();
    }
    bool ambiguous = false;
    for (size_t i = 1; i < cands.size(); ++i) {
      if (cands[i].priority() == best.priority() &&
          cands[i].unit_id() != best.unit_id()) {
        ambiguous = true;
      }
    }
    out.set_automatic(rule_auto && !ambiguous);
  }
  for (auto& c : cands) *out.add_candidates() = std::move(c);
  return out;
}

namespace {
bool BadText(absl::string_view s) {
  if (absl::StripAsciiWhitespace(s).empty()) return true;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}
}  // namespace

absl::Status ValidateRuleFields(const v1::DispatchRule& rule,
                                absl::string_view field) {
  auto bad = [&](absl::string_view sub, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".", sub, ": ", why));
  };
  if (BadText(rule.name())) return bad("name", "required");
  if (rule.name().size() > 128) return bad("name", "longer than 128 bytes");
  if (rule.category_codes_size() < 1 || rule.category_codes_size() > 50) {
    return bad("category_codes", "1-50 codes required");
  }
  for (int i = 0; i < rule.category_codes_size(); ++i) {
    const auto& c = rule.category_codes(i);
    if (c.empty() || c.size() > 64 || BadText(c) || absl::StrContains(c, " ")) {
      return bad(absl::StrCat("category_codes[", i, "]"),
                 "1-64 bytes, no spaces");
    }
  }
  for (int i = 0; i < rule.area_codes_size(); ++i) {
    if (!IsValidUnitId(rule.area_codes(i))) {
      return bad(absl::StrCat("area_codes[", i, "]"), "not a unit id");
    }
  }
  if (rule.keywords_size() > 50) return bad("keywords", "more than 50");
  for (int i = 0; i < rule.keywords_size(); ++i) {
    const auto& k = rule.keywords(i);
    if (k.empty() || k.size() > 32 || BadText(k)) {
      return bad(absl::StrCat("keywords[", i, "]"), "1-32 bytes of text");
    }
  }
  if (!IsValidUnitId(rule.unit_id())) return bad("unit_id", "required");
  if (rule.co_unit_ids_size() > 20) return bad("co_unit_ids", "more than 20");
  std::set<std::string> seen;
  for (int i = 0; i < rule.co_unit_ids_size(); ++i) {
    const auto& u = rule.co_unit_ids(i);
    if (!IsValidUnitId(u) || u == rule.unit_id() || !seen.insert(u).second) {
      return bad(absl::StrCat("co_unit_ids[", i, "]"),
                 "a distinct unit id other than unit_id");
    }
  }
  if (rule.priority() < 1 || rule.priority() > 1000) {
    return bad("priority", "1-1000");
  }
  if (rule.note().size() > 1024) return bad("note", "longer than 1 KiB");
  return absl::OkStatus();
}

}  // namespace hotline::routing
