#include "services/intake/store/mysql_intake_store.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/db/dialect.h"
#include "common/db/transaction.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/intake/domain/caller_crypto.h"
#include "services/intake/domain/similarity.h"
#include "services/intake/store/mysql_intake_rows.h"

namespace hotline::intake {
namespace {

// Repeat candidates by LSH band: at most this many band rows are read per
// order, and the orders sharing the most bands among them are compared by
// signature.
constexpr int kBandRowsScanned = 1000;
constexpr int kBandCandidates = 30;

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
  // The places come from intake's copy of the directory (IntakeComponent's
  // DirectoryFollower), not from here.
  return c;
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
  ASSIGN_OR_RETURN(std::vector<RepeatCandidates> found,
                   FindRepeatsOn(*conn, {&q}));
  return found[0].Ranked();
}

absl::StatusOr<std::vector<RepeatCandidates>> MysqlIntakeStore::FindRepeatsOn(
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
  std::vector<RepeatCandidates> found;
  found.reserve(queries.size());
  for (const RepeatQuery* q : queries) found.emplace_back(*q);
  if (parts.empty()) return found;
  ASSIGN_OR_RETURN(auto rs, conn.Query(absl::StrJoin(parts, " UNION ALL ")));
  RETURN_IF_ERROR(conn.Guard("find repeats", [&] {
    while (rs->next()) {
      RepeatCandidates& candidates = found.at(rs->getUInt(1));
      const int64_t row = rs->getInt64(2);
      v1::RepeatCandidate c;
      c.set_ticket_id(rs->getString(3));
      c.set_ticket_number(rs->getString(4));
      c.set_status(static_cast<v1::TicketStatus>(rs->getInt(5)));
      *c.mutable_received_at() = ToProto(ParseSqlTime(rs->getString(6)));
      if (rs->getInt(7) == 1) {
        candidates.AddSameCaller(row, std::move(c));
      } else {
        candidates.AddSamePlace(row, std::move(c),
                                DecodeSignature(std::string(rs->getString(8))));
      }
    }
  }));
  return found;
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

}  // namespace

absl::StatusOr<CreateOutcome> MysqlIntakeStore::CreateTicket(
    const NewTicket& t, const RepeatQuery& q) {
  return creates_.Submit(CreateRequest{&t, &q});
}

std::vector<absl::StatusOr<CreateOutcome>> MysqlIntakeStore::CreateBatch(
    absl::Span<const CreateRequest* const> batch) {
  const size_t n = batch.size();
  std::vector<absl::StatusOr<CreateOutcome>> results;
  // Request ids are almost always new: the first run inserts without
  // reading them first, and a request id stored before makes its INSERT fail
  // on uk_ticket_request. Only then does the batch run again (a fresh
  // transaction, nothing of the first run kept) reading the stored orders
  // first, exactly as a run that had read them from the start.
  bool read_first = false;
  bool stored_before = false;
  auto body = [&](db::Connection& conn) -> absl::Status {
    results.assign(n, absl::InternalError("order not written"));
    // 1. Repeat candidates, from the orders stored before this batch.
    std::vector<const RepeatQuery*> queries;
    for (const CreateRequest* r : batch) queries.push_back(r->query);
    ASSIGN_OR_RETURN(std::vector<RepeatCandidates> found,
                     FindRepeatsOn(conn, queries));

    // 2. Request ids stored before: those calls are replays, answered
    // with the stored record.
    absl::flat_hash_map<std::string, TicketRecord> stored;
    if (read_first) {
      std::vector<std::string> request_ids;
      for (const CreateRequest* r : batch) {
        request_ids.push_back(Quote(r->ticket->request_id));
      }
      RETURN_IF_ERROR(ReadByRequestId(
          conn, absl::StrCat("SELECT ", kTicketCols, ", t.request_id"), 11,
          request_ids, [&](sql::ResultSet& rs, const std::string& id) {
            ASSIGN_OR_RETURN(stored[id], RecordFromRow(rs));
            return absl::OkStatus();
          }));
    }

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
      // The rows' ids come back with the INSERT (RETURNING), or on a server
      // without it (MySQL 8) from a read by request id.
      ASSIGN_OR_RETURN(const bool returning, db::InsertReturning(conn));
      const std::string insert = absl::StrCat(
          "INSERT INTO ticket (ticket_id, ticket_number, request_id, "
          "request_hash, channel, request_type, category_code, town_code, "
          "confidential, anonymous, doc, caller_ct, caller_key_id, "
          "caller_hash, caller_hash_key, term_count, status, received_at, "
          "created_at, updated_at, "
          "signature) VALUES ",
          absl::StrJoin(rows, ","));
      absl::Status inserted = absl::OkStatus();
      if (returning) {
        absl::StatusOr<std::unique_ptr<sql::ResultSet>> rs =
            conn.Query(absl::StrCat(insert, " RETURNING id, request_id"));
        inserted = rs.status();
        if (rs.ok()) {
          inserted = conn.Guard("ticket ids", [&] {
            while ((*rs)->next()) {
              row_ids[std::string((*rs)->getString(2))] = (*rs)->getInt64(1);
            }
          });
        }
      } else {
        inserted = conn.Execute(insert);
      }
      if (absl::IsAlreadyExists(inserted)) {
        // Another ticket id or number clash is no caller's doing (they
        // are random and from the day counter): INTERNAL, and the batch
        // is then written order by order.
        if (!absl::StrContains(inserted.message(), "uk_ticket_request")) {
          return absl::InternalError(inserted.message());
        }
        if (!read_first) {
          // Not read before this run: run again reading them first.
          stored_before = true;
          return inserted;
        }
        return absl::AbortedError(absl::StrCat(
            "a request id was stored concurrently: ", inserted.message()));
      }
      RETURN_IF_ERROR(inserted);
      if (!returning) {
        RETURN_IF_ERROR(
            ReadByRequestId(conn, "SELECT t.id, t.request_id", 2, new_ids,
                            [&](sql::ResultSet& rs, const std::string& id) {
                              row_ids[id] = rs.getInt64(1);
                              return absl::OkStatus();
                            }));
      }
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
      } else if (auto row = row_ids.find(t.request_id); row != row_ids.end()) {
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
      // Earlier orders of the batch are candidates too: they were not yet
      // stored when the batch looked for repeats.
      for (const auto& [earlier, row] : written) {
        found[i].AddEarlier(row, earlier->ticket, earlier->signature);
      }
      found[i].Drop(out.record.row_id);  // never its own repeat
      if (!out.replayed) written.emplace_back(&t, out.record.row_id);
      out.candidates = found[i].Ranked();
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
  };
  absl::Status st = db::RunInTransaction(*pool_, body);
  if (stored_before) {
    read_first = true;
    st = db::RunInTransaction(*pool_, body);
  }
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

}  // namespace hotline::intake
