#include "services/intake/domain/similarity.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "services/intake/domain/text_rules.h"

namespace hotline::intake {

absl::flat_hash_map<std::string, int> Terms(absl::string_view text) {
  absl::flat_hash_map<std::string, int> terms;
  std::vector<std::string> run;  // current CJK run
  std::string word;              // current ASCII word
  auto flush_run = [&] {
    if (run.size() == 1) ++terms[run[0]];
    for (size_t i = 0; i + 1 < run.size(); ++i) ++terms[run[i] + run[i + 1]];
    run.clear();
  };
  auto flush_word = [&] {
    if (word.size() >= 2 && word.size() <= 32) ++terms[word];
    word.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp;
    size_t n = DecodeUtf8(text, i, &cp);
    if (n == 0) {
      ++i;
      continue;
    }
    if (IsCjk(cp)) {
      flush_word();
      run.emplace_back(text.substr(i, n));
    } else if (cp < 0x80 &&
               absl::ascii_isalnum(static_cast<unsigned char>(cp))) {
      flush_run();
      word.push_back(absl::ascii_tolower(static_cast<unsigned char>(cp)));
    } else {
      flush_run();
      flush_word();
    }
    i += n;
  }
  flush_run();
  flush_word();
  return terms;
}

double Jaccard(const absl::flat_hash_map<std::string, int>& a,
               const absl::flat_hash_map<std::string, int>& b) {
  if (a.empty() && b.empty()) return 0;
  size_t inter = 0;
  for (const auto& [t, n] : a) inter += b.contains(t) ? 1 : 0;
  return static_cast<double>(inter) /
         static_cast<double>(a.size() + b.size() - inter);
}

namespace {

uint64_t Fnv1a(absl::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

uint64_t SplitMix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

std::vector<uint32_t> MinHash(
    const absl::flat_hash_map<std::string, int>& terms) {
  std::vector<uint32_t> sig;
  if (terms.empty()) return sig;
  sig.assign(kMinHashes, UINT32_MAX);
  for (const auto& [term, n] : terms) {
    const uint64_t base = Fnv1a(term);
    for (int i = 0; i < kMinHashes; ++i) {
      const auto h = static_cast<uint32_t>(
          SplitMix(base ^ (0x5851F42D4C957F2DULL * (i + 1))) >> 32);
      if (h < sig[i]) sig[i] = h;
    }
  }
  return sig;
}

std::vector<std::string> LshBands(const std::vector<uint32_t>& sig) {
  std::vector<std::string> bands;
  if (sig.size() != kMinHashes) return bands;
  constexpr int kRows = kMinHashes / kBands;
  for (int b = 0; b < kBands; ++b) {
    uint64_t h = static_cast<uint64_t>(b);
    for (int r = 0; r < kRows; ++r) h = SplitMix(h ^ sig[b * kRows + r]);
    bands.push_back(absl::StrFormat("#b%x%011x", b, h & 0xFFFFFFFFFFFULL));
  }
  return bands;
}

double EstimatedJaccard(const std::vector<uint32_t>& a,
                        const std::vector<uint32_t>& b) {
  if (a.size() != b.size() || a.empty()) return 0;
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i] ? 1 : 0;
  return static_cast<double>(same) / static_cast<double>(a.size());
}

std::string EncodeSignature(const std::vector<uint32_t>& sig) {
  std::string out;
  for (uint32_t v : sig) {
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<char>(v >> (8 * k)));
  }
  return out;
}

std::vector<uint32_t> DecodeSignature(absl::string_view bytes) {
  std::vector<uint32_t> sig;
  for (size_t i = 0; i + 4 <= bytes.size(); i += 4) {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + k]))
           << (8 * k);
    }
    sig.push_back(v);
  }
  return sig;
}

}  // namespace hotline::intake
