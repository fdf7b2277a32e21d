#include "tools/hotlinectl/columns.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tools/hotlinectl/values.h"
#include "tools/hotlinectl/verbs.h"

namespace hotline::ctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr bool W = true;  // wide only

ColumnSpec C(std::string name, std::string path, bool wide = false,
             std::string extra = "") {
  return {std::move(name), std::move(path), wide, std::move(extra), ""};
}

// A column whose 0 means "none".
ColumnSpec Zero(std::string name, std::string path, std::string zero) {
  return {std::move(name), std::move(path), false, "", std::move(zero)};
}

// Per row type: default columns first, then the ones -o wide adds (after
// which -o wide adds every other value of the row).
const std::vector<TableSpec>& AllSpecs() {
  static const auto* specs = new std::vector<TableSpec>{
      // worklist
      {"hotline.v1.WorkItem",
       {C("number", "assignment.ticket_number"), C("title", "assignment.title"),
        C("status", "assignment.status"), C("due", "assignment.next_due"),
        C("overdue", "overdue", false, "overdue_working_days"),
        C("holder", "assignment.holder_unit_id"), C("reason", "reason", W),
        C("type", "assignment.request_type", W),
        C("urgency", "assignment.urgency", W),
        C("category", "assignment.category_code", W),
        C("town", "assignment.location.town_code", W),
        C("handling_due", "assignment.handling_due", W),
        C("response_due", "assignment.response_due", W),
        C("ladder", "assignment.ladder_step", W),
        C("dispatched", "assignment.dispatched_at", W),
        C("ticket_id", "assignment.ticket_id", W)},
       "nothing on this worklist (没有结果)"},
      // queue
      {"hotline.v1.QueueItem",
       {C("number", "assignment.ticket_number"), C("title", "assignment.title"),
        C("reason", "reason"), C("urgency", "assignment.urgency"),
        C("received", "assignment.received_at"),
        C("suggested", "suggestion.candidates.unit_id"),
        C("status", "assignment.status", W),
        C("holder", "assignment.holder_unit_id", W),
        C("type", "assignment.request_type", W),
        C("category", "assignment.category_code", W),
        C("town", "assignment.location.town_code", W),
        C("ticket_id", "assignment.ticket_id", W)},
       "the center's queue is empty (没有结果)"},
      // list, search
      {"hotline.v1.Ticket",
       {C("number", "ticket_number"), C("title", "title"),
        C("status", "status"), C("received", "received_at"),
        C("type", "request_type", W), C("category", "category_code", W),
        C("urgency", "urgency", W), C("town", "location.town_code", W),
        C("holder", "holder_unit_id", W), C("handling_due", "handling_due", W),
        C("channel", "channel", W), C("ticket_id", "ticket_id", W)},
       "no orders match (没有结果)"},
      {"hotline.v1.RepeatCandidate",
       {C("number", "ticket_number"), C("status", "status"),
        C("received", "received_at"), C("signal", "signal"),
        C("score", "score"), C("ticket_id", "ticket_id", W)},
       "no likely repeats"},
      // notices
      {"hotline.v1.Notice",
       {C("number", "ticket_number"), C("step", "step"),
        C("recipient", "recipient"), C("channel", "channel"),
        C("delivery", "delivery"), C("text", "text"),
        C("created", "created_at", W), C("address", "address", W),
        C("attempts", "attempts", W), C("delivered", "delivered_at", W),
        C("notice_id", "notice_id", W)},
       "no notices (没有结果)"},
      // clocks
      {"hotline.v1.Clock",
       {C("kind", "kind"), C("unit", "unit_id"), C("state", "state"),
        C("outcome", "outcome"), C("due", "due"),
        C("explanation", "explanation.text"), C("round", "dispatch_round", W),
        C("started", "started_at", W), C("original_due", "original_due", W),
        C("overdue_wd", "overdue_working_days", W), C("judged", "judged_at", W),
        C("stop_cause", "stop_cause", W), C("ladder", "ladder_step", W),
        C("clock_id", "clock_id", W)},
       "no clocks (没有结果)"},
      {"hotline.v1.DueItem",
       {C("number", "ticket_number"), C("kind", "clock.kind"),
        C("unit", "clock.unit_id"), C("due", "clock.due"),
        C("left_wd", "working_days_left"),
        C("overdue_wd", "clock.overdue_working_days"),
        C("ladder", "clock.ladder_step"), C("clock_id", "clock.clock_id", W),
        C("ticket_id", "clock.ticket_id", W)},
       "nothing due in that window (没有结果)"},
      // ladder
      {"hotline.v1.LadderStepRecord",
       {C("fired", "fired_at"), C("number", "ticket_number"), C("step", "step"),
        C("clock", "clock_kind"), C("unit", "unit_id"), C("due", "due"),
        C("recipients", "recipients"), C("act_text", "act_text", W),
        C("step_id", "step_id", W), C("clock_id", "clock_id", W)},
       "no ladder steps fired (没有结果)"},
      // extensions
      {"hotline.v1.Extension",
       {C("extension_id", "extension_id"), C("ticket_id", "ticket_id"),
        C("unit", "unit_id"), C("state", "state"),
        C("asked", "proposed_due_date"), C("granted", "approved_due_date"),
        C("due_before", "due_before"), C("due_after", "due_after"),
        C("informed", "caller_informed_at"),
        C("approver", "approver_unit_id", W), C("requested", "requested_at", W),
        C("left_wd", "working_days_left", W), C("decided", "decided_at", W),
        C("late_decision", "decided_after_due", W), C("reason", "reason", W)},
       "no extensions (没有结果)"},
      // escalation and supervision
      {"hotline.v1.EscalationCandidate",
       {C("number", "ticket_number"), C("units", "unit_ids"),
        C("steps", "steps.step"), C("overdue_clocks", "overdue_clocks.kind"),
        C("acts", "act_ids"), C("ticket_id", "ticket_id", W)},
       "no orders qualify (没有结果)"},
      {"hotline.v1.SupervisionAct",
       {C("recorded", "recorded_at"), C("step", "step"),
        C("orders", "ticket_ids"), C("units", "unit_ids"), C("text", "text"),
        C("act_id", "act_id", W), C("by", "recorded_by.principal_id", W)},
       "no supervision acts (没有结果)"},
      // scorecard and ranking
      {"hotline.v1.RankingEntry",
       {Zero("rank", "rank", "—"), C("unit", "unit_id"), C("name", "unit_name"),
        C("score", "composite_score"), C("change", "score_change"),
        Zero("previous_rank", "previous_rank", "—"),
        C("not_scored", "not_scored"),
        C("previous_score", "previous_composite_score", W)},
       "no units to rank (没有结果)"},
      {"hotline.v1.IndicatorsByType",
       {C("type", "request_type"), C("orders", "indicators.orders"),
        C("response", "indicators.on_time_response"),
        C("completion", "indicators.on_time_completion"),
        C("overdue", "indicators.overdue_orders"),
        C("satisfaction", "indicators.satisfaction"),
        C("resolution", "indicators.resolution")},
       "no orders by type"},
      {"hotline.v1.IndicatorBucket",
       {C("from", "from_date"), C("to", "to_date"),
        C("score", "composite_score"), C("orders", "indicators.orders"),
        C("completion", "indicators.on_time_completion"),
        C("satisfaction", "indicators.satisfaction")},
       "no buckets"},
      {"hotline.v1.OpenOverdueOrder",
       {C("number", "ticket_number"), C("kind", "kind"), C("unit", "unit_id"),
        C("due", "due"), C("overdue_wd", "overdue_working_days"),
        C("since", "overdue_since"), C("ticket_id", "ticket_id", W)},
       "no open overdue orders"},
      {"hotline.v1.FigureItem",
       {C("number", "ticket_number"), C("unit", "unit_id"),
        C("at", "occurred_at"), C("numerator", "in_numerator"),
        C("denominator", "in_denominator"), C("amount", "amount"),
        C("outcome", "outcome"), C("due", "due"),
        C("description", "description"), C("clock", "clock_kind", W),
        C("judged", "judged_at", W), C("overdue_wd", "overdue_working_days", W),
        C("rule", "rule", W), C("article", "article", W)},
       "no facts behind this figure (没有结果)"},
      {"hotline.v1.AccountabilityCandidate",
       {C("kind", "kind"), C("article", "article"), C("unit", "unit_id"),
        C("orders", "ticket_ids"), C("first", "first_at"), C("last", "last_at"),
        C("evidence", "evidence.description", W),
        C("candidate_id", "candidate_id", W)},
       "no accountability candidates (没有结果)"},
      {"hotline.v1.HotTopic",
       {C("category", "category_code"), C("area", "area_code"),
        C("count", "count"), C("previous", "previous_count"),
        C("change", "change"), C("change_ratio", "change_ratio")},
       "no topics (没有结果)"},
      {"hotline.v1.ReportDocument",
       {C("format", "format"), C("file_name", "file_name"),
        C("media_type", "media_type"), C("size", "content")},
       "no documents"},
      // reports: the monthly bulletins kept
      {"hotline.v1.StoredReport",
       {C("month", "month"), C("generated", "generated_at"),
        C("formats", "formats"), C("documents", "document_count"),
        C("title", "title"), C("from", "period.from_date", W),
        C("to", "period.to_date", W), C("facts_through", "facts_through", W)},
       "no monthly bulletin kept in that range (没有结果); each month's is "
       "kept after 02:00 on the 1st of the next"},
      // intake
      {"hotline.v1.RevealAuditEntry",
       {C("revealed", "revealed_at"), C("number", "ticket_number"),
        C("who", "actor.principal_id"), C("role", "actor.role"),
        C("purpose", "purpose"), C("reason", "reason"),
        C("audit_id", "audit_id", W)},
       "no reveals recorded (没有结果)"},
      {"hotline.v1.ArticleHit",
       {C("article_id", "article.article_id"), C("version", "article.version"),
        C("state", "article.state"), C("title", "article.content.title"),
        C("owner", "article.owner_unit_id"), C("score", "score"),
        C("snippet", "snippet", W)},
       "no articles match (没有结果)"},
      {"hotline.v1.Fact",
       {C("at", "event.occurred_at"), C("number", "event.ticket_number"),
        C("producer", "event.producer"), C("event", "event.payload"),
        C("unit", "unit_id"), C("event_id", "event.event_id")},
       "no facts (没有结果)"},
      {"hotline.v1.TicketEvent",
       {C("seq", "seq"), C("at", "occurred_at"), C("producer", "producer"),
        C("event", "payload"), C("by", "actor"), C("event_id", "event_id", W)},
       "no events"},
      // directory
      {"hotline.v1.Unit",
       {C("unit_id", "unit_id"), C("name", "name"), C("kind", "kind"),
        C("parent", "parent_unit_id"), C("active", "active"),
        C("liaison", "liaison.name"), C("mobile", "liaison.mobile"),
        C("short_name", "short_name", W), C("version", "version", W)},
       "no units (没有结果)"},
      {"hotline.v1.DispatchRule",
       {C("rule_id", "rule_id"), C("name", "name"), C("unit", "unit_id"),
        C("categories", "category_codes"), C("areas", "area_codes"),
        C("keywords", "keywords"), C("priority", "priority"),
        C("automatic", "automatic"), C("active", "active"),
        C("co_units", "co_unit_ids", W)},
       "no rules (没有结果)"},
      {"hotline.v1.DutyEntry",
       {C("date", "date"), C("leader", "leader.name"),
        C("title", "leader.title"), C("mobile", "leader.mobile")},
       "nobody on duty in that range (没有结果)"},
      {"hotline.v1.CoUnit",
       {C("unit", "unit_id"), C("accepted", "accepted"),
        C("opinion_given", "opinion_submitted"), C("released", "released"),
        C("opinion", "opinion")},
       "no co-units"},
  };
  return *specs;
}

constexpr size_t kMaxGenericColumns = 9;

bool IsCellField(const FieldDescriptor* f) {
  return f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
         IsOneValueMessage(f);
}

// Every value of a row one message level down, in declaration order.
std::vector<Column> GenericColumns(const Descriptor* row) {
  std::vector<Column> out;
  for (int i = 0; i < row->field_count(); ++i) {
    const FieldDescriptor* f = row->field(i);
    if (IsCellField(f)) {
      out.push_back({f->name(), {{f, nullptr}}, "", ""});
    } else if (!f->is_repeated()) {
      const Descriptor* inner = f->message_type();
      for (int k = 0; k < inner->field_count(); ++k) {
        const FieldDescriptor* g = inner->field(k);
        if (IsCellField(g)) {
          out.push_back({absl::StrCat(f->name(), ".", g->name()),
                         {{f, nullptr}, {g, nullptr}},
                         "",
                         ""});
        }
      }
    }
  }
  return out;
}

std::string PathOf(const Column& c) {
  std::vector<std::string> parts;
  for (const Column::Step& s : c.path) {
    parts.push_back(s.field ? s.field->name() : s.oneof->name());
  }
  return absl::StrJoin(parts, ".");
}

// Spec columns (default, then wide), then -o wide's generic rest.
std::vector<Column> SpecColumns(const TableSpec& spec, const Descriptor* row,
                                bool wide) {
  std::vector<Column> out;
  for (const ColumnSpec& c : spec.columns) {
    if (c.wide && !wide) continue;
    absl::StatusOr<Column> column = ColumnForPath(row, c.name, c.path);
    if (!column.ok()) continue;  // hotlinectl_test checks every spec path
    column->extra = c.extra;
    column->zero = c.zero;
    out.push_back(*std::move(column));
  }
  if (!wide) return out;
  for (Column& g : GenericColumns(row)) {
    const std::string path = PathOf(g);
    const bool covered =
        std::any_of(out.begin(), out.end(),
                    [&](const Column& c) { return PathOf(c) == path; });
    if (!covered) out.push_back(std::move(g));
  }
  return out;
}

void Collect(const Message& m, const std::vector<Column::Step>& path, size_t i,
             std::vector<std::string>* out) {
  const google::protobuf::Reflection* r = m.GetReflection();
  const Column::Step& step = path[i];
  if (step.oneof != nullptr) {
    const FieldDescriptor* set = r->GetOneofFieldDescriptor(m, step.oneof);
    out->push_back(set == nullptr ? "" : set->name());
    return;
  }
  const FieldDescriptor* f = step.field;
  const bool last = i + 1 == path.size();
  if (f->is_repeated()) {
    for (int k = 0; k < r->FieldSize(m, f); ++k) {
      if (last) {
        out->push_back(FieldText(m, f, k));
      } else {
        Collect(r->GetRepeatedMessage(m, f, k), path, i + 1, out);
      }
    }
    return;
  }
  if (last) {
    out->push_back(FieldText(m, f));
  } else if (r->HasField(m, f)) {
    Collect(r->GetMessage(m, f), path, i + 1, out);
  }
}

// The row's ticket_id, itself or one message down (WorkItem.assignment).
std::string TicketIdOf(const Message& row) {
  const auto* d = row.GetDescriptor();
  const google::protobuf::Reflection* r = row.GetReflection();
  if (const FieldDescriptor* f = d->FindFieldByName("ticket_id");
      f != nullptr && f->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
      !f->is_repeated()) {
    return r->GetString(row, f);
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !f->is_repeated() && r->HasField(row, f)) {
      const Message& inner = r->GetMessage(row, f);
      const FieldDescriptor* id =
          inner.GetDescriptor()->FindFieldByName("ticket_id");
      if (id != nullptr && id->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
          !id->is_repeated()) {
        return inner.GetReflection()->GetString(inner, id);
      }
    }
  }
  return "";
}

}  // namespace

const std::vector<TableSpec>& TableSpecs() { return AllSpecs(); }

const TableSpec* FindTableSpec(absl::string_view row_type) {
  for (const TableSpec& spec : AllSpecs()) {
    if (spec.row_type == row_type) return &spec;
  }
  return nullptr;
}

absl::StatusOr<Column> ColumnForPath(const Descriptor* row,
                                     const std::string& name,
                                     const std::string& path) {
  Column column;
  column.name = name;
  const Descriptor* d = row;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (d == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": nothing below ", PathOf(column)));
    }
    const std::string p(part);
    if (const FieldDescriptor* f = d->FindFieldByName(p)) {
      column.path.push_back({f, nullptr});
      d = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                  !IsOneValueMessage(f)
              ? f->message_type()
              : nullptr;
    } else if (const auto* oneof = d->FindOneofByName(p)) {
      column.path.push_back({nullptr, oneof});
      d = nullptr;
    } else {
      std::vector<std::string> names;
      for (int i = 0; i < d->field_count(); ++i) {
        names.push_back(d->field(i)->name());
      }
      return absl::InvalidArgumentError(absl::StrCat(
          d->name(), " has no field \"", p, "\"", DidYouMean(p, names)));
    }
  }
  return column;
}

std::vector<std::string> ColumnNames(const Descriptor* row) {
  std::vector<std::string> names;
  const TableSpec* spec = FindTableSpec(row->full_name());
  for (const Column& c :
       spec != nullptr ? SpecColumns(*spec, row, true) : GenericColumns(row)) {
    names.push_back(c.name);
  }
  return names;
}

absl::StatusOr<std::vector<Column>> ChooseColumns(
    const Descriptor* row, const ColumnChoice& choice,
    const std::vector<const Message*>& rows) {
  const TableSpec* spec = FindTableSpec(row->full_name());
  if (!choice.names.empty()) {
    const std::vector<Column> known =
        spec != nullptr ? SpecColumns(*spec, row, true) : GenericColumns(row);
    std::vector<Column> out;
    for (const std::string& name : choice.names) {
      auto it = std::find_if(known.begin(), known.end(),
                             [&](const Column& c) { return c.name == name; });
      if (it != known.end()) {
        out.push_back(*it);
        continue;
      }
      absl::StatusOr<Column> by_path = ColumnForPath(row, name, name);
      if (by_path.ok()) {
        out.push_back(*std::move(by_path));
        continue;
      }
      std::vector<std::string> names;
      for (const Column& c : known) names.push_back(c.name);
      return absl::InvalidArgumentError(absl::StrCat(
          "--columns: ", row->name(), " rows have no column \"", name, "\"",
          DidYouMean(name, names), "; columns: ", absl::StrJoin(names, ",")));
    }
    return out;
  }
  if (spec != nullptr) return SpecColumns(*spec, row, choice.wide);
  std::vector<Column> all = GenericColumns(row);
  if (choice.wide) return all;
  std::vector<Column> out;  // the ones some row has a value in
  for (const Column& c : all) {
    if (out.size() == kMaxGenericColumns) break;
    for (const Message* m : rows) {
      if (!CellText(*m, c).empty()) {
        out.push_back(c);
        break;
      }
    }
  }
  return out;
}

std::string CellText(const Message& row, const Column& column,
                     const ExtraValues& extra) {
  if (!column.extra.empty()) {
    if (auto by_key = extra.find(column.extra); by_key != extra.end()) {
      if (auto v = by_key->second.find(TicketIdOf(row));
          v != by_key->second.end()) {
        return v->second;
      }
    }
  }
  if (column.path.empty()) return "";
  std::vector<std::string> values;
  Collect(row, column.path, 0, &values);
  values.erase(std::remove(values.begin(), values.end(), ""), values.end());
  if (!column.zero.empty() && values.size() == 1 && values[0] == "0") {
    return column.zero;
  }
  return absl::StrJoin(values, ", ");
}

}  // namespace hotline::ctl
