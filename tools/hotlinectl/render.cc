#include "tools/hotlinectl/render.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"

namespace hotline::ctl {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr size_t kMaxCell = 48;

std::string EnumName(const google::protobuf::EnumValueDescriptor* v) {
  // REQUEST_TYPE_COMPLAINT → COMPLAINT: strip the enum type's prefix.
  std::string prefix;
  for (char c : v->type()->name()) {
    if (isupper(static_cast<unsigned char>(c)) && !prefix.empty()) {
      prefix += '_';
    }
    prefix += static_cast<char>(toupper(static_cast<unsigned char>(c)));
  }
  prefix += '_';
  if (absl::StartsWith(v->name(), prefix))
    return v->name().substr(prefix.size());
  return v->name();
}

bool IsTimestamp(const FieldDescriptor* f) {
  return f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
         f->message_type()->full_name() == "google.protobuf.Timestamp";
}

std::string FormatTimestamp(const Message& m) {
  const auto* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  const int64_t s = r->GetInt64(m, d->FindFieldByName("seconds"));
  const int32_t n = r->GetInt32(m, d->FindFieldByName("nanos"));
  if (s == 0 && n == 0) return "";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S %Ez",
                          absl::FromUnixSeconds(s) + absl::Nanoseconds(n),
                          absl::FixedTimeZone(8 * 3600));
}

// One value of a non-message field, or a timestamp, as text.
std::string Scalar(const Message& m, const FieldDescriptor* f, int index) {
  const Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(rep ? r->GetRepeatedInt32(m, f, index)
                              : r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(rep ? r->GetRepeatedInt64(m, f, index)
                              : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(rep ? r->GetRepeatedUInt32(m, f, index)
                              : r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(rep ? r->GetRepeatedUInt64(m, f, index)
                              : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return absl::StrCat(rep ? r->GetRepeatedDouble(m, f, index)
                              : r->GetDouble(m, f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return absl::StrCat(rep ? r->GetRepeatedFloat(m, f, index)
                              : r->GetFloat(m, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "yes"
                                                                        : "no";
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumName(rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (IsTimestamp(f)) {
        return FormatTimestamp(rep ? r->GetRepeatedMessage(m, f, index)
                                   : r->GetMessage(m, f));
      }
      return "";
  }
  return "";
}

bool IsCell(const FieldDescriptor* f) {
  return !f->is_repeated() &&
         (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || IsTimestamp(f));
}

std::string Cell(std::string text) {
  text = absl::StrReplaceAll(text, {{"\n", " "}, {"\t", " "}});
  if (text.size() <= kMaxCell) return text;
  // Cut at a UTF-8 boundary.
  size_t cut = kMaxCell;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return text.substr(0, cut) + "…";
}

std::string Pad(const std::string& s, int width) {
  return s + std::string(std::max(0, width - DisplayWidth(s)), ' ');
}

// A table column: a scalar field of the row, or of a message inside it (one
// level, e.g. assignment.ticket_number).
struct Column {
  const FieldDescriptor* outer;  // null for the row's own fields
  const FieldDescriptor* field;
  std::string Name() const {
    return outer ? absl::StrCat(outer->name(), ".", field->name())
                 : field->name();
  }
  std::string Value(const Message& row) const {
    if (outer == nullptr) return Scalar(row, field, 0);
    if (!row.GetReflection()->HasField(row, outer)) return "";
    return Scalar(row.GetReflection()->GetMessage(row, outer), field, 0);
  }
};

constexpr size_t kMaxColumns = 9;

void RenderTable(const Message& m, const FieldDescriptor* f,
                 const std::string& indent, std::string* out) {
  const Reflection* r = m.GetReflection();
  const int rows = r->FieldSize(m, f);
  const auto* d = f->message_type();
  std::vector<Column> candidates;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* c = d->field(i);
    if (IsCell(c)) {
      candidates.push_back({nullptr, c});
    } else if (!c->is_repeated() &&
               c->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      for (int k = 0; k < c->message_type()->field_count(); ++k) {
        const FieldDescriptor* inner = c->message_type()->field(k);
        if (IsCell(inner)) candidates.push_back({c, inner});
      }
    }
  }
  std::vector<Column> cols;  // the non-empty ones, in declaration order
  for (const Column& c : candidates) {
    if (cols.size() == kMaxColumns) break;
    for (int row = 0; row < rows; ++row) {
      if (!c.Value(r->GetRepeatedMessage(m, f, row)).empty()) {
        cols.push_back(c);
        break;
      }
    }
  }
  absl::StrAppend(out, indent, f->name(), " (", rows, "):\n");
  if (rows == 0 || cols.empty()) return;
  std::vector<std::vector<std::string>> cells(rows + 1);
  for (const Column& c : cols) cells[0].push_back(c.Name());
  for (int row = 0; row < rows; ++row) {
    const Message& item = r->GetRepeatedMessage(m, f, row);
    for (const Column& c : cols) cells[row + 1].push_back(Cell(c.Value(item)));
  }
  std::vector<int> widths(cols.size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(line[i]));
    }
  }
  for (const auto& line : cells) {
    std::string text = indent + "  ";
    for (size_t i = 0; i < line.size(); ++i) {
      absl::StrAppend(
          &text, i + 1 < line.size() ? Pad(line[i], widths[i] + 2) : line[i]);
    }
    absl::StrAppend(out, text, "\n");
  }
}

void RenderMessage(const Message& m, const std::string& indent,
                   std::string* out) {
  const Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->is_repeated()) {
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
          !IsTimestamp(f)) {
        RenderTable(m, f, indent, out);
      } else {
        std::vector<std::string> values;
        for (int i = 0; i < r->FieldSize(m, f); ++i) {
          values.push_back(Scalar(m, f, i));
        }
        absl::StrAppend(out, indent, f->name(), ": ",
                        absl::StrJoin(values, ", "), "\n");
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
               !IsTimestamp(f)) {
      std::string nested;
      RenderMessage(r->GetMessage(m, f), indent + "  ", &nested);
      if (!nested.empty())
        absl::StrAppend(out, indent, f->name(), ":\n", nested);
    } else {
      absl::StrAppend(out, indent, f->name(), ": ", Scalar(m, f, 0), "\n");
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

std::string RenderHuman(const Message& message) {
  std::string out;
  RenderMessage(message, "", &out);
  if (out.empty()) out = "ok\n";
  return out;
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
