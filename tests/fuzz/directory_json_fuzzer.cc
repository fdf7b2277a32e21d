// The directory JSON import (services/routing/directory_json.h) over
// arbitrary text. Properties: errors are bounded; the units, duty roster and
// rules read are written back (WriteDirectoryJson, what ExportDirectory
// sends) and read again unchanged and without errors.

#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "services/routing/directory_json.h"
#include "tests/fuzz/fuzz_check.h"

using google::protobuf::util::MessageDifferencer;
using hotline::routing::DirectoryDocument;
using hotline::routing::ParseDirectoryJson;
using hotline::routing::WriteDirectoryJson;

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
  return 0;
}
