#include "services/routing/domain/unit_tree.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace hotline::routing {

UnitTree::UnitTree(const std::vector<v1::Unit>& units) {
  for (const auto& u : units) Put(u);
}

void UnitTree::Put(const v1::Unit& unit) { units_[unit.unit_id()] = unit; }

const v1::Unit* UnitTree::Find(absl::string_view unit_id) const {
  auto it = units_.find(unit_id);
  return it == units_.end() ? nullptr : &it->second;
}

std::string UnitTree::CenterId() const {
  for (const auto& [id, u] : units_) {
    if (u.kind() == v1::UNIT_KIND_CENTER) return id;
  }
  return "";
}

std::string UnitTree::Parent(absl::string_view unit_id) const {
  const v1::Unit* u = Find(unit_id);
  return u == nullptr ? "" : u->parent_unit_id();
}

bool UnitTree::InSubtree(absl::string_view ancestor,
                         absl::string_view unit_id) const {
  std::string cur(unit_id);
  for (size_t guard = 0; guard <= units_.size() && !cur.empty(); ++guard) {
    if (cur == ancestor) return true;
    cur = Parent(cur);
  }
  return false;
}

bool UnitTree::IsFirstLevel(absl::string_view unit_id) const {
  const v1::Unit* u = Find(unit_id);
  if (u == nullptr) return false;
  if (u->kind() != v1::UNIT_KIND_TOWN_STREET &&
      u->kind() != v1::UNIT_KIND_DEPARTMENT) {
    return false;
  }
  const v1::Unit* p = Find(u->parent_unit_id());
  return p != nullptr && p->kind() == v1::UNIT_KIND_CENTER;
}

std::string UnitTree::FirstLevelOf(absl::string_view unit_id) const {
  std::string cur(unit_id);
  for (size_t guard = 0; guard <= units_.size() && !cur.empty(); ++guard) {
    if (IsFirstLevel(cur)) return cur;
    cur = Parent(cur);
  }
  return "";
}

std::vector<std::string> UnitTree::Ancestors(absl::string_view unit_id) const {
  std::vector<std::string> out;
  std::string cur = Parent(unit_id);
  for (size_t guard = 0; guard <= units_.size() && !cur.empty(); ++guard) {
    out.push_back(cur);
    cur = Parent(cur);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<const v1::Unit*> UnitTree::Children(
    absl::string_view unit_id) const {
  std::vector<const v1::Unit*> out;
  for (const auto& [id, u] : units_) {
    if (u.parent_unit_id() == unit_id && !u.parent_unit_id().empty()) {
      out.push_back(&u);
    }
  }
  std::sort(out.begin(), out.end(), [](const v1::Unit* a, const v1::Unit* b) {
    if (a->sort_order() != b->sort_order()) {
      return a->sort_order() < b->sort_order();
    }
    return a->unit_id() < b->unit_id();
  });
  return out;
}

std::vector<const v1::Unit*> UnitTree::Preorder(absl::string_view root) const {
  std::vector<const v1::Unit*> out;
  const v1::Unit* r = Find(root);
  if (r == nullptr) return out;
  std::vector<const v1::Unit*> stack = {r};
  while (!stack.empty() && out.size() <= units_.size()) {
    const v1::Unit* u = stack.back();
    stack.pop_back();
    out.push_back(u);
    auto kids = Children(u->unit_id());
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) stack.push_back(*it);
  }
  return out;
}

std::vector<std::string> UnitTree::Subtree(absl::string_view root) const {
  std::vector<std::string> out;
  for (const v1::Unit* u : Preorder(root)) out.push_back(u->unit_id());
  return out;
}

bool IsValidUnitId(absl::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  auto ok_first = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (!ok_first(id[0])) return false;
  for (char c : id) {
    if (!ok_first(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

bool IsValidMobile(absl::string_view s) {
  if (s.size() != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9') return false;
  return std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

bool IsValidOfficePhone(absl::string_view s) {
  if (s.size() < 10 || s.size() > 12 || s[0] != '0') return false;
  return std::all_of(s.begin(), s.end(), absl::ascii_isdigit);
}

namespace {
bool HasControl(absl::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}
}  // namespace

absl::Status ValidateContact(const v1::Contact& c, absl::string_view field,
                             bool mobile_required) {
  auto bad = [&](absl::string_view sub, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".", sub, ": ", why));
  };
  std::string name(absl::StripAsciiWhitespace(c.name()));
  if (name.empty()) return bad("name", "required");
  if (c.name().size() > 64) return bad("name", "longer than 64 bytes");
  if (HasControl(c.name())) return bad("name", "control character");
  if (c.title().size() > 64) return bad("title", "longer than 64 bytes");
  if (HasControl(c.title())) return bad("title", "control character");
  if (c.mobile().empty()) {
    if (mobile_required) return bad("mobile", "required");
  } else if (!IsValidMobile(c.mobile())) {
    return bad("mobile", "not a mobile number (1[3-9] and 9 digits)");
  }
  if (!c.office_phone().empty() && !IsValidOfficePhone(c.office_phone())) {
    return bad("office_phone", "not an office number (0 and 9-11 digits)");
  }
  if (c.email().size() > 254) return bad("email", "longer than 254 bytes");
  if (!c.email().empty() &&
      (!absl::StrContains(c.email(), "@") || HasControl(c.email()))) {
    return bad("email", "not an e-mail address");
  }
  return absl::OkStatus();
}

absl::Status ValidateUnit(const v1::Unit& unit, const UnitTree& tree,
                          absl::string_view field) {
  auto bad = [&](absl::string_view sub, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".", sub, ": ", why));
  };
  if (!IsValidUnitId(unit.unit_id())) {
    return bad("unit_id", "1-32 chars of lower-case [a-z0-9][a-z0-9._-]*");
  }
  if (absl::StripAsciiWhitespace(unit.name()).empty()) {
    return bad("name", "required");
  }
  if (unit.name().size() > 128) return bad("name", "longer than 128 bytes");
  if (HasControl(unit.name())) return bad("name", "control character");
  if (unit.short_name().size() > 32) {
    return bad("short_name", "longer than 32 bytes");
  }
  if (HasControl(unit.short_name())) {
    return bad("short_name", "control character");
  }
  if (!v1::UnitKind_IsValid(unit.kind()) ||
      unit.kind() == v1::UNIT_KIND_UNSPECIFIED) {
    return bad("kind", "required");
  }
  if (unit.kind() == v1::UNIT_KIND_CENTER) {
    if (!unit.parent_unit_id().empty()) {
      return bad("parent_unit_id", "the center has no parent");
    }
    std::string center = tree.CenterId();
    if (!center.empty() && center != unit.unit_id()) {
      return bad("kind", "there is already a center: " + center);
    }
  } else {
    if (unit.parent_unit_id().empty()) return bad("parent_unit_id", "required");
    const v1::Unit* parent = tree.Find(unit.parent_unit_id());
    if (parent == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          field, ".parent_unit_id: ", unit.parent_unit_id(), ": unknown unit"));
    }
    bool fits = false;
    switch (unit.kind()) {
      case v1::UNIT_KIND_TOWN_STREET:
      case v1::UNIT_KIND_DEPARTMENT:
        fits = parent->kind() == v1::UNIT_KIND_CENTER;
        break;
      case v1::UNIT_KIND_VILLAGE_COMMUNITY:
        fits = parent->kind() == v1::UNIT_KIND_TOWN_STREET ||
               parent->kind() == v1::UNIT_KIND_VILLAGE_COMMUNITY;
        break;
      case v1::UNIT_KIND_SECTION:
        fits = parent->kind() == v1::UNIT_KIND_DEPARTMENT ||
               parent->kind() == v1::UNIT_KIND_SECTION;
        break;
      default:
        break;
    }
    if (!fits) {
      return bad("kind", absl::StrCat(v1::UnitKind_Name(unit.kind()),
                                      " cannot sit under ",
                                      v1::UnitKind_Name(parent->kind())));
    }
    if (tree.InSubtree(unit.unit_id(), unit.parent_unit_id())) {
      return absl::FailedPreconditionError(
          absl::StrCat(field, ".parent_unit_id: ", unit.parent_unit_id(),
                       " lies below ", unit.unit_id(), " (cycle)"));
    }
  }
  const bool first_level = unit.kind() == v1::UNIT_KIND_TOWN_STREET ||
                           unit.kind() == v1::UNIT_KIND_DEPARTMENT;
  if (unit.has_liaison() || first_level) {
    if (!unit.has_liaison())
      return bad("liaison", "required for first-level units");
    absl::Status s =
        ValidateContact(unit.liaison(), absl::StrCat(field, ".liaison"), true);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace hotline::routing
