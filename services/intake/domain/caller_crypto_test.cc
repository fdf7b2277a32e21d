#include "services/intake/domain/caller_crypto.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hotline/v1/intake.pb.h"
#include "services/intake/domain/rekey.h"

namespace hotline::intake {
namespace {

constexpr char kKeys[] =
    "# test keys\n"
    "k2 1111111111111111111111111111111111111111111111111111111111111111\n"
    "k1 2222222222222222222222222222222222222222222222222222222222222222\n"
    "hmac 3333333333333333333333333333333333333333333333333333333333333333\n";

TEST(CallerCryptoTest, RoundTripBindsAad) {
  auto c = CallerCrypto::Parse(kKeys);
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string plain = "张三丰 13812345678 重庆市大足区龙岗街道";
  auto ct = c->Encrypt(plain, "tk-1");
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(ct->find("13812345678"), std::string::npos);
  EXPECT_EQ(CallerCrypto::KeyIdOf(*ct), "k2");
  auto back = c->Decrypt(*ct, "tk-1");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, plain);
  EXPECT_EQ(c->Decrypt(*ct, "tk-2").status().code(),
            absl::StatusCode::kDataLoss);
  // Fresh nonce each time.
  EXPECT_NE(*c->Encrypt(plain, "tk-1"), *ct);
}

TEST(CallerCryptoTest, DetectsTampering) {
  auto c = CallerCrypto::Parse(kKeys);
  auto ct = c->Encrypt("李四 13900001111", "tk-1");
  ASSERT_TRUE(ct.ok());
  for (size_t i = 4; i < ct->size(); i += 5) {
    std::string bad = *ct;
    bad[i] ^= 0x01;
    EXPECT_FALSE(c->Decrypt(bad, "tk-1").ok()) << "byte " << i;
  }
  EXPECT_EQ(c->Decrypt(ct->substr(0, 10), "tk-1").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(CallerCryptoTest, UnknownKeyIdAndRotation) {
  auto old_keys = CallerCrypto::Parse(
      "k1 2222222222222222222222222222222222222222222222222222222222222222\n"
      "hmac "
      "3333333333333333333333333333333333333333333333333333333333333333\n");
  ASSERT_TRUE(old_keys.ok());
  auto ct_old = old_keys->Encrypt("王五", "tk-9");
  ASSERT_TRUE(ct_old.ok());
  // After rotation (k2 active, k1 kept) the old ciphertext still decrypts and
  // new ones use k2.
  auto rotated = CallerCrypto::Parse(kKeys);
  EXPECT_EQ(*rotated->Decrypt(*ct_old, "tk-9"), "王五");
  EXPECT_EQ(CallerCrypto::KeyIdOf(*rotated->Encrypt("王五", "tk-9")), "k2");
  // A file without k1 cannot decrypt it: NOT_FOUND naming the key id.
  auto only_new = CallerCrypto::Parse(
      "k3 4444444444444444444444444444444444444444444444444444444444444444\n"
      "hmac "
      "3333333333333333333333333333333333333333333333333333333333333333\n");
  auto r = only_new->Decrypt(*ct_old, "tk-9");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(r.status().message()), ::testing::HasSubstr("k1"));
  // The phone hash does not depend on the encryption keys.
  EXPECT_EQ(old_keys->PhoneHash("13812345678"),
            only_new->PhoneHash("13812345678"));
  EXPECT_EQ(old_keys->PhoneHash("13812345678").size(), 64u);
  EXPECT_NE(old_keys->PhoneHash("13812345678"),
            old_keys->PhoneHash("13812345679"));
}

// Phone-hash keys with ids (issue 13): the first `hmac KEY_ID HEX64` line is
// active, the others still match; the older `hmac HEX64` form is key "hmac".
TEST(CallerCryptoTest, PhoneHashKeysHaveIdsAndRotate) {
  auto legacy = CallerCrypto::Parse(
      "k1 2222222222222222222222222222222222222222222222222222222222222222\n"
      "hmac "
      "3333333333333333333333333333333333333333333333333333333333333333\n");
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  EXPECT_EQ(legacy->active_hmac_id(), "hmac");
  auto rotated = CallerCrypto::Parse(
      "k2 5555555555555555555555555555555555555555555555555555555555555555\n"
      "k1 2222222222222222222222222222222222222222222222222222222222222222\n"
      "hmac h2 "
      "6666666666666666666666666666666666666666666666666666666666666666\n"
      "hmac "
      "3333333333333333333333333333333333333333333333333333333333333333\n");
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_EQ(rotated->active_key_id(), "k2");
  EXPECT_EQ(rotated->active_hmac_id(), "h2");
  const auto hashes = rotated->PhoneHashes("13812345678");
  ASSERT_EQ(hashes.size(), 2u);
  EXPECT_EQ(hashes[0], rotated->PhoneHash("13812345678"));
  EXPECT_EQ(hashes[1], legacy->PhoneHash("13812345678"));
  EXPECT_NE(hashes[0], hashes[1]);
  // Ids are unique among the hmac keys; a key never appears in an error.
  auto dup = CallerCrypto::Parse(
      "k1 2222222222222222222222222222222222222222222222222222222222222222\n"
      "hmac h1 "
      "3333333333333333333333333333333333333333333333333333333333333333\n"
      "hmac h1 "
      "4444444444444444444444444444444444444444444444444444444444444444\n");
  EXPECT_FALSE(dup.ok());
  EXPECT_EQ(std::string(dup.status().message()).find("4444"),
            std::string::npos);
  EXPECT_FALSE(CallerCrypto::Parse(
                   "k1 2222222222222222222222222222222222222222222222222222222"
                   "222222222\nhmac bad/id "
                   "3333333333333333333333333333333333333333333333333333333333"
                   "333333\n")
                   .ok());
}

// One row of a rotation: re-encrypted and re-keyed under the active keys,
// readable without the old ones; a row already there is left alone.
TEST(CallerCryptoTest, RekeyRowMovesARowToTheActiveKeys) {
  const std::string k1 =
      "k1 2222222222222222222222222222222222222222222222222222222222222222\n";
  const std::string h1 =
      "hmac 3333333333333333333333333333333333333333333333333333333333333333\n";
  const std::string k2 =
      "k2 5555555555555555555555555555555555555555555555555555555555555555\n";
  const std::string h2 =
      "hmac h2 "
      "6666666666666666666666666666666666666666666666666666666666666666\n";
  auto old_keys = CallerCrypto::Parse(k1 + h1);
  auto both = CallerCrypto::Parse(k2 + k1 + h2 + h1);
  auto new_keys = CallerCrypto::Parse(k2 + h2);
  ASSERT_TRUE(old_keys.ok() && both.ok() && new_keys.ok());
  v1::CallerIdentity c;
  c.set_name("王建国");
  c.set_phone("15923456789");
  CallerKeyRow row;
  row.row_id = 7;
  row.ticket_id = "tk-7";
  row.caller_ct = *old_keys->Encrypt(c.SerializeAsString(), "tk-7");
  row.caller_key_id = "k1";
  row.caller_hash = old_keys->PhoneHash("15923456789");
  row.caller_hash_key = "hmac";
  auto next = RekeyRow(*both, row);
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ((*next)->caller_key_id, "k2");
  EXPECT_EQ((*next)->caller_hash_key, "h2");
  EXPECT_EQ(CallerCrypto::KeyIdOf((*next)->caller_ct), "k2");
  EXPECT_EQ((*next)->caller_hash, new_keys->PhoneHash("15923456789"));
  auto plain = new_keys->Decrypt((*next)->caller_ct, "tk-7");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, c.SerializeAsString());
  auto again = RekeyRow(*both, **next);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  // A key the file lacks: NOT_FOUND naming the ticket, not the caller.
  auto missing = RekeyRow(*new_keys, row);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              ::testing::HasSubstr("tk-7"));
}

TEST(CallerCryptoTest, RejectsBadFiles) {
  EXPECT_FALSE(CallerCrypto::Parse("").ok());
  EXPECT_FALSE(CallerCrypto::Parse("k1 abcd\nhmac abcd\n").ok());
  EXPECT_FALSE(
      CallerCrypto::Parse(
          "k1 "
          "2222222222222222222222222222222222222222222222222222222222222222\n")
          .ok());
  EXPECT_FALSE(CallerCrypto::LoadFile("/nonexistent/keys").ok());
}

}  // namespace
}  // namespace hotline::intake
