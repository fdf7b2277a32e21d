#include "common/outbox/outbox.h"

#include <cppconn/resultset.h>
#include <grpcpp/grpcpp.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/db/sql_text.h"
#include "common/db/transaction.h"
#include "common/log/log.h"
#include "common/server/proto_time.h"
#include "common/server/tls.h"
#include "common/status/status.h"
#include "hotline/v1/admin.grpc.pb.h"
#include "hotline/v1/events.grpc.pb.h"

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

namespace {

// "(?, ?), (?, ?)" for `rows` rows of `row`.
std::string Rows(absl::string_view row, size_t rows) {
  return absl::StrJoin(std::vector<absl::string_view>(rows, row), ", ");
}

}  // namespace

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
                                  Rows("(?, 1)", n),
                                  " ON DUPLICATE KEY UPDATE seq = seq + 1")));
    // 2. Read the tickets' last seq back.
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * last,
        conn.Prepare(absl::StrCat(
            "SELECT ticket_id, seq FROM outbox_seq WHERE ticket_id IN (",
            Rows("?", tickets.size()), ")")));
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
                         Rows("(?, ?, ?)", n))));
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * ids,
        conn.Prepare(absl::StrCat(
            "SELECT id, ticket_id, seq FROM outbox WHERE (ticket_id, seq) IN (",
            Rows("(?, ?)", n), ")")));
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
            Rows("(?, ?)", n * subscribers_.size()))));
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

// ------------------------------------------------------------------- Relay

struct Relay::Target {
  config::Subscriber subscriber;
  std::unique_ptr<v1::EventSink::Stub> stub;
  absl::Duration backoff = absl::ZeroDuration();
  absl::Time next_attempt = absl::InfinitePast();
  bool failing = false;
  // The last watermark the subscriber acknowledged, and when (real time).
  absl::Time watermark_sent = absl::InfinitePast();
  absl::Time heartbeat_at = absl::InfinitePast();
  // Lag (MeasureLag), under lag_mu_.
  bool behind = false;
  absl::Time behind_logged = absl::InfinitePast();  // real time
  bool failing_seen = false;  // `failing`, as published by the thread
  std::string last_error;
  prometheus::Gauge* pending_gauge = nullptr;
  prometheus::Gauge* age_gauge = nullptr;
};

Relay::Relay(db::ConnectionPool* pool, std::string producer,
             std::vector<config::Subscriber> subscribers, RelayOptions options)
    : pool_(pool), producer_(std::move(producer)), options_(options) {
  for (auto& s : subscribers) {
    auto t = std::make_unique<Target>();
    // Reconnect quickly once a subscriber is back; the relay does its own,
    // longer backoff between rounds.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
    // A subscriber with several replicas (dns:///name:port resolving to
    // each) gets the batches spread over them.
    args.SetLoadBalancingPolicyName("round_robin");
    // With TLS, the subscriber must hold the certificate of its name.
    t->stub = v1::EventSink::NewStub(server::NewPeerChannel(
        config::ChannelTarget(s.address), s.name,
        options_.credentials != nullptr ? options_.credentials
                                        : grpc::InsecureChannelCredentials(),
        args));
    t->subscriber = std::move(s);
    targets_.push_back(std::move(t));
  }
  if (options_.registry != nullptr) {
    auto& pending = prometheus::BuildGauge()
                        .Name("hotline_outbox_pending")
                        .Help("Events not yet acknowledged by the subscriber")
                        .Register(*options_.registry);
    auto& age = prometheus::BuildGauge()
                    .Name("hotline_outbox_oldest_age_seconds")
                    .Help(
                        "Age of the oldest event not yet acknowledged by "
                        "the subscriber (producer's clock; 0 when none)")
                    .Register(*options_.registry);
    for (auto& t : targets_) {
      t->pending_gauge = &pending.Add({{"subscriber", t->subscriber.name}});
      t->age_gauge = &age.Add({{"subscriber", t->subscriber.name}});
    }
  }
}

Relay::~Relay() { Stop(); }

void Relay::SetAfterSendHookForTest(std::function<bool()> hook) {
  after_send_hook_ = std::move(hook);
}

absl::Status Relay::EnsureLeases() {
  if (leases_ready_) return absl::OkStatus();
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * stmt,
      conn->Prepare("INSERT IGNORE INTO outbox_lease (subscriber) VALUES (?)"));
  for (const auto& t : targets_) {
    RETURN_IF_ERROR(conn->Guard("outbox lease", [&] {
      stmt->setString(1, t->subscriber.name);
      stmt->executeUpdate();
    }));
  }
  leases_ready_ = true;
  return absl::OkStatus();
}

absl::StatusOr<int> Relay::DeliverOnce(const std::string& subscriber) {
  Target* target = nullptr;
  for (auto& t : targets_) {
    if (t->subscriber.name == subscriber) target = t.get();
  }
  if (target == nullptr) {
    return absl::NotFoundError(absl::StrCat("no subscriber ", subscriber));
  }
  RETURN_IF_ERROR(EnsureLeases());

  db::TxnOptions txn;
  txn.max_attempts = 1;  // a failed round is simply tried again later
  return db::RunInTransaction(
      *pool_,
      [&](db::Connection& conn) -> absl::StatusOr<int> {
        ASSIGN_OR_RETURN(sql::PreparedStatement * lease,
                         conn.Prepare("SELECT subscriber FROM outbox_lease "
                                      "WHERE subscriber = ? "
                                      "FOR UPDATE SKIP LOCKED"));
        ASSIGN_OR_RETURN(bool held, conn.Guard("claim lease", [&] {
          lease->setString(1, subscriber);
          std::unique_ptr<sql::ResultSet> rs(lease->executeQuery());
          return rs->next();
        }));
        if (!held) return 0;  // another relay is delivering to it
        // Read before the pending rows: an event committed after them was
        // stamped after this instant (less the skew), or is in the next
        // round's watermark.
        const std::optional<absl::Time> watermark =
            options_.clock == nullptr
                ? std::nullopt
                : std::optional<absl::Time>(options_.clock->Now() -
                                            options_.watermark_skew);

        ASSIGN_OR_RETURN(
            sql::PreparedStatement * batch,
            conn.Prepare("SELECT o.id, o.seq, o.event FROM outbox_pending p "
                         "JOIN outbox o ON o.id = p.outbox_id "
                         "WHERE p.subscriber = ? ORDER BY p.outbox_id "
                         "LIMIT ?"));
        v1::PublishRequest request;
        request.set_source_service(producer_);
        std::vector<int64_t> ids;
        RETURN_IF_ERROR(conn.Guard("read pending", [&]() -> absl::Status {
          batch->setString(1, subscriber);
          batch->setInt(2, options_.batch_size);
          std::unique_ptr<sql::ResultSet> rs(batch->executeQuery());
          while (rs->next()) {
            const int64_t id = rs->getInt64(1);
            std::unique_ptr<std::istream> blob(rs->getBlob(3));
            v1::TicketEvent* e = request.add_events();
            if (!e->ParseFromIstream(blob.get())) {
              return absl::DataLossError(
                  absl::StrCat("outbox row ", id, " does not parse"));
            }
            e->set_event_id(absl::StrCat(producer_, "-", id));
            e->set_seq(rs->getInt64(2));
            ids.push_back(id);
          }
          return absl::OkStatus();
        }));
        // The batch drains the backlog: the promise goes with it. Idle: a
        // heartbeat, when the watermark advanced (not more often than the
        // interval).
        const bool drains = static_cast<int>(ids.size()) < options_.batch_size;
        if (watermark.has_value() && drains) {
          const bool heartbeat_due =
              ids.empty() && *watermark > target->watermark_sent &&
              absl::Now() - target->heartbeat_at >= options_.heartbeat_interval;
          if (!ids.empty() || heartbeat_due) {
            *request.mutable_watermark() = ToProto(*watermark);
          }
        }
        if (ids.empty() && !request.has_watermark()) return 0;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoMicroseconds(options_.rpc_timeout));
        if (!options_.service_token.empty()) {
          ctx.AddMetadata("authorization",
                          absl::StrCat("Bearer ", options_.service_token));
        }
        v1::PublishResponse response;
        grpc::Status sent = target->stub->Publish(&ctx, request, &response);
        if (!sent.ok()) {
          return absl::UnavailableError(absl::StrCat(
              "publish to ", subscriber, " (", target->subscriber.address,
              "): ", sent.error_message(), " [",
              static_cast<int>(sent.error_code()), "]"));
        }
        if (after_send_hook_ && !after_send_hook_()) {
          return absl::AbortedError("relay abandoned the round (test hook)");
        }
        if (request.has_watermark() &&
            response.acknowledged_event_ids_size() == request.events_size()) {
          target->watermark_sent = FromProto(request.watermark());
          target->heartbeat_at = absl::Now();
        }

        absl::flat_hash_set<std::string> acked(
            response.acknowledged_event_ids().begin(),
            response.acknowledged_event_ids().end());
        std::vector<std::string> done;
        for (size_t i = 0; i < ids.size(); ++i) {
          if (acked.contains(request.events(i).event_id())) {
            done.push_back(absl::StrCat(ids[i]));
          }
        }
        if (done.empty()) return 0;
        // Integer ids only, so the literal list is safe.
        ASSIGN_OR_RETURN(sql::PreparedStatement * count,
                         conn.Prepare("UPDATE outbox_lease SET delivered = "
                                      "delivered + ?, last_delivered_at = "
                                      "UTC_TIMESTAMP(6) WHERE subscriber = ?"));
        RETURN_IF_ERROR(conn.Execute(absl::StrCat(
            "DELETE FROM outbox_pending WHERE subscriber = '", subscriber,
            "' AND outbox_id IN (", absl::StrJoin(done, ","), ")")));
        RETURN_IF_ERROR(conn.Guard("count delivered", [&] {
          count->setInt(1, static_cast<int>(done.size()));
          count->setString(2, subscriber);
          count->executeUpdate();
        }));
        return static_cast<int>(done.size());
      },
      txn);
}

void Relay::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Relay::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Relay::Wake() {
  absl::MutexLock lock(&mu_);
  wake_ = true;
}

void Relay::Loop() {
  while (true) {
    bool busy = false;
    const absl::Time now = absl::Now();
    for (auto& t : targets_) {
      if (now < t->next_attempt) continue;
      absl::StatusOr<int> n = DeliverOnce(t->subscriber.name);
      if (n.ok()) {
        if (t->failing) {
          log::Info("relay.recovered", {{"subscriber", t->subscriber.name}});
        }
        t->failing = false;
        {
          absl::MutexLock lock(&lag_mu_);
          t->failing_seen = false;
          t->last_error.clear();
        }
        t->backoff = absl::ZeroDuration();
        t->next_attempt = absl::InfinitePast();
        busy |= *n > 0;
      } else {
        t->backoff = t->backoff == absl::ZeroDuration()
                         ? options_.initial_backoff
                         : std::min(t->backoff * 2, options_.max_backoff);
        t->next_attempt = absl::Now() + t->backoff;
        if (!t->failing) {
          log::Warning("relay.failing",
                       {{"subscriber", t->subscriber.name},
                        {"error", std::string(n.status().message())}});
        }
        t->failing = true;
        absl::MutexLock lock(&lag_mu_);
        t->failing_seen = true;
        t->last_error = std::string(n.status().message()).substr(0, 500);
      }
    }
    if (absl::Now() - lag_measured_ >= options_.lag_interval) {
      lag_measured_ = absl::Now();
      // Errors (database away) are the delivery's to report.
      (void)MeasureLag();
    }
    absl::MutexLock lock(&mu_);
    if (stop_) return;
    if (busy) continue;  // more may be pending: go again at once
    auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stop_ || wake_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&woken), options_.poll_interval);
    wake_ = false;
    if (stop_) return;
  }
}

absl::StatusOr<std::vector<SubscriptionLag>> Relay::MeasureLag() {
  absl::MutexLock lock(&lag_mu_);
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(sql::PreparedStatement * count,
                   conn->Prepare("SELECT COUNT(*), MIN(outbox_id) "
                                 "FROM outbox_pending WHERE subscriber = ?"));
  ASSIGN_OR_RETURN(sql::PreparedStatement * oldest,
                   conn->Prepare("SELECT event FROM outbox WHERE id = ?"));
  const absl::Time now =
      options_.clock != nullptr ? options_.clock->Now() : absl::Now();
  std::vector<SubscriptionLag> out;
  for (auto& t : targets_) {
    SubscriptionLag& lag = out.emplace_back();
    lag.subscriber = t->subscriber.name;
    int64_t min_id = 0;
    RETURN_IF_ERROR(conn->Guard("lag count", [&] {
      count->setString(1, t->subscriber.name);
      std::unique_ptr<sql::ResultSet> rs(count->executeQuery());
      if (rs->next()) {
        lag.pending = rs->getInt64(1);
        if (!rs->isNull(2)) min_id = rs->getInt64(2);
      }
    }));
    if (min_id > 0) {
      RETURN_IF_ERROR(conn->Guard("lag oldest", [&] {
        oldest->setInt64(1, min_id);
        std::unique_ptr<sql::ResultSet> rs(oldest->executeQuery());
        if (!rs->next()) return;  // delivered meanwhile
        std::unique_ptr<std::istream> blob(rs->getBlob(1));
        v1::TicketEvent e;
        if (e.ParseFromIstream(blob.get()) && e.has_occurred_at()) {
          lag.oldest_occurred_at = FromProto(e.occurred_at());
        }
      }));
    }
    if (lag.oldest_occurred_at.has_value()) {
      lag.oldest_age =
          std::max(absl::ZeroDuration(), now - *lag.oldest_occurred_at);
    }

    // Behind past the threshold; caught up again under half of it.
    const absl::Time real_now = absl::Now();
    const std::string pending = absl::StrCat(lag.pending);
    const std::string age = absl::StrCat(absl::ToDoubleSeconds(lag.oldest_age));
    if (lag.oldest_age > options_.behind_after) {
      if (!t->behind ||
          real_now - t->behind_logged >= options_.behind_log_interval) {
        log::Warning(t->behind ? "relay.still_behind" : "relay.behind",
                     {{"subscriber", t->subscriber.name},
                      {"pending", pending},
                      {"oldest_age_s", age}});
        t->behind = true;
        t->behind_logged = real_now;
      }
    } else if (t->behind && lag.oldest_age <= options_.behind_after / 2) {
      t->behind = false;
      log::Info("relay.caught_up", {{"subscriber", t->subscriber.name},
                                    {"pending", pending},
                                    {"oldest_age_s", age}});
    }
    lag.behind = t->behind;
    lag.failing = t->failing_seen;
    lag.last_error = t->last_error;
    if (t->pending_gauge != nullptr) {
      t->pending_gauge->Set(static_cast<double>(lag.pending));
      t->age_gauge->Set(absl::ToDoubleSeconds(lag.oldest_age));
    }
  }
  return out;
}

namespace {

class EventAdminImpl final : public v1::EventAdmin::Service {
 public:
  EventAdminImpl(Relay* relay, const server::CallGate* gate)
      : relay_(relay), gate_(gate) {}

  grpc::Status GetSubscriptionLag(
      grpc::ServerContext* ctx, const v1::GetSubscriptionLagRequest*,
      v1::GetSubscriptionLagResponse* resp) override {
    return server::Handle(
        *gate_, ctx, [&](const auth::Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(
              who, {auth::Role::kService, auth::Role::kCenterStaff,
                    auth::Role::kAuditor}));
          ASSIGN_OR_RETURN(std::vector<SubscriptionLag> lags,
                           relay_->MeasureLag());
          resp->set_service(relay_->producer());
          *resp->mutable_measured_at() =
              ToProto(relay_->clock() != nullptr ? relay_->clock()->Now()
                                                 : absl::Now());
          for (const SubscriptionLag& lag : lags) {
            v1::SubscriptionLag* s = resp->add_subscriptions();
            s->set_subscriber(lag.subscriber);
            s->set_pending(lag.pending);
            if (lag.oldest_occurred_at.has_value()) {
              *s->mutable_oldest_occurred_at() =
                  ToProto(*lag.oldest_occurred_at);
            }
            const int64_t micros = absl::ToInt64Microseconds(lag.oldest_age);
            s->mutable_oldest_age()->set_seconds(micros / 1000000);
            s->mutable_oldest_age()->set_nanos(
                static_cast<int32_t>(micros % 1000000) * 1000);
            s->set_behind(lag.behind);
            s->set_failing(lag.failing);
            s->set_last_error(lag.last_error);
          }
          return absl::OkStatus();
        });
  }

 private:
  Relay* relay_;
  const server::CallGate* gate_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewEventAdminService(
    Relay* relay, const server::CallGate* gate) {
  return std::make_unique<EventAdminImpl>(relay, gate);
}

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

Inbox::Inbox(db::ConnectionPool* pool, EventHandler handler,
             std::string consumer,
             std::vector<v1::TicketEvent::PayloadCase> consumes)
    : pool_(pool),
      handler_(std::move(handler)),
      consumer_(std::move(consumer)),
      consumes_(std::move(consumes)) {}

absl::Status Inbox::Handle(db::Connection& conn,
                           const v1::TicketEvent& event) {
  if (!consumes_.empty() &&
      std::find(consumes_.begin(), consumes_.end(), event.payload_case()) ==
          consumes_.end()) {
    return absl::OkStatus();  // not a kind this service acts on
  }
  return handler_(conn, event);
}

namespace {

// Whether `sql` (one '?' for the ticket, then optionally one for the
// producer and one for the seq) finds a row.
absl::StatusOr<bool> Exists(db::Connection& conn, const char* sql,
                            const v1::TicketEvent& event, bool producer,
                            int64_t seq) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * stmt, conn.Prepare(sql));
  return conn.Guard("inbox order", [&] {
    stmt->setString(1, event.ticket_id());
    if (producer) stmt->setString(2, event.producer());
    if (seq > 0) stmt->setInt64(3, seq);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    return rs->next();
  });
}

// FAILED_PRECONDITION unless `event` may be applied now (Inbox::Apply).
absl::Status CheckOrder(db::Connection& conn, const v1::TicketEvent& event,
                        absl::string_view consumer) {
  if (event.seq() > 1) {
    ASSIGN_OR_RETURN(bool previous,
                     Exists(conn,
                            "SELECT 1 FROM inbox WHERE ticket_id = ? AND "
                            "producer = ? AND seq = ?",
                            event, true, event.seq() - 1));
    if (!previous) {
      return absl::FailedPreconditionError(
          absl::StrCat(event.producer(), " seq ", event.seq(), " of ",
                       event.ticket_id(), " before seq ", event.seq() - 1));
    }
    return absl::OkStatus();
  }
  if (event.producer() == "intake") return absl::OkStatus();
  if (event.producer() == "routing" && consumer != "intake") {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(bool wrote,
                   Exists(conn, "SELECT 1 FROM outbox_seq WHERE ticket_id = ?",
                          event, false, 0));
  if (wrote) return absl::OkStatus();
  ASSIGN_OR_RETURN(bool heard,
                   Exists(conn,
                          "SELECT 1 FROM inbox WHERE ticket_id = ? AND "
                          "producer <> ? LIMIT 1",
                          event, true, 0));
  if (heard) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(event.producer(), " speaks of ", event.ticket_id(),
                   ", which this service has not heard of"));
}

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

}  // namespace

absl::Status Inbox::Apply(const v1::TicketEvent& event) {
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
        handler_status = Handle(conn, event);
        return handler_status;
      });
  if (status.code() == absl::StatusCode::kAlreadyExists &&
      handler_status.ok()) {
    return absl::OkStatus();  // seen before
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
      db::RunInTransaction(*pool_, [&](db::Connection& conn) {
        return Record(conn, event, "rejected", handler_status.message());
      });
  if (rejected.code() == absl::StatusCode::kAlreadyExists) {
    return absl::OkStatus();
  }
  return rejected;
}

absl::Status Inbox::ApplyBatch(
    const std::vector<const v1::TicketEvent*>& events, size_t* failed_at) {
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
  absl::MutexLock lock(&batch_mu_);
  size_t failed = events.size();
  absl::Status status =
      db::RunInTransaction(*pool_, [&](db::Connection& conn) -> absl::Status {
        failed = events.size();  // a retried run starts afresh
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
                  Rows("(?, ?, ?, ?, 'applied', '')", chunk))));
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
        // In order: seq n-1 of a ticket, when in this batch, is recorded and
        // its effect applied before seq n is checked and applied.
        for (size_t i = 0; i < events.size(); ++i) {
          const v1::TicketEvent& event = *events[i];
          absl::Status order = absl::OkStatus();
          auto previous = event.seq() > 1
                              ? position.find(key(event, event.seq() - 1))
                              : position.end();
          if (previous == position.end()) {
            order = CheckOrder(conn, event, consumer_);
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
          if (absl::Status applied = Handle(conn, event); !applied.ok()) {
            failed = i;
            return applied;
          }
        }
        return absl::OkStatus();
      });
  if (!status.ok() && failed_at != nullptr) *failed_at = failed;
  return status;
}

absl::Status Inbox::RecordWatermark(const std::string& producer,
                                    absl::Time watermark) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * stmt,
      conn->Prepare("INSERT INTO inbox_watermark (producer, watermark) VALUES "
                    "(?, ?) ON DUPLICATE KEY UPDATE watermark = "
                    "GREATEST(watermark, VALUES(watermark)), updated_at = "
                    "CURRENT_TIMESTAMP(6)"));
  return conn->Guard("record watermark", [&] {
    stmt->setString(1, producer.substr(0, 32));
    stmt->setString(2, db::SqlTime(watermark));
    stmt->executeUpdate();
  });
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
          absl::Time watermark = absl::InfinitePast();
          if (req->has_watermark()) {
            ASSIGN_OR_RETURN(
                watermark, ParseTimestampField("watermark", req->watermark()));
          }
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
          while (next < n) {
            const int run = std::min(n - next, kMaxRun);
            if (run > 1 && batch_runs < kMaxBatchRuns) {
              ++batch_runs;
              std::vector<const v1::TicketEvent*> events;
              for (int i = next; i < next + run; ++i) {
                events.push_back(&req->events(i));
              }
              size_t failed_at = events.size();
              if (inbox_->ApplyBatch(events, &failed_at).ok()) {
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
            absl::Status applied = inbox_->Apply(event);
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
            acknowledge(1);
          }
          // The producer's promise holds only once everything before it is
          // applied.
          if (req->has_watermark() &&
              resp->acknowledged_event_ids_size() == req->events_size()) {
            RETURN_IF_ERROR(
                inbox_->RecordWatermark(req->source_service(), watermark));
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
