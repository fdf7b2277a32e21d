#pragma once

// Encryption at rest of caller identity (DESIGN.md §6) and the keyed phone
// hash used for lookups and repeat detection.
//
// Key file: one key a line, `KEY_ID HEX64` (32 bytes of AES-256 key as 64 hex
// digits); the first such line is the active key, used to encrypt; the others
// still decrypt (rotation). One line `hmac HEX64` gives the HMAC-SHA-256 key
// for phone hashes (it never rotates: hashes must stay comparable). `#` starts
// a comment; blank lines are ignored. KEY_ID: 1–32 chars of [A-Za-z0-9._-].
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
  // Errors: INVALID_ARGUMENT naming the line; no encryption key or no hmac
  // key is INVALID_ARGUMENT.
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

  // Lower-case hex HMAC-SHA-256 of `normalized_phone` (64 chars).
  std::string PhoneHash(absl::string_view normalized_phone) const;

  const std::string& active_key_id() const { return keys_.front().id; }

 private:
  struct Key {
    std::string id;
    std::string bytes;  // 32
  };
  const Key* Find(absl::string_view id) const;

  std::vector<Key> keys_;  // first is active
  std::string hmac_key_;
};

}  // namespace hotline::intake
