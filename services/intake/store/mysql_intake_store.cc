#include "services/intake/store/mysql_intake_store.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/db/transaction.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/intake/domain/caller_crypto.h"
#include "services/intake/domain/intake_rules.h"

namespace hotline::intake {
namespace {

// Repeat candidates by LSH band: at most this many band rows are read per
// order, and the orders sharing the most bands among them are compared by
// signature.
constexpr int kBandRowsScanned = 1000;
constexpr int kBandCandidates = 30;

constexpr char kTicketCols[] =
    "t.id, t.doc, t.caller_ct, t.caller_hash, t.status, t.holder_unit_id, "
    "t.handling_due, t.merged_into, t.updated_at, t.request_hash";

absl::StatusOr<TicketRecord> RecordFromRow(sql::ResultSet& rs) {
  TicketRecord r;
  r.row_id = rs.getInt64(1);
  std::string doc = rs.getString(2);
  if (!r.ticket.ParseFromString(doc)) {
    return absl::DataLossError("ticket.doc: cannot be parsed");
  }
  if (!rs.isNull(3)) r.caller_ct = rs.getString(3);
  r.ticket.set_caller_hash(rs.getString(4));
  r.ticket.set_status(static_cast<v1::TicketStatus>(rs.getInt(5)));
  r.ticket.set_holder_unit_id(rs.getString(6));
  if (!rs.isNull(7)) {
    *r.ticket.mutable_handling_due() = ToProto(ParseSqlTime(rs.getString(7)));
  }
  if (!rs.isNull(8)) r.ticket.set_merged_into_ticket_id(rs.getString(8));
  *r.ticket.mutable_updated_at() = ToProto(ParseSqlTime(rs.getString(9)));
  if (!rs.isNull(10)) r.request_hash = rs.getString(10);
  return r;
}

// Runs `select` (its last column t.request_id, at `id_column`) over the
// orders with these quoted request ids and hands each row to `row`.
absl::Status ReadByRequestId(
    db::Connection& conn, absl::string_view select, int id_column,
    const std::vector<std::string>& quoted_ids,
    absl::FunctionRef<absl::Status(sql::ResultSet&, const std::string&)> row) {
  ASSIGN_OR_RETURN(
      auto rs,
      conn.Query(absl::StrCat(select, " FROM ticket t WHERE t.request_id IN (",
                              absl::StrJoin(quoted_ids, ","), ")")));
  absl::Status status = absl::OkStatus();
  RETURN_IF_ERROR(conn.Guard("read orders by request id", [&] {
    while (status.ok() && rs->next()) {
      status = row(*rs, rs->getString(id_column));
    }
  }));
  return status;
}

std::string LikeEscape(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"%", "\\%"}, {"_", "\\_"}});
}

std::string Quote(absl::string_view s) { return db::SqlQuote(s); }

}  // namespace

std::string SqlTermList(const absl::flat_hash_map<std::string, int>& terms,
                        size_t max_terms) {
  std::vector<std::string> keys;
  for (const auto& [t, n] : terms) keys.push_back(t);
  std::sort(keys.begin(), keys.end());
  if (keys.size() > max_terms) keys.resize(max_terms);
  std::vector<std::string> quoted;
  for (const auto& k : keys) quoted.push_back(Quote(k));
  return absl::StrJoin(quoted, ",");
}

absl::StatusOr<Catalog> MysqlIntakeStore::LoadCatalog() {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  Catalog c;
  ASSIGN_OR_RETURN(auto rs, conn->Query("SELECT code, name, parent_code FROM "
                                        "matter_category ORDER BY sort_order"));
  RETURN_IF_ERROR(conn->Guard("read taxonomy", [&] {
    while (rs->next()) {
      v1::MatterCategory m;
      m.set_code(rs->getString(1));
      m.set_name(rs->getString(2));
      m.set_parent_code(rs->getString(3));
      c.categories.push_back(std::move(m));
    }
  }));
  ASSIGN_OR_RETURN(
      auto vs, conn->Query("SELECT version FROM taxonomy_meta WHERE id = 1"));
  RETURN_IF_ERROR(conn->Guard("read taxonomy version", [&] {
    if (vs->next()) c.version = vs->getString(1);
  }));
  ASSIGN_OR_RETURN(auto ts, conn->Query("SELECT code, name FROM town"));
  RETURN_IF_ERROR(conn->Guard("read towns", [&] {
    while (ts->next())
      c.places.towns[std::string(ts->getString(1))] = ts->getString(2);
  }));
  ASSIGN_OR_RETURN(
      auto cs,
      conn->Query("SELECT code, town_code, parent_code FROM community"));
  RETURN_IF_ERROR(conn->Guard("read communities", [&] {
    while (cs->next()) {
      std::string code = cs->getString(1);
      c.places.communities[code] = cs->getString(2);
      std::string parent = cs->getString(3);
      if (!parent.empty()) c.places.parents[code] = std::move(parent);
    }
  }));
  ASSIGN_OR_RETURN(auto ns, conn->Query("SELECT unit_id, name FROM unit_name"));
  RETURN_IF_ERROR(conn->Guard("read unit names", [&] {
    while (ns->next())
      c.places.names[std::string(ns->getString(1))] = ns->getString(2);
  }));
  return c;
}

absl::Status MysqlIntakeStore::SavePlaces(const Places& places) {
  std::vector<std::string> towns, communities;
  for (const auto& [code, name] : places.towns) {
    towns.push_back(absl::StrCat("(", Quote(code), ",", Quote(name), ")"));
  }
  for (const auto& [code, town] : places.communities) {
    auto parent = places.parents.find(code);
    communities.push_back(absl::StrCat(
        "(", Quote(code), ",", Quote(town), ",",
        Quote(parent == places.parents.end() ? "" : parent->second), ")"));
  }
  std::vector<std::string> names;
  for (const auto& [id, name] : places.names) {
    names.push_back(absl::StrCat("(", Quote(id), ",", Quote(name), ")"));
  }
  return db::RunInTransaction(*pool_, [&](db::Connection& conn) {
    RETURN_IF_ERROR(conn.Execute("DELETE FROM town"));
    RETURN_IF_ERROR(conn.Execute("DELETE FROM community"));
    RETURN_IF_ERROR(conn.Execute("DELETE FROM unit_name"));
    if (!names.empty()) {
      RETURN_IF_ERROR(conn.Execute(
          absl::StrCat("INSERT INTO unit_name (unit_id, name) VALUES ",
                       absl::StrJoin(names, ","))));
    }
    if (!towns.empty()) {
      RETURN_IF_ERROR(conn.Execute(absl::StrCat(
          "INSERT INTO town (code, name) VALUES ", absl::StrJoin(towns, ","))));
    }
    if (communities.empty()) return absl::OkStatus();
    return conn.Execute(
        absl::StrCat("INSERT INTO community (code, town_code, parent_code) "
                     "VALUES ",
                     absl::StrJoin(communities, ",")));
  });
}

absl::StatusOr<int64_t> MysqlIntakeStore::NextSerial(const std::string& day) {
  absl::MutexLock lock(&serial_mu_);
  if (serial_day_ == day && serial_next_ < serial_end_) return serial_next_++;
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * reserve,
      conn->Prepare("INSERT INTO ticket_day_counter (day, last_no) VALUES (?, "
                    "LAST_INSERT_ID(?)) ON DUPLICATE KEY UPDATE last_no = "
                    "LAST_INSERT_ID(last_no + ?)"));
  ASSIGN_OR_RETURN(sql::PreparedStatement * last,
                   conn->Prepare("SELECT LAST_INSERT_ID()"));
  ASSIGN_OR_RETURN(int64_t end, conn->Guard("reserve ticket numbers", [&] {
    reserve->setString(1, day);
    reserve->setInt64(2, kSerialBlock);
    reserve->setInt64(3, kSerialBlock);
    reserve->executeUpdate();
    std::unique_ptr<sql::ResultSet> rs(last->executeQuery());
    rs->next();
    return rs->getInt64(1);
  }));
  serial_day_ = day;
  serial_next_ = end - kSerialBlock + 1;
  serial_end_ = end + 1;
  return serial_next_++;
}

absl::StatusOr<std::vector<v1::RepeatCandidate>> MysqlIntakeStore::FindRepeats(
    const RepeatQuery& q) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<CandidateMap> found, FindRepeatsOn(*conn, {&q}));
  return Ranked(std::move(found[0]));
}

absl::StatusOr<std::vector<MysqlIntakeStore::CandidateMap>>
MysqlIntakeStore::FindRepeatsOn(
    db::Connection& conn, const std::vector<const RepeatQuery*>& queries) {
  // One round trip for all queries, each part tagged with its query's index:
  // orders of the same caller in the window, and orders of the same town in
  // the window sharing LSH bands with this one (ticket_term's primary key is
  // (term, town, received_at, row_id)), so the cost follows the number of
  // similar orders (bounded), not the size of the town. Similarity is then
  // estimated from the candidates' MinHash signatures.
  std::vector<std::string> parts;
  for (size_t i = 0; i < queries.size(); ++i) {
    const RepeatQuery& q = *queries[i];
    const std::string cols = absl::StrCat(
        i, ", t.id, t.ticket_id, t.ticket_number, t.status, t.received_at, ");
    const std::string since = Quote(SqlTime(q.since));
    if (!q.caller_hash.empty()) {
      std::vector<std::string> hashes = {Quote(q.caller_hash)};
      for (const auto& h : q.other_caller_hashes) hashes.push_back(Quote(h));
      parts.push_back(absl::StrCat(
          "(SELECT ", cols, "1, '' FROM ticket t WHERE t.caller_hash IN (",
          absl::StrJoin(hashes, ","), ") AND t.received_at >= ", since,
          " AND t.ticket_id <> ", Quote(q.exclude_ticket_id),
          " ORDER BY t.received_at DESC LIMIT 10)"));
    }
    const std::vector<std::string> bands = LshBands(q.signature);
    if (!q.town_code.empty() && !bands.empty()) {
      std::vector<std::string> quoted;
      for (const auto& b : bands) quoted.push_back(Quote(b));
      // The orders sharing the most bands first (the expected number of
      // shared bands grows with the similarity): only those are read.
      parts.push_back(absl::StrCat(
          "(SELECT ", cols,
          "2, t.signature FROM (SELECT b.row_id, COUNT(*) AS shared FROM "
          "(SELECT tt.row_id FROM ticket_term tt WHERE tt.term IN (",
          absl::StrJoin(quoted, ","),
          ") AND tt.town_code = ", Quote(q.town_code),
          " AND tt.received_at >= ", since, " LIMIT ", kBandRowsScanned,
          ") b GROUP BY b.row_id ORDER BY shared DESC, "
          "b.row_id DESC LIMIT ",
          kBandCandidates, ") c JOIN ticket t ON t.id = c.row_id)"));
    }
  }
  std::vector<CandidateMap> found(queries.size());
  if (parts.empty()) return found;
  ASSIGN_OR_RETURN(auto rs, conn.Query(absl::StrJoin(parts, " UNION ALL ")));
  RETURN_IF_ERROR(conn.Guard("find repeats", [&] {
    while (rs->next()) {
      const size_t i = rs->getUInt(1);
      const RepeatQuery& q = *queries.at(i);
      CandidateMap& by_id = found[i];
      const int64_t id = rs->getInt64(2);
      v1::RepeatCandidate c;
      c.set_ticket_id(rs->getString(3));
      if (c.ticket_id() == q.exclude_ticket_id) continue;
      c.set_ticket_number(rs->getString(4));
      c.set_status(static_cast<v1::TicketStatus>(rs->getInt(5)));
      *c.mutable_received_at() = ToProto(ParseSqlTime(rs->getString(6)));
      if (rs->getInt(7) == 1) {
        c.set_signal(v1::REPEAT_SIGNAL_SAME_CALLER);
        c.set_score(1.0);
      } else {
        if (by_id.contains(id)) continue;  // the same caller wins
        c.set_signal(v1::REPEAT_SIGNAL_SAME_PLACE_SIMILAR_CONTENT);
        c.set_score(EstimatedJaccard(
            q.signature, DecodeSignature(std::string(rs->getString(8)))));
        if (c.score() < q.threshold) continue;
      }
      by_id[id] = std::move(c);
    }
  }));
  return found;
}

std::vector<v1::RepeatCandidate> MysqlIntakeStore::Ranked(CandidateMap found) {
  std::vector<std::pair<int64_t, v1::RepeatCandidate>> scored(
      std::make_move_iterator(found.begin()),
      std::make_move_iterator(found.end()));
  // Best first (then newest), at most 10.
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) {
    return a.second.score() != b.second.score()
               ? a.second.score() > b.second.score()
               : a.first > b.first;
  });
  if (scored.size() > 10) scored.resize(10);
  std::vector<v1::RepeatCandidate> out;
  for (auto& [id, c] : scored) out.push_back(std::move(c));
  return out;
}

namespace {

// The ticket row of a new order, as a VALUES tuple.
std::string TicketRow(const NewTicket& t) {
  const v1::Ticket& tk = t.ticket;
  v1::Ticket doc = tk;  // the immutable part
  doc.clear_status();
  doc.clear_caller();
  doc.clear_caller_hash();
  doc.clear_updated_at();
  const std::string created = Quote(SqlTime(FromProto(tk.created_at())));
  return absl::StrCat(
      "(", Quote(tk.ticket_id()), ",", Quote(tk.ticket_number()), ",",
      Quote(t.request_id), ",",
      t.request_hash.empty() ? "NULL" : db::SqlHex(t.request_hash), ",",
      static_cast<int>(tk.channel()), ",", static_cast<int>(tk.request_type()),
      ",", Quote(tk.category_code()), ",", Quote(tk.location().town_code()),
      ",", tk.confidential() ? 1 : 0, ",", tk.caller().anonymous() ? 1 : 0, ",",
      db::SqlHex(doc.SerializeAsString()), ",",
      t.caller_ct.empty() ? "NULL" : db::SqlHex(t.caller_ct), ",",
      Quote(t.caller_ct.empty() ? "" : CallerCrypto::KeyIdOf(t.caller_ct)), ",",
      Quote(tk.caller_hash()), ",",
      Quote(tk.caller_hash().empty() ? "" : t.caller_hash_key), ",",
      t.terms.size(), ",", static_cast<int>(tk.status()), ",",
      Quote(SqlTime(FromProto(tk.received_at()))), ",", created, ",", created,
      ",", db::SqlHex(EncodeSignature(t.signature)), ")");
}

// The order's bigram terms and LSH band keys (tf 0) as ticket_term rows.
void AppendTermRows(const NewTicket& t, int64_t row_id,
                    std::vector<std::string>* rows) {
  const std::string tail = absl::StrCat(
      ", ", Quote(t.ticket.location().town_code()), ", ",
      Quote(SqlTime(FromProto(t.ticket.received_at()))), ", ", row_id, ", ");
  for (const auto& [term, n] : t.terms) {
    rows->push_back(
        absl::StrCat("(", Quote(term), tail, n, ", ", t.terms.size(), ")"));
  }
  for (const std::string& band : LshBands(t.signature)) {
    rows->push_back(
        absl::StrCat("(", Quote(band), tail, "0, ", t.terms.size(), ")"));
  }
}

// Earlier orders of the same batch are candidates too: they were not yet
// stored when the batch looked for repeats.
void AddBatchRepeats(const RepeatQuery& q, const NewTicket& earlier,
                     int64_t earlier_row,
                     MysqlIntakeStore::CandidateMap* found) {
  const v1::Ticket& e = earlier.ticket;
  if (e.ticket_id() == q.exclude_ticket_id ||
      FromProto(e.received_at()) < q.since) {
    return;
  }
  v1::RepeatCandidate c;
  if (!q.caller_hash.empty() && q.caller_hash == e.caller_hash()) {
    c.set_signal(v1::REPEAT_SIGNAL_SAME_CALLER);
    c.set_score(1.0);
  } else if (!q.town_code.empty() && q.town_code == e.location().town_code()) {
    c.set_signal(v1::REPEAT_SIGNAL_SAME_PLACE_SIMILAR_CONTENT);
    c.set_score(EstimatedJaccard(q.signature, earlier.signature));
    if (c.score() < q.threshold) return;
  } else {
    return;
  }
  c.set_ticket_id(e.ticket_id());
  c.set_ticket_number(e.ticket_number());
  c.set_status(e.status());
  *c.mutable_received_at() = e.received_at();
  (*found)[earlier_row] = std::move(c);
}

}  // namespace

absl::StatusOr<CreateOutcome> MysqlIntakeStore::CreateTicket(
    const NewTicket& t, const RepeatQuery& q) {
  return creates_.Submit(CreateRequest{&t, &q});
}

std::vector<absl::StatusOr<CreateOutcome>> MysqlIntakeStore::CreateBatch(
    absl::Span<const CreateRequest* const> batch) {
  const size_t n = batch.size();
  std::vector<absl::StatusOr<CreateOutcome>> results;
  absl::Status st =
      db::RunInTransaction(*pool_, [&](db::Connection& conn) -> absl::Status {
        results.assign(n, absl::InternalError("order not written"));
        // 1. Repeat candidates, from the orders stored before this batch.
        std::vector<const RepeatQuery*> queries;
        for (const CreateRequest* r : batch) queries.push_back(r->query);
        ASSIGN_OR_RETURN(std::vector<CandidateMap> found,
                         FindRepeatsOn(conn, queries));

        // 2. Request ids stored before: those calls are replays, answered
        // with the stored record.
        std::vector<std::string> request_ids;
        for (const CreateRequest* r : batch) {
          request_ids.push_back(Quote(r->ticket->request_id));
        }
        absl::flat_hash_map<std::string, TicketRecord> stored;
        RETURN_IF_ERROR(ReadByRequestId(
            conn, absl::StrCat("SELECT ", kTicketCols, ", t.request_id"), 11,
            request_ids, [&](sql::ResultSet& rs, const std::string& id) {
              ASSIGN_OR_RETURN(stored[id], RecordFromRow(rs));
              return absl::OkStatus();
            }));

        // 3. The new orders, in one plain INSERT: the first call of a
        // request id in this batch writes it, a second is its replay. A
        // concurrent batch that stored one of these ids first makes the
        // INSERT fail on uk_ticket_request; the transaction then runs again
        // and finds that order in step 2. (Not INSERT … ON DUPLICATE KEY
        // UPDATE: on MariaDB 10.11 a multi-row upsert whose row met a
        // concurrent transaction's duplicate silently skipped later rows of
        // the statement, reporting them as no-op updates.)
        std::vector<std::string> rows, new_ids;
        absl::flat_hash_set<std::string> writing;
        for (const CreateRequest* r : batch) {
          const std::string& id = r->ticket->request_id;
          if (stored.contains(id) || !writing.insert(id).second) continue;
          rows.push_back(TicketRow(*r->ticket));
          new_ids.push_back(Quote(id));
        }
        absl::flat_hash_map<std::string, int64_t> row_ids;
        if (!rows.empty()) {
          absl::Status inserted = conn.Execute(absl::StrCat(
              "INSERT INTO ticket (ticket_id, ticket_number, request_id, "
              "request_hash, channel, request_type, category_code, town_code, "
              "confidential, anonymous, doc, caller_ct, caller_key_id, "
              "caller_hash, caller_hash_key, term_count, status, received_at, "
              "created_at, updated_at, "
              "signature) VALUES ",
              absl::StrJoin(rows, ",")));
          if (absl::IsAlreadyExists(inserted)) {
            // Another ticket id or number clash is no caller's doing (they
            // are random and from the day counter): INTERNAL, and the batch
            // is then written order by order.
            if (!absl::StrContains(inserted.message(), "uk_ticket_request")) {
              return absl::InternalError(inserted.message());
            }
            return absl::AbortedError(absl::StrCat(
                "a request id was stored concurrently: ", inserted.message()));
          }
          RETURN_IF_ERROR(inserted);
          RETURN_IF_ERROR(
              ReadByRequestId(conn, "SELECT t.id, t.request_id", 2, new_ids,
                              [&](sql::ResultSet& rs, const std::string& id) {
                                row_ids[id] = rs.getInt64(1);
                                return absl::OkStatus();
                              }));
        }

        // 4. Terms and events of the orders this batch wrote.
        std::vector<std::string> term_rows;
        std::vector<v1::TicketEvent> events;
        std::vector<std::pair<const NewTicket*, int64_t>> written;
        absl::flat_hash_map<std::string, size_t> first_writer;
        for (size_t i = 0; i < n; ++i) {
          const NewTicket& t = *batch[i]->ticket;
          CreateOutcome out;
          if (auto it = stored.find(t.request_id); it != stored.end()) {
            out.record = it->second;
            out.replayed = true;
          } else if (auto first = first_writer.find(t.request_id);
                     first != first_writer.end()) {
            // The same id earlier in this batch: a replay of that order.
            out.record = results[first->second]->record;
            out.replayed = true;
          } else if (auto row = row_ids.find(t.request_id);
                     row != row_ids.end()) {
            out.record.ticket = t.ticket;
            out.record.row_id = row->second;
            out.record.caller_ct = t.caller_ct;
            out.record.request_hash = t.request_hash;
            AppendTermRows(t, out.record.row_id, &term_rows);
            events.insert(events.end(), t.events.begin(), t.events.end());
            first_writer.emplace(t.request_id, i);
          } else {
            return absl::InternalError(absl::StrCat(
                "order ", t.ticket.ticket_number(), " is not in the table"));
          }
          for (const auto& [earlier, row] : written) {
            AddBatchRepeats(*queries[i], *earlier, row, &found[i]);
          }
          found[i].erase(out.record.row_id);  // never its own repeat
          if (!out.replayed) written.emplace_back(&t, out.record.row_id);
          out.candidates = Ranked(std::move(found[i]));
          results[i] = std::move(out);
        }
        if (!term_rows.empty()) {
          RETURN_IF_ERROR(conn.Execute(absl::StrCat(
              "INSERT INTO ticket_term (term, town_code, received_at, row_id, "
              "tf, doc_terms) VALUES ",
              absl::StrJoin(term_rows, ","))));
        }
        std::vector<v1::TicketEvent*> pointers;
        for (v1::TicketEvent& e : events) pointers.push_back(&e);
        return outbox_->AppendAll(conn, pointers);
      });
  if (st.ok()) return results;
  // Unavailable or aborted: the same for every order of the batch. Anything
  // else may be one order's own doing; each is then written on its own.
  if (n == 1 || absl::IsUnavailable(st) || absl::IsAborted(st)) {
    results.assign(n, st);
    return results;
  }
  for (size_t i = 0; i < n; ++i) {
    results[i] = std::move(CreateBatch({batch[i]})[0]);
  }
  return results;
}

absl::StatusOr<std::optional<TicketRecord>> MysqlIntakeStore::ReadTicket(
    db::Connection& conn, const std::string& where_column,
    const std::string& key, bool for_update) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * stmt,
                   conn.Prepare(absl::StrCat(
                       "SELECT ", kTicketCols, " FROM ticket t WHERE t.",
                       where_column, " = ?", for_update ? " FOR UPDATE" : "")));
  ASSIGN_OR_RETURN(
      std::unique_ptr<sql::ResultSet> rs, conn.Guard("read ticket", [&] {
        stmt->setString(1, key);
        return std::unique_ptr<sql::ResultSet>(stmt->executeQuery());
      }));
  std::optional<TicketRecord> out;
  absl::Status st = absl::OkStatus();
  RETURN_IF_ERROR(conn.Guard("read ticket", [&] {
    if (rs->next()) {
      auto r = RecordFromRow(*rs);
      if (r.ok()) {
        out = std::move(*r);
      } else {
        st = r.status();
      }
    }
  }));
  RETURN_IF_ERROR(st);
  return out;
}

absl::StatusOr<TicketRecord> MysqlIntakeStore::GetTicket(
    const std::string& ticket_id, const std::string& ticket_number,
    std::vector<std::string>* held_units) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(
      std::optional<TicketRecord> rec,
      ticket_id.empty()
          ? ReadTicket(*conn, "ticket_number", ticket_number, false)
          : ReadTicket(*conn, "ticket_id", ticket_id, false));
  if (!rec.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("ticket ", ticket_id.empty() ? ticket_number : ticket_id,
                     " not found"));
  }
  const std::string id = rec->ticket.ticket_id();
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * prog,
      conn->Prepare("SELECT at, status, unit_id, note FROM "
                    "ticket_progress WHERE ticket_id = ? ORDER BY id"));
  ASSIGN_OR_RETURN(sql::PreparedStatement * reps,
                   conn->Prepare("SELECT ticket_id FROM ticket WHERE "
                                 "merged_into = ? ORDER BY id"));
  ASSIGN_OR_RETURN(sql::PreparedStatement * held,
                   conn->Prepare("SELECT unit_id FROM ticket_holder WHERE "
                                 "ticket_id = ?"));
  RETURN_IF_ERROR(conn->Guard("read ticket details", [&] {
    // The first step of every timeline: received (and, at intake, closed).
    v1::ProgressEntry* first = rec->ticket.add_progress();
    *first->mutable_at() = rec->ticket.created_at();
    first->set_status(v1::TICKET_STATUS_RECEIVED);
    first->set_note("工单已受理");
    if (!rec->ticket.intake_answer().empty()) {
      v1::ProgressEntry* closed = rec->ticket.add_progress();
      *closed->mutable_at() = rec->ticket.created_at();
      closed->set_status(v1::TICKET_STATUS_CLOSED_AT_INTAKE);
      closed->set_note(absl::StrCat("受理时已依据知识库答复：",
                                    rec->ticket.intake_answer()));
    }
    prog->setString(1, id);
    std::unique_ptr<sql::ResultSet> rs(prog->executeQuery());
    while (rs->next()) {
      v1::ProgressEntry* e = rec->ticket.add_progress();
      *e->mutable_at() = ToProto(ParseSqlTime(rs->getString(1)));
      e->set_status(static_cast<v1::TicketStatus>(rs->getInt(2)));
      e->set_unit_id(rs->getString(3));
      e->set_note(rs->getString(4));
    }
    reps->setString(1, id);
    std::unique_ptr<sql::ResultSet> rr(reps->executeQuery());
    while (rr->next()) rec->ticket.add_repeat_ticket_ids(rr->getString(1));
    held->setString(1, id);
    std::unique_ptr<sql::ResultSet> hr(held->executeQuery());
    while (hr->next()) {
      if (held_units != nullptr) held_units->push_back(hr->getString(1));
    }
  }));
  return std::move(*rec);
}

absl::StatusOr<std::vector<TicketRecord>> MysqlIntakeStore::ListTickets(
    const TicketFilter& f, const ReaderScope& scope) {
  std::vector<std::string> where;
  std::string from = "ticket t";
  std::string order = "t.received_at DESC, t.id DESC";
  std::string select = kTicketCols;
  std::string group;
  if (!f.terms.empty()) {
    from = "ticket_term tt JOIN ticket t ON t.id = tt.row_id";
    where.push_back(
        absl::StrCat("tt.term IN (", SqlTermList(f.terms, 100), ")"));
    group = " GROUP BY t.id";
    order = "COUNT(*) DESC, t.received_at DESC, t.id DESC";
  }
  if (!f.statuses.empty()) {
    std::vector<std::string> s;
    for (auto st : f.statuses) s.push_back(absl::StrCat(static_cast<int>(st)));
    where.push_back(absl::StrCat("t.status IN (", absl::StrJoin(s, ","), ")"));
  }
  auto subtree = [](const std::string& unit,
                    const std::vector<std::string>& also) {
    std::string in;
    for (const auto& u : also) absl::StrAppend(&in, ", ", Quote(u));
    return absl::StrCat(
        "EXISTS (SELECT 1 FROM ticket_holder h WHERE h.ticket_id = t.ticket_id "
        "AND (h.unit_id IN (",
        Quote(unit), in, ") OR h.unit_id LIKE ", Quote(LikeEscape(unit) + ".%"),
        "))");
  };
  if (!f.holder_unit_id.empty()) {
    where.push_back(subtree(f.holder_unit_id, f.holder_also_units));
  }
  if (!scope.unit_id.empty()) {
    where.push_back(subtree(scope.unit_id, scope.also_units));
  }
  if (f.request_type != v1::REQUEST_TYPE_UNSPECIFIED) {
    where.push_back(absl::StrCat("t.request_type = ", f.request_type));
  }
  if (f.channel != v1::CHANNEL_UNSPECIFIED) {
    where.push_back(absl::StrCat("t.channel = ", f.channel));
  }
  if (!f.category_code.empty()) {
    where.push_back(absl::StrCat("(t.category_code = ", Quote(f.category_code),
                                 " OR t.category_code LIKE ",
                                 Quote(LikeEscape(f.category_code) + ".%"),
                                 ")"));
  }
  if (!f.town_code.empty()) {
    where.push_back(absl::StrCat("t.town_code = ", Quote(f.town_code)));
  }
  if (f.from.has_value()) {
    where.push_back(absl::StrCat("t.received_at >= ", Quote(SqlTime(*f.from))));
  }
  if (f.to.has_value()) {
    where.push_back(absl::StrCat("t.received_at < ", Quote(SqlTime(*f.to))));
  }
  if (!f.number_prefix.empty()) {
    where.push_back(absl::StrCat("t.ticket_number LIKE ",
                                 Quote(LikeEscape(f.number_prefix) + "%")));
  }
  if (!f.caller_hashes.empty()) {
    std::vector<std::string> hashes;
    for (const auto& h : f.caller_hashes) hashes.push_back(Quote(h));
    where.push_back(
        absl::StrCat("t.caller_hash IN (", absl::StrJoin(hashes, ","), ")"));
  }
  std::string sql = absl::StrCat("SELECT ", select, " FROM ", from);
  if (!where.empty())
    absl::StrAppend(&sql, " WHERE ", absl::StrJoin(where, " AND "));
  absl::StrAppend(&sql, group, " ORDER BY ", order, " LIMIT ", f.limit + 1,
                  " OFFSET ", f.offset);
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto rs, conn->Query(sql));
  std::vector<TicketRecord> out;
  absl::Status st = absl::OkStatus();
  RETURN_IF_ERROR(conn->Guard("list tickets", [&] {
    while (rs->next()) {
      auto r = RecordFromRow(*rs);
      if (!r.ok()) {
        st = r.status();
        return;
      }
      out.push_back(std::move(*r));
    }
  }));
  RETURN_IF_ERROR(st);
  return out;
}

absl::StatusOr<std::pair<std::string, std::string>>
MysqlIntakeStore::RecordReveal(const RevealRecord& r) {
  const std::string audit_id = absl::StrCat("rv-", r.request_id);
  absl::StatusOr<std::pair<std::string, std::string>> out =
      db::RunInTransaction(
          *pool_,
          [&](db::Connection& conn)
              -> absl::StatusOr<std::pair<std::string, std::string>> {
            ASSIGN_OR_RETURN(
                sql::PreparedStatement * ins,
                conn.Prepare(
                    "INSERT INTO reveal_audit (audit_id, request_id, "
                    "request_hash, ticket_id, ticket_number, principal_id, "
                    "role, unit_id, purpose, reason, revealed_at) VALUES "
                    "(?,?,?,?,?,?,?,?,?,?,?)"));
            RETURN_IF_ERROR(conn.Guard("insert reveal audit", [&] {
              ins->setString(1, audit_id);
              ins->setString(2, r.request_id);
              ins->setString(3, r.request_hash);
              ins->setString(4, r.ticket_id);
              ins->setString(5, r.ticket_number);
              ins->setString(6, r.who.id);
              ins->setInt(7, static_cast<int>(r.who.role));
              ins->setString(8, r.who.unit_id);
              ins->setInt(9, r.purpose);
              ins->setString(10, r.reason);
              ins->setString(11, SqlTime(r.at));
              ins->executeUpdate();
            }));
            return std::make_pair(audit_id, r.request_hash);
          });
  if (out.ok() || out.status().code() != absl::StatusCode::kAlreadyExists) {
    return out;
  }
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(sql::PreparedStatement * sel,
                   conn->Prepare("SELECT audit_id, request_hash FROM "
                                 "reveal_audit WHERE request_id = ?"));
  return conn->Guard(
      "read reveal audit",
      [&]() -> absl::StatusOr<std::pair<std::string, std::string>> {
        sel->setString(1, r.request_id);
        std::unique_ptr<sql::ResultSet> rs(sel->executeQuery());
        if (!rs->next()) return out.status();
        return std::make_pair(std::string(rs->getString(1)),
                              std::string(rs->getString(2)));
      });
}

absl::StatusOr<std::vector<v1::RevealAuditEntry>>
MysqlIntakeStore::ListRevealAudit(const AuditFilter& f) {
  std::vector<std::string> where;
  if (!f.ticket_id.empty())
    where.push_back(absl::StrCat("ticket_id = ", Quote(f.ticket_id)));
  if (!f.principal_id.empty()) {
    where.push_back(absl::StrCat("principal_id = ", Quote(f.principal_id)));
  }
  if (!f.unit_id.empty())
    where.push_back(absl::StrCat("unit_id = ", Quote(f.unit_id)));
  if (f.from)
    where.push_back(absl::StrCat("revealed_at >= ", Quote(SqlTime(*f.from))));
  if (f.to)
    where.push_back(absl::StrCat("revealed_at < ", Quote(SqlTime(*f.to))));
  std::string sql =
      "SELECT audit_id, ticket_id, ticket_number, principal_id, role, unit_id, "
      "purpose, reason, revealed_at FROM reveal_audit";
  if (!where.empty())
    absl::StrAppend(&sql, " WHERE ", absl::StrJoin(where, " AND "));
  absl::StrAppend(&sql, " ORDER BY revealed_at DESC, id DESC LIMIT ",
                  f.limit + 1, " OFFSET ", f.offset);
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto rs, conn->Query(sql));
  std::vector<v1::RevealAuditEntry> out;
  RETURN_IF_ERROR(conn->Guard("list reveal audit", [&] {
    while (rs->next()) {
      v1::RevealAuditEntry e;
      e.set_audit_id(rs->getString(1));
      e.set_ticket_id(rs->getString(2));
      e.set_ticket_number(rs->getString(3));
      e.mutable_actor()->set_principal_id(rs->getString(4));
      e.mutable_actor()->set_role(static_cast<v1::Role>(rs->getInt(5) + 1));
      e.mutable_actor()->set_unit_id(rs->getString(6));
      e.set_purpose(static_cast<v1::RevealPurpose>(rs->getInt(7)));
      e.set_reason(rs->getString(8));
      *e.mutable_revealed_at() = ToProto(ParseSqlTime(rs->getString(9)));
      out.push_back(std::move(e));
    }
  }));
  return out;
}

absl::StatusOr<std::optional<RequestLogRow>> MysqlIntakeStore::FindRequest(
    db::Connection& conn, const std::string& request_id) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * seen,
                   conn.Prepare("SELECT rpc, request_hash, object_id FROM "
                                "request_log WHERE request_id = ?"));
  return conn.Guard("read request log", [&]() -> std::optional<RequestLogRow> {
    seen->setString(1, request_id);
    std::unique_ptr<sql::ResultSet> rs(seen->executeQuery());
    if (!rs->next()) return std::nullopt;
    return RequestLogRow{rs->getString(1), rs->getString(2), rs->getString(3)};
  });
}

absl::Status MysqlIntakeStore::LogRequest(db::Connection& conn,
                                          const std::string& request_id,
                                          const RequestLogRow& row,
                                          absl::Time now) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * log,
                   conn.Prepare("INSERT INTO request_log (request_id, rpc, "
                                "request_hash, object_id, created_at) VALUES "
                                "(?,?,?,?,?)"));
  return conn.Guard("log request", [&] {
    log->setString(1, request_id);
    log->setString(2, row.rpc);
    log->setString(3, row.request_hash);
    log->setString(4, row.object_id);
    log->setString(5, SqlTime(now));
    log->executeUpdate();
  });
}

absl::StatusOr<std::optional<TicketRecord>> MysqlIntakeStore::LockTicket(
    db::Connection& conn, const std::string& ticket_id) {
  return ReadTicket(conn, "ticket_id", ticket_id, true);
}

absl::StatusOr<int64_t> MysqlIntakeStore::CountMergedInto(
    db::Connection& conn, const std::string& ticket_id) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * has,
      conn.Prepare("SELECT COUNT(*) FROM ticket WHERE merged_into = ?"));
  return conn.Guard("count repeats", [&] {
    has->setString(1, ticket_id);
    std::unique_ptr<sql::ResultSet> rs(has->executeQuery());
    rs->next();
    return static_cast<int64_t>(rs->getInt64(1));
  });
}

absl::Status MysqlIntakeStore::WriteMerge(
    db::Connection& conn, const std::string& ticket_id, v1::TicketStatus status,
    const std::string& merged_into, const std::string& note, absl::Time now) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * upd,
      conn.Prepare("UPDATE ticket SET status = ?, merged_into = ?, "
                   "holder_unit_id = '', updated_at = ? WHERE ticket_id = ?"));
  ASSIGN_OR_RETURN(sql::PreparedStatement * prog,
                   conn.Prepare("INSERT INTO ticket_progress (ticket_id, at, "
                                "status, unit_id, note) VALUES (?,?,?,'',?)"));
  return conn.Guard("merge ticket", [&] {
    upd->setInt(1, status);
    if (!merged_into.empty()) {
      upd->setString(2, merged_into);
    } else {
      upd->setNull(2, sql::DataType::VARCHAR);
    }
    upd->setString(3, SqlTime(now));
    upd->setString(4, ticket_id);
    upd->executeUpdate();
    prog->setString(1, ticket_id);
    prog->setString(2, SqlTime(now));
    prog->setInt(3, status);
    prog->setString(4, note);
    prog->executeUpdate();
  });
}

absl::StatusOr<std::string> MysqlIntakeStore::UnitName(
    db::Connection& conn, const std::string& unit_id) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * name_query,
      conn.Prepare("SELECT name FROM unit_name WHERE unit_id = ?"));
  return conn.Guard("read unit name", [&]() -> std::string {
    name_query->setString(1, unit_id);
    std::unique_ptr<sql::ResultSet> rs(name_query->executeQuery());
    return rs->next() ? std::string(rs->getString(1)) : std::string();
  });
}

absl::Status MysqlIntakeStore::WriteProgress(db::Connection& conn,
                                             const std::string& ticket_id,
                                             const ProgressRow& row) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * upd,
      conn.Prepare("UPDATE ticket SET status = ?, holder_unit_id = ?, "
                   "handling_due = COALESCE(?, handling_due), updated_at = ? "
                   "WHERE ticket_id = ?"));
  ASSIGN_OR_RETURN(sql::PreparedStatement * prog,
                   conn.Prepare("INSERT INTO ticket_progress (ticket_id, at, "
                                "status, unit_id, note) VALUES (?,?,?,?,?)"));
  ASSIGN_OR_RETURN(sql::PreparedStatement * held,
                   conn.Prepare("INSERT IGNORE INTO ticket_holder (ticket_id, "
                                "unit_id) VALUES (?,?)"));
  return conn.Guard("apply event", [&] {
    upd->setInt(1, row.status);
    upd->setString(2, row.holder_unit_id);
    if (row.handling_due) {
      upd->setString(3, SqlTime(*row.handling_due));
    } else {
      upd->setNull(3, sql::DataType::VARCHAR);
    }
    upd->setString(4, SqlTime(row.at));
    upd->setString(5, ticket_id);
    upd->executeUpdate();
    if (!row.note.empty()) {
      prog->setString(1, ticket_id);
      prog->setString(2, SqlTime(row.at));
      prog->setInt(3, row.status);
      prog->setString(4, row.note_unit_id);
      prog->setString(5, row.note);
      prog->executeUpdate();
    }
    for (const std::string& unit : row.held_units) {
      held->setString(1, ticket_id);
      held->setString(2, unit);
      held->executeUpdate();
    }
  });
}

}  // namespace hotline::intake
