#include "common/outbox/outbox.h"

#include <cppconn/resultset.h>

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/db/dialect.h"
#include "common/db/sql_text.h"
#include "common/status/status.h"

namespace hotline::outbox {

// ------------------------------------------------------------------ Outbox

Outbox::Outbox(std::string producer, std::vector<std::string> subscribers)
    : producer_(std::move(producer)), subscribers_(std::move(subscribers)) {
  // One multi-row insert: (subscriber, outbox id) per subscriber.
  pending_sql_ =
      absl::StrCat("INSERT INTO outbox_pending (subscriber, outbox_id) VALUES ",
                   db::SqlRows("(?, ?)", subscribers_.size()));
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

  // Three round trips: the ticket's next seq (its row lock orders the
  // ticket's events) is left in LAST_INSERT_ID() for the outbox row, which
  // returns its id and seq (RETURNING: no read-back; on a server without it,
  // MySQL 8, one read by LAST_INSERT_ID() instead); then the deliveries.
  // The event's bytes go as a plain parameter (no long-data packet). The
  // stored event carries neither seq nor event_id: the relay stamps them
  // from the row.
  ASSIGN_OR_RETURN(const bool returning, db::InsertReturning(conn));
  ASSIGN_OR_RETURN(sql::PreparedStatement * next_seq,
                   conn.Prepare("INSERT INTO outbox_seq (ticket_id, seq) "
                                "VALUES (?, LAST_INSERT_ID(1)) "
                                "ON DUPLICATE KEY UPDATE "
                                "seq = LAST_INSERT_ID(seq + 1)"));
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * insert,
      conn.Prepare(absl::StrCat("INSERT INTO outbox (ticket_id, seq, event) "
                                "VALUES (?, LAST_INSERT_ID(), ?)",
                                returning ? " RETURNING id, seq" : "")));
  sql::PreparedStatement* written = nullptr;
  if (!returning) {
    ASSIGN_OR_RETURN(written, conn.Prepare("SELECT id, seq FROM outbox "
                                           "WHERE id = LAST_INSERT_ID()"));
  }
  event->clear_seq();
  const std::string bytes = event->SerializeAsString();
  int64_t id = 0;
  RETURN_IF_ERROR(conn.Guard("outbox insert", [&]() -> absl::Status {
    next_seq->setString(1, event->ticket_id());
    next_seq->executeUpdate();
    insert->setString(1, event->ticket_id());
    insert->setString(2, bytes);
    std::unique_ptr<sql::ResultSet> rs;
    if (returning) {
      rs.reset(insert->executeQuery());
    } else {
      insert->executeUpdate();
      rs.reset(written->executeQuery());
    }
    if (!rs->next()) {
      return absl::InternalError("outbox insert returned no row");
    }
    id = rs->getInt64(1);
    event->set_seq(rs->getInt64(2));
    return absl::OkStatus();
  }));

  if (!subscribers_.empty()) {
    ASSIGN_OR_RETURN(sql::PreparedStatement * pending,
                     conn.Prepare(pending_sql_));
    RETURN_IF_ERROR(conn.Guard("outbox pending", [&] {
      for (size_t i = 0; i < subscribers_.size(); ++i) {
        pending->setString(static_cast<unsigned>(2 * i + 1), subscribers_[i]);
        pending->setInt64(static_cast<unsigned>(2 * i + 2), id);
      }
      pending->executeUpdate();
    }));
    if (after_commit_) conn.AfterCommit(after_commit_);
  }
  event->set_event_id(absl::StrCat(producer_, "-", id));
  return absl::OkStatus();
}

absl::Status Outbox::AppendAll(
    db::Connection& conn, const std::vector<v1::TicketEvent*>& events) const {
  for (v1::TicketEvent* e : events) {
    if (e->ticket_id().empty()) {
      return absl::InvalidArgumentError("event.ticket_id is required");
    }
    if (e->payload_case() == v1::TicketEvent::PAYLOAD_NOT_SET) {
      return absl::InvalidArgumentError("event.payload is required");
    }
  }
  ASSIGN_OR_RETURN(const bool returning, db::InsertReturning(conn));
  size_t first = 0;
  while (first < events.size()) {
    const size_t n = db::RowsInNextChunk(events.size() - first);
    const std::vector<v1::TicketEvent*> chunk(events.begin() + first,
                                              events.begin() + first + n);
    first += n;
    // Without RETURNING: each ticket's events in the chunk, to number them
    // from its last seq read back.
    std::vector<std::string> tickets;  // distinct, first-seen order
    absl::flat_hash_map<std::string, int> per_ticket;
    for (v1::TicketEvent* e : chunk) {
      e->set_producer(producer_);
      e->clear_event_id();
      e->clear_seq();
      if (!returning && per_ticket[e->ticket_id()]++ == 0) {
        tickets.push_back(e->ticket_id());
      }
    }
    // The IN list padded (with the last ticket again) to a power of two.
    const size_t in_list = db::PowerOfTwoAtLeast(tickets.size());

    // 1. Bump every ticket's seq once per event (rows apply in order):
    // with RETURNING each row gives its event's seq; without it (MySQL 8)
    // 2. the tickets' last seq is read back.
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * bump,
        conn.Prepare(absl::StrCat(
            "INSERT INTO outbox_seq (ticket_id, seq) VALUES ",
            db::SqlRows("(?, 1)", n), " ON DUPLICATE KEY UPDATE seq = seq + 1",
            returning ? " RETURNING seq" : "")));
    sql::PreparedStatement* last = nullptr;
    if (!returning) {
      ASSIGN_OR_RETURN(
          last,
          conn.Prepare(absl::StrCat(
              "SELECT ticket_id, seq FROM outbox_seq WHERE ticket_id IN (",
              db::SqlRows("?", in_list), ")")));
    }
    RETURN_IF_ERROR(conn.Guard("outbox seq", [&]() -> absl::Status {
      for (size_t i = 0; i < n; ++i) {
        bump->setString(static_cast<unsigned>(i + 1), chunk[i]->ticket_id());
      }
      if (returning) {
        std::unique_ptr<sql::ResultSet> rs(bump->executeQuery());
        size_t i = 0;
        for (; i < n && rs->next(); ++i) chunk[i]->set_seq(rs->getInt64(1));
        if (i != n) {
          return absl::InternalError(
              absl::StrCat("outbox seq: ", i, " seqs for ", n, " events"));
        }
        return absl::OkStatus();
      }
      bump->executeUpdate();
      for (size_t i = 0; i < in_list; ++i) {
        last->setString(static_cast<unsigned>(i + 1),
                        tickets[std::min(i, tickets.size() - 1)]);
      }
      absl::flat_hash_map<std::string, int64_t> next_seq;
      std::unique_ptr<sql::ResultSet> rs(last->executeQuery());
      while (rs->next()) {
        const std::string ticket = rs->getString(1);
        next_seq[ticket] = rs->getInt64(2) - per_ticket[ticket] + 1;
      }
      for (v1::TicketEvent* e : chunk) e->set_seq(next_seq[e->ticket_id()]++);
      return absl::OkStatus();
    }));

    // 3. The rows, returning their ids in the rows' order (RETURNING: no
    // read-back; on a server without it, MySQL 8, read back by the unique
    // (ticket_id, seq)); the bytes as plain parameters.
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * insert,
        conn.Prepare(absl::StrCat(
            "INSERT INTO outbox (ticket_id, seq, event) VALUES ",
            db::SqlRows("(?, ?, ?)", n), returning ? " RETURNING id" : "")));
    sql::PreparedStatement* read_ids = nullptr;
    if (!returning) {
      ASSIGN_OR_RETURN(
          read_ids,
          conn.Prepare(absl::StrCat(
              "SELECT id, ticket_id, seq FROM outbox WHERE (ticket_id, seq) "
              "IN (",
              db::SqlRows("(?, ?)", n), ")")));
    }
    std::vector<int64_t> outbox_ids;
    RETURN_IF_ERROR(conn.Guard("outbox insert", [&]() -> absl::Status {
      for (size_t i = 0; i < n; ++i) {
        v1::TicketEvent stored = *chunk[i];
        stored.clear_seq();
        insert->setString(static_cast<unsigned>(3 * i + 1),
                          chunk[i]->ticket_id());
        insert->setInt64(static_cast<unsigned>(3 * i + 2), chunk[i]->seq());
        insert->setString(static_cast<unsigned>(3 * i + 3),
                          stored.SerializeAsString());
      }
      if (returning) {
        std::unique_ptr<sql::ResultSet> rs(insert->executeQuery());
        while (rs->next() && outbox_ids.size() < n) {
          outbox_ids.push_back(rs->getInt64(1));
        }
      } else {
        insert->executeUpdate();
        for (size_t i = 0; i < n; ++i) {
          read_ids->setString(static_cast<unsigned>(2 * i + 1),
                              chunk[i]->ticket_id());
          read_ids->setInt64(static_cast<unsigned>(2 * i + 2), chunk[i]->seq());
        }
        absl::flat_hash_map<std::string, int64_t> by_key;
        std::unique_ptr<sql::ResultSet> rs(read_ids->executeQuery());
        while (rs->next()) {
          by_key[absl::StrCat(std::string(rs->getString(2)), "\n",
                              rs->getInt64(3))] = rs->getInt64(1);
        }
        for (v1::TicketEvent* e : chunk) {
          auto it = by_key.find(absl::StrCat(e->ticket_id(), "\n", e->seq()));
          if (it == by_key.end()) break;
          outbox_ids.push_back(it->second);
        }
      }
      if (outbox_ids.size() != n) {
        return absl::InternalError(absl::StrCat(
            "outbox insert: ", outbox_ids.size(), " ids for ", n, " rows"));
      }
      for (size_t i = 0; i < n; ++i) {
        chunk[i]->set_event_id(absl::StrCat(producer_, "-", outbox_ids[i]));
      }
      return absl::OkStatus();
    }));

    // 4. One delivery per subscriber and event.
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
  if (!subscribers_.empty() && !events.empty() && after_commit_) {
    conn.AfterCommit(after_commit_);
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
