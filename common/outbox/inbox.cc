// The consumer side: the inbox (exactly once, in order per ticket), the
// EventSink service over it, watermarks received. The contracts are in
// outbox.h.
#include <cppconn/resultset.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "common/db/sql_text.h"
#include "common/db/transaction.h"
#include "common/log/log.h"
#include "common/outbox/outbox.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "hotline/v1/events.grpc.pb.h"

namespace hotline::outbox {

// ------------------------------------------------------------------- Inbox

absl::Status ValidateEvent(const v1::TicketEvent& event,
                           absl::string_view field_prefix) {
  auto bad = [&](absl::string_view field, absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_prefix, ".", field, ": ", why));
  };
  if (event.event_id().empty() || event.event_id().size() > 64) {
    return bad("event_id", "required, 1-64 characters");
  }
  if (event.ticket_id().empty() || event.ticket_id().size() > 64) {
    return bad("ticket_id", "required, 1-64 characters");
  }
  if (event.seq() < 1) return bad("seq", "must be >= 1");
  if (!event.has_occurred_at()) return bad("occurred_at", "required");
  if (event.producer().empty() || event.producer().size() > 32) {
    return bad("producer", "required, 1-32 characters");
  }
  if (event.payload_case() == v1::TicketEvent::PAYLOAD_NOT_SET) {
    return bad("payload", "required");
  }
  return absl::OkStatus();
}

absl::string_view PayloadProducer(const v1::TicketEvent& event) {
  const int n = static_cast<int>(event.payload_case());
  if (n >= 10 && n <= 19) return "intake";
  if (n >= 20 && n <= 49) return "routing";
  if (n >= 50 && n <= 69) return "deadline";
  if (n >= 70 && n <= 79) return "assessment";
  return "";
}

namespace {

// A plain handler as an EventBatch that defers nothing.
class HandlerBatch final : public EventBatch {
 public:
  explicit HandlerBatch(const EventHandler* handler) : handler_(handler) {}
  absl::Status Handle(db::Connection& conn,
                      const v1::TicketEvent& event) override {
    return (*handler_)(conn, event);
  }
  absl::Status Finish(db::Connection&) override { return absl::OkStatus(); }

 private:
  const EventHandler* handler_;
};

}  // namespace

Inbox::Inbox(db::ConnectionPool* pool, EventHandler handler,
             std::string consumer,
             std::vector<v1::TicketEvent::PayloadCase> consumes)
    : pool_(pool),
      consumer_(std::move(consumer)),
      consumes_(std::move(consumes)) {
  auto shared = std::make_shared<const EventHandler>(std::move(handler));
  batches_ = [shared]() -> std::unique_ptr<EventBatch> {
    return std::make_unique<HandlerBatch>(shared.get());
  };
}

Inbox::Inbox(db::ConnectionPool* pool, EventBatchFactory batches,
             std::string consumer,
             std::vector<v1::TicketEvent::PayloadCase> consumes,
             BatchConcurrency concurrency)
    : pool_(pool),
      batches_(std::move(batches)),
      consumer_(std::move(consumer)),
      consumes_(std::move(consumes)),
      concurrency_(concurrency) {}

bool Inbox::Consumes(const v1::TicketEvent& event) const {
  return consumes_.empty() ||
         std::find(consumes_.begin(), consumes_.end(), event.payload_case()) !=
             consumes_.end();
}

std::vector<const v1::TicketEvent*> Inbox::Consumed(
    const std::vector<const v1::TicketEvent*>& events) const {
  std::vector<const v1::TicketEvent*> out;
  for (const v1::TicketEvent* e : events) {
    if (Consumes(*e)) out.push_back(e);
  }
  return out;
}

std::vector<absl::Mutex*> Inbox::BatchLocks(
    const std::vector<const v1::TicketEvent*>& events) {
  if (concurrency_ == BatchConcurrency::kOneAtATime) return {&batch_mu_};
  // By producer name: several producers' mutexes are taken in that order.
  std::map<std::string, absl::Mutex*> wanted;
  absl::MutexLock lock(&producers_mu_);
  for (const v1::TicketEvent* e : events) {
    std::unique_ptr<absl::Mutex>& mu = producer_mu_[e->producer()];
    if (mu == nullptr) mu = std::make_unique<absl::Mutex>();
    wanted.emplace(e->producer(), mu.get());
  }
  std::vector<absl::Mutex*> out;
  for (const auto& [producer, mu] : wanted) out.push_back(mu);
  return out;
}

absl::Status Inbox::Handle(db::Connection& conn, EventBatch& batch,
                           const v1::TicketEvent& event) {
  if (!Consumes(event)) return absl::OkStatus();  // not a kind it acts on
  return batch.Handle(conn, event);
}

namespace {

// Whether `sql` finds a row: its '?'s are `strings` in order, then `seq`
// when it is positive.
absl::StatusOr<bool> Exists(db::Connection& conn, const char* sql,
                            std::initializer_list<absl::string_view> strings,
                            int64_t seq = 0) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * stmt, conn.Prepare(sql));
  return conn.Guard("inbox order", [&] {
    unsigned k = 1;
    for (absl::string_view v : strings) stmt->setString(k++, std::string(v));
    if (seq > 0) stmt->setInt64(k, seq);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    return rs->next();
  });
}

// Whether the order check of a first event (seq 1) asks if this service
// knows the ticket: routing's first event follows the order intake created,
// which every consumer but intake itself heard of first.
bool NeedsKnownTicket(const v1::TicketEvent& event,
                      absl::string_view consumer) {
  if (event.producer() == "intake") return false;
  return event.producer() != "routing" || consumer == "intake";
}

// FAILED_PRECONDITION unless `event` may be applied now (Inbox::Apply).
absl::Status CheckOrder(db::Connection& conn, const v1::TicketEvent& event,
                        absl::string_view consumer) {
  if (event.seq() > 1) {
    ASSIGN_OR_RETURN(
        bool previous,
        Exists(conn,
               "SELECT 1 FROM inbox WHERE ticket_id = ? AND "
               "producer = ? AND seq = ?",
               {event.ticket_id(), event.producer()}, event.seq() - 1));
    if (!previous) {
      return absl::FailedPreconditionError(
          absl::StrCat(event.producer(), " seq ", event.seq(), " of ",
                       event.ticket_id(), " before seq ", event.seq() - 1));
    }
    return absl::OkStatus();
  }
  if (!NeedsKnownTicket(event, consumer)) return absl::OkStatus();
  // This service wrote of the ticket, or heard of it from another producer
  // (one round trip for both).
  ASSIGN_OR_RETURN(
      bool known,
      Exists(conn,
             "SELECT 1 FROM DUAL WHERE "
             "EXISTS (SELECT 1 FROM outbox_seq WHERE ticket_id = ?) OR "
             "EXISTS (SELECT 1 FROM inbox WHERE ticket_id = ? AND "
             "producer <> ?)",
             {event.ticket_id(), event.ticket_id(), event.producer()}));
  if (known) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(event.producer(), " speaks of ", event.ticket_id(),
                   ", which this service has not heard of"));
}

// The order checks of a batch, read up front in a few statements (per
// producer of the batch, per 128 tickets) instead of one per event: the seqs
// the producer's events of these tickets have in the inbox, which of the
// tickets another producer spoke of, and which this service wrote of. Only a
// positive answer is taken (rows are never deleted, so it stays true); a
// negative one is asked again at the event's turn (CheckOrder), after the
// events before it in the batch were applied.
class OrderChecks {
 public:
  // `checked`: the events whose seq n-1 is not earlier in the batch.
  absl::Status Read(db::Connection& conn,
                    const std::vector<const v1::TicketEvent*>& checked,
                    absl::string_view consumer) {
    // By producer: the tickets whose previous seq is asked, and those whose
    // first event asks whether the ticket is known.
    std::map<std::string, std::vector<std::string>> previous, first;
    std::vector<std::string> known;
    for (const v1::TicketEvent* e : checked) {
      if (e->seq() > 1) {
        previous[e->producer()].push_back(e->ticket_id());
      } else if (NeedsKnownTicket(*e, consumer)) {
        first[e->producer()].push_back(e->ticket_id());
        known.push_back(e->ticket_id());
      }
    }
    for (auto& [producer, tickets] : previous) {
      for (const std::vector<std::string>& chunk :
           db::PaddedIdChunks(std::move(tickets))) {
        RETURN_IF_ERROR(ForTickets(
            conn,
            "SELECT ticket_id, seq FROM inbox WHERE producer = ? AND "
            "ticket_id IN (",
            producer, chunk, [&](sql::ResultSet& rs) {
              recorded_.insert(
                  Key(producer, std::string(rs.getString(1)), rs.getInt64(2)));
            }));
      }
    }
    for (auto& [producer, tickets] : first) {
      for (const std::vector<std::string>& chunk :
           db::PaddedIdChunks(std::move(tickets))) {
        RETURN_IF_ERROR(ForTickets(
            conn,
            "SELECT DISTINCT ticket_id FROM inbox WHERE producer <> ? AND "
            "ticket_id IN (",
            producer, chunk, [&](sql::ResultSet& rs) {
              heard_elsewhere_.insert(
                  Key(producer, std::string(rs.getString(1)), 0));
            }));
      }
    }
    for (const std::vector<std::string>& chunk :
         db::PaddedIdChunks(std::move(known))) {
      RETURN_IF_ERROR(ForTickets(
          conn, "SELECT ticket_id FROM outbox_seq WHERE ticket_id IN (",
          std::nullopt, chunk, [&](sql::ResultSet& rs) {
            written_.insert(std::string(rs.getString(1)));
          }));
    }
    return absl::OkStatus();
  }

  // True when `event` may be applied as far as the rows read show.
  bool InOrder(const v1::TicketEvent& event, absl::string_view consumer) const {
    if (event.seq() > 1) {
      return recorded_.contains(
          Key(event.producer(), event.ticket_id(), event.seq() - 1));
    }
    if (!NeedsKnownTicket(event, consumer)) return true;
    return written_.contains(event.ticket_id()) ||
           heard_elsewhere_.contains(
               Key(event.producer(), event.ticket_id(), 0));
  }

 private:
  static std::string Key(absl::string_view producer, absl::string_view ticket,
                         int64_t seq) {
    return absl::StrCat(producer, "\x1f", ticket, "\x1f", seq);
  }

  // Runs `select` (ending in "ticket_id IN (") over `ids`, after `producer`
  // when given (the select's first parameter), each result row to `row`.
  static absl::Status ForTickets(db::Connection& conn, absl::string_view select,
                                 std::optional<absl::string_view> producer,
                                 const std::vector<std::string>& ids,
                                 absl::FunctionRef<void(sql::ResultSet&)> row) {
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * stmt,
        conn.Prepare(absl::StrCat(select, db::SqlRows("?", ids.size()), ")")));
    return conn.Guard("inbox order", [&] {
      unsigned k = 1;
      if (producer.has_value()) stmt->setString(k++, std::string(*producer));
      for (const std::string& id : ids) stmt->setString(k++, id);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next()) row(*rs);
    });
  }

  // Key(producer, ticket, seq): the producer's seq of the ticket is in the
  // inbox.
  absl::flat_hash_set<std::string> recorded_;
  // Key(producer, ticket, 0): another producer spoke of the ticket.
  absl::flat_hash_set<std::string> heard_elsewhere_;
  absl::flat_hash_set<std::string> written_;  // tickets in outbox_seq
};

bool IsPermanent(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kOutOfRange:
      return true;
    default:
      return false;
  }
}

constexpr char kRecordSql[] =
    "INSERT INTO inbox (event_id, producer, ticket_id, seq, outcome, detail) "
    "VALUES (?, ?, ?, ?, ?, ?)";

absl::Status Record(db::Connection& conn, const v1::TicketEvent& event,
                    absl::string_view outcome, absl::string_view detail) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * stmt, conn.Prepare(kRecordSql));
  return conn.Guard("inbox record", [&] {
    stmt->setString(1, event.event_id());
    stmt->setString(2, event.producer());
    stmt->setString(3, event.ticket_id());
    stmt->setInt64(4, event.seq());
    stmt->setString(5, std::string(outcome));
    stmt->setString(6, std::string(detail.substr(0, 500)));
    stmt->executeUpdate();
  });
}

absl::Status WriteWatermark(db::Connection& conn, const Watermark& watermark) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * stmt,
      conn.Prepare("INSERT INTO inbox_watermark (producer, watermark) VALUES "
                   "(?, ?) ON DUPLICATE KEY UPDATE watermark = "
                   "GREATEST(watermark, VALUES(watermark)), updated_at = "
                   "CURRENT_TIMESTAMP(6)"));
  return conn.Guard("record watermark", [&] {
    stmt->setString(1, watermark.producer.substr(0, 32));
    stmt->setString(2, db::SqlTime(watermark.at));
    stmt->executeUpdate();
  });
}

}  // namespace

absl::Status Inbox::Apply(const v1::TicketEvent& event,
                          const Watermark* watermark) {
  absl::Status handler_status;
  absl::Status out_of_order;
  absl::Status status =
      db::RunInTransaction(*pool_, [&](db::Connection& conn) -> absl::Status {
        handler_status = absl::OkStatus();
        out_of_order = absl::OkStatus();
        // The primary key makes a repeat fail here, before any effect; a
        // concurrent first delivery holds the key until it commits.
        absl::Status recorded = Record(conn, event, "applied", "");
        if (recorded.code() == absl::StatusCode::kAlreadyExists) {
          return recorded;
        }
        RETURN_IF_ERROR(recorded);
        if (absl::Status order = CheckOrder(conn, event, consumer_);
            !order.ok()) {
          out_of_order = order;
          return order;  // rolls the record back
        }
        // The handler's verdict includes what it deferred to the end of
        // the transaction.
        std::unique_ptr<EventBatch> batch = batches_();
        if (std::vector<const v1::TicketEvent*> consumed = Consumed({&event});
            !consumed.empty()) {
          handler_status = batch->Begin(conn, consumed);
        }
        if (handler_status.ok()) handler_status = Handle(conn, *batch, event);
        if (handler_status.ok()) handler_status = batch->Finish(conn);
        RETURN_IF_ERROR(handler_status);
        return watermark != nullptr ? WriteWatermark(conn, *watermark)
                                    : absl::OkStatus();
      });
  if (status.code() == absl::StatusCode::kAlreadyExists &&
      handler_status.ok()) {
    // Seen before.
    if (watermark == nullptr) return absl::OkStatus();
    return RecordWatermark(watermark->producer, watermark->at);
  }
  if (!out_of_order.ok()) {
    log::Warning("inbox.out_of_order",
                 {{"event_id", event.event_id()},
                  {"error", std::string(out_of_order.message())}});
    return out_of_order;
  }
  if (status.ok() || !IsPermanent(handler_status.code()) ||
      handler_status.ok()) {
    return status;
  }
  // The handler refused the event for good: record that, acknowledge it.
  log::Error("inbox.rejected",
             {{"event_id", event.event_id()},
              {"ticket_id", event.ticket_id()},
              {"error", std::string(handler_status.message())}});
  absl::Status rejected =
      db::RunInTransaction(*pool_, [&](db::Connection& conn) -> absl::Status {
        RETURN_IF_ERROR(
            Record(conn, event, "rejected", handler_status.message()));
        return watermark != nullptr ? WriteWatermark(conn, *watermark)
                                    : absl::OkStatus();
      });
  if (rejected.code() == absl::StatusCode::kAlreadyExists) {
    if (watermark == nullptr) return absl::OkStatus();
    return RecordWatermark(watermark->producer, watermark->at);
  }
  return rejected;
}

absl::Status Inbox::ApplyBatch(
    const std::vector<const v1::TicketEvent*>& events, size_t* failed_at,
    const Watermark* watermark) {
  if (failed_at != nullptr) *failed_at = events.size();
  if (events.empty()) return absl::OkStatus();
  // Where each (producer, ticket, seq) of the batch is: seq n-1 later in the
  // batch than seq n is a gap even though its inbox row is already written.
  auto key = [](const v1::TicketEvent& e, int64_t seq) {
    return absl::StrCat(e.producer(), "\x1f", e.ticket_id(), "\x1f", seq);
  };
  absl::flat_hash_map<std::string, size_t> position;
  for (size_t i = 0; i < events.size(); ++i) {
    position.emplace(key(*events[i], events[i]->seq()), i);
  }
  const std::vector<const v1::TicketEvent*> consumed = Consumed(events);
  // One batch at a time per Inbox, or per producer (BatchConcurrency).
  const std::vector<absl::Mutex*> locks = BatchLocks(events);
  for (absl::Mutex* mu : locks) mu->Lock();
  struct Unlock {
    const std::vector<absl::Mutex*>& locks;
    ~Unlock() {
      for (auto it = locks.rbegin(); it != locks.rend(); ++it) (*it)->Unlock();
    }
  } unlock{locks};
  size_t failed = events.size();
  absl::Status status =
      db::RunInTransaction(*pool_, [&](db::Connection& conn) -> absl::Status {
        failed = events.size();  // a retried run starts afresh
        std::unique_ptr<EventBatch> batch = batches_();
        // The rows in chunks of powers of two (≤ 9 distinct statements
        // prepared per session whatever the batch sizes). A row seen before
        // fails here (primary key), before any effect; a concurrent first
        // delivery holds the key until it commits.
        size_t done = 0;
        while (done < events.size()) {
          size_t chunk = 256;
          while (chunk > events.size() - done) chunk /= 2;
          ASSIGN_OR_RETURN(
              sql::PreparedStatement * insert,
              conn.Prepare(absl::StrCat(
                  "INSERT INTO inbox (event_id, producer, ticket_id, seq, "
                  "outcome, detail) VALUES ",
                  db::SqlRows("(?, ?, ?, ?, 'applied', '')", chunk))));
          RETURN_IF_ERROR(conn.Guard("inbox record batch", [&] {
            unsigned k = 1;
            for (size_t i = done; i < done + chunk; ++i) {
              insert->setString(k++, events[i]->event_id());
              insert->setString(k++, events[i]->producer());
              insert->setString(k++, events[i]->ticket_id());
              insert->setInt64(k++, events[i]->seq());
            }
            insert->executeUpdate();
          }));
          done += chunk;
        }
        // The order checks of the events whose seq n-1 is not earlier in
        // the batch, read together.
        std::vector<const v1::TicketEvent*> checked;
        for (const v1::TicketEvent* e : events) {
          if (e->seq() == 1 || !position.contains(key(*e, e->seq() - 1))) {
            checked.push_back(e);
          }
        }
        OrderChecks checks;
        RETURN_IF_ERROR(checks.Read(conn, checked, consumer_));
        // Before the first Handle: what the batch locks up front (a failure
        // here is not one event's either).
        if (!consumed.empty()) RETURN_IF_ERROR(batch->Begin(conn, consumed));
        // In order: seq n-1 of a ticket, when in this batch, is recorded and
        // its effect applied before seq n is checked and applied.
        for (size_t i = 0; i < events.size(); ++i) {
          const v1::TicketEvent& event = *events[i];
          absl::Status order = absl::OkStatus();
          auto previous = event.seq() > 1
                              ? position.find(key(event, event.seq() - 1))
                              : position.end();
          if (previous == position.end()) {
            if (!checks.InOrder(event, consumer_)) {
              order = CheckOrder(conn, event, consumer_);
            }
          } else if (previous->second > i) {
            order = absl::FailedPreconditionError(
                absl::StrCat(event.producer(), " seq ", event.seq(), " of ",
                             event.ticket_id(), " before seq ", event.seq() - 1,
                             " in the same batch"));
          }  // else: applied above in this transaction
          if (!order.ok()) {
            failed = i;
            return order;
          }
          if (absl::Status applied = Handle(conn, *batch, event);
              !applied.ok()) {
            failed = i;
            return applied;
          }
        }
        // What the events deferred; a failure here is not one event's
        // (failed stays events.size()): the caller goes one by one.
        RETURN_IF_ERROR(batch->Finish(conn));
        return watermark != nullptr ? WriteWatermark(conn, *watermark)
                                    : absl::OkStatus();
      });
  if (!status.ok() && failed_at != nullptr) *failed_at = failed;
  return status;
}

absl::Status Inbox::RecordWatermark(const std::string& producer,
                                    absl::Time watermark) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  return WriteWatermark(*conn, Watermark{producer, watermark});
}

absl::StatusOr<std::optional<absl::Time>> LowWatermark(db::Connection& conn,
                                                       absl::Duration fresh) {
  ASSIGN_OR_RETURN(auto rs,
                   conn.Query(absl::StrCat(
                       "SELECT MIN(watermark) FROM inbox_watermark "
                       "WHERE updated_at >= UTC_TIMESTAMP(6) - INTERVAL ",
                       absl::ToInt64Seconds(fresh), " SECOND")));
  return conn.Guard("low watermark", [&] {
    std::optional<absl::Time> out;
    if (rs->next() && !rs->isNull(1)) {
      out = db::ParseSqlTime(rs->getString(1));
    }
    return out;
  });
}

namespace {

class EventSinkImpl final : public v1::EventSink::Service {
 public:
  EventSinkImpl(Inbox* inbox, const server::CallGate* gate)
      : inbox_(inbox), gate_(gate) {}

  grpc::Status Publish(grpc::ServerContext* ctx, const v1::PublishRequest* req,
                       v1::PublishResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireNamedService(who));
          if (req->source_service().empty()) {
            return absl::InvalidArgumentError("source_service: required");
          }
          if (req->source_service() != who.service) {
            return absl::PermissionDeniedError(absl::StrCat(
                "source_service: \"", req->source_service(),
                "\" is not the caller's service \"", who.service, "\""));
          }
          if (req->events_size() > 500) {
            return absl::InvalidArgumentError("events: at most 500 per batch");
          }
          for (int i = 0; i < req->events_size(); ++i) {
            RETURN_IF_ERROR(
                ValidateEvent(req->events(i), absl::StrCat("events[", i, "]")));
          }
          // Forged or misrouted: refused whole, before anything is applied.
          for (int i = 0; i < req->events_size(); ++i) {
            const v1::TicketEvent& e = req->events(i);
            if (e.producer() != who.service) {
              return absl::PermissionDeniedError(absl::StrCat(
                  "events[", i, "].producer: \"", e.producer(),
                  "\" is not the caller's service \"", who.service, "\""));
            }
            if (PayloadProducer(e) != who.service) {
              return absl::PermissionDeniedError(absl::StrCat(
                  "events[", i, "].payload: field ",
                  static_cast<int>(e.payload_case()), " is an event of ",
                  PayloadProducer(e).empty() ? "no service"
                                             : PayloadProducer(e),
                  ", not of ", who.service));
            }
          }
          // The producer's promise holds only once everything before it is
          // applied: it goes with the run or event that completes the
          // request, in its transaction.
          std::optional<Watermark> watermark;
          if (req->has_watermark()) {
            ASSIGN_OR_RETURN(absl::Time at, ParseTimestampField(
                                                "watermark", req->watermark()));
            watermark = Watermark{req->source_service(), at};
          }
          bool watermark_recorded = false;
          // Runs of events in one transaction each (Inbox::ApplyBatch);
          // where a run fails, the events before the failing one go again as
          // one run, and the failing one alone through Inbox::Apply, which
          // gives it its own verdict (applied, seen before, rejected for
          // good, not yet in order, or a failure) exactly as before. A
          // redelivered batch (rows seen before) costs at most
          // kMaxBatchRuns failed runs before it goes one by one.
          constexpr int kMaxRun = 128;
          constexpr int kMaxBatchRuns = 4;
          const int n = req->events_size();
          int next = 0;  // the first event not acknowledged yet
          int batch_runs = 0;
          auto acknowledge = [&](int count) {
            for (int i = 0; i < count; ++i) {
              resp->add_acknowledged_event_ids(
                  req->events(next + i).event_id());
            }
            next += count;
          };
          // The watermark for a call whose events run up to the last one.
          auto completing = [&](int end) -> const Watermark* {
            return end == n && watermark.has_value() ? &*watermark : nullptr;
          };
          while (next < n) {
            const int run = std::min(n - next, kMaxRun);
            if (run > 1 && batch_runs < kMaxBatchRuns) {
              ++batch_runs;
              std::vector<const v1::TicketEvent*> events;
              for (int i = next; i < next + run; ++i) {
                events.push_back(&req->events(i));
              }
              size_t failed_at = events.size();
              const Watermark* with = completing(next + run);
              if (inbox_->ApplyBatch(events, &failed_at, with).ok()) {
                watermark_recorded = with != nullptr;
                acknowledge(run);
                continue;
              }
              if (failed_at > 1 && failed_at < events.size() &&
                  batch_runs < kMaxBatchRuns) {
                ++batch_runs;
                events.resize(failed_at);
                if (inbox_->ApplyBatch(events).ok()) {
                  acknowledge(static_cast<int>(failed_at));
                }
              }
            }
            const v1::TicketEvent& event = req->events(next);
            const Watermark* with = completing(next + 1);
            absl::Status applied = inbox_->Apply(event, with);
            if (applied.code() == absl::StatusCode::kFailedPrecondition) {
              // Not in sequence, or a ticket not known yet: this one and the
              // rest are resent (events.proto, EventSink.Publish).
              break;
            }
            if (!applied.ok()) {
              // Stop at the first failure: later events of the same ticket must
              // not overtake it. Unacknowledged events are sent again.
              if (resp->acknowledged_event_ids_size() == 0) return applied;
              log::Warning("inbox.partial",
                           {{"error", std::string(applied.message())}});
              break;
            }
            watermark_recorded = with != nullptr;
            acknowledge(1);
          }
          // A call without events (a heartbeat) records it on its own.
          if (watermark.has_value() && !watermark_recorded &&
              resp->acknowledged_event_ids_size() == req->events_size()) {
            RETURN_IF_ERROR(
                inbox_->RecordWatermark(watermark->producer, watermark->at));
          }
          return absl::OkStatus();
        });
  }

 private:
  Inbox* inbox_;
  const server::CallGate* gate_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewEventSinkService(
    Inbox* inbox, const server::CallGate* gate) {
  return std::make_unique<EventSinkImpl>(inbox, gate);
}

}  // namespace hotline::outbox
