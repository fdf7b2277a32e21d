#pragma once

// The whole content of a file, for tests (binary-safe); empty when it cannot
// be read — the test's own assertions on the content say what was missing.

#include <fstream>
#include <sstream>
#include <string>

namespace hotline::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace hotline::testing
