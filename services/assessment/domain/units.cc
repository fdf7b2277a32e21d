#include "services/assessment/domain/units.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hotline::assessment {

namespace {
bool HasTownPrefix(const std::string& id) {
  return absl::StartsWith(id, "town.") || absl::StartsWith(id, "street.") ||
         absl::StartsWith(id, "town-") || absl::StartsWith(id, "street-");
}
}  // namespace

void UnitTree::Add(const std::string& unit_id, const std::string& parent_id,
                   bool is_area) {
  if (unit_id.empty()) return;
  Node& n = nodes_[unit_id];
  if (!parent_id.empty() && parent_id != unit_id) n.parent = parent_id;
  n.is_area = n.is_area || is_area;
}

bool UnitTree::Has(const std::string& unit_id) const {
  return unit_id == kCenterUnit || nodes_.count(unit_id) > 0;
}

std::string UnitTree::Parent(const std::string& unit_id) const {
  auto it = nodes_.find(unit_id);
  if (it == nodes_.end()) return "";
  return it->second.parent;
}

void UnitTree::SetDirectoryEntry(const std::string& unit_id,
                                 const std::string& name, v1::UnitKind kind,
                                 const std::string& parent_id) {
  if (unit_id.empty()) return;
  if (!name.empty()) names_[unit_id] = name;
  if (unit_id == kCenterUnit) return;
  Node& n = nodes_[unit_id];
  if (!parent_id.empty()) n.parent = parent_id;
  n.kind = kind;
}

std::string UnitTree::Name(const std::string& unit_id) const {
  auto it = names_.find(unit_id);
  return it == names_.end() ? unit_id : it->second;
}

v1::UnitKind UnitTree::Kind(const std::string& unit_id) const {
  if (unit_id == kCenterUnit) return v1::UNIT_KIND_CENTER;
  auto it = nodes_.find(unit_id);
  if (it == nodes_.end()) return v1::UNIT_KIND_UNSPECIFIED;
  if (it->second.kind != v1::UNIT_KIND_UNSPECIFIED) return it->second.kind;
  const std::string& parent = it->second.parent;
  if (parent.empty() || parent == kCenterUnit) {
    return it->second.is_area || HasTownPrefix(unit_id)
               ? v1::UNIT_KIND_TOWN_STREET
               : v1::UNIT_KIND_DEPARTMENT;
  }
  // Below the first level: follow the parents up (bounded against cycles).
  std::string top = unit_id;
  for (int i = 0; i < 64; ++i) {
    std::string p = Parent(top);
    if (p.empty() || p == kCenterUnit) break;
    top = p;
  }
  auto t = nodes_.find(top);
  const bool town =
      (t != nodes_.end() && t->second.is_area) || HasTownPrefix(top);
  return town ? v1::UNIT_KIND_VILLAGE_COMMUNITY : v1::UNIT_KIND_SECTION;
}

bool UnitTree::InSubtree(const std::string& unit_id,
                         const std::string& root) const {
  if (root == kCenterUnit) return true;
  std::string u = unit_id;
  for (int i = 0; i < 64 && !u.empty(); ++i) {
    if (u == root) return true;
    u = Parent(u);
  }
  return false;
}

std::vector<std::string> UnitTree::Subtree(const std::string& root) const {
  std::vector<std::string> out;
  if (root == kCenterUnit) out.push_back(kCenterUnit);
  for (const auto& [id, node] : nodes_) {
    if (InSubtree(id, root)) out.push_back(id);
  }
  return out;
}

std::vector<std::string> UnitTree::UnitsOfKind(v1::UnitKind kind) const {
  std::vector<std::string> out;
  for (const auto& [id, node] : nodes_) {
    if (Kind(id) == kind) out.push_back(id);
  }
  return out;
}

namespace {

// Splits one CSV record (RFC 4180 quotes, no line breaks inside fields).
std::vector<std::string> SplitCsv(absl::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<DirectoryEntry>> ParseDirectoryCsv(
    absl::string_view text) {
  std::vector<DirectoryEntry> out;
  std::map<std::string, size_t> col;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (line.empty() || line[0] == '#' || line == "\r") continue;
    const std::vector<std::string> f = SplitCsv(line);
    if (col.empty()) {
      for (size_t i = 0; i < f.size(); ++i) col[f[i]] = i;
      for (const char* need : {"unit_id", "name", "kind"}) {
        if (!col.count(need)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "directory line ", line_no, ": header lacks ", need));
        }
      }
      continue;
    }
    auto get = [&](const char* name) -> std::string {
      auto it = col.find(name);
      return it == col.end() || it->second >= f.size() ? std::string()
                                                       : f[it->second];
    };
    DirectoryEntry e;
    e.unit_id = get("unit_id");
    if (e.unit_id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("directory line ", line_no, ": unit_id empty"));
    }
    e.name = get("short_name").empty() ? get("name") : get("short_name");
    const std::string kind = get("kind");
    v1::UnitKind k = v1::UNIT_KIND_UNSPECIFIED;
    if (!v1::UnitKind_Parse(kind, &k) &&
        !v1::UnitKind_Parse(absl::StrCat("UNIT_KIND_", kind), &k)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "directory line ", line_no, ": kind ", kind, " unknown"));
    }
    e.kind = k;
    e.parent_id = get("parent_unit_id");
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace hotline::assessment
