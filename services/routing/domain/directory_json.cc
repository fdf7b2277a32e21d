#include "services/routing/domain/directory_json.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hotline::routing {
namespace {

namespace pb = google::protobuf;

template <typename M>
bool FromValue(const pb::Value& v, M* out, std::string* err) {
  std::string json;
  if (!pb::util::MessageToJsonString(v, &json).ok()) {
    *err = "not JSON";
    return false;
  }
  pb::util::JsonParseOptions o;
  o.ignore_unknown_fields = false;
  auto s = pb::util::JsonStringToMessage(json, out, o);
  if (!s.ok()) {
    *err = std::string(s.message());
    return false;
  }
  return true;
}

template <typename M>
std::string ToJson(const M& m) {
  std::string out;
  pb::util::JsonPrintOptions o;
  o.preserve_proto_field_names = false;
  (void)pb::util::MessageToJsonString(m, &out, o);
  return out;
}

}  // namespace

DirectoryDocument ParseDirectoryJson(absl::string_view text) {
  DirectoryDocument doc;
  pb::Struct root;
  auto s = pb::util::JsonStringToMessage(std::string(text), &root);
  if (!s.ok()) {
    doc.errors.push_back(absl::StrCat("document: not a JSON object: ",
                                      std::string(s.message())));
    return doc;
  }
  auto add_error = [&](std::string e) {
    if (doc.errors.size() < 100) doc.errors.push_back(std::move(e));
  };
  for (const auto& [key, value] : root.fields()) {
    if (key != "units" && key != "duty" && key != "rules") {
      add_error(absl::StrCat(key, ": unknown key (units, duty, rules)"));
      continue;
    }
    if (value.kind_case() != pb::Value::kListValue) {
      add_error(absl::StrCat(key, ": not a list"));
      continue;
    }
    const auto& list = value.list_value().values();
    for (int i = 0; i < list.size(); ++i) {
      std::string err;
      const std::string where = absl::StrCat(key, "[", i, "]");
      if (key == "units") {
        CsvUnit u;
        u.line = i + 1;
        if (!FromValue(list[i], &u.unit, &err)) {
          add_error(absl::StrCat(where, ": ", err));
          continue;
        }
        u.unit.clear_version();
        u.unit.clear_updated_at();
        doc.units.push_back(std::move(u));
      } else if (key == "duty") {
        v1::SetDutyRequest d;
        if (!FromValue(list[i], &d, &err)) {
          add_error(absl::StrCat(where, ": ", err));
          continue;
        }
        if (!d.request_id().empty()) {
          add_error(absl::StrCat(where, ".requestId: not allowed in files"));
          continue;
        }
        for (const auto& e : d.entries()) doc.duty.push_back({d.unit_id(), e});
      } else {
        v1::DispatchRule r;
        if (!FromValue(list[i], &r, &err)) {
          add_error(absl::StrCat(where, ": ", err));
          continue;
        }
        if (r.rule_id().empty()) {
          add_error(absl::StrCat(where, ".ruleId: required in files"));
          continue;
        }
        r.clear_version();
        doc.rules.push_back(std::move(r));
      }
    }
  }
  return doc;
}

std::string WriteDirectoryJson(const std::vector<const v1::Unit*>& units,
                               const std::vector<DutyRow>& duty,
                               const std::vector<v1::DispatchRule>& rules) {
  std::vector<std::string> u, d, r;
  for (const v1::Unit* x : units) u.push_back(ToJson(*x));
  // Group the roster by unit, keeping the given order of dates.
  std::vector<std::string> order;
  std::map<std::string, v1::SetDutyRequest> by_unit;
  for (const auto& row : duty) {
    auto [it, fresh] = by_unit.try_emplace(row.unit_id);
    if (fresh) {
      order.push_back(row.unit_id);
      it->second.set_unit_id(row.unit_id);
    }
    *it->second.add_entries() = row.entry;
  }
  for (const auto& id : order) d.push_back(ToJson(by_unit[id]));
  for (const auto& x : rules) r.push_back(ToJson(x));
  return absl::StrCat("{\"units\": [\n", absl::StrJoin(u, ",\n"),
                      "\n],\n\"duty\": [\n", absl::StrJoin(d, ",\n"),
                      "\n],\n\"rules\": [\n", absl::StrJoin(r, ",\n"),
                      "\n]}\n");
}

}  // namespace hotline::routing
