#include "services/intake/core/intake_core.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/id/id.h"
#include "common/log/log.h"
#include "common/server/actor.h"
#include "common/server/idempotency.h"
#include "common/server/proto_digest.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/intake/domain/merge.h"

namespace hotline::intake {

std::string RequestHash(absl::string_view rpc,
                        const google::protobuf::Message& request) {
  std::string bytes(rpc);
  bytes.push_back('\0');
  server::AppendDeterministic(request, &bytes);
  return server::Sha256(bytes);
}

namespace {

// The order's TicketCreated event (and TicketClosedAtIntake when it is
// closed at intake).
std::vector<v1::TicketEvent> CreatedEvents(const v1::Ticket& t,
                                           const v1::CreateTicketRequest& req,
                                           const v1::Actor& actor,
                                           absl::Time now) {
  v1::TicketEvent created;
  created.set_ticket_id(t.ticket_id());
  created.set_ticket_number(t.ticket_number());
  *created.mutable_occurred_at() = ToProto(now);
  *created.mutable_actor() = actor;
  v1::TicketCreated* p = created.mutable_ticket_created();
  p->set_channel(t.channel());
  p->set_request_type(t.request_type());
  p->set_category_code(t.category_code());
  p->set_urgency(t.urgency());
  *p->mutable_location() = t.location();
  p->set_title(t.title());
  p->set_content(t.content());
  *p->mutable_received_at() = t.received_at();
  if (t.has_limit()) *p->mutable_limit() = t.limit();
  p->set_confidential(t.confidential());
  p->set_caller_hash(t.caller_hash());
  p->set_anonymous(t.caller().anonymous());
  p->set_closed_at_intake(req.has_close_at_intake());
  std::vector<v1::TicketEvent> events = {created};
  if (req.has_close_at_intake()) {
    v1::TicketEvent closed = created;
    closed.clear_ticket_created();
    for (const auto& id : req.close_at_intake().article_ids()) {
      closed.mutable_ticket_closed_at_intake()->add_article_ids(id);
    }
    events.push_back(closed);
  }
  return events;
}

}  // namespace

absl::StatusOr<CreateOutcome> IntakeCore::CreateTicket(
    const v1::CreateTicketRequest& req, const auth::Principal& who,
    absl::Time now) {
  std::shared_ptr<const Catalog> catalog = catalog_->Get();
  if (!KnowsPlaces(*catalog, req.location())) {
    // Read again even when this call did not refresh: a concurrent one it
    // waited for may have.
    directory_->RefreshForUnknownUnit();
    catalog = catalog_->Get();
  }
  RETURN_IF_ERROR(ValidateCreateTicket(req, *catalog, now));
  if (req.has_close_at_intake()) {
    RETURN_IF_ERROR(CheckCitable(req.close_at_intake(), now));
  }
  NewTicket nt;
  nt.request_id = req.request_id();
  nt.request_hash = CreateTicketFingerprint(req);
  v1::Ticket& t = nt.ticket;
  t.set_ticket_id(id::NewId("tk-", id::kLongIdBytes));
  const std::string day = LocalDayCompact(now);
  ASSIGN_OR_RETURN(int64_t serial, store_->NextSerial(day));
  t.set_ticket_number(TicketNumber(day, serial));
  t.set_channel(req.channel());
  t.set_request_type(req.request_type());
  t.set_category_code(req.category_code());
  t.set_urgency(req.urgency() == v1::URGENCY_UNSPECIFIED ? v1::URGENCY_NORMAL
                                                         : req.urgency());
  *t.mutable_location() = req.location();
  t.set_title(req.title());
  t.set_content(req.content());
  if (req.has_limit()) *t.mutable_limit() = req.limit();
  t.set_confidential(req.confidential() ||
                     req.request_type() == v1::REQUEST_TYPE_REPORT);
  const bool anonymous = IsAnonymous(req.caller());
  t.mutable_caller()->set_anonymous(anonymous);
  std::vector<std::string> other_hashes;  // under older hash keys
  if (!anonymous) {
    v1::CallerIdentity c = req.caller();
    if (!c.phone().empty()) {
      const std::string phone = *NormalizePhone(c.phone());
      c.set_phone(phone);
      other_hashes = crypto_->PhoneHashes(phone);
      t.set_caller_hash(other_hashes.front());
      other_hashes.erase(other_hashes.begin());
      nt.caller_hash_key = crypto_->active_hmac_id();
    }
    if (!c.id_number().empty() && c.id_number().back() == 'x') {
      c.mutable_id_number()->back() = 'X';
    }
    ASSIGN_OR_RETURN(nt.caller_ct,
                     crypto_->Encrypt(c.SerializeAsString(), t.ticket_id()));
  }
  t.set_status(req.has_close_at_intake() ? v1::TICKET_STATUS_CLOSED_AT_INTAKE
                                         : v1::TICKET_STATUS_RECEIVED);
  *t.mutable_received_at() =
      req.has_received_at() ? req.received_at() : ToProto(now);
  *t.mutable_created_at() = ToProto(now);
  *t.mutable_updated_at() = ToProto(now);
  *t.mutable_created_by() = server::ActorOf(who);
  if (req.has_close_at_intake()) {
    for (const auto& id : req.close_at_intake().article_ids()) {
      t.add_cited_article_ids(id);
    }
    t.set_intake_answer(req.close_at_intake().answer());
  }
  nt.terms = Terms(absl::StrCat(req.title(), "\n", req.content()));
  nt.signature = MinHash(nt.terms);
  nt.events = CreatedEvents(t, req, server::ActorOf(who), now);

  RepeatQuery q;
  q.caller_hash = t.caller_hash();
  q.other_caller_hashes = std::move(other_hashes);
  q.town_code = t.location().town_code();
  q.signature = nt.signature;
  q.since = now - absl::Hours(24) * settings_.repeat_window_days;
  q.threshold = settings_.repeat_similarity;
  q.exclude_ticket_id = t.ticket_id();
  // One transaction, shared with concurrent calls (the store's group
  // commit): the order, its terms and its events, or the stored order of a
  // request id seen before.
  ASSIGN_OR_RETURN(CreateOutcome out, store_->CreateTicket(nt, q));
  if (out.replayed && !SameRequest(out.record, req)) {
    return absl::AlreadyExistsError(
        absl::StrCat(server::RequestIdReused(req.request_id()).message(),
                     " (order ", out.record.ticket.ticket_number(), ")"));
  }
  // Committed: the order is stored for good (orders are never deleted).
  known_.Add(out.record.ticket.ticket_id());
  if (!out.replayed) {
    log::Info("ticket.created",
              {{"ticket_id", t.ticket_id()},
               {"ticket_number", t.ticket_number()},
               {"category", t.category_code()},
               {"candidates", absl::StrCat(out.candidates.size())}});
  }
  return out;
}

absl::StatusOr<TicketRecord> IntakeCore::GetTicket(
    const std::string& ticket_id, const std::string& ticket_number,
    const auth::Principal& who) {
  std::vector<std::string> held;
  ASSIGN_OR_RETURN(TicketRecord rec,
                   store_->GetTicket(ticket_id, ticket_number, &held));
  if (who.IsUnitRole()) {
    auto visible_in = [&](const directory::Directory& tree) {
      for (const auto& u : held) {
        if (tree.InSubtree(u, who.unit_id)) return true;
      }
      return false;
    };
    bool visible = visible_in(*directory_->Snapshot());
    if (!visible) {  // unless a unit routing added since is the link
      std::vector<std::string> named = held;
      named.push_back(who.unit_id);
      visible = visible_in(*directory_->SnapshotKnowing(named));
    }
    if (!visible) {
      return absl::PermissionDeniedError(
          absl::StrCat(rec.ticket.ticket_number(), " was never held by ",
                       who.unit_id, " or its sub-units"));
    }
  }
  return rec;
}

absl::StatusOr<std::vector<TicketRecord>> IntakeCore::ListTickets(
    TicketFilter f, const std::string& holder_unit_id,
    const auth::Principal& who) {
  // One snapshot for both subtrees (the holder's lies inside the reader's),
  // read again first when it lacks a unit the call names.
  const std::shared_ptr<const directory::Directory> tree =
      directory_->SnapshotKnowing(
          {who.IsUnitRole() ? who.unit_id : std::string(), holder_unit_id});
  // A subtree too large to name, as the field that named it.
  auto subtree_of =
      [&](const std::string& unit,
          absl::string_view field) -> absl::StatusOr<std::vector<std::string>> {
    absl::StatusOr<std::vector<std::string>> units =
        tree->SubtreeForQuery(unit);
    if (!units.ok()) {
      return absl::Status(units.status().code(),
                          absl::StrCat(field, ": ", units.status().message()));
    }
    return units;
  };
  if (!holder_unit_id.empty()) {
    if (who.IsUnitRole() && !tree->InSubtree(holder_unit_id, who.unit_id)) {
      return absl::PermissionDeniedError(
          absl::StrCat("holder_unit_id: ", holder_unit_id, " is outside ",
                       who.unit_id, "'s subtree"));
    }
    ASSIGN_OR_RETURN(f.holder_units,
                     subtree_of(holder_unit_id, "holder_unit_id"));
  }
  ReaderScope scope;
  if (who.IsUnitRole()) {
    scope.restricted = true;
    ASSIGN_OR_RETURN(scope.units, subtree_of(who.unit_id, "unit"));
  }
  return store_->ListTickets(f, scope);
}

absl::StatusOr<std::pair<v1::CallerIdentity, std::string>>
IntakeCore::RevealCaller(const std::string& request_id,
                         const std::string& request_hash,
                         const std::string& ticket_id,
                         v1::RevealPurpose purpose, const std::string& reason,
                         const auth::Principal& who, absl::Time now) {
  std::vector<std::string> held;
  ASSIGN_OR_RETURN(TicketRecord rec, store_->GetTicket(ticket_id, "", &held));
  const v1::Ticket& t = rec.ticket;
  RETURN_IF_ERROR(CheckReveal(t, !rec.caller_ct.empty(), who, purpose,
                              *directory_->Snapshot()));
  RevealRecord r;
  r.request_id = request_id;
  r.request_hash = request_hash;
  r.ticket_id = t.ticket_id();
  r.ticket_number = t.ticket_number();
  r.who = who;
  r.purpose = purpose;
  r.reason = reason;
  r.at = now;
  ASSIGN_OR_RETURN(auto audit, store_->RecordReveal(r));
  if (audit.second != r.request_hash) {
    return server::RequestIdReused(request_id);
  }
  ASSIGN_OR_RETURN(std::string plain,
                   crypto_->Decrypt(rec.caller_ct, t.ticket_id()));
  v1::CallerIdentity caller;
  if (!caller.ParseFromString(plain)) {
    return absl::DataLossError("caller identity: cannot be parsed");
  }
  log::Info("caller.revealed", {{"ticket_id", t.ticket_id()},
                                {"audit_id", audit.first},
                                {"principal", who.id}});
  return std::make_pair(std::move(caller), audit.first);
}

absl::StatusOr<TicketRecord> IntakeCore::Merge(
    const std::string& request_id, const std::string& request_hash,
    const std::string& ticket_id, const std::string& original_ticket_id,
    const std::string& reason, const v1::Actor& actor, absl::Time now) {
  const bool merge = !original_ticket_id.empty();
  const server::RequestKey key{
      request_id, merge ? "MergeTicket" : "UnmergeTicket", request_hash};
  // The answer kept in the shared request log is the order's id: a replay
  // answers with the order as it is now, as a first call does.
  std::string done_id;
  auto run = [&](db::Connection& conn) -> absl::StatusOr<std::string> {
    // A merge locks both orders in id order, as an inbox batch locks its
    // orders (fewer deadlocks to retry).
    std::optional<TicketRecord> rep, orig;
    if (merge && original_ticket_id < ticket_id) {
      ASSIGN_OR_RETURN(orig, store_->LockTicket(conn, original_ticket_id));
    }
    ASSIGN_OR_RETURN(rep, store_->LockTicket(conn, ticket_id));
    if (merge && !(original_ticket_id < ticket_id)) {
      ASSIGN_OR_RETURN(orig, store_->LockTicket(conn, original_ticket_id));
    }
    if (!rep) {
      return absl::NotFoundError(
          absl::StrCat("ticket ", ticket_id, " not found"));
    }
    MergeChange change;
    if (merge) {
      if (!orig) {
        return absl::NotFoundError(absl::StrCat(
            "original_ticket_id: ticket ", original_ticket_id, " not found"));
      }
      ASSIGN_OR_RETURN(int64_t repeats,
                       store_->CountMergedInto(conn, rep->ticket.ticket_id()));
      ASSIGN_OR_RETURN(change, DecideMerge(rep->ticket, orig->ticket, repeats,
                                           reason, actor, now));
    } else {
      ASSIGN_OR_RETURN(change, DecideUnmerge(rep->ticket, reason, actor, now));
    }
    RETURN_IF_ERROR(store_->WriteMerge(conn, rep->ticket.ticket_id(),
                                       change.status, change.merged_into,
                                       change.note, now));
    RETURN_IF_ERROR(outbox_->Append(conn, &change.event));
    done_id = rep->ticket.ticket_id();
    return done_id;
  };
  // Who may merge is the caller's role alone (checked by the edge), the
  // same for every order: nothing about the orders to check first.
  RETURN_IF_ERROR(server::RunIdempotent(
      *pool_, request_log_, key,
      [](db::Connection&) { return absl::OkStatus(); }, run,
      [&](db::Connection&, const std::string& answer) {
        done_id = answer;
        return absl::OkStatus();
      }));
  return store_->GetTicket(done_id, "", nullptr);
}

// One inbox transaction's events (IntakeCore::NewEventBatch). The batch's
// orders (status and holder as its events leave them), the names its notes
// use and what it writes are held here until Finish. Used by one thread for
// one transaction attempt.
class IntakeEventBatch final : public outbox::EventBatch {
 public:
  explicit IntakeEventBatch(IntakeCore* core) : core_(core) {}

  absl::Status Begin(
      db::Connection& conn,
      const std::vector<const v1::TicketEvent*>& events) override {
    std::vector<std::string> read, units;
    // Structure only: the notes' text waits for the names.
    const UnitNamer collect = [&](const std::string& unit_id) {
      units.push_back(unit_id);
      return std::string();
    };
    for (const v1::TicketEvent* e : events) {
      if (e->producer() == "intake") continue;
      // A unit the caller's progress is to name but intake has no name for
      // (e.g. the directory was loaded since intake last read it): read the
      // directory first (at most once per min_gap).
      const std::string unit = NamedUnitOf(*e);
      if (!unit.empty() &&
          !core_->catalog_->Get()->places.names.contains(unit)) {
        core_->directory_->RefreshForUnknownUnit();
      }
      std::optional<ProgressUpdate> u = ProgressOfEvent(*e, collect);
      if ((u && NeedsStoredStatus(*u)) ||
          !core_->known_.Contains(e->ticket_id())) {
        read.push_back(e->ticket_id());
      }
    }
    RETURN_IF_ERROR(Read(conn, read));
    return Name(conn, units);
  }

  absl::Status Handle(db::Connection& conn,
                      const v1::TicketEvent& event) override {
    if (event.producer() == "intake") return absl::OkStatus();
    const std::string& id = event.ticket_id();
    // Units are named as intake last read them from routing's directory
    // (read by Begin; unnamed: "承办单位").
    const UnitNamer name_of = [&](const std::string& unit_id) {
      if (!Name(conn, {unit_id}).ok()) return std::string();
      auto it = names_.find(unit_id);
      return it == names_.end() ? std::string() : it->second;
    };
    std::optional<ProgressUpdate> u = ProgressOfEvent(event, name_of);
    Order& o = orders_[id];
    const absl::Time at = FromProto(event.occurred_at());
    if (!u || !NeedsStoredStatus(*u)) {
      // Nothing of the stored order is needed (an event that does not
      // concern the caller, or a handling due, the same on every order):
      // only NOT_FOUND when intake does not know it.
      if (!o.read && !core_->known_.Contains(id)) {
        RETURN_IF_ERROR(Read(conn, {id}));
      }
      if (o.read && !o.stored) return Unknown(id);
      core_->known_.Add(id);
      if (u) Write(o, *u, at);
      return absl::OkStatus();
    }
    if (!o.read) RETURN_IF_ERROR(Read(conn, {id}));
    if (!o.stored) return Unknown(id);
    core_->known_.Add(id);
    FollowStatus(o.stored->status, &*u);
    o.stored->status = u->status.value_or(o.stored->status);
    o.stored->holder_unit_id = u->holder.value_or(o.stored->holder_unit_id);
    o.status_changed = true;
    Write(o, *u, at);
    if (!u->note.empty()) {
      effects_.progress.push_back(
          {id, at, o.stored->status, u->unit_id, u->note});
    }
    for (const std::string& held : u->held_units) {
      if (!held.empty()) effects_.holders.emplace_back(id, held);
    }
    return absl::OkStatus();
  }

  absl::Status Finish(db::Connection& conn) override {
    for (const auto& [id, o] : orders_) {
      if (!o.written) continue;
      TicketEffect& t = effects_.tickets.emplace_back();
      t.ticket_id = id;
      if (o.status_changed) {
        t.status = o.stored->status;
        t.holder_unit_id = o.stored->holder_unit_id;
      }
      t.handling_due = o.handling_due;
      t.updated_at = o.updated_at;
    }
    if (effects_.tickets.empty()) return absl::OkStatus();
    return core_->store_->WriteEventEffects(conn, effects_);
  }

 private:
  // An order of the batch.
  struct Order {
    bool read = false;  // its row was read in this batch: `stored` is it
    // Status and holder as stored, then as the batch's events left them;
    // nullopt when read and absent.
    std::optional<StoredStatus> stored;
    bool status_changed = false;  // status and holder to be written
    bool written = false;         // the row to be written (updated_at)
    std::optional<absl::Time> handling_due;  // the last one set
    absl::Time updated_at;
  };

  static absl::Status Unknown(const std::string& id) {
    return absl::NotFoundError(
        absl::StrCat("ticket ", id, " is unknown to intake"));
  }

  // What every event that concerns the caller writes on the order's row.
  static void Write(Order& o, const ProgressUpdate& u, absl::Time at) {
    o.written = true;
    if (u.handling_due) o.handling_due = u.handling_due;
    o.updated_at = at;
  }

  // Reads (locked) the orders of `ids` not read yet in this batch.
  absl::Status Read(db::Connection& conn, const std::vector<std::string>& ids) {
    std::vector<std::string> missing;
    for (const std::string& id : ids) {
      if (!orders_[id].read) missing.push_back(id);
    }
    if (missing.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(auto stored, core_->store_->LockStatuses(conn, missing));
    for (const std::string& id : missing) {
      Order& o = orders_[id];
      o.read = true;
      auto it = stored.find(id);
      if (it != stored.end()) o.stored = it->second;
    }
    return absl::OkStatus();
  }

  // Reads the names of the units of `ids` not looked up yet.
  absl::Status Name(db::Connection& conn, const std::vector<std::string>& ids) {
    std::vector<std::string> missing;
    for (const std::string& id : ids) {
      if (named_.insert(id).second) missing.push_back(id);
    }
    if (missing.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(auto names, core_->store_->UnitNames(conn, missing));
    names_.merge(names);
    return absl::OkStatus();
  }

  IntakeCore* core_;
  std::map<std::string, Order> orders_;
  std::set<std::string> named_;               // units looked up
  std::map<std::string, std::string> names_;  // of those, the named ones
  EventEffects effects_;
};

std::unique_ptr<outbox::EventBatch> IntakeCore::NewEventBatch() {
  return std::make_unique<IntakeEventBatch>(this);
}

absl::StatusOr<v1::Ticket> IntakeCore::Render(
    const TicketRecord& rec, const auth::Principal& who) const {
  v1::Ticket t = rec.ticket;
  t.clear_caller();
  v1::MaskedCaller* mc = t.mutable_caller();
  const bool shielded =
      t.confidential() || t.request_type() == v1::REQUEST_TYPE_REPORT;
  if (who.IsUnitRole() && shielded) {
    mc->set_withheld(true);
  } else if (rec.caller_ct.empty()) {
    mc->set_anonymous(true);
  } else {
    ASSIGN_OR_RETURN(std::string plain,
                     crypto_->Decrypt(rec.caller_ct, t.ticket_id()));
    v1::CallerIdentity c;
    if (!c.ParseFromString(plain)) {
      return absl::DataLossError("caller identity: cannot be parsed");
    }
    *mc = Mask(c);
  }
  if (!who.Is(auth::Role::kCallAgent) && !who.Is(auth::Role::kCenterStaff) &&
      !who.Is(auth::Role::kAuditor)) {
    t.clear_caller_hash();
  }
  return t;
}

bool IntakeCore::SameRequest(const TicketRecord& rec,
                             const v1::CreateTicketRequest& req) const {
  // The fingerprint (for orders stored before fingerprints, the stored
  // order itself) and the caller, compared with the stored ciphertext's
  // (the fingerprint holds no caller data).
  if (rec.request_hash.empty()
          ? !RequestMatchesOrder(req, rec.ticket)
          : rec.request_hash != CreateTicketFingerprint(req)) {
    return false;
  }
  const bool anonymous = IsAnonymous(req.caller());
  if (rec.caller_ct.empty() || anonymous) {
    return rec.caller_ct.empty() && anonymous;
  }
  absl::StatusOr<std::string> plain =
      crypto_->Decrypt(rec.caller_ct, rec.ticket.ticket_id());
  v1::CallerIdentity stored;
  return plain.ok() && stored.ParseFromString(*plain) &&
         SameCaller(stored, StoredCaller(req.caller()));
}

absl::Status IntakeCore::CheckCitable(const v1::CloseAtIntake& c,
                                      absl::Time now) {
  const std::string today = LocalDay(now);
  for (int i = 0; i < c.article_ids_size(); ++i) {
    const std::string field =
        absl::StrCat("close_at_intake.article_ids[", i, "]");
    absl::StatusOr<ArticleSnapshot> a = kb_->Get(c.article_ids(i));
    if (!a.ok() && a.status().code() == absl::StatusCode::kNotFound) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": no such article"));
    }
    RETURN_IF_ERROR(a.status());
    if (a->retired || !a->published.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": article is not published"));
    }
    const v1::ArticleContent& ct = a->published->content();
    if ((!ct.valid_from().empty() && today < ct.valid_from()) ||
        (!ct.valid_to().empty() && today > ct.valid_to())) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": article is not valid today"));
    }
  }
  return absl::OkStatus();
}

}  // namespace hotline::intake
