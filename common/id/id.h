#pragma once

// Server-assigned ids of every service: a kind prefix and random lowercase
// hex digits, e.g. "tk-3f9a0c1d2e4b5a6978877665" (a work order) or
// "rule-0a1b2c3d4e5f6071" (a catalogue rule). The formats are visible to
// clients and stored, so each kind keeps its length: the random part is
// `random_bytes` bytes (2 hex digits each) from OpenSSL's CSPRNG, so ids can
// be neither guessed from one another nor collide in practice (96 bits for
// orders and articles, 64 for the rest). Ids are not ordered: nothing may
// sort by them to mean "older first".
//
// Thread-safe.

#include <string>

#include "absl/strings/string_view.h"

namespace hotline::id {

// Random bytes of the ids of work orders and knowledge articles (tk-, kb-).
inline constexpr int kLongIdBytes = 12;
// Random bytes of the other kinds (dsp-, rpl-, rule-, eval-).
inline constexpr int kShortIdBytes = 8;

// `prefix` followed by 2 * `random_bytes` lowercase hex digits
// (1 <= random_bytes <= 32).
std::string NewId(absl::string_view prefix, int random_bytes);

}  // namespace hotline::id
