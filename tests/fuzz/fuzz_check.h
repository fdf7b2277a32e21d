#pragma once

// FUZZ_CHECK(cond) << ...: a property every input must keep. A violation
// prints the message and aborts, which libFuzzer reports as a crash and
// keeps the input (tests/fuzz/README.md).

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace hotline::fuzz {

class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* cond) {
    out_ << file << ":" << line << ": property violated: " << cond << ": ";
  }
  [[noreturn]] ~CheckFailure() {
    std::cerr << out_.str() << std::endl;
    std::abort();
  }
  template <typename T>
  CheckFailure& operator<<(const T& v) {
    out_ << v;
    return *this;
  }

 private:
  std::ostringstream out_;
};

}  // namespace hotline::fuzz

#define FUZZ_CHECK(cond) \
  if (cond) {            \
  } else                 \
    ::hotline::fuzz::CheckFailure(__FILE__, __LINE__, #cond)
