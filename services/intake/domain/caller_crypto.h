#pragma once

// Encryption at rest of caller identity (DESIGN.md §6) and the keyed phone
// hash used for lookups and repeat detection.
//
// Key file: one key a line, `KEY_ID HEX64` (32 bytes of AES-256 key as 64 hex
// digits); the first such line is the active key, used to encrypt; the others
// still decrypt (rotation). `hmac KEY_ID HEX64` gives an HMAC-SHA-256 key for
// phone hashes; the first such line is the active one, the others still match
// (lookups hash a phone under every key: rows keep the key id of their hash
// until `hotline-intake rotate-keys` re-keys them). The older form
// `hmac HEX64` (one phone-hash key, before key ids) is the key of id "hmac".
// `#` starts a comment; blank lines are ignored. KEY_ID: 1–32 chars of
// [A-Za-z0-9._-]; key ids are unique among the AES keys and among the HMAC
// keys.
//
// Ciphertext layout (binary): 0x01 | len(key_id) | key_id | nonce (12) |
// AES-256-GCM ciphertext | tag (16). `aad` (e.g. the ticket id) is bound to
// the ciphertext: decrypting with another aad fails like tampering does.
//
// Thread-safe after construction (immutable).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hotline::intake {

class CallerCrypto {
 public:
  // Errors: INVALID_ARGUMENT naming the line (never echoing a key); no
  // encryption key or no hmac key is INVALID_ARGUMENT.
  static absl::StatusOr<CallerCrypto> Parse(absl::string_view text);
  // Reads `path` then Parse(); NOT_FOUND/INVALID_ARGUMENT name the path.
  static absl::StatusOr<CallerCrypto> LoadFile(const std::string& path);

  // AES-256-GCM with the active key and a fresh random nonce.
  absl::StatusOr<std::string> Encrypt(absl::string_view plaintext,
                                      absl::string_view aad) const;
  // NOT_FOUND when the ciphertext names a key id this file lacks;
  // DATA_LOSS when the ciphertext is malformed or fails authentication.
  absl::StatusOr<std::string> Decrypt(absl::string_view ciphertext,
                                      absl::string_view aad) const;
  // The key id a ciphertext was made with ("" when malformed).
  static std::string KeyIdOf(absl::string_view ciphertext);

  // Lower-case hex HMAC-SHA-256 of `normalized_phone` (64 chars) under the
  // active phone-hash key.
  std::string PhoneHash(absl::string_view normalized_phone) const;
  // The phone's hash under every phone-hash key of the file, active first:
  // what a lookup matches while rows are under old and new keys.
  std::vector<std::string> PhoneHashes(
      absl::string_view normalized_phone) const;

  const std::string& active_key_id() const { return keys_.front().id; }
  const std::string& active_hmac_id() const { return hmac_keys_.front().id; }

 private:
  struct Key {
    std::string id;
    std::string bytes;  // 32
  };
  const Key* Find(absl::string_view id) const;
  static std::string Hmac(const Key& key, absl::string_view data);

  std::vector<Key> keys_;       // first is active
  std::vector<Key> hmac_keys_;  // first is active
};

}  // namespace hotline::intake
