// Intake's request validation (services/intake/domain/acceptance.h) over
// CreateTicketRequest messages parsed from the input: ValidateCreateTicket
// against a catalog of the sample district, then what CreateTicket does with
// an accepted request before it stores it. Properties: a refusal is
// INVALID_ARGUMENT; an accepted caller's phone normalizes (the service
// dereferences NormalizePhone's result) and masks; the places are known; the
// text model of title and content is well-formed (MinHash, LSH bands and
// their encoding round trip; no terms, no signature).

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"
#include "hotline/v1/intake.pb.h"
#include "services/intake/domain/acceptance.h"
#include "services/intake/domain/caller_privacy.h"
#include "services/intake/domain/similarity.h"
#include "services/intake/domain/text_rules.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace hotline::intake;  // NOLINT: the rules under test
namespace v1 = hotline::v1;

const Catalog& SampleCatalog() {
  static const Catalog* catalog = [] {
    auto* c = new Catalog();
    for (const char* code :
         {"urban", "urban.road", "urban.road.damage", "urban.road.streetlight",
          "eco.noise", "labor.wage", "market.food", "education.enrollment",
          "social.pension", "urban.sanitation.garbage"}) {
      v1::MatterCategory m;
      m.set_code(code);
      m.set_name("类别");
      c->categories.push_back(m);
    }
    c->version = "fuzz";
    for (const char* town : {"town.longshui", "town.longgang", "town.tangxiang",
                             "town.baoding", "town.youting"}) {
      c->places.towns[town] = "镇街";
    }
    c->places.communities["comm.longshui.nanshan"] = "town.longshui";
    c->places.communities["vill.baoding.shengshou"] = "town.baoding";
    return c;
  }();
  return *catalog;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  v1::CreateTicketRequest req;
  if (!req.ParseFromArray(data, static_cast<int>(size))) return 0;
  // 2024-02-08T08:00:00+08:00, as the tests' manual clocks.
  const absl::Time now = absl::FromUnixSeconds(1707350400);
  const Catalog& catalog = SampleCatalog();
  absl::Status s = ValidateCreateTicket(req, catalog, now);
  if (!s.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(s)) << s;
    return 0;
  }
  FUZZ_CHECK(KnowsPlaces(catalog, req.location()));
  const v1::CallerIdentity& caller = req.caller();
  if (!IsAnonymous(caller)) {
    if (!caller.phone().empty()) {
      const std::optional<std::string> phone = NormalizePhone(caller.phone());
      FUZZ_CHECK(phone.has_value()) << caller.phone();
      FUZZ_CHECK(NormalizePhone(*phone) == phone) << *phone;
      FUZZ_CHECK(MaskPhone(*phone).size() == phone->size());
    }
    if (!caller.id_number().empty()) {
      FUZZ_CHECK(IsValidIdNumber(caller.id_number()));
    }
    const v1::MaskedCaller masked = Mask(caller);
    FUZZ_CHECK(IsValidUtf8(masked.name())) << masked.name();
    FUZZ_CHECK(IsValidUtf8(masked.address())) << masked.address();
  }
  if (req.has_received_at()) {
    FUZZ_CHECK(
        hotline::ParseTimestampField("received_at", req.received_at()).ok());
  }
  const auto terms = Terms(absl::StrCat(req.title(), "\n", req.content()));
  for (const auto& [term, tf] : terms) {
    FUZZ_CHECK(!term.empty() && tf > 0);
    FUZZ_CHECK(IsValidUtf8(term)) << term;
  }
  // An order without terms (punctuation only) has no signature and no
  // bands: it is nobody's repeat candidate.
  const std::vector<uint32_t> signature = MinHash(terms);
  FUZZ_CHECK(DecodeSignature(EncodeSignature(signature)) == signature);
  if (terms.empty()) {
    FUZZ_CHECK(signature.empty() && LshBands(signature).empty());
    return 0;
  }
  FUZZ_CHECK(signature.size() == static_cast<size_t>(kMinHashes));
  FUZZ_CHECK(LshBands(signature).size() == static_cast<size_t>(kBands));
  FUZZ_CHECK(EstimatedJaccard(signature, signature) == 1.0);
  return 0;
}
