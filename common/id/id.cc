#include "common/id/id.h"

#include <openssl/rand.h>

#include <cstdint>

#include "absl/random/random.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace hotline::id {

std::string NewId(absl::string_view prefix, int random_bytes) {
  unsigned char bytes[32];
  const int n = random_bytes < 1 ? 1 : random_bytes > 32 ? 32 : random_bytes;
  if (RAND_bytes(bytes, n) != 1) {
    // OpenSSL's generator could not be seeded (it never happens on a
    // running Linux); absl's, seeded from the OS at first use, instead.
    static thread_local absl::BitGen gen;
    for (int i = 0; i < n; ++i) bytes[i] = absl::Uniform<uint8_t>(gen);
  }
  return absl::StrCat(prefix, absl::BytesToHexString(absl::string_view(
                                  reinterpret_cast<const char*>(bytes), n)));
}

}  // namespace hotline::id
