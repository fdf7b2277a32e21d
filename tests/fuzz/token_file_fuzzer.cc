// TokenStore::Parse (common/auth) over arbitrary token-file text. Properties:
// an error names its line; every principal of an accepted file authenticates
// with its own token (when the token is something a client can send) and
// gets the role and the unit (or, for SERVICE, the service) of its line.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/auth.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using hotline::auth::Principal;
using hotline::auth::RoleFromName;
using hotline::auth::TokenStore;

// What a client can put in a header value: visible ASCII.
bool Sendable(absl::string_view token) {
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<TokenStore> store = TokenStore::Parse(text);
  if (!store.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(store.status())) << store.status();
    FUZZ_CHECK(absl::StartsWith(store.status().message(), "token file line "))
        << store.status();
    return 0;
  }
  size_t principals = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (size_t hash = line.find('#'); hash != absl::string_view::npos) {
      line = line.substr(0, hash);
    }
    std::vector<absl::string_view> f =
        absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (f.empty()) continue;
    ++principals;
    if (!Sendable(f[0])) continue;
    absl::StatusOr<Principal> who =
        store->Authenticate(absl::StrCat("Bearer ", f[0]));
    FUZZ_CHECK(who.ok()) << who.status();
    FUZZ_CHECK(who->role == *RoleFromName(f[1])) << f[1];
    // The third field names the unit, or for SERVICE the service.
    const absl::string_view third = f.size() == 3 ? f[2] : "";
    const bool service = who->role == hotline::auth::Role::kService;
    FUZZ_CHECK(who->unit_id == (service ? "" : third)) << who->unit_id;
    FUZZ_CHECK(who->service == (service ? third : "")) << who->service;
    FUZZ_CHECK(absl::StartsWith(who->id, "tok-") && who->id.size() == 12)
        << who->id;
  }
  FUZZ_CHECK(store->size() == principals);
  // Headers that are not a listed token never authenticate.
  FUZZ_CHECK(!store->Authenticate(std::nullopt).ok());
  FUZZ_CHECK(!store->Authenticate(text).ok() ||
             absl::StartsWith(absl::StripAsciiWhitespace(text), "Bearer ") ||
             absl::StartsWith(absl::StripAsciiWhitespace(text), "bearer "));
  return 0;
}
