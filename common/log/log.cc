#include "common/log/log.h"

#include <atomic>
#include <cstdio>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace hotline::log {
namespace {

absl::Mutex mu;
std::string* service_name ABSL_GUARDED_BY(mu) = new std::string("hotline");
std::atomic<int> min_level{static_cast<int>(Level::kInfo)};

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

void AppendJsonString(std::string* out, absl::string_view s) {
  out->push_back('"');
  out->append(JsonEscape(s));
  out->push_back('"');
}

}  // namespace

std::string JsonEscape(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

void SetServiceName(absl::string_view name) {
  absl::MutexLock lock(&mu);
  *service_name = std::string(name);
}

void SetMinLevel(Level level) { min_level = static_cast<int>(level); }

std::string Format(Level level, absl::string_view service,
                   absl::string_view event, std::initializer_list<Field> fields,
                   absl::string_view ts) {
  std::string line = "{\"ts\":";
  AppendJsonString(&line, ts);
  line.append(",\"level\":");
  AppendJsonString(&line, LevelName(level));
  line.append(",\"service\":");
  AppendJsonString(&line, service);
  line.append(",\"event\":");
  AppendJsonString(&line, event);
  for (const Field& f : fields) {
    line.push_back(',');
    AppendJsonString(&line, f.first);
    line.push_back(':');
    AppendJsonString(&line, f.second);
  }
  line.append("}\n");
  return line;
}

void Write(Level level, absl::string_view event,
           std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < min_level.load()) return;
  const std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                                          absl::UTCTimeZone());
  absl::MutexLock lock(&mu);
  const std::string line = Format(level, *service_name, event, fields, ts);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace hotline::log
