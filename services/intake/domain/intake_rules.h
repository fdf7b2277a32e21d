#pragma once

// Intake's domain rules, free of gRPC and SQL: field rules of the contract
// (common.proto), phone and ID-number checks, masking of caller data, the
// character-bigram text model used for repeat detection and search, the
// ticket number, and how other services' events move an order's status.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/intake.pb.h"
#include "hotline/v1/routing.pb.h"

namespace hotline::intake {

// The places of the district a location may name: towns/streets (镇街) and
// the villages/communities (村社区) below them, as routing's directory has
// them (unit ids). Before intake has read the directory, only the towns it
// was installed with are known and communities are checked for form only.
struct Places {
  absl::flat_hash_map<std::string, std::string> towns;        // code → name
  absl::flat_hash_map<std::string, std::string> communities;  // → town code
  // Village/community → the unit directly above it (its town/street or
  // another village/community); may lack communities stored before it was
  // kept (their town then stands for it).
  absl::flat_hash_map<std::string, std::string> parents;
  // Every unit of the directory (any kind, active or not) → its official
  // name, for the caller-facing progress.
  absl::flat_hash_map<std::string, std::string> names;
  bool operator==(const Places& o) const {
    return towns == o.towns && communities == o.communities &&
           parents == o.parents && names == o.names;
  }
};

// True when `unit` is `scope` or below it: InSubtree by id, or up the
// directory's places (a village/community lies below its parents and its
// town/street). Bounded: a cycle in the data ends the walk.
bool InUnitTree(const Places& places, absl::string_view unit,
                absl::string_view scope);

// The places InUnitTree puts below `scope` although their ids do not start
// with it (comm.longshui.nanshan lies below town.longshui by the directory,
// not by its id), sorted: what a query by id prefix must add to reach the
// whole subtree.
std::vector<std::string> PlacesBelowOffPrefix(const Places& places,
                                              absl::string_view scope);

// The active towns/streets and villages/communities among `units` (any
// order, other kinds ignored); a community under another community is
// resolved to the town/street above them. `names` has every unit.
Places PlacesFromUnits(const std::vector<v1::Unit>& units);

// The matter taxonomy and the places, loaded from intake's tables.
struct Catalog {
  std::vector<v1::MatterCategory> categories;  // parents before children
  std::string version;
  Places places;
  bool HasCategory(const std::string& code) const;
};

// The catalog in use, replaced as a whole when the directory changes;
// readers keep the snapshot they took. Thread-safe.
class CatalogHolder {
 public:
  std::shared_ptr<const Catalog> Get() const {
    absl::MutexLock lock(&mu_);
    return catalog_;
  }
  void Set(Catalog catalog) {
    auto next = std::make_shared<const Catalog>(std::move(catalog));
    absl::MutexLock lock(&mu_);
    catalog_ = std::move(next);
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const Catalog> catalog_ ABSL_GUARDED_BY(mu_) =
      std::make_shared<const Catalog>();
};

// Whether the catalog knows the town and community `loc` names (empty codes
// are known); false means the directory may have grown since it was read.
bool KnowsPlaces(const Catalog& catalog, const v1::Location& loc);

// Field-by-field validation of CreateTicket (everything but the articles
// cited by close_at_intake, which need the knowledge base). `now` bounds
// received_at. INVALID_ARGUMENT naming the field.
absl::Status ValidateCreateTicket(const v1::CreateTicketRequest& req,
                                  const Catalog& catalog, absl::Time now);

// ---- text rules (common.proto FIELD RULES)

// Valid UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(absl::string_view s);

struct TextRule {
  bool required = false;
  size_t max_bytes = 0;     // 0: no limit
  bool multi_line = false;  // allows \n and \t
};
// INVALID_ARGUMENT "<field>: ..." unless `value` obeys `rule`.
absl::Status CheckText(absl::string_view field, absl::string_view value,
                       const TextRule& rule);
// request_id / server id rule: 1–64 chars of [A-Za-z0-9._:-].
absl::Status CheckId(absl::string_view field, absl::string_view value,
                     bool required = true);
// unit_id / category_code rule: lower-case [a-z0-9][a-z0-9._-]*, 1..max.
bool IsCode(absl::string_view value, size_t max_len);

// ---- caller identity

// Mainland phone after removing spaces and dashes and a "+86" prefix:
// mobile 1[3-9]\d{9} or landline 0\d{9,11}. nullopt if not a phone number.
std::optional<std::string> NormalizePhone(absl::string_view phone);
// 18 chars, 17 digits + check digit (0-9/X) under ISO 7064 MOD 11-2.
bool IsValidIdNumber(absl::string_view id);
// Validates the caller; INVALID_ARGUMENT naming caller.<field>.
absl::Status CheckCaller(const v1::CallerIdentity& caller);
bool IsAnonymous(const v1::CallerIdentity& caller);

std::string MaskName(absl::string_view name);    // 张三丰 → 张**
std::string MaskPhone(absl::string_view phone);  // 138****5678
std::string MaskIdNumber(absl::string_view id);  // 5002************1X
// Keeps text up to the first town-level suffix (街道/镇/乡), then "****".
std::string MaskAddress(absl::string_view address);
v1::MaskedCaller Mask(const v1::CallerIdentity& caller);

// Whistle-blowers [10(5)]: the caller of a REPORT (举报) may be revealed
// only by CENTER_STAFF (an evaluator's callback goes through the center;
// units never see it), and only while the order is open. PERMISSION_DENIED
// for any other role, FAILED_PRECONDITION once the order is CLOSED or
// CLOSED_AT_INTAKE; OK for other request types (their rules are the
// caller's). The reason and the audit are RevealCaller's, as for any order.
absl::Status CheckReportReveal(const v1::Ticket& ticket,
                               const auth::Principal& who);

// Whether `who` is a unit's staff or lead (the roles that see only what
// their unit and its sub-units held).
bool IsUnitRole(const auth::Principal& who);

// Who may reveal the caller of `t`, for what purpose (DESIGN.md §6; article
// 2, 10(5)(6)): the report rule (CheckReportReveal); an EVALUATOR only for
// EVALUATION once a reply is approved; a unit only for REPLY, only while it
// (or a sub-unit) holds the order and never on confidential orders or
// reports. `has_caller` false (anonymous order): FAILED_PRECONDITION.
// PERMISSION_DENIED / FAILED_PRECONDITION naming the order otherwise.
absl::Status CheckReveal(const v1::Ticket& t, bool has_caller,
                         const auth::Principal& who, v1::RevealPurpose purpose);

// The CreateTicket fingerprint stored for idempotency (ticket.request_hash):
// SHA-256 of the deterministic serialization of the request WITHOUT its
// caller, so that no digest of caller data is stored (issue 13). A retry's
// caller is compared separately (SameCaller), from the ciphertext.
std::string CreateTicketFingerprint(const v1::CreateTicketRequest& request);
// The caller as stored (phone normalised, ID check letter upper-case).
v1::CallerIdentity StoredCaller(const v1::CallerIdentity& caller);
// Whether two stored callers (StoredCaller) are the same person's record.
bool SameCaller(const v1::CallerIdentity& a, const v1::CallerIdentity& b);
// For orders stored before fingerprints (request_hash NULL): whether
// `request` asks for what `stored` (the stored order, without caller)
// records: type, channel, category, urgency, place, title, content, limit,
// confidentiality, received time when given, closing at intake.
bool RequestMatchesOrder(const v1::CreateTicketRequest& request,
                         const v1::Ticket& stored);

// ---- text model

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

// ---- numbers and dates

// Local (CST) date of `t` as YYYYMMDD and as YYYY-MM-DD.
std::string LocalDayCompact(absl::Time t);
std::string LocalDay(absl::Time t);
// "DZ" + YYYYMMDD + "-" + at least 6 digits.
std::string TicketNumber(absl::string_view day_compact, int64_t n);
bool IsTicketNumberPrefix(absl::string_view s);  // "DZ"+8 digits[+...]
// Parses a local date "YYYY-MM-DD" (2000–2099): the instant 00:00 CST.
absl::StatusOr<absl::Time> ParseLocalDate(absl::string_view field,
                                          absl::string_view date);

// ---- status from events

// What an event of routing, deadline or assessment means for the caller's
// view of an order. `status` unset means the status does not change.
struct ProgressUpdate {
  std::optional<v1::TicketStatus> status;
  std::optional<std::string> holder;  // new holder ("" = center)
  std::optional<absl::Time> handling_due;
  std::vector<std::string> held_units;  // units that now hold/held it
  std::string note;                     // caller-facing; "" = no entry
  std::string unit_id;                  // unit of the progress entry
};
// The unit a caller-facing note of `event` names (dispatch, re-dispatch,
// accept, forward); "" for other events.
std::string NamedUnitOf(const v1::TicketEvent& event);

// The official name of a unit of the directory; "" when unknown.
using UnitNamer = std::function<std::string(const std::string& unit_id)>;

// nullopt for events that do not concern the caller's view. A MERGED order
// keeps its status (it follows its original). Notes name units by
// `name_of` (the caller never sees a unit id); a unit without a known name
// is "承办单位".
std::optional<ProgressUpdate> ProgressFromEvent(
    const v1::TicketEvent& event, v1::TicketStatus current,
    const UnitNamer& name_of = nullptr);

const char* StatusName(v1::TicketStatus status);  // "RECEIVED", ...
bool IsClosed(v1::TicketStatus status);           // CLOSED, CLOSED_AT_INTAKE

// ---- visibility

// True when `unit` is `scope` or below it in the unit tree (dot-separated
// unit ids: "town.longshui.x" is below "town.longshui").
bool InSubtree(absl::string_view unit, absl::string_view scope);

}  // namespace hotline::intake
