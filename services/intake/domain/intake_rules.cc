#include "services/intake/domain/intake_rules.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"

namespace hotline::intake {
namespace {

const absl::TimeZone& Cst() {
  static const absl::TimeZone* const kTz =
      new absl::TimeZone(absl::FixedTimeZone(8 * 3600));
  return *kTz;
}

// Decodes one code point at s[i]; returns its length or 0 when invalid.
size_t DecodeUtf8(absl::string_view s, size_t i, uint32_t* cp) {
  const auto c0 = static_cast<unsigned char>(s[i]);
  if (c0 < 0x80) {
    *cp = c0;
    return 1;
  }
  size_t n;
  uint32_t v;
  if ((c0 & 0xE0) == 0xC0) {
    n = 2;
    v = c0 & 0x1F;
  } else if ((c0 & 0xF0) == 0xE0) {
    n = 3;
    v = c0 & 0x0F;
  } else if ((c0 & 0xF8) == 0xF0) {
    n = 4;
    v = c0 & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    v = (v << 6) | (c & 0x3F);
  }
  if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) ||
      (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
      (v >= 0xD800 && v <= 0xDFFF)) {
    return 0;
  }
  *cp = v;
  return n;
}

bool IsCjk(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF);
}

std::vector<std::string> CodePoints(absl::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) n = 1;
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

absl::Status CheckText(absl::string_view field, absl::string_view value,
                       const TextRule& rule) {
  if (!IsValidUtf8(value)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": invalid UTF-8"));
  }
  if (rule.max_bytes > 0 && value.size() > rule.max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": longer than ",
                                                   rule.max_bytes, " bytes (",
                                                   value.size(), ")"));
  }
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      if (rule.multi_line && (c == '\n' || c == '\t' || c == '\r')) continue;
      return absl::InvalidArgumentError(
          absl::StrCat(field, rule.multi_line ? ": control character"
                                              : ": must be a single line"));
    }
  }
  if (rule.required && absl::StripAsciiWhitespace(value).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  }
  return absl::OkStatus();
}

absl::Status CheckId(absl::string_view field, absl::string_view value,
                     bool required) {
  if (value.empty()) {
    return required
               ? absl::InvalidArgumentError(absl::StrCat(field, ": required"))
               : absl::OkStatus();
  }
  if (value.size() > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": longer than 64 characters"));
  }
  for (char c : value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != ':' && c != '-') {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": only [A-Za-z0-9._:-] allowed"));
    }
  }
  return absl::OkStatus();
}

bool IsCode(absl::string_view value, size_t max_len) {
  if (value.empty() || value.size() > max_len) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (i == 0 ? !alnum : !(alnum || c == '.' || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

std::optional<std::string> NormalizePhone(absl::string_view phone) {
  std::string s;
  for (char c : phone) {
    if (c == ' ' || c == '-') continue;
    s.push_back(c);
  }
  if (absl::StartsWith(s, "+86")) s = s.substr(3);
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  if (s[0] == '1') {
    if (s.size() == 11 && s[1] >= '3' && s[1] <= '9') return s;
    return std::nullopt;
  }
  if (s[0] == '0' && s.size() >= 10 && s.size() <= 12) return s;
  return std::nullopt;
}

bool IsValidIdNumber(absl::string_view id) {
  if (id.size() != 18) return false;
  static const int kWeights[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                   3, 7, 9,  10, 5, 8, 4, 2};
  static const char kCheck[11] = {'1', '0', 'X', '9', '8', '7',
                                  '6', '5', '4', '3', '2'};
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(id[i]))) return false;
    sum += (id[i] - '0') * kWeights[i];
  }
  char last = id[17] == 'x' ? 'X' : id[17];
  return kCheck[sum % 11] == last;
}

bool IsAnonymous(const v1::CallerIdentity& c) {
  return absl::StripAsciiWhitespace(c.name()).empty() && c.phone().empty() &&
         c.id_number().empty() &&
         absl::StripAsciiWhitespace(c.address()).empty();
}

absl::Status CheckCaller(const v1::CallerIdentity& c) {
  RETURN_IF_ERROR(CheckText("caller.name", c.name(), {false, 64, false}));
  if (!c.phone().empty() && !NormalizePhone(c.phone()).has_value()) {
    return absl::InvalidArgumentError("caller.phone: not a phone number");
  }
  if (!c.id_number().empty() && !IsValidIdNumber(c.id_number())) {
    return absl::InvalidArgumentError(
        "caller.id_number: not a valid resident ID number");
  }
  RETURN_IF_ERROR(
      CheckText("caller.address", c.address(), {false, 256, false}));
  return absl::OkStatus();
}

std::string MaskName(absl::string_view name) {
  std::vector<std::string> cps = CodePoints(absl::StripAsciiWhitespace(name));
  if (cps.empty()) return "";
  std::string out = cps[0];
  for (size_t i = 1; i < cps.size(); ++i) out.push_back('*');
  if (cps.size() == 1) out.push_back('*');
  return out;
}

std::string MaskPhone(absl::string_view phone) {
  if (phone.size() < 7) return std::string(phone.size(), '*');
  return absl::StrCat(phone.substr(0, 3), std::string(phone.size() - 7, '*'),
                      phone.substr(phone.size() - 4));
}

std::string MaskIdNumber(absl::string_view id) {
  if (id.size() < 6) return std::string(id.size(), '*');
  return absl::StrCat(id.substr(0, 4), std::string(id.size() - 6, '*'),
                      id.substr(id.size() - 2));
}

std::string MaskAddress(absl::string_view address) {
  address = absl::StripAsciiWhitespace(address);
  if (address.empty()) return "";
  size_t best = absl::string_view::npos;
  for (absl::string_view suffix : {"街道", "镇", "乡"}) {
    size_t p = address.find(suffix);
    if (p != absl::string_view::npos) {
      size_t end = p + suffix.size();
      if (best == absl::string_view::npos || end < best) best = end;
    }
  }
  if (best == absl::string_view::npos || best == address.size()) {
    // No town in it (or nothing after it): keep at most the first 3 chars.
    std::vector<std::string> cps = CodePoints(address);
    std::string out;
    for (size_t i = 0; i < cps.size() && i < 3 && i + 1 < cps.size(); ++i) {
      out += cps[i];
    }
    return absl::StrCat(out, "****");
  }
  return absl::StrCat(address.substr(0, best), "****");
}

v1::MaskedCaller Mask(const v1::CallerIdentity& c) {
  v1::MaskedCaller m;
  if (IsAnonymous(c)) {
    m.set_anonymous(true);
    return m;
  }
  m.set_name(MaskName(c.name()));
  if (!c.phone().empty()) {
    m.set_phone(MaskPhone(NormalizePhone(c.phone()).value_or(c.phone())));
  }
  m.set_id_number(MaskIdNumber(c.id_number()));
  m.set_address(MaskAddress(c.address()));
  return m;
}

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

std::string LocalDayCompact(absl::Time t) {
  return absl::FormatTime("%Y%m%d", t, Cst());
}
std::string LocalDay(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d", t, Cst());
}

std::string TicketNumber(absl::string_view day_compact, int64_t n) {
  return absl::StrFormat("DZ%s-%06d", day_compact, n);
}

bool IsTicketNumberPrefix(absl::string_view s) {
  if (s.size() < 10 || !absl::StartsWith(s, "DZ")) return false;
  for (size_t i = 2; i < 10; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  if (s.size() == 10) return true;
  if (s[10] != '-') return false;
  for (size_t i = 11; i < s.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return s.size() <= 32;
}

absl::StatusOr<absl::Time> ParseLocalDate(absl::string_view field,
                                          absl::string_view date) {
  absl::CivilDay day;
  if (date.size() != 10 || !absl::ParseCivilTime(date, &day) ||
      day.year() < 2000 || day.year() > 2099) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not a date YYYY-MM-DD (2000–2099)"));
  }
  return absl::FromCivil(day, Cst());
}

const char* StatusName(v1::TicketStatus s) {
  switch (s) {
    case v1::TICKET_STATUS_RECEIVED:
      return "RECEIVED";
    case v1::TICKET_STATUS_CLOSED_AT_INTAKE:
      return "CLOSED_AT_INTAKE";
    case v1::TICKET_STATUS_DISPATCHED:
      return "DISPATCHED";
    case v1::TICKET_STATUS_ACCEPTED:
      return "ACCEPTED";
    case v1::TICKET_STATUS_FORWARDED:
      return "FORWARDED";
    case v1::TICKET_STATUS_RETURNED:
      return "RETURNED";
    case v1::TICKET_STATUS_DISPUTED:
      return "DISPUTED";
    case v1::TICKET_STATUS_REPLIED:
      return "REPLIED";
    case v1::TICKET_STATUS_REHANDLING:
      return "REHANDLING";
    case v1::TICKET_STATUS_AWAITING_EVALUATION:
      return "AWAITING_EVALUATION";
    case v1::TICKET_STATUS_EVALUATED:
      return "EVALUATED";
    case v1::TICKET_STATUS_CLOSED:
      return "CLOSED";
    case v1::TICKET_STATUS_MERGED:
      return "MERGED";
    default:
      return "UNSPECIFIED";
  }
}

bool IsClosed(v1::TicketStatus s) {
  return s == v1::TICKET_STATUS_CLOSED ||
         s == v1::TICKET_STATUS_CLOSED_AT_INTAKE;
}

absl::Status CheckReportReveal(const v1::Ticket& t,
                               const auth::Principal& who) {
  if (t.request_type() != v1::REQUEST_TYPE_REPORT) return absl::OkStatus();
  if (!who.Is(auth::Role::kCenterStaff)) {
    return absl::PermissionDeniedError(absl::StrCat(
        t.ticket_number(),
        " is a report (举报): only center staff may reveal its caller"));
  }
  if (IsClosed(t.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat(t.ticket_number(), " is ", StatusName(t.status()),
                     ": a closed report's caller is no longer revealed"));
  }
  return absl::OkStatus();
}

bool IsUnitRole(const auth::Principal& who) {
  return who.Is(auth::Role::kUnitStaff) || who.Is(auth::Role::kUnitLead);
}

absl::Status CheckReveal(const v1::Ticket& t, bool has_caller,
                         const auth::Principal& who,
                         v1::RevealPurpose purpose) {
  RETURN_IF_ERROR(CheckReportReveal(t, who));  // whistle-blowers
  if (who.Is(auth::Role::kEvaluator)) {
    if (purpose != v1::REVEAL_PURPOSE_EVALUATION) {
      return absl::PermissionDeniedError(
          "EVALUATOR may reveal only for purpose EVALUATION");
    }
    if (t.status() != v1::TICKET_STATUS_AWAITING_EVALUATION &&
        t.status() != v1::TICKET_STATUS_EVALUATED) {
      return absl::FailedPreconditionError(
          absl::StrCat(t.ticket_number(), " is ", StatusName(t.status()),
                       ": no approved reply to evaluate yet"));
    }
  }
  if (IsUnitRole(who)) {
    if (t.confidential() || t.request_type() == v1::REQUEST_TYPE_REPORT) {
      return absl::PermissionDeniedError(
          absl::StrCat(t.ticket_number(),
                       " is confidential: its caller is never shown to units"));
    }
    if (purpose != v1::REVEAL_PURPOSE_REPLY) {
      return absl::PermissionDeniedError(
          "units may reveal only for purpose REPLY");
    }
    if (!InSubtree(t.holder_unit_id(), who.unit_id)) {
      return absl::PermissionDeniedError(absl::StrCat(
          t.ticket_number(), " is held by ",
          t.holder_unit_id().empty() ? "the center" : t.holder_unit_id(),
          ", not ", who.unit_id));
    }
  }
  if (t.caller().anonymous() || !has_caller) {
    return absl::FailedPreconditionError(
        absl::StrCat(t.ticket_number(), ": the caller is anonymous"));
  }
  return absl::OkStatus();
}

std::string CreateTicketFingerprint(const v1::CreateTicketRequest& request) {
  v1::CreateTicketRequest without = request;
  without.clear_caller();
  std::string bytes = "CreateTicket";
  bytes.push_back('\0');
  {
    google::protobuf::io::StringOutputStream sos(&bytes);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    without.SerializeToCodedStream(&cos);
  }
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         md);
  return std::string(reinterpret_cast<const char*>(md), SHA256_DIGEST_LENGTH);
}

v1::CallerIdentity StoredCaller(const v1::CallerIdentity& caller) {
  v1::CallerIdentity c = caller;
  if (!c.phone().empty()) {
    c.set_phone(NormalizePhone(c.phone()).value_or(c.phone()));
  }
  if (!c.id_number().empty() && c.id_number().back() == 'x') {
    c.mutable_id_number()->back() = 'X';
  }
  return c;
}

bool SameCaller(const v1::CallerIdentity& a, const v1::CallerIdentity& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

bool RequestMatchesOrder(const v1::CreateTicketRequest& r,
                         const v1::Ticket& t) {
  using google::protobuf::util::MessageDifferencer;
  const v1::Urgency urgency =
      r.urgency() == v1::URGENCY_UNSPECIFIED ? v1::URGENCY_NORMAL : r.urgency();
  if (r.channel() != t.channel() || r.request_type() != t.request_type() ||
      r.category_code() != t.category_code() || urgency != t.urgency() ||
      r.title() != t.title() || r.content() != t.content() ||
      !MessageDifferencer::Equals(r.location(), t.location()) ||
      r.has_limit() != t.has_limit() ||
      (r.has_limit() && !MessageDifferencer::Equals(r.limit(), t.limit())) ||
      (r.confidential() || r.request_type() == v1::REQUEST_TYPE_REPORT) !=
          t.confidential() ||
      (r.has_received_at() &&
       !MessageDifferencer::Equals(r.received_at(), t.received_at()))) {
    return false;
  }
  if (r.has_close_at_intake() !=
      (t.status() == v1::TICKET_STATUS_CLOSED_AT_INTAKE ||
       !t.intake_answer().empty())) {
    return false;
  }
  if (!r.has_close_at_intake()) return true;
  const auto& c = r.close_at_intake();
  if (c.answer() != t.intake_answer() ||
      c.article_ids_size() != t.cited_article_ids_size()) {
    return false;
  }
  for (int i = 0; i < c.article_ids_size(); ++i) {
    if (c.article_ids(i) != t.cited_article_ids(i)) return false;
  }
  return true;
}

bool InUnitTree(const Places& places, absl::string_view unit,
                absl::string_view scope) {
  if (InSubtree(unit, scope)) return true;
  std::string at(unit);
  for (size_t hops = 0; hops <= places.communities.size(); ++hops) {
    auto parent = places.parents.find(at);
    if (parent == places.parents.end() || parent->second.empty()) {
      // Stored before parents were kept: the town/street stands for it.
      auto town = places.communities.find(at);
      if (town == places.communities.end()) return false;
      return InSubtree(town->second, scope);
    }
    at = parent->second;
    if (InSubtree(at, scope)) return true;
  }
  return false;
}

std::vector<std::string> PlacesBelowOffPrefix(const Places& places,
                                              absl::string_view scope) {
  std::vector<std::string> out;
  auto consider = [&](const std::string& unit) {
    if (!InSubtree(unit, scope) && InUnitTree(places, unit, scope)) {
      out.push_back(unit);
    }
  };
  for (const auto& [town, name] : places.towns) consider(town);
  for (const auto& [community, town] : places.communities) consider(community);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool InSubtree(absl::string_view unit, absl::string_view scope) {
  if (scope.empty() || unit.empty()) return false;
  return unit == scope ||
         (unit.size() > scope.size() && absl::StartsWith(unit, scope) &&
          unit[scope.size()] == '.');
}

namespace {

// The clocks whose due is the caller's "handled by" date: the handling
// clock, the lead unit's on a multi-unit order, re-handling after a
// rejected review.
bool IsHandlingDue(v1::ClockKind kind) {
  return kind == v1::CLOCK_KIND_HANDLING || kind == v1::CLOCK_KIND_LEAD_UNIT ||
         kind == v1::CLOCK_KIND_REHANDLING;
}

}  // namespace

std::string NamedUnitOf(const v1::TicketEvent& e) {
  switch (e.payload_case()) {
    case v1::TicketEvent::kDispatched:
      return e.dispatched().unit_id();
    case v1::TicketEvent::kRedispatched:
      return e.redispatched().dispatch().unit_id();
    case v1::TicketEvent::kAccepted:
      return e.accepted().unit_id();
    case v1::TicketEvent::kForwarded:
      return e.forwarded().to_unit_id();
    default:
      return "";
  }
}

std::optional<ProgressUpdate> ProgressFromEvent(const v1::TicketEvent& e,
                                                v1::TicketStatus current,
                                                const UnitNamer& name_of) {
  auto name = [&](const std::string& unit_id) -> std::string {
    std::string n = name_of ? name_of(unit_id) : "";
    return n.empty() ? "承办单位" : n;
  };
  ProgressUpdate u;
  using v1::TicketEvent;
  switch (e.payload_case()) {
    case TicketEvent::kDispatched:
      u.status = v1::TICKET_STATUS_DISPATCHED;
      u.holder = e.dispatched().unit_id();
      u.held_units.push_back(e.dispatched().unit_id());
      for (const auto& co : e.dispatched().co_unit_ids())
        u.held_units.push_back(co);
      u.unit_id = e.dispatched().unit_id();
      u.note = absl::StrCat("已交办至", name(e.dispatched().unit_id()));
      break;
    case TicketEvent::kRedispatched:
      u.status = v1::TICKET_STATUS_DISPATCHED;
      u.holder = e.redispatched().dispatch().unit_id();
      u.held_units.push_back(e.redispatched().dispatch().unit_id());
      u.unit_id = e.redispatched().dispatch().unit_id();
      u.note =
          absl::StrCat("已改派至", name(e.redispatched().dispatch().unit_id()));
      break;
    case TicketEvent::kAccepted:
      u.held_units.push_back(e.accepted().unit_id());
      u.unit_id = e.accepted().unit_id();
      if (e.accepted().as_co_unit()) {
        // A co-unit acknowledging its part: the holder and the status stay
        // as routing keeps them.
        u.note = absl::StrCat(name(e.accepted().unit_id()), "已签收（协办）");
        break;
      }
      u.status = v1::TICKET_STATUS_ACCEPTED;
      u.holder = e.accepted().unit_id();
      u.note = absl::StrCat(name(e.accepted().unit_id()), "已签收，正在办理");
      break;
    case TicketEvent::kForwarded:
      u.status = v1::TICKET_STATUS_FORWARDED;
      u.holder = e.forwarded().to_unit_id();
      u.held_units.push_back(e.forwarded().to_unit_id());
      u.unit_id = e.forwarded().to_unit_id();
      u.note = absl::StrCat("已流转至", name(e.forwarded().to_unit_id()));
      break;
    case TicketEvent::kReturned:
      u.status = v1::TICKET_STATUS_RETURNED;
      u.holder = e.returned().reached_center() ? "" : e.returned().to_unit_id();
      u.unit_id = e.returned().from_unit_id();
      u.note = e.returned().reached_center() ? "已退回中心，等待重新派单"
                                             : "已退回上一级单位";
      break;
    case TicketEvent::kDisputeRaised:
      u.status = v1::TICKET_STATUS_DISPUTED;
      u.unit_id = e.dispute_raised().unit_id();
      u.note = "承办单位提出派单异议，中心审核中";
      break;
    case TicketEvent::kDisputeDecided:
      if (e.dispute_decided().outcome() ==
          v1::DISPUTE_OUTCOME_DISPUTE_GRANTED) {
        u.status = v1::TICKET_STATUS_RETURNED;
        u.holder = "";
        u.note = "派单异议成立，等待重新派单";
      } else {
        // As routing: the unit must handle it (ACCEPTED).
        u.status = v1::TICKET_STATUS_ACCEPTED;
        u.holder = e.dispute_decided().unit_id();
        u.note = "派单异议未成立，原单位继续办理";
      }
      u.unit_id = e.dispute_decided().unit_id();
      break;
    case TicketEvent::kReplied:
      u.status = v1::TICKET_STATUS_REPLIED;
      u.unit_id = e.replied().unit_id();
      u.note = absl::StrCat("办理答复：", e.replied().text());
      break;
    case TicketEvent::kReviewed:
      u.status = e.reviewed().approved() ? v1::TICKET_STATUS_AWAITING_EVALUATION
                                         : v1::TICKET_STATUS_REHANDLING;
      u.unit_id = e.reviewed().unit_id();
      u.note = e.reviewed().approved() ? "答复已审核通过，等待回访"
                                       : "答复未通过审核，承办单位重新办理";
      break;
    case TicketEvent::kEvaluationRecorded:
      u.status = v1::TICKET_STATUS_EVALUATED;
      u.unit_id = e.evaluation_recorded().unit_id();
      u.note = e.evaluation_recorded().reached() ? "已完成回访评价"
                                                 : "回访未能联系到来电人";
      break;
    case TicketEvent::kClosed:
      u.status = v1::TICKET_STATUS_CLOSED;
      u.holder = "";
      u.unit_id = e.closed().handling_unit_id();
      u.note = "工单已办结";
      break;
    case TicketEvent::kClockStarted:
      if (!IsHandlingDue(e.clock_started().kind())) return std::nullopt;
      u.handling_due = FromProto(e.clock_started().due());
      break;
    case TicketEvent::kClockMoved:
      if (!IsHandlingDue(e.clock_moved().kind())) return std::nullopt;
      u.handling_due = FromProto(e.clock_moved().due());
      break;
    case TicketEvent::kExtensionDecided: {
      const auto& x = e.extension_decided();
      u.unit_id = x.unit_id();
      if (x.approved()) {
        u.note = absl::StrCat("延期申请已批准，新的办理期限：",
                              x.approved_due_date());
        if (x.has_new_due()) u.handling_due = FromProto(x.new_due());
      } else {
        u.note = "延期申请未获批准，按原期限办理";
      }
      break;
    }
    case TicketEvent::kExtensionRequested:
      u.unit_id = e.extension_requested().unit_id();
      u.note = e.extension_requested().progress_note().empty()
                   ? "承办单位申请延期"
                   : absl::StrCat("阶段性进展：",
                                  e.extension_requested().progress_note());
      break;
    default:
      return std::nullopt;
  }
  if (current == v1::TICKET_STATUS_MERGED ||
      current == v1::TICKET_STATUS_CLOSED_AT_INTAKE) {
    // A merged order follows its original; its own routing events (e.g. the
    // Closed that withdraws it) do not change what the caller sees.
    u.status.reset();
    u.holder.reset();
  }
  return u;
}

}  // namespace hotline::intake

namespace hotline::intake {

Places PlacesFromUnits(const std::vector<v1::Unit>& units) {
  absl::flat_hash_map<std::string, const v1::Unit*> by_id;
  for (const v1::Unit& u : units) by_id[u.unit_id()] = &u;
  Places p;
  for (const v1::Unit& u : units) {
    if (!u.name().empty()) p.names[u.unit_id()] = u.name();
    if (!u.active()) continue;
    if (u.kind() == v1::UNIT_KIND_TOWN_STREET) {
      p.towns[u.unit_id()] = u.name();
    } else if (u.kind() == v1::UNIT_KIND_VILLAGE_COMMUNITY) {
      // Up through communities to the town/street (bounded: no cycles).
      const v1::Unit* at = &u;
      for (size_t hops = 0;
           at != nullptr && at->kind() == v1::UNIT_KIND_VILLAGE_COMMUNITY &&
           hops <= units.size();
           ++hops) {
        auto parent = by_id.find(at->parent_unit_id());
        at = parent == by_id.end() ? nullptr : parent->second;
      }
      if (at != nullptr && at->kind() == v1::UNIT_KIND_TOWN_STREET &&
          at->active()) {
        p.communities[u.unit_id()] = at->unit_id();
        p.parents[u.unit_id()] = u.parent_unit_id();
      }
    }
  }
  return p;
}

bool KnowsPlaces(const Catalog& catalog, const v1::Location& loc) {
  const Places& p = catalog.places;
  return (loc.town_code().empty() || p.towns.contains(loc.town_code())) &&
         (loc.community_code().empty() || p.communities.empty() ||
          p.communities.contains(loc.community_code()));
}

bool Catalog::HasCategory(const std::string& code) const {
  for (const auto& c : categories) {
    if (c.code() == code) return true;
  }
  return false;
}

absl::Status ValidateCreateTicket(const v1::CreateTicketRequest& req,
                                  const Catalog& catalog, absl::Time now) {
  RETURN_IF_ERROR(CheckId("request_id", req.request_id()));
  if (req.channel() == v1::CHANNEL_UNSPECIFIED) {
    return absl::InvalidArgumentError("channel: required");
  }
  if (!v1::Channel_IsValid(req.channel())) {
    return absl::InvalidArgumentError("channel: not a Channel value");
  }
  if (req.request_type() == v1::REQUEST_TYPE_UNSPECIFIED) {
    return absl::InvalidArgumentError("request_type: required");
  }
  if (!v1::RequestType_IsValid(req.request_type())) {
    return absl::InvalidArgumentError("request_type: not a RequestType value");
  }
  if (req.category_code().empty()) {
    return absl::InvalidArgumentError("category_code: required");
  }
  if (!IsCode(req.category_code(), 64) ||
      !catalog.HasCategory(req.category_code())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "category_code: unknown category ", IsValidUtf8(req.category_code())
                                                ? req.category_code()
                                                : "(invalid UTF-8)"));
  }
  if (!v1::Urgency_IsValid(req.urgency())) {
    return absl::InvalidArgumentError("urgency: not an Urgency value");
  }
  const v1::Location& loc = req.location();
  const Places& places = catalog.places;
  if (!loc.town_code().empty() && !places.towns.contains(loc.town_code())) {
    return absl::InvalidArgumentError(
        "location.town_code: not a town/street of the directory");
  }
  if (!loc.community_code().empty()) {
    if (loc.town_code().empty()) {
      return absl::InvalidArgumentError(
          "location.community_code: requires location.town_code");
    }
    if (!IsCode(loc.community_code(), 32) ||
        loc.community_code() == loc.town_code()) {
      return absl::InvalidArgumentError(
          "location.community_code: not a village/community unit id");
    }
    if (!places.communities.empty()) {
      auto it = places.communities.find(loc.community_code());
      if (it == places.communities.end()) {
        return absl::InvalidArgumentError(
            "location.community_code: not a village/community of the "
            "directory");
      }
      if (it->second != loc.town_code()) {
        return absl::InvalidArgumentError(
            absl::StrCat("location.community_code: lies in ", it->second,
                         ", not in ", loc.town_code()));
      }
    }
  }
  RETURN_IF_ERROR(
      CheckText("location.address", loc.address(), {false, 256, false}));
  RETURN_IF_ERROR(CheckText("title", req.title(), {true, 200, false}));
  RETURN_IF_ERROR(CheckText("content", req.content(), {true, 8192, true}));
  RETURN_IF_ERROR(CheckCaller(req.caller()));
  if (req.has_limit()) {
    const v1::HandlingLimit& l = req.limit();
    switch (l.limit_case()) {
      case v1::HandlingLimit::kWorkingDays:
        if (l.working_days() < 1 || l.working_days() > 3650) {
          return absl::InvalidArgumentError(
              "limit.working_days: must be 1–3650");
        }
        break;
      case v1::HandlingLimit::kDueDate: {
        ASSIGN_OR_RETURN(absl::Time due,
                         ParseLocalDate("limit.due_date", l.due_date()));
        if (l.due_date() < LocalDay(now) && due < now) {
          return absl::InvalidArgumentError(
              "limit.due_date: before the date of the request");
        }
        break;
      }
      default:
        return absl::InvalidArgumentError(
            "limit: working_days or due_date required");
    }
    RETURN_IF_ERROR(
        CheckText("limit.legal_basis", l.legal_basis(), {false, 512, false}));
  }
  if (req.has_received_at()) {
    ASSIGN_OR_RETURN(absl::Time at,
                     ParseTimestampField("received_at", req.received_at()));
    if (at > now) {
      return absl::InvalidArgumentError("received_at: in the future");
    }
    if (at < now - absl::Hours(24 * 30)) {
      return absl::InvalidArgumentError("received_at: more than 30 days ago");
    }
  }
  if (req.has_close_at_intake()) {
    const v1::CloseAtIntake& c = req.close_at_intake();
    if (req.request_type() != v1::REQUEST_TYPE_CONSULTATION) {
      return absl::InvalidArgumentError(
          "close_at_intake: only a CONSULTATION can be closed at intake");
    }
    if (c.article_ids_size() < 1 || c.article_ids_size() > 10) {
      return absl::InvalidArgumentError(
          "close_at_intake.article_ids: 1–10 articles required");
    }
    for (int i = 0; i < c.article_ids_size(); ++i) {
      RETURN_IF_ERROR(
          CheckId(absl::StrCat("close_at_intake.article_ids[", i, "]"),
                  c.article_ids(i)));
    }
    RETURN_IF_ERROR(
        CheckText("close_at_intake.answer", c.answer(), {true, 8192, true}));
  }
  return absl::OkStatus();
}

}  // namespace hotline::intake
