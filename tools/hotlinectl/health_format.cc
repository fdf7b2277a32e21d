#include "tools/hotlinectl/health_format.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "tools/hotlinectl/render.h"

namespace hotline::ctl {
namespace {

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += absl::StrFormat("\\u%04x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

std::string FormatAge(int64_t seconds, int32_t nanos) {
  if (seconds < 60) {
    return absl::StrFormat("%.1fs", static_cast<double>(seconds) + nanos / 1e9);
  }
  if (seconds < 3600) {
    return absl::StrFormat("%dm%02ds", seconds / 60, seconds % 60);
  }
  return absl::StrFormat("%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
}

std::string RenderHealth(const std::vector<HealthRow>& rows, bool json) {
  if (json) {
    std::vector<std::string> items;
    for (const HealthRow& r : rows) {
      std::string item = absl::StrCat("{\"service\": ", Quote(r.service),
                                      ", \"address\": ", Quote(r.address),
                                      ", \"status\": ", Quote(r.status));
      if (r.lag.has_value()) {
        absl::StrAppend(&item, ", \"lag\": ", RenderJson(*r.lag));
      } else if (!r.lag_error.empty()) {
        absl::StrAppend(&item, ", \"lag_error\": ", Quote(r.lag_error));
      }
      items.push_back(item + "}");
    }
    return absl::StrCat("[", absl::StrJoin(items, ", "), "]\n");
  }
  std::string out;
  for (const HealthRow& r : rows) {
    absl::StrAppendFormat(&out, "%-11s %-22s %s\n", r.service, r.address,
                          r.status);
    if (!r.lag.has_value()) {
      if (!r.lag_error.empty()) {
        absl::StrAppend(&out, "  events: lag unknown (", r.lag_error, ")\n");
      }
      continue;
    }
    for (const v1::SubscriptionLag& s : r.lag->subscriptions()) {
      std::string line = absl::StrFormat("  -> %-11s pending %-7d",
                                         s.subscriber(), s.pending());
      if (s.pending() > 0) {
        absl::StrAppend(
            &line, " oldest ",
            FormatAge(s.oldest_age().seconds(), s.oldest_age().nanos()));
      }
      if (s.behind()) absl::StrAppend(&line, "  BEHIND");
      if (s.failing()) {
        absl::StrAppend(&line, "  FAILING: ", s.last_error());
      }
      // No trailing blanks.
      line.erase(line.find_last_not_of(' ') + 1);
      absl::StrAppend(&out, line, "\n");
    }
  }
  return out;
}

}  // namespace hotline::ctl
