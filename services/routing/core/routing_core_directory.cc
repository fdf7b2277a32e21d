// Routing's core, the directory (routing_core.h): units, catalogue rules,
// the duty roster, and the import and export of the whole directory.

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/id/id.h"
#include "common/log/log.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/routing/core/routing_core.h"
#include "services/routing/domain/directory_csv.h"
#include "services/routing/domain/directory_json.h"

namespace hotline::routing {
namespace {

using auth::Principal;
using auth::Role;

// Copies the page's slice of `all` (held in memory) into `out` and sets the
// token of the next page, if any.
template <typename T, typename Out>
void CopyPage(const std::vector<const T*>& all, const paging::OffsetPage& page,
              Out* out, v1::PageResponse* page_out) {
  const int end =
      std::min(static_cast<int>(all.size()), page.offset() + page.size());
  for (int i = page.offset(); i < end; ++i) *out->Add() = *all[i];
  page_out->set_next_page_token(page.NextOfTotal(all.size()));
}

// A rule's units against the directory: lead and co-units first-level,
// areas towns/streets.
absl::Status CheckRuleUnits(const v1::DispatchRule& r, const UnitTree& tree,
                            absl::string_view field) {
  auto first_level = [&](const std::string& f,
                         const std::string& u) -> absl::Status {
    if (!tree.Contains(u)) {
      return absl::NotFoundError(absl::StrCat(f, ": ", u, ": unknown unit"));
    }
    if (!tree.IsFirstLevel(u)) {
      return Bad(f, absl::StrCat(u, " is not a first-level unit"));
    }
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(first_level(absl::StrCat(field, ".unit_id"), r.unit_id()));
  for (int i = 0; i < r.co_unit_ids_size(); ++i) {
    RETURN_IF_ERROR(first_level(absl::StrCat(field, ".co_unit_ids[", i, "]"),
                                r.co_unit_ids(i)));
  }
  for (int i = 0; i < r.area_codes_size(); ++i) {
    const std::string f = absl::StrCat(field, ".area_codes[", i, "]");
    const v1::Unit* a = tree.Find(r.area_codes(i));
    if (a == nullptr) {
      return absl::NotFoundError(
          absl::StrCat(f, ": ", r.area_codes(i), ": unknown unit"));
    }
    if (a->kind() != v1::UNIT_KIND_TOWN_STREET) {
      return Bad(f, "not a town/street");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDutyEntry(const v1::DutyEntry& e, const std::string& f) {
  RETURN_IF_ERROR(calendar::ParseDateField(f + ".date", e.date()).status());
  if (e.has_leader() && !e.leader().name().empty()) {
    return ValidateContact(e.leader(), f + ".leader", true);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Core::WriteDuty(db::Connection& c, const std::string& unit,
                             const v1::DutyEntry& e) {
  // An entry without a leader's name clears the date.
  if (e.leader().name().empty()) return store_.ClearDuty(c, unit, e.date());
  return store_.PutDuty(c, unit, e);
}

absl::Status Core::UpsertUnit(const Principal& who,
                              const v1::UpsertUnitRequest& req,
                              v1::UpsertUnitResponse* resp) {
  const v1::Unit& in = req.unit();
  const absl::Time now = Now();
  return Mutate(
      "UpsertUnit", req.request_id(), req, resp, Core::Anyone,
      [&](db::Connection& c) -> absl::Status {
        ASSIGN_OR_RETURN(auto dir, Dir(c));
        const UnitTree& tree = dir->tree;
        const v1::Unit* old = tree.Find(in.unit_id());
        v1::Unit u = in;
        u.clear_version();
        u.clear_updated_at();
        if (req.expected_version() == 0) {
          if (old != nullptr) {
            return absl::AlreadyExistsError(absl::StrCat(
                "unit.unit_id: ", in.unit_id(), " already exists"));
          }
          u.set_version(1);
        } else {
          if (old == nullptr) {
            return absl::NotFoundError(
                absl::StrCat("unit.unit_id: ", in.unit_id(), ": unknown unit"));
          }
          if (old->version() != req.expected_version()) {
            return absl::FailedPreconditionError(
                absl::StrCat("expected_version: ", req.expected_version(),
                             " is stale; unit ", in.unit_id(),
                             " is at version ", old->version()));
          }
          if (who.Is(Role::kUnitLead)) {
            v1::Unit a = *old, b = u;
            a.clear_liaison();
            b.clear_liaison();
            a.clear_version();
            a.clear_updated_at();
            if (a.SerializeAsString() != b.SerializeAsString()) {
              return absl::PermissionDeniedError(
                  "unit: a unit lead may change only the liaison");
            }
          }
          u.set_version(old->version() + 1);
        }
        RETURN_IF_ERROR(ValidateUnit(u, tree, "unit"));
        if (old != nullptr && old->active() && !u.active()) {
          ASSIGN_OR_RETURN(int64_t open,
                           store_.CountOpenHeld(c, {u.unit_id()}));
          if (open > 0) {
            return absl::FailedPreconditionError(absl::StrCat(
                "unit.active: ", u.unit_id(), " holds ", open, " open orders"));
          }
        }
        UnitTree next = tree;
        next.Put(u);
        for (const v1::Unit* child : next.Children(u.unit_id())) {
          absl::Status s = ValidateUnit(*child, next, "unit");
          if (!s.ok()) {
            return absl::FailedPreconditionError(
                absl::StrCat("unit.kind: child ", child->unit_id(),
                             " would not fit: ", s.message()));
          }
        }
        *u.mutable_updated_at() = ToProto(now);
        RETURN_IF_ERROR(store_.PutUnit(c, u));
        *resp->mutable_unit() = u;
        return absl::OkStatus();
      });
}

absl::Status Core::GetUnit(const std::string& unit_id,
                           v1::GetUnitResponse* resp) {
  ASSIGN_OR_RETURN(auto conn, ctx_.pool.Acquire());
  ASSIGN_OR_RETURN(auto dir, Dir(*conn));
  const UnitTree& tree = dir->tree;
  const v1::Unit* u = tree.Find(unit_id);
  if (u == nullptr) return absl::NotFoundError("unit_id: unknown unit");
  *resp->mutable_unit() = *u;
  for (const v1::Unit* k : tree.Children(u->unit_id()))
    *resp->add_children() = *k;
  for (const auto& a : tree.Ancestors(u->unit_id()))
    resp->add_ancestor_unit_ids(a);
  return absl::OkStatus();
}

absl::Status Core::ListUnits(const v1::ListUnitsRequest& req,
                             const std::set<int>& kinds,
                             const paging::OffsetPage& page,
                             v1::ListUnitsResponse* resp) {
  ASSIGN_OR_RETURN(auto conn, ctx_.pool.Acquire());
  ASSIGN_OR_RETURN(auto dir, Dir(*conn));
  const UnitTree& tree = dir->tree;
  std::string root =
      req.root_unit_id().empty() ? tree.CenterId() : req.root_unit_id();
  if (!tree.Contains(root))
    return absl::NotFoundError("root_unit_id: unknown unit");
  std::vector<const v1::Unit*> all;
  for (const v1::Unit* u : tree.Preorder(root)) {
    if (!req.include_inactive() && !u->active()) continue;
    if (!kinds.empty() && !kinds.count(u->kind())) continue;
    all.push_back(u);
  }
  CopyPage(all, page, resp->mutable_units(), resp->mutable_page());
  return absl::OkStatus();
}

absl::Status Core::ImportDirectory(const v1::ImportDirectoryRequest& req,
                                   v1::ImportDirectoryResponse* resp) {
  const bool csv = req.format() == v1::DIRECTORY_FORMAT_CSV;
  const absl::Time now = Now();
  auto run = [&](db::Connection& c) -> absl::Status {
    DirectoryDocument doc;
    if (csv) {
      CsvParseResult parsed = ParseDirectoryCsv(req.content());
      doc.units = std::move(parsed.units);
      doc.errors = std::move(parsed.errors);
    } else {
      doc = ParseDirectoryJson(req.content());
    }
    auto where = [&](const CsvUnit& cu) {
      return csv ? absl::StrCat("line ", cu.line)
                 : absl::StrCat("units[", cu.line - 1, "]");
    };
    auto error = [&](std::string e) {
      if (doc.errors.size() < 100) doc.errors.push_back(std::move(e));
    };
    ASSIGN_OR_RETURN(auto dir, Dir(c));
    const UnitTree& tree = dir->tree;
    UnitTree next = tree;
    std::set<std::string> ids;
    for (const auto& cu : doc.units) {
      if (!ids.insert(cu.unit.unit_id()).second) {
        error(absl::StrCat(where(cu), ": unit_id ", cu.unit.unit_id(),
                           " repeated"));
      }
      next.Put(cu.unit);
    }
    auto same = [](const v1::Unit& stored, const v1::Unit& in) {
      v1::Unit a = stored;
      a.clear_version();
      a.clear_updated_at();
      return a.SerializeAsString() == in.SerializeAsString();
    };
    for (const auto& cu : doc.units) {
      absl::Status st = ValidateUnit(cu.unit, next, "unit");
      if (!st.ok()) error(absl::StrCat(where(cu), ": ", st.message()));
      const v1::Unit* old = tree.Find(cu.unit.unit_id());
      if (old == nullptr) {
        resp->set_units_created(resp->units_created() + 1);
      } else if (same(*old, cu.unit)) {
        resp->set_units_unchanged(resp->units_unchanged() + 1);
      } else {
        if (old->active() && !cu.unit.active()) {
          ASSIGN_OR_RETURN(int64_t open,
                           store_.CountOpenHeld(c, {old->unit_id()}));
          if (open > 0) {
            error(absl::StrCat(where(cu), ": active: ", old->unit_id(),
                               " holds ", open, " open orders"));
          }
        }
        resp->set_units_updated(resp->units_updated() + 1);
      }
    }
    for (size_t i = 0; i < doc.duty.size(); ++i) {
      const auto& d = doc.duty[i];
      const std::string f = absl::StrCat("duty[", d.unit_id, " ", i, "]");
      if (!next.Contains(d.unit_id)) {
        error(absl::StrCat(f, ".unitId: ", d.unit_id, ": unknown unit"));
        continue;
      }
      absl::Status st = CheckDutyEntry(d.entry, f);
      if (!st.ok()) error(std::string(st.message()));
    }
    for (size_t i = 0; i < doc.rules.size(); ++i) {
      const std::string f = absl::StrCat("rules[", i, "]");
      absl::Status st = ValidateRuleFields(doc.rules[i], f);
      if (st.ok()) st = CheckId(f + ".rule_id", doc.rules[i].rule_id());
      if (st.ok()) st = CheckRuleUnits(doc.rules[i], next, f);
      if (!st.ok()) error(std::string(st.message()));
    }
    resp->set_duty_entries(static_cast<int32_t>(doc.duty.size()));
    resp->set_rules(static_cast<int32_t>(doc.rules.size()));
    if (req.dry_run()) {
      for (auto& e : doc.errors) resp->add_errors(e);
      return absl::OkStatus();
    }
    if (!doc.errors.empty()) {
      std::vector<std::string> first(
          doc.errors.begin(),
          doc.errors.begin() + std::min<size_t>(5, doc.errors.size()));
      return Bad("content", absl::StrJoin(first, "; "));
    }
    for (const auto& cu : doc.units) {
      const v1::Unit* old = tree.Find(cu.unit.unit_id());
      if (old != nullptr && same(*old, cu.unit)) continue;
      v1::Unit u = cu.unit;
      u.set_version(old == nullptr ? 1 : old->version() + 1);
      *u.mutable_updated_at() = ToProto(now);
      RETURN_IF_ERROR(store_.PutUnit(c, u));
    }
    for (const auto& d : doc.duty) {
      RETURN_IF_ERROR(WriteDuty(c, d.unit_id, d.entry));
    }
    ASSIGN_OR_RETURN(auto existing, store_.LoadRules(c));
    for (auto r : doc.rules) {
      r.set_version(1);
      for (const auto& x : existing) {
        if (x.rule_id() == r.rule_id()) r.set_version(x.version() + 1);
      }
      RETURN_IF_ERROR(store_.PutRule(c, r));
    }
    return absl::OkStatus();
  };
  if (req.dry_run()) {
    ASSIGN_OR_RETURN(auto conn, ctx_.pool.Acquire());
    return run(*conn);
  }
  absl::Status st =
      Mutate("ImportDirectory", req.request_id(), req, resp, Core::Anyone, run);
  if (st.ok()) {
    log::Info("routing.directory_imported",
              {{"units_created", absl::StrCat(resp->units_created())},
               {"units_updated", absl::StrCat(resp->units_updated())},
               {"duty_entries", absl::StrCat(resp->duty_entries())},
               {"rules", absl::StrCat(resp->rules())}});
  }
  return st;
}

absl::Status Core::ExportDirectory(const v1::ExportDirectoryRequest& req,
                                   v1::ExportDirectoryResponse* resp) {
  ASSIGN_OR_RETURN(auto conn, ctx_.pool.Acquire());
  ASSIGN_OR_RETURN(auto dir, Dir(*conn));
  const UnitTree& tree = dir->tree;
  std::vector<const v1::Unit*> units;
  for (const v1::Unit* u : tree.Preorder(tree.CenterId())) {
    if (req.include_inactive() || u->active()) units.push_back(u);
  }
  if (req.format() == v1::DIRECTORY_FORMAT_CSV) {
    resp->set_content(WriteDirectoryCsv(units));
    resp->set_media_type("text/csv");
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(auto duty, store_.AllDuty(*conn));
  std::vector<DutyRow> rows;
  for (auto& [unit, e] : duty) rows.push_back({unit, e});
  resp->set_content(WriteDirectoryJson(units, rows, dir->rules));
  resp->set_media_type("application/json");
  return absl::OkStatus();
}

absl::Status Core::UpsertRule(const v1::UpsertRuleRequest& req,
                              v1::UpsertRuleResponse* resp) {
  return Mutate("UpsertRule", req.request_id(), req, resp, Core::Anyone,
                [&](db::Connection& c) -> absl::Status {
                  ASSIGN_OR_RETURN(auto dir, Dir(c));
                  const UnitTree& tree = dir->tree;
                  v1::DispatchRule r = req.rule();
                  RETURN_IF_ERROR(CheckRuleUnits(r, tree, "rule"));
                  const auto& rules = dir->rules;
                  const v1::DispatchRule* old = nullptr;
                  for (const auto& x : rules) {
                    if (!r.rule_id().empty() && x.rule_id() == r.rule_id())
                      old = &x;
                  }
                  if (req.expected_version() == 0) {
                    if (old != nullptr) {
                      return absl::AlreadyExistsError(absl::StrCat(
                          "rule.rule_id: ", r.rule_id(), " already exists"));
                    }
                    if (r.rule_id().empty())
                      r.set_rule_id(id::NewId("rule-", id::kShortIdBytes));
                    r.set_version(1);
                  } else {
                    if (old == nullptr)
                      return absl::NotFoundError("rule.rule_id: unknown rule");
                    if (old->version() != req.expected_version()) {
                      return absl::FailedPreconditionError(absl::StrCat(
                          "expected_version: ", req.expected_version(),
                          " is stale; rule is at version ", old->version()));
                    }
                    r.set_version(old->version() + 1);
                  }
                  RETURN_IF_ERROR(store_.PutRule(c, r));
                  *resp->mutable_rule() = r;
                  return absl::OkStatus();
                });
}

absl::Status Core::ListRules(const Principal& who,
                             const v1::ListRulesRequest& req,
                             const paging::OffsetPage& page,
                             v1::ListRulesResponse* resp) {
  ASSIGN_OR_RETURN(auto conn, ctx_.pool.Acquire());
  ASSIGN_OR_RETURN(auto dir, Dir(*conn));
  const UnitTree& tree = dir->tree;
  const auto& rules = dir->rules;
  std::vector<const v1::DispatchRule*> out;
  auto targets = [&](const v1::DispatchRule& r, auto pred) {
    if (pred(r.unit_id())) return true;
    for (const auto& u : r.co_unit_ids())
      if (pred(u)) return true;
    return false;
  };
  for (const auto& r : rules) {
    if (!req.include_inactive() && !r.active()) continue;
    if (!req.unit_id().empty() &&
        !targets(r, [&](const std::string& u) { return u == req.unit_id(); }))
      continue;
    if (who.IsUnitRole() && !targets(r, [&](const std::string& u) {
          return tree.InSubtree(who.unit_id, u);
        }))
      continue;
    if (!req.category_code().empty()) {
      bool m = false;
      for (const auto& c : r.category_codes())
        m |= CategoryMatches(c, req.category_code());
      if (!m) continue;
    }
    if (!req.area_code().empty() && r.area_codes_size() > 0 &&
        std::find(r.area_codes().begin(), r.area_codes().end(),
                  req.area_code()) == r.area_codes().end())
      continue;
    out.push_back(&r);
  }
  CopyPage(out, page, resp->mutable_rules(), resp->mutable_page());
  return absl::OkStatus();
}

absl::Status Core::DeleteRule(const v1::DeleteRuleRequest& req,
                              v1::DeleteRuleResponse* resp) {
  return Mutate("DeleteRule", req.request_id(), req, resp, Core::Anyone,
                [&](db::Connection& c) -> absl::Status {
                  ASSIGN_OR_RETURN(bool deleted,
                                   store_.DeleteRule(c, req.rule_id()));
                  if (!deleted)
                    return absl::NotFoundError("rule_id: unknown rule");
                  return absl::OkStatus();
                });
}

absl::Status Core::SetDuty(const Principal& who, const v1::SetDutyRequest& req,
                           v1::SetDutyResponse* resp) {
  return Mutate(
      "SetDuty", req.request_id(), req, resp,
      [&](db::Connection& c) -> absl::Status {
        ASSIGN_OR_RETURN(auto dir, Dir(c));
        const UnitTree& tree = dir->tree;
        if (!tree.Contains(req.unit_id())) {
          return absl::NotFoundError("unit_id: unknown unit");
        }
        if (who.IsUnitRole() && !tree.InSubtree(who.unit_id, req.unit_id())) {
          return absl::PermissionDeniedError(absl::StrCat(
              "unit_id: ", req.unit_id(), " is outside the caller's unit"));
        }
        return absl::OkStatus();
      },
      [&](db::Connection& c) -> absl::Status {
        for (const auto& e : req.entries()) {
          RETURN_IF_ERROR(WriteDuty(c, req.unit_id(), e));
          if (e.has_leader() && !e.leader().name().empty())
            *resp->add_entries() = e;
        }
        return absl::OkStatus();
      });
}

absl::Status Core::GetDuty(const std::string& unit_id, const std::string& from,
                           const std::string& to, v1::GetDutyResponse* resp) {
  ASSIGN_OR_RETURN(auto conn, ctx_.pool.Acquire());
  ASSIGN_OR_RETURN(auto dir, Dir(*conn));
  const UnitTree& tree = dir->tree;
  if (!tree.Contains(unit_id))
    return absl::NotFoundError("unit_id: unknown unit");
  ASSIGN_OR_RETURN(auto entries, store_.GetDuty(*conn, unit_id, from, to));
  for (auto& e : entries) *resp->add_entries() = std::move(e);
  return absl::OkStatus();
}

}  // namespace hotline::routing
