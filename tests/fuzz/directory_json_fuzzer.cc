// The directory JSON import (services/routing/domain/directory_json.h) over
// arbitrary text. Properties: errors are bounded; the units, duty roster and
// rules read are written back (WriteDirectoryJson, what ExportDirectory
// sends) and read again unchanged and without errors.

#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "services/routing/domain/directory_csv.h"
#include "services/routing/domain/directory_json.h"
#include "services/routing/domain/unit_tree.h"
#include "tests/fuzz/fuzz_check.h"

using google::protobuf::util::MessageDifferencer;
using hotline::routing::DirectoryDocument;
using hotline::routing::ParseDirectoryJson;
using hotline::routing::WriteDirectoryJson;

namespace {

const hotline::routing::UnitTree& SampleTree() {
  static const hotline::routing::UnitTree* tree = [] {
    std::ifstream in(HOTLINE_SOURCE_DIR "/data/directory/dazu_sample.csv");
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = hotline::routing::ParseDirectoryCsv(text.str());
    FUZZ_CHECK(parsed.errors.empty() && !parsed.units.empty());
    std::vector<hotline::v1::Unit> units;
    for (auto& u : parsed.units) units.push_back(u.unit);
    return new hotline::routing::UnitTree(units);
  }();
  return *tree;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  DirectoryDocument first = ParseDirectoryJson(text);
  FUZZ_CHECK(first.errors.size() <= 100);
  std::vector<const hotline::v1::Unit*> units;
  for (const auto& u : first.units) units.push_back(&u.unit);
  const std::string written =
      WriteDirectoryJson(units, first.duty, first.rules);
  DirectoryDocument second = ParseDirectoryJson(written);
  FUZZ_CHECK(second.errors.empty()) << second.errors.front() << "\n---\n"
                                    << written;
  FUZZ_CHECK(second.units.size() == first.units.size()) << written;
  FUZZ_CHECK(second.duty.size() == first.duty.size()) << written;
  FUZZ_CHECK(second.rules.size() == first.rules.size()) << written;
  for (size_t i = 0; i < first.units.size(); ++i) {
    FUZZ_CHECK(
        MessageDifferencer::Equals(first.units[i].unit, second.units[i].unit))
        << first.units[i].unit.DebugString() << "\n!=\n"
        << second.units[i].unit.DebugString();
  }
  // The roster is written grouped by unit, each unit's dates in order.
  auto by_unit = [](const DirectoryDocument& d) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& row : d.duty) {
      out[row.unit_id].push_back(row.entry.SerializeAsString());
    }
    return out;
  };
  FUZZ_CHECK(by_unit(first) == by_unit(second)) << written;
  for (size_t i = 0; i < first.rules.size(); ++i) {
    FUZZ_CHECK(MessageDifferencer::Equals(first.rules[i], second.rules[i]))
        << first.rules[i].DebugString() << "\n!=\n"
        << second.rules[i].DebugString();
  }
  // Valid units through the CSV format.
  for (const auto& u : first.units) {
    if (!hotline::routing::ValidateUnit(u.unit, SampleTree(), "unit").ok()) {
      continue;
    }
    const std::string csv = hotline::routing::WriteDirectoryCsv({&u.unit});
    auto back = hotline::routing::ParseDirectoryCsv(csv);
    FUZZ_CHECK(back.errors.empty() && back.units.size() == 1)
        << (back.errors.empty() ? "" : back.errors.front()) << "\n---\n"
        << csv;
    const std::string again =
        hotline::routing::WriteDirectoryCsv({&back.units[0].unit});
    FUZZ_CHECK(again == csv) << csv << "\n!=\n" << again;
  }
  return 0;
}
