#pragma once

// Intake's core: the one owner of intake's transactions and of the order of
// work inside each (DESIGN.md §4, §6). It takes requests the edge has
// checked for form (edge/intake_service.cc), loads through the store, asks
// the domain (domain/*.h) what the request means, writes rows and the outbox
// event through the store, and renders orders for the caller who asked.
// It knows no gRPC.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/auth.h"
#include "common/db/connection.h"
#include "common/directory/directory_follower.h"
#include "common/outbox/outbox.h"
#include "common/server/mysql_request_log.h"
#include "google/protobuf/message.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/intake.pb.h"
#include "services/intake/core/known_tickets.h"
#include "services/intake/domain/acceptance.h"
#include "services/intake/domain/caller_crypto.h"
#include "services/intake/domain/caller_privacy.h"
#include "services/intake/domain/places.h"
#include "services/intake/domain/progress.h"
#include "services/intake/domain/similarity.h"
#include "services/intake/domain/ticket_numbers.h"
#include "services/intake/store/intake_store.h"
#include "services/intake/store/knowledge_store.h"

namespace hotline::intake {

// SHA-256 (raw 32 bytes) of `rpc` + the deterministic serialization of
// `request`: the fingerprint reveal_audit binds a reveal's request id to
// (kept as it is: the audit rows hold it). The request log of the other
// calls uses server::RequestHash (common/server/idempotency.h). Thread-safe.
std::string RequestHash(absl::string_view rpc,
                        const google::protobuf::Message& request);

// Intake's settings (intake_service.h names their flags).
struct IntakeSettings {
  int repeat_window_days = 30;
  double repeat_similarity = 0.5;
  absl::Duration directory_refresh = absl::Minutes(5);
  absl::Duration directory_min_gap = absl::Seconds(10);
};

// The work of IntakeService and of intake's EventSink. Thread-safe (every
// call is its own transaction, or runs inside the caller's). Owns nothing:
// everything it is given must outlive it; `directory` keeps `catalog`'s
// places (IntakeComponent), is asked again for a place or unit the catalog
// lacks, and its snapshot is the unit tree every subtree rule reads.
class IntakeCore {
 public:
  IntakeCore(db::ConnectionPool* pool, const outbox::Outbox* outbox,
             const CallerCrypto* crypto, IntakeStore* store, KnowledgeStore* kb,
             const CatalogHolder* catalog,
             directory::DirectoryFollower* directory, IntakeSettings settings)
      : pool_(pool),
        outbox_(outbox),
        crypto_(crypto),
        store_(store),
        kb_(kb),
        catalog_(catalog),
        directory_(directory),
        settings_(settings) {}

  // Accepts a work order: validates it against the catalog (reading the
  // directory again first when it names an unknown place) and, for closing
  // at intake, the cited articles; builds the order (number, encrypted
  // caller, keyed phone hash, terms) and its TicketCreated (and
  // TicketClosedAtIntake) event; stores both in one transaction with the
  // repeat suggestions. Idempotent on request_id: a retry of the same
  // request gets the stored order back (replayed); ALREADY_EXISTS when the
  // id was used for a different request. INVALID_ARGUMENT naming the field;
  // UNAVAILABLE from the database.
  absl::StatusOr<CreateOutcome> CreateTicket(const v1::CreateTicketRequest& req,
                                             const auth::Principal& who,
                                             absl::Time now);

  // The order by id or number, as stored; PERMISSION_DENIED for a unit
  // role when neither its unit nor a unit below it (the directory's tree)
  // ever held the order; NOT_FOUND when absent.
  absl::StatusOr<TicketRecord> GetTicket(const std::string& ticket_id,
                                         const std::string& ticket_number,
                                         const auth::Principal& who);

  // Orders matching `f` that `who` may see (a unit role: what its subtree
  // held), `f.limit` + 1 at most (the extra row says there is a next page);
  // `holder_unit_id` non-empty: only orders it or a unit below it held.
  // Subtrees are the directory's tree (SubtreeForQuery over the follower's
  // snapshot), never id prefixes. PERMISSION_DENIED when a unit role names a
  // holder outside its subtree; FAILED_PRECONDITION when a subtree has more
  // than directory::kMaxQueryUnits units.
  absl::StatusOr<std::vector<TicketRecord>> ListTickets(
      TicketFilter f, const std::string& holder_unit_id,
      const auth::Principal& who);

  // Reveals the caller of `ticket_id` to `who` for `purpose` after writing
  // the audit row (CheckReveal decides who may). Idempotent on request_id
  // (`request_hash` binds it; ALREADY_EXISTS for another request). Returns
  // the caller and the audit id. PERMISSION_DENIED / FAILED_PRECONDITION
  // from CheckReveal (nothing audited); NOT_FOUND; DATA_LOSS when the
  // ciphertext does not decrypt or parse.
  absl::StatusOr<std::pair<v1::CallerIdentity, std::string>> RevealCaller(
      const std::string& request_id, const std::string& request_hash,
      const std::string& ticket_id, v1::RevealPurpose purpose,
      const std::string& reason, const auth::Principal& who, absl::Time now);

  absl::StatusOr<std::vector<v1::RevealAuditEntry>> ListRevealAudit(
      const AuditFilter& f) {
    return store_->ListRevealAudit(f);
  }

  // Merges `ticket_id` into `original_ticket_id` (non-empty), or undoes its
  // merge (empty), in one transaction with its event (DecideMerge /
  // DecideUnmerge). Idempotent on request_id over the shared request log
  // (`request_hash`: server::RequestHash of the request): a retry returns
  // the order as it is now; ALREADY_EXISTS when the id answered another
  // request.
  // NOT_FOUND naming the missing order; FAILED_PRECONDITION from the
  // domain's rules.
  absl::StatusOr<TicketRecord> Merge(const std::string& request_id,
                                     const std::string& request_hash,
                                     const std::string& ticket_id,
                                     const std::string& original_ticket_id,
                                     const std::string& reason,
                                     const v1::Actor& actor, absl::Time now);

  // The inbox's EventBatch (outbox.h): applies other services' events to
  // the orders (ProgressFromEvent) inside the inbox's transaction, as one
  // event-by-event application would, with the reads and writes folded:
  // Begin reads (and locks) the status and holder of every order whose
  // events need them, or that intake has not seen stored yet, in one
  // statement, and the names of the units the progress notes name in
  // another; each event then works on the batch's copy of its order; Finish
  // writes every changed order row, the progress entries (in event order)
  // and the holders in one statement each (IntakeStore::WriteEventEffects).
  // Nothing in the batch reads those rows back. Intake's own events are
  // ignored. NOT_FOUND when intake does not know the order.
  std::unique_ptr<outbox::EventBatch> NewEventBatch();

  // The order as `who` may see it (DESIGN.md §6): the caller masked, or
  // withheld from units on confidential orders and reports; caller_hash
  // only for call agents, center staff and auditors. DATA_LOSS when the
  // caller's ciphertext does not decrypt or parse.
  absl::StatusOr<v1::Ticket> Render(const TicketRecord& rec,
                                    const auth::Principal& who) const;

  // The phone's hashes under every phone-hash key of the key file, the
  // active key's first (to find orders not yet re-keyed by a rotation).
  std::vector<std::string> PhoneHashes(const std::string& phone) const {
    return crypto_->PhoneHashes(phone);
  }

  // The catalog snapshot in use.
  std::shared_ptr<const Catalog> catalog() const { return catalog_->Get(); }

 private:
  friend class IntakeEventBatch;
  // Whether a retry of a stored order's request id is the same request.
  bool SameRequest(const TicketRecord& rec,
                   const v1::CreateTicketRequest& req) const;
  // INVALID_ARGUMENT naming close_at_intake.article_ids[i] unless every
  // cited article exists, is published and is valid today.
  absl::Status CheckCitable(const v1::CloseAtIntake& c, absl::Time now);

  db::ConnectionPool* pool_;
  // Merge's request log: the shared one (idempotency_log).
  server::MysqlRequestLog request_log_;
  const outbox::Outbox* outbox_;
  const CallerCrypto* crypto_;
  IntakeStore* store_;
  KnowledgeStore* kb_;
  const CatalogHolder* catalog_;
  directory::DirectoryFollower* directory_;
  IntakeSettings settings_;
  // Orders seen stored: the event batch's existence check without a read.
  KnownTickets known_;
};

}  // namespace hotline::intake
