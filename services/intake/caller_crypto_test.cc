#include "services/intake/caller_crypto.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

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
