#include "services/intake/domain/caller_crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace hotline::intake {
namespace {

constexpr unsigned char kVersion = 0x01;
constexpr size_t kNonceLen = 12;
constexpr size_t kTagLen = 16;

bool IsHex64(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool ValidKeyId(absl::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

}  // namespace

absl::StatusOr<CallerCrypto> CallerCrypto::Parse(absl::string_view text) {
  CallerCrypto c;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    size_t hash = line.find('#');
    if (hash != absl::string_view::npos) line = line.substr(0, hash);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const bool hmac = !parts.empty() && parts[0] == "hmac";
    // `hmac HEX64` (the form before key ids) is the phone-hash key "hmac".
    if (hmac && parts.size() == 2) parts.insert(parts.begin() + 1, "hmac");
    if (hmac) parts.erase(parts.begin());
    if (parts.size() != 2 || !IsHex64(parts[1])) {
      return absl::InvalidArgumentError(
          absl::StrCat("caller key file line ", line_no,
                       hmac ? ": expected `hmac KEY_ID HEX64`"
                            : ": expected `KEY_ID HEX64`"));
    }
    if (!ValidKeyId(parts[0])) {
      return absl::InvalidArgumentError(
          absl::StrCat("caller key file line ", line_no, ": bad key id"));
    }
    std::vector<Key>& keys = hmac ? c.hmac_keys_ : c.keys_;
    for (const Key& k : keys) {
      if (k.id == parts[0]) {
        return absl::InvalidArgumentError(absl::StrCat(
            "caller key file line ", line_no,
            hmac ? ": duplicate hmac key id" : ": duplicate key id"));
      }
    }
    keys.push_back(
        Key{std::string(parts[0]), absl::HexStringToBytes(parts[1])});
  }
  if (c.keys_.empty()) {
    return absl::InvalidArgumentError(
        "caller key file: no encryption key (`KEY_ID HEX64`)");
  }
  if (c.hmac_keys_.empty()) {
    return absl::InvalidArgumentError(
        "caller key file: no phone-hash key (`hmac KEY_ID HEX64`)");
  }
  return c;
}

absl::StatusOr<CallerCrypto> CallerCrypto::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("caller key file ", path, ": cannot be read"));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<CallerCrypto> c = Parse(ss.str());
  if (!c.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", c.status().message()));
  }
  return c;
}

const CallerCrypto::Key* CallerCrypto::Find(absl::string_view id) const {
  for (const Key& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

absl::StatusOr<std::string> CallerCrypto::Encrypt(absl::string_view plaintext,
                                                  absl::string_view aad) const {
  const Key& key = keys_.front();
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(key.id.size()));
  out.append(key.id);
  unsigned char nonce[kNonceLen];
  if (RAND_bytes(nonce, kNonceLen) != 1) {
    return absl::InternalError("RAND_bytes failed");
  }
  out.append(reinterpret_cast<const char*>(nonce), kNonceLen);
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  std::string ct(plaintext.size() + 16, '\0');
  auto* ctp = reinterpret_cast<unsigned char*>(ct.data());
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceLen,
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(
          ctx.get(), nullptr, nullptr,
          reinterpret_cast<const unsigned char*>(key.bytes.data()),
          nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(
          ctx.get(), ctp, &len,
          reinterpret_cast<const unsigned char*>(plaintext.data()),
          static_cast<int>(plaintext.size())) != 1) {
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  int total = len;
  if (EVP_EncryptFinal_ex(ctx.get(), ctp + total, &len) != 1) {
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  total += len;
  ct.resize(total);
  unsigned char tag[kTagLen];
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagLen, tag) != 1) {
    return absl::InternalError("AES-256-GCM tag failed");
  }
  out.append(ct);
  out.append(reinterpret_cast<const char*>(tag), kTagLen);
  return out;
}

std::string CallerCrypto::KeyIdOf(absl::string_view ciphertext) {
  if (ciphertext.size() < 2 ||
      static_cast<unsigned char>(ciphertext[0]) != kVersion) {
    return "";
  }
  size_t n = static_cast<unsigned char>(ciphertext[1]);
  if (ciphertext.size() < 2 + n) return "";
  return std::string(ciphertext.substr(2, n));
}

absl::StatusOr<std::string> CallerCrypto::Decrypt(absl::string_view ciphertext,
                                                  absl::string_view aad) const {
  if (ciphertext.size() < 2 ||
      static_cast<unsigned char>(ciphertext[0]) != kVersion) {
    return absl::DataLossError("caller ciphertext: unknown format");
  }
  size_t id_len = static_cast<unsigned char>(ciphertext[1]);
  if (ciphertext.size() < 2 + id_len + kNonceLen + kTagLen) {
    return absl::DataLossError("caller ciphertext: truncated");
  }
  absl::string_view id = ciphertext.substr(2, id_len);
  const Key* key = Find(id);
  if (key == nullptr) {
    return absl::NotFoundError(absl::StrCat("caller ciphertext: key id ", id,
                                            " is not in the key file"));
  }
  absl::string_view nonce = ciphertext.substr(2 + id_len, kNonceLen);
  absl::string_view body =
      ciphertext.substr(2 + id_len + kNonceLen,
                        ciphertext.size() - 2 - id_len - kNonceLen - kTagLen);
  std::string tag(ciphertext.substr(ciphertext.size() - kTagLen));
  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx(EVP_CIPHER_CTX_new());
  std::string pt(body.size() + 16, '\0');
  auto* ptp = reinterpret_cast<unsigned char*>(pt.data());
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceLen,
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(
          ctx.get(), nullptr, nullptr,
          reinterpret_cast<const unsigned char*>(key->bytes.data()),
          reinterpret_cast<const unsigned char*>(nonce.data())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(aad.data()),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), ptp, &len,
                        reinterpret_cast<const unsigned char*>(body.data()),
                        static_cast<int>(body.size())) != 1) {
    return absl::DataLossError("caller ciphertext: decryption failed");
  }
  int total = len;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagLen,
                          tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), ptp + total, &len) != 1) {
    return absl::DataLossError("caller ciphertext: authentication failed");
  }
  total += len;
  pt.resize(total);
  return pt;
}

std::string CallerCrypto::Hmac(const Key& key, absl::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  HMAC(EVP_sha256(), key.bytes.data(), static_cast<int>(key.bytes.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md,
       &md_len);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(md), md_len));
}

std::string CallerCrypto::PhoneHash(absl::string_view normalized_phone) const {
  return Hmac(hmac_keys_.front(), normalized_phone);
}

std::vector<std::string> CallerCrypto::PhoneHashes(
    absl::string_view normalized_phone) const {
  std::vector<std::string> out;
  for (const Key& k : hmac_keys_) out.push_back(Hmac(k, normalized_phone));
  return out;
}

}  // namespace hotline::intake
