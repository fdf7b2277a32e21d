#pragma once

// The text model of repeat detection and search (DESIGN.md §4, repeats),
// free of gRPC and SQL: character-bigram terms, Jaccard similarity, MinHash
// signatures and their LSH bands.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace hotline::intake {

// Search terms of `text`: character bigrams of runs of CJK characters (a lone
// CJK character is a term of its own), and lower-cased ASCII words/numbers
// of length ≥ 2. Term frequencies.
absl::flat_hash_map<std::string, int> Terms(absl::string_view text);
// Jaccard similarity of two term sets.
double Jaccard(const absl::flat_hash_map<std::string, int>& a,
               const absl::flat_hash_map<std::string, int>& b);

// MinHash signature of a term set (kMinHashes values; stable across
// processes and versions: FNV-1a + splitmix64), and its locality-sensitive
// bands: kBands keys of kMinHashes / kBands values each, as index terms
// "#b<band><hex>" (never produced by Terms()). Two sets share at least one
// band with probability 1 - (1 - J^3)^16 (J = Jaccard): ≈ 0.88 at 0.5,
// ≈ 0.02 at 0.1.
inline constexpr int kMinHashes = 48;
inline constexpr int kBands = 16;
std::vector<uint32_t> MinHash(
    const absl::flat_hash_map<std::string, int>& terms);
std::vector<std::string> LshBands(const std::vector<uint32_t>& signature);
// Share of equal positions: an estimate of the Jaccard similarity.
double EstimatedJaccard(const std::vector<uint32_t>& a,
                        const std::vector<uint32_t>& b);
std::string EncodeSignature(const std::vector<uint32_t>& signature);
std::vector<uint32_t> DecodeSignature(absl::string_view bytes);

}  // namespace hotline::intake
