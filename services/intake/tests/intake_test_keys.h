#pragma once

// The caller-key file intake's integration tests start the service with: a
// gtest environment that writes it once per test binary and points
// HOTLINE_CALLER_KEY_FILE at it. Register it with
//   const auto* const kEnv = ::testing::AddGlobalTestEnvironment(
//       new hotline::intake::KeyFileEnvironment);

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace hotline::intake {

class KeyFileEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    char path[] = "/tmp/hotline-intake-keys-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = path;
    std::ofstream out(path_);
    out << "# test keys\n"
        << "k2026a "
           "5b1f0c3e9a7d4b2c8e6f0a1b3c5d7e9f2a4c6e8b0d1f3a5c7e9b1d3f5a7c9e1b\n"
        << "hmac "
           "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0\n";
    out.close();
    setenv("HOTLINE_CALLER_KEY_FILE", path_.c_str(), 1);
  }
  void TearDown() override { std::remove(path_.c_str()); }

 private:
  std::string path_;
};

}  // namespace hotline::intake
