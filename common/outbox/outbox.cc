#include "common/outbox/outbox.h"

#include <cppconn/resultset.h>

#include <algorithm>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/db/sql_text.h"
#include "common/status/status.h"

namespace hotline::outbox {

// ------------------------------------------------------------------ Outbox

Outbox::Outbox(std::string producer, std::vector<std::string> subscribers)
    : producer_(std::move(producer)), subscribers_(std::move(subscribers)) {
  // One multi-row insert; LAST_INSERT_ID() is the outbox row just written.
  std::vector<std::string> rows(subscribers_.size(), "(?, LAST_INSERT_ID())");
  pending_sql_ =
      absl::StrCat("INSERT INTO outbox_pending (subscriber, outbox_id) VALUES ",
                   absl::StrJoin(rows, ", "));
}

absl::Status Outbox::Append(db::Connection& conn,
                            v1::TicketEvent* event) const {
  if (event->ticket_id().empty()) {
    return absl::InvalidArgumentError("event.ticket_id is required");
  }
  if (event->payload_case() == v1::TicketEvent::PAYLOAD_NOT_SET) {
    return absl::InvalidArgumentError("event.payload is required");
  }
  event->set_producer(producer_);
  event->clear_event_id();

  // Four round trips: the ticket's next seq (its row lock orders the
  // ticket's events) is left in LAST_INSERT_ID() for the outbox row, whose id
  // is then left there for the deliveries; one read returns both. The stored
  // event carries neither: the relay stamps seq and event_id from the row.
  ASSIGN_OR_RETURN(sql::PreparedStatement * next_seq,
                   conn.Prepare("INSERT INTO outbox_seq (ticket_id, seq) "
                                "VALUES (?, LAST_INSERT_ID(1)) "
                                "ON DUPLICATE KEY UPDATE "
                                "seq = LAST_INSERT_ID(seq + 1)"));
  ASSIGN_OR_RETURN(sql::PreparedStatement * insert,
                   conn.Prepare("INSERT INTO outbox (ticket_id, seq, event) "
                                "VALUES (?, LAST_INSERT_ID(), ?)"));
  event->clear_seq();
  const std::string bytes = event->SerializeAsString();
  RETURN_IF_ERROR(conn.Guard("outbox insert", [&] {
    next_seq->setString(1, event->ticket_id());
    next_seq->executeUpdate();
    insert->setString(1, event->ticket_id());
    std::istringstream blob(bytes);
    insert->setBlob(2, &blob);
    insert->executeUpdate();
  }));

  if (!subscribers_.empty()) {
    ASSIGN_OR_RETURN(sql::PreparedStatement * pending,
                     conn.Prepare(pending_sql_));
    RETURN_IF_ERROR(conn.Guard("outbox pending", [&] {
      for (size_t i = 0; i < subscribers_.size(); ++i) {
        pending->setString(static_cast<unsigned>(i + 1), subscribers_[i]);
      }
      pending->executeUpdate();
    }));
  }
  ASSIGN_OR_RETURN(sql::PreparedStatement * written,
                   conn.Prepare("SELECT id, seq FROM outbox "
                                "WHERE id = LAST_INSERT_ID()"));
  int64_t id = 0;
  RETURN_IF_ERROR(conn.Guard("outbox id", [&] {
    std::unique_ptr<sql::ResultSet> rs(written->executeQuery());
    rs->next();
    id = rs->getInt64(1);
    event->set_seq(rs->getInt64(2));
  }));
  event->set_event_id(absl::StrCat(producer_, "-", id));
  return absl::OkStatus();
}

absl::Status Outbox::AppendAll(
    db::Connection& conn, const std::vector<v1::TicketEvent*>& events) const {
  constexpr size_t kChunk = 500;
  for (size_t first = 0; first < events.size(); first += kChunk) {
    const std::vector<v1::TicketEvent*> chunk(
        events.begin() + first,
        events.begin() + std::min(events.size(), first + kChunk));
    std::vector<std::string> tickets;  // distinct, first-seen order
    absl::flat_hash_map<std::string, int> per_ticket;
    for (v1::TicketEvent* e : chunk) {
      if (e->ticket_id().empty()) {
        return absl::InvalidArgumentError("event.ticket_id is required");
      }
      if (e->payload_case() == v1::TicketEvent::PAYLOAD_NOT_SET) {
        return absl::InvalidArgumentError("event.payload is required");
      }
      e->set_producer(producer_);
      e->clear_event_id();
      e->clear_seq();
      if (per_ticket[e->ticket_id()]++ == 0) tickets.push_back(e->ticket_id());
    }
    const size_t n = chunk.size();

    // 1. Bump every ticket's seq once per event (rows apply in order).
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * bump,
        conn.Prepare(absl::StrCat("INSERT INTO outbox_seq (ticket_id, seq) "
                                  "VALUES ",
                                  db::SqlRows("(?, 1)", n),
                                  " ON DUPLICATE KEY UPDATE seq = seq + 1")));
    // 2. Read the tickets' last seq back.
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * last,
        conn.Prepare(absl::StrCat(
            "SELECT ticket_id, seq FROM outbox_seq WHERE ticket_id IN (",
            db::SqlRows("?", tickets.size()), ")")));
    absl::flat_hash_map<std::string, int64_t> next_seq;
    RETURN_IF_ERROR(conn.Guard("outbox seq", [&] {
      for (size_t i = 0; i < n; ++i) {
        bump->setString(static_cast<unsigned>(i + 1), chunk[i]->ticket_id());
      }
      bump->executeUpdate();
      for (size_t i = 0; i < tickets.size(); ++i) {
        last->setString(static_cast<unsigned>(i + 1), tickets[i]);
      }
      std::unique_ptr<sql::ResultSet> rs(last->executeQuery());
      while (rs->next()) {
        const std::string ticket = rs->getString(1);
        next_seq[ticket] = rs->getInt64(2) - per_ticket[ticket] + 1;
      }
    }));
    for (v1::TicketEvent* e : chunk) e->set_seq(next_seq[e->ticket_id()]++);

    // 3. The rows, and 4. their ids (by the unique (ticket_id, seq)).
    ASSIGN_OR_RETURN(sql::PreparedStatement * insert,
                     conn.Prepare(absl::StrCat(
                         "INSERT INTO outbox (ticket_id, seq, event) VALUES ",
                         db::SqlRows("(?, ?, ?)", n))));
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * ids,
        conn.Prepare(absl::StrCat(
            "SELECT id, ticket_id, seq FROM outbox WHERE (ticket_id, seq) IN (",
            db::SqlRows("(?, ?)", n), ")")));
    std::vector<int64_t> outbox_ids;
    RETURN_IF_ERROR(conn.Guard("outbox insert", [&]() -> absl::Status {
      std::vector<std::string> bytes(n);
      std::vector<std::unique_ptr<std::istringstream>> blobs;
      for (size_t i = 0; i < n; ++i) {
        v1::TicketEvent stored = *chunk[i];
        stored.clear_seq();
        bytes[i] = stored.SerializeAsString();
        blobs.push_back(std::make_unique<std::istringstream>(bytes[i]));
        insert->setString(static_cast<unsigned>(3 * i + 1),
                          chunk[i]->ticket_id());
        insert->setInt64(static_cast<unsigned>(3 * i + 2), chunk[i]->seq());
        insert->setBlob(static_cast<unsigned>(3 * i + 3), blobs.back().get());
        ids->setString(static_cast<unsigned>(2 * i + 1), chunk[i]->ticket_id());
        ids->setInt64(static_cast<unsigned>(2 * i + 2), chunk[i]->seq());
      }
      insert->executeUpdate();
      absl::flat_hash_map<std::string, int64_t> by_key;
      std::unique_ptr<sql::ResultSet> rs(ids->executeQuery());
      while (rs->next()) {
        by_key[absl::StrCat(std::string(rs->getString(2)), "\n",
                            rs->getInt64(3))] = rs->getInt64(1);
      }
      for (v1::TicketEvent* e : chunk) {
        auto it = by_key.find(absl::StrCat(e->ticket_id(), "\n", e->seq()));
        if (it == by_key.end()) {
          return absl::InternalError("outbox row not found after insert");
        }
        outbox_ids.push_back(it->second);
        e->set_event_id(absl::StrCat(producer_, "-", it->second));
      }
      return absl::OkStatus();
    }));

    // 5. One delivery per subscriber and event.
    if (subscribers_.empty()) continue;
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * pending,
        conn.Prepare(absl::StrCat(
            "INSERT INTO outbox_pending (subscriber, outbox_id) VALUES ",
            db::SqlRows("(?, ?)", n * subscribers_.size()))));
    RETURN_IF_ERROR(conn.Guard("outbox pending", [&] {
      unsigned k = 1;
      for (int64_t id : outbox_ids) {
        for (const std::string& subscriber : subscribers_) {
          pending->setString(k++, subscriber);
          pending->setInt64(k++, id);
        }
      }
      pending->executeUpdate();
    }));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::TicketEvent>> ReadTicketEvents(
    db::Connection& conn, absl::string_view producer,
    absl::string_view ticket_id) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * stmt,
                   conn.Prepare("SELECT id, seq, event FROM outbox "
                                "WHERE ticket_id = ? ORDER BY seq"));
  return conn.Guard(
      "outbox history", [&]() -> absl::StatusOr<std::vector<v1::TicketEvent>> {
        stmt->setString(1, std::string(ticket_id));
        std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
        std::vector<v1::TicketEvent> out;
        while (rs->next()) {
          v1::TicketEvent& e = out.emplace_back();
          std::unique_ptr<std::istream> blob(rs->getBlob(3));
          if (!e.ParseFromIstream(blob.get())) {
            return absl::DataLossError(absl::StrCat(
                "outbox row ", rs->getInt64(1), " does not parse"));
          }
          e.set_event_id(absl::StrCat(producer, "-", rs->getInt64(1)));
          e.set_seq(rs->getInt64(2));
        }
        return out;
      });
}

}  // namespace hotline::outbox
