#pragma once

// Storage of intake's orders, reveal audit and catalog (taxonomy, towns).
// Implemented over MySQL/MariaDB by MysqlIntakeStore. Caller identity
// reaches the store only as ciphertext and keyed hash.
//
// Thread-safe. Errors: UNAVAILABLE when the database is unreachable;
// NOT_FOUND for a missing order. Rules (merge preconditions, what an event
// means) are the domain's; the store reads and writes rows.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/intake.pb.h"
#include "services/intake/domain/places.h"
#include "services/intake/domain/repeats.h"

namespace hotline::db {
class Connection;
}

namespace hotline::intake {

// An order as stored: the Ticket without `caller` (and without masking),
// plus its ciphertext.
struct TicketRecord {
  int64_t row_id = 0;
  v1::Ticket ticket;
  std::string caller_ct;  // empty when anonymous
  // CreateTicketFingerprint of the request (no caller data); empty for
  // orders stored before fingerprints (schema/015–016).
  std::string request_hash;
};

struct NewTicket {
  std::string request_id;
  std::string request_hash;  // CreateTicketFingerprint; never caller data
  v1::Ticket ticket;         // complete (status RECEIVED or CLOSED_AT_INTAKE)
  std::string caller_ct;     // its key id is stored beside it
  // The key id of ticket.caller_hash (CallerCrypto::active_hmac_id).
  std::string caller_hash_key;
  absl::flat_hash_map<std::string, int> terms;
  std::vector<uint32_t> signature;      // MinHash of terms
  std::vector<v1::TicketEvent> events;  // appended to the outbox
};

struct CreateOutcome {
  TicketRecord record;
  bool replayed = false;
  std::vector<v1::RepeatCandidate> candidates;
};

// Who reads, for the unit-subtree restriction. A unit and its subtree come
// as explicit unit ids (Directory::SubtreeForQuery: the directory's tree, at
// most directory::kMaxQueryUnits); the store matches them as they are, never by
// prefix.
struct ReaderScope {
  // Whether the reader sees only orders that one of `units` held (a unit
  // role); false: no restriction.
  bool restricted = false;
  std::vector<std::string> units;  // restricted and empty: nothing
};

struct TicketFilter {
  std::vector<v1::TicketStatus> statuses;
  // Orders that one of these units held (a unit and its subtree, as
  // ReaderScope::units); empty: any.
  std::vector<std::string> holder_units;
  v1::RequestType request_type = v1::REQUEST_TYPE_UNSPECIFIED;
  std::string category_code;  // and descendants
  std::string town_code;
  v1::Channel channel = v1::CHANNEL_UNSPECIFIED;
  std::optional<absl::Time> from, to;  // received_at in [from, to)
  std::string number_prefix;
  // Any of these (one phone under each phone-hash key); empty: no filter.
  std::vector<std::string> caller_hashes;
  absl::flat_hash_map<std::string, int> terms;  // text search
  int offset = 0;
  int limit = 50;
};

struct RevealRecord {
  std::string request_id, request_hash;
  std::string ticket_id, ticket_number;
  auth::Principal who;
  v1::RevealPurpose purpose;
  std::string reason;
  absl::Time at;
};

struct AuditFilter {
  std::string ticket_id, principal_id, unit_id;
  std::optional<absl::Time> from, to;
  int offset = 0;
  int limit = 50;
};

// What the events of one inbox transaction write (IntakeStore::
// WriteEventEffects): each order's row as they leave it, ...
struct TicketEffect {
  std::string ticket_id;
  std::optional<v1::TicketStatus> status;     // unset: as stored
  std::optional<std::string> holder_unit_id;  // unset: as stored
  std::optional<absl::Time> handling_due;     // unset: as stored
  absl::Time updated_at;
};
// ... the caller-facing progress entries, in the order they happened, ...
struct ProgressEntry {
  std::string ticket_id;
  absl::Time at;
  v1::TicketStatus status = v1::TICKET_STATUS_UNSPECIFIED;
  std::string unit_id;
  std::string note;
};
// ... and the units that now hold an order (ticket_holder; a pair already
// stored stays as it is).
struct EventEffects {
  std::vector<TicketEffect> tickets;  // at most one per order
  std::vector<ProgressEntry> progress;
  std::vector<std::pair<std::string, std::string>> holders;  // ticket, unit
};

// What the application of an event needs of the stored order.
struct StoredStatus {
  v1::TicketStatus status = v1::TICKET_STATUS_UNSPECIFIED;
  std::string holder_unit_id;
};

// Intake's orders, catalog, reveal audit and the rows the core writes inside
// its transactions. Thread-safe; owns nothing it is given.
class IntakeStore {
 public:
  virtual ~IntakeStore() = default;

  // The matter taxonomy (the places come from the directory's copy).
  virtual absl::StatusOr<Catalog> LoadCatalog() = 0;
  // A fresh serial for ticket numbers of local day `day` (YYYYMMDD); unique
  // across replicas, gaps allowed.
  virtual absl::StatusOr<int64_t> NextSerial(const std::string& day) = 0;
  // Stores the order and its events in one transaction and suggests
  // repeats. A request_id seen before returns that order, replayed = true
  // (the caller compares request_hash).
  virtual absl::StatusOr<CreateOutcome> CreateTicket(const NewTicket& t,
                                                     const RepeatQuery& q) = 0;
  virtual absl::StatusOr<std::vector<v1::RepeatCandidate>> FindRepeats(
      const RepeatQuery& q) = 0;
  // By ticket_id or ticket_number (one of them non-empty), with progress,
  // repeats, and the units that held it.
  virtual absl::StatusOr<TicketRecord> GetTicket(
      const std::string& ticket_id, const std::string& ticket_number,
      std::vector<std::string>* held_units) = 0;
  virtual absl::StatusOr<std::vector<TicketRecord>> ListTickets(
      const TicketFilter& f, const ReaderScope& scope) = 0;
  // Writes the audit row (or finds the row of request_id). Returns the
  // stored record's audit id and hash.
  virtual absl::StatusOr<std::pair<std::string, std::string>> RecordReveal(
      const RevealRecord& r) = 0;
  virtual absl::StatusOr<std::vector<v1::RevealAuditEntry>> ListRevealAudit(
      const AuditFilter& f) = 0;
  // ---- within the caller's transaction (`conn`, owned by IntakeCore): the
  // merge and the application of other services' events. Errors: UNAVAILABLE
  // or ABORTED from the database (the caller's transaction is retried).

  // The order by ticket id, its row locked until the transaction ends;
  // nullopt when absent.
  virtual absl::StatusOr<std::optional<TicketRecord>> LockTicket(
      db::Connection& conn, const std::string& ticket_id) = 0;
  // The status and holder (no document, no caller) of those of
  // `ticket_ids` that are stored, their rows locked until the transaction
  // ends, in one round trip per up to 128 orders.
  virtual absl::StatusOr<std::map<std::string, StoredStatus>> LockStatuses(
      db::Connection& conn, const std::vector<std::string>& ticket_ids) = 0;
  // How many orders are merged into `ticket_id`.
  virtual absl::StatusOr<int64_t> CountMergedInto(
      db::Connection& conn, const std::string& ticket_id) = 0;
  // Writes a merge (merged_into non-empty) or an unmerge (empty): the
  // order's status and merged_into, holder cleared, and the progress note.
  virtual absl::Status WriteMerge(db::Connection& conn,
                                  const std::string& ticket_id,
                                  v1::TicketStatus status,
                                  const std::string& merged_into,
                                  const std::string& note, absl::Time now) = 0;
  // The official names of those of `unit_ids` that intake's stored copy of
  // the directory names (common/directory's directory_unit), in one round
  // trip per up to 128 units.
  virtual absl::StatusOr<std::map<std::string, std::string>> UnitNames(
      db::Connection& conn, const std::vector<std::string>& unit_ids) = 0;
  // Writes what a run of events does to the orders (EventEffects): the
  // orders' rows in one statement, the progress entries and the holders in
  // one multi-row insert each (per up to 128 rows).
  virtual absl::Status WriteEventEffects(db::Connection& conn,
                                         const EventEffects& effects) = 0;
};

}  // namespace hotline::intake
