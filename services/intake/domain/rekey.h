#pragma once

// The rewrite of one ticket row's caller data under the key file's active
// keys (issue 13; core/key_rotation.h runs it over every row): pure, no SQL,
// no gRPC. The plaintext exists only in memory while the row is rewritten.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "services/intake/domain/caller_crypto.h"

namespace hotline::intake {

// The keys a rotation moves every row to: the key file's active ones.
struct RotationTarget {
  std::string key_id;   // AES-256-GCM
  std::string hmac_id;  // phone hash
  std::string Name() const { return key_id + "/" + hmac_id; }
};

// A ticket row's caller data as stored.
struct CallerKeyRow {
  int64_t row_id = 0;
  std::string ticket_id;
  std::string caller_ct;  // empty: anonymous
  std::string caller_key_id;
  std::string caller_hash;  // empty: no phone
  std::string caller_hash_key;
};

// The rewrite of one row: what to store (nullopt: already under the target).
// Errors: NOT_FOUND (a key the file lacks), DATA_LOSS (ciphertext fails
// authentication or does not parse).
absl::StatusOr<std::optional<CallerKeyRow>> RekeyRow(const CallerCrypto& crypto,
                                                     const CallerKeyRow& row);

}  // namespace hotline::intake
