#include "tools/hotlinectl/render.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "tools/hotlinectl/proto_docs.h"
#include "tools/hotlinectl/values.h"

namespace hotline::ctl {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Cells wider than this are cut, except in the last column (text,
// explanations), which may run on.
constexpr int kMaxCellWidth = 40;

bool IsTable(const FieldDescriptor* f) {
  return f->is_repeated() &&
         f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
         !IsOneValueMessage(f);
}

bool IsPageResponse(const FieldDescriptor* f) {
  return f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
         f->message_type()->full_name() == "hotline.v1.PageResponse";
}

std::string Cut(std::string text, int max_width) {
  text = absl::StrReplaceAll(text, {{"\r\n", " "}, {"\n", " "}, {"\t", " "}});
  if (max_width <= 0 || DisplayWidth(text) <= max_width) return text;
  std::string out;
  int width = 0;
  for (size_t i = 0; i < text.size();) {
    size_t len = 1;
    const unsigned char c = text[i];
    if (c >= 0xF0) {
      len = 4;
    } else if (c >= 0xE0) {
      len = 3;
    } else if (c >= 0xC0) {
      len = 2;
    }
    const std::string ch = text.substr(i, len);
    const int w = DisplayWidth(ch);
    if (width + w > max_width - 1) break;
    out += ch;
    width += w;
    i += len;
  }
  return out + "…";
}

std::string Pad(const std::string& s, int width) {
  return s + std::string(std::max(0, width - DisplayWidth(s)), ' ');
}

void AppendGrid(const std::vector<std::vector<std::string>>& cells,
                const std::string& indent, std::string* out) {
  if (cells.empty()) return;
  std::vector<int> widths(cells[0].size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i + 1 < line.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(line[i]));
    }
  }
  for (const auto& line : cells) {
    std::string text = indent;
    for (size_t i = 0; i < line.size(); ++i) {
      absl::StrAppend(
          &text, i + 1 < line.size() ? Pad(line[i], widths[i] + 2) : line[i]);
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    absl::StrAppend(out, text, "\n");
  }
}

std::string Spaced(const std::string& name) {
  return absl::StrReplaceAll(name, {{"_", " "}});
}

// A list of messages as a table. `top`: the one list of the response,
// whose lack of rows is said in words; `bare`: the response is just this
// list, so the table needs no heading.
void RenderTable(const Message& m, const FieldDescriptor* f,
                 const std::string& indent, const RenderOptions& options,
                 bool top, bool bare, std::string* out) {
  const Reflection* r = m.GetReflection();
  const int count = r->FieldSize(m, f);
  const Descriptor* row = f->message_type();
  if (count == 0) {
    if (!top) {
      absl::StrAppend(out, indent, f->name(), ": none\n");
      return;
    }
    const TableSpec* spec = FindTableSpec(row->full_name());
    absl::StrAppend(out, indent,
                    spec != nullptr
                        ? spec->empty
                        : absl::StrCat("no ", Spaced(f->name()), " (没有结果)"),
                    "\n");
    return;
  }
  std::vector<const Message*> rows;
  for (int i = 0; i < count; ++i)
    rows.push_back(&r->GetRepeatedMessage(m, f, i));
  absl::StatusOr<std::vector<Column>> columns =
      ChooseColumns(row, options.columns, rows);
  if (!columns.ok()) {  // --columns was meant for another table
    ColumnChoice fallback = options.columns;
    fallback.names.clear();
    columns = ChooseColumns(row, fallback, rows);
  }
  if (!columns.ok() || columns->empty()) {
    absl::StrAppend(out, indent, f->name(), " (", count, ")\n");
    return;
  }
  std::string table_indent = indent;
  if (!bare) {
    absl::StrAppend(out, indent, f->name(), " (", count, "):\n");
    table_indent += "  ";
  }
  std::vector<std::vector<std::string>> cells(count + 1);
  for (const Column& c : *columns) cells[0].push_back(c.name);
  for (int i = 0; i < count; ++i) {
    for (size_t k = 0; k < columns->size(); ++k) {
      const bool last = k + 1 == columns->size();
      cells[i + 1].push_back(
          Cut(CellText(*rows[i], (*columns)[k], options.extra),
              last ? 0 : kMaxCellWidth));
    }
  }
  AppendGrid(cells, table_indent, out);
}

// A scorecard's total and previous_total side by side, with what each
// indicator counts (from the contract's comments).
void RenderIndicators(const Message& total, const Message* previous,
                      const std::string& indent, std::string* out) {
  const Descriptor* d = total.GetDescriptor();
  std::vector<std::vector<std::string>> cells;
  cells.push_back({"indicator", "this period"});
  if (previous != nullptr) cells[0].push_back("previous");
  cells[0].push_back("counts");
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    std::vector<std::string> line = {f->name(), FieldText(total, f)};
    if (previous != nullptr) line.push_back(FieldText(*previous, f));
    line.push_back(Cut(ProtoDocs::Embedded().Comment(f), 0));
    cells.push_back(std::move(line));
  }
  absl::StrAppend(out, indent, "indicators:\n");
  AppendGrid(cells, indent + "  ", out);
}

bool IsType(const Message& m, const char* type) {
  return m.GetDescriptor()->full_name() == type;
}

void RenderMessage(const Message& m, const std::string& indent,
                   const RenderOptions& options, bool top, std::string* out) {
  const Reflection* r = m.GetReflection();
  const Descriptor* d = m.GetDescriptor();
  int others = 0;  // fields besides lists of messages and the page
  int tables = 0;
  for (int i = 0; i < d->field_count(); ++i) {
    if (IsTable(d->field(i))) {
      ++tables;
    } else if (!IsPageResponse(d->field(i))) {
      ++others;
    }
  }
  const bool scorecard = IsType(m, "hotline.v1.Scorecard");
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (IsPageResponse(f)) continue;  // the caller says whether there is more
    if (f->containing_oneof() != nullptr && !r->HasField(m, f)) continue;
    if (IsTable(f)) {
      RenderTable(m, f, indent, options, top && tables == 1,
                  top && tables == 1 && others == 0, out);
      continue;
    }
    if (f->is_repeated()) {
      std::vector<std::string> values;
      for (int k = 0; k < r->FieldSize(m, f); ++k) {
        values.push_back(FieldText(m, f, k));
      }
      if (!values.empty()) {
        absl::StrAppend(out, indent, f->name(), ": ",
                        absl::StrJoin(values, ", "), "\n");
      }
      continue;
    }
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
        !IsOneValueMessage(f)) {
      if (scorecard && f->name() == "previous_total") continue;
      if (scorecard && f->name() == "total") {
        const FieldDescriptor* prev = d->FindFieldByName("previous_total");
        RenderIndicators(r->GetMessage(m, f),
                         prev != nullptr && r->HasField(m, prev)
                             ? &r->GetMessage(m, prev)
                             : nullptr,
                         indent, out);
        continue;
      }
      if (!r->HasField(m, f)) continue;
      std::string nested;
      RenderMessage(r->GetMessage(m, f), indent + "  ", options, false,
                    &nested);
      if (!nested.empty()) {
        absl::StrAppend(out, indent, f->name(), ":\n", nested);
      }
      continue;
    }
    const std::string text = FieldText(m, f);
    // Numbers, flags and rates always print: 0 and "no" are answers too.
    if (text.empty()) continue;
    const std::vector<std::string> lines = absl::StrSplit(text, '\n');
    absl::StrAppend(out, indent, f->name(), ": ",
                    absl::StrJoin(lines, absl::StrCat("\n", indent, "  ")),
                    "\n");
  }
}

void CollectTableRows(const Descriptor* d, int depth,
                      std::vector<const Descriptor*>* rows) {
  if (depth > 4) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (IsTable(f)) {
      rows->push_back(f->message_type());
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
               !f->is_repeated() && !IsOneValueMessage(f)) {
      CollectTableRows(f->message_type(), depth + 1, rows);
    }
  }
}

}  // namespace

int DisplayWidth(const std::string& text) {
  int width = 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = text[i];
    uint32_t cp = c;
    int len = 1;
    if (c >= 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else if (c >= 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xC0) {
      len = 2;
      cp = c & 0x1F;
    }
    for (int k = 1; k < len && i + k < text.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    i += len;
    // East Asian wide: CJK, Hangul, full-width forms, CJK punctuation.
    const bool wide =
        (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
  }
  return width;
}

std::string RenderHuman(const Message& message, const RenderOptions& options) {
  std::string out;
  RenderMessage(message, "", options, true, &out);
  // A mutation whose answer is empty (DeleteRule) did what it was asked.
  if (out.empty()) out = "done\n";
  return out;
}

absl::Status CheckColumns(const Descriptor* response,
                          const ColumnChoice& choice) {
  if (choice.names.empty()) return absl::OkStatus();
  std::vector<const Descriptor*> rows;
  CollectTableRows(response, 0, &rows);
  if (rows.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--columns: ", response->name(), " prints no table"));
  }
  absl::Status first;
  for (const Descriptor* row : rows) {
    absl::StatusOr<std::vector<Column>> columns = ChooseColumns(row, choice);
    if (columns.ok()) return absl::OkStatus();
    if (first.ok()) first = columns.status();
  }
  return first;
}

std::string RenderJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

}  // namespace hotline::ctl
