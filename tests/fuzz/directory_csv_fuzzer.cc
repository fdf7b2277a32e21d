// The directory CSV import (services/routing/domain/directory_csv.h) over
// arbitrary text. Properties: errors are bounded and name their line; the units
// read are written back (WriteDirectoryCsv, what ExportDirectory sends) and
// read again unchanged, without errors — export → import is the identity.

#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "services/routing/domain/directory_csv.h"
#include "tests/fuzz/fuzz_check.h"

using hotline::routing::CsvParseResult;
using hotline::routing::ParseDirectoryCsv;
using hotline::routing::WriteDirectoryCsv;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  CsvParseResult first = ParseDirectoryCsv(text);
  FUZZ_CHECK(first.errors.size() <= 100);
  for (const std::string& e : first.errors) {
    FUZZ_CHECK(absl::StartsWith(e, "line ")) << e;
  }
  std::vector<const hotline::v1::Unit*> units;
  for (const auto& u : first.units) units.push_back(&u.unit);
  const std::string written = WriteDirectoryCsv(units);
  CsvParseResult second = ParseDirectoryCsv(written);
  FUZZ_CHECK(second.errors.empty()) << second.errors.front() << "\n---\n"
                                    << written;
  FUZZ_CHECK(second.units.size() == first.units.size())
      << second.units.size() << " != " << first.units.size() << "\n---\n"
      << written;
  for (size_t i = 0; i < first.units.size(); ++i) {
    FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(
        first.units[i].unit, second.units[i].unit))
        << first.units[i].unit.DebugString() << "\n!=\n"
        << second.units[i].unit.DebugString();
  }
  return 0;
}
