#include "common/runtime/topology.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hotline::runtime {

const std::vector<std::string>& Topology::SubscribersOf(
    absl::string_view producer) const {
  static const std::vector<std::string> kNone;
  auto it = subscribers.find(std::string(producer));
  return it == subscribers.end() ? kNone : it->second;
}

bool Topology::Delivers(absl::string_view producer,
                        absl::string_view consumer) const {
  const std::vector<std::string>& to = SubscribersOf(producer);
  return std::find(to.begin(), to.end(), consumer) != to.end();
}

absl::StatusOr<Topology> ParseTopology(absl::string_view text) {
  Topology t;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("topology line ", line_number, ": ", why));
    };
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) {
      return bad("expected \"producer: subscriber ...\"");
    }
    std::string producer(absl::StripAsciiWhitespace(line.substr(0, colon)));
    if (producer.empty()) return bad("no producer before ':'");
    if (t.subscribers.count(producer)) {
      return bad(absl::StrCat(producer, " is named twice"));
    }
    std::vector<std::string>& to = t.subscribers[producer];
    for (absl::string_view s :
         absl::StrSplit(line.substr(colon + 1), absl::ByAnyChar(" \t"),
                        absl::SkipEmpty())) {
      if (s == producer)
        return bad(absl::StrCat(producer, " subscribed to itself"));
      if (std::find(to.begin(), to.end(), s) != to.end()) {
        return bad(absl::StrCat(s, " subscribed twice to ", producer));
      }
      to.emplace_back(s);
    }
  }
  return t;
}

absl::StatusOr<Topology> LoadTopology(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseTopology(text.str());
}

}  // namespace hotline::runtime
