#pragma once

// Structured logs: one JSON object a line on stderr, e.g.
//   {"ts":"2026-11-26T10:00:00.123Z","level":"info","service":"intake",
//    "event":"server.started","port":"7001"}
//
// Log events and identifiers (ticket ids, unit ids, codes, counts) only. Never
// pass caller data — names, phone numbers, ID numbers, addresses, or the
// content of a request — to a log call: the logs are not protected like the
// database is.
//
// Thread-safe.

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace hotline::log {

enum class Level { kDebug, kInfo, kWarning, kError };

using Field = std::pair<absl::string_view, std::string>;

// Names the process in every line; call once from main.
void SetServiceName(absl::string_view name);
// Lines below `level` are dropped (default kInfo).
void SetMinLevel(Level level);

void Write(Level level, absl::string_view event,
           std::initializer_list<Field> fields = {});

inline void Info(absl::string_view event,
                 std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, event, fields);
}
inline void Warning(absl::string_view event,
                    std::initializer_list<Field> fields = {}) {
  Write(Level::kWarning, event, fields);
}
inline void Error(absl::string_view event,
                  std::initializer_list<Field> fields = {}) {
  Write(Level::kError, event, fields);
}

// `s` escaped for the inside of a JSON string (quotes, backslash, control
// characters); UTF-8 passes through.
std::string JsonEscape(absl::string_view s);

// Renders one line without writing it (exposed for tests).
std::string Format(Level level, absl::string_view service,
                   absl::string_view event, std::initializer_list<Field> fields,
                   absl::string_view ts);

}  // namespace hotline::log
