// The relay (delivery to subscribers, leases, watermarks, lag) and the
// EventAdmin service over it. The contracts are in outbox.h.
#include <cppconn/resultset.h>
#include <grpcpp/grpcpp.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/db/transaction.h"
#include "common/log/log.h"
#include "common/outbox/outbox.h"
#include "common/server/proto_time.h"
#include "common/server/tls.h"
#include "common/status/status.h"
#include "hotline/v1/admin.grpc.pb.h"
#include "hotline/v1/events.grpc.pb.h"

namespace hotline::outbox {

// ------------------------------------------------------------------- Relay

struct Relay::Target {
  config::Subscriber subscriber;
  std::unique_ptr<v1::EventSink::Stub> stub;
  // Delivers to this subscriber only (Relay::Loop), so a slow subscriber
  // never holds back the others.
  std::thread thread;
  bool wake = false;  // under mu_
  // The delivery state below belongs to the thread (or to a test calling
  // DeliverOnce without Start).
  absl::Duration backoff = absl::ZeroDuration();
  absl::Time next_attempt = absl::InfinitePast();
  bool failing = false;
  // When the last round that delivered something ended: a wake within the
  // linger after it lingers.
  absl::Time delivered_at = absl::InfinitePast();
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
  prometheus::Counter* delivered_counter = nullptr;
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
    auto& delivered =
        prometheus::BuildCounter()
            .Name("hotline_outbox_delivered_total")
            .Help("Events the subscriber acknowledged (by this process)")
            .Register(*options_.registry);
    for (auto& t : targets_) {
      t->pending_gauge = &pending.Add({{"subscriber", t->subscriber.name}});
      t->age_gauge = &age.Add({{"subscriber", t->subscriber.name}});
      t->delivered_counter =
          &delivered.Add({{"subscriber", t->subscriber.name}});
    }
  }
}

Relay::~Relay() { Stop(); }

void Relay::SetAfterSendHookForTest(std::function<bool()> hook) {
  after_send_hook_ = std::move(hook);
}

absl::Status Relay::EnsureLeases() {
  absl::MutexLock lock(&leases_mu_);
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
  absl::StatusOr<int> delivered = db::RunInTransaction(
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
        RETURN_IF_ERROR(conn.Execute(absl::StrCat(
            "DELETE FROM outbox_pending WHERE subscriber = '", subscriber,
            "' AND outbox_id IN (", absl::StrJoin(done, ","), ")")));
        return static_cast<int>(done.size());
      },
      txn);
  // Counted once committed: what the subscriber acknowledged and is no
  // longer pending.
  if (delivered.ok() && *delivered > 0 && target->delivered_counter) {
    target->delivered_counter->Increment(*delivered);
  }
  return delivered;
}

void Relay::Start() {
  for (auto& t : targets_) {
    Target* target = t.get();
    target->thread = std::thread([this, target] { Loop(*target); });
  }
  lag_thread_ = std::thread([this] { LagLoop(); });
}

void Relay::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  for (auto& t : targets_) {
    if (t->thread.joinable()) t->thread.join();
  }
  if (lag_thread_.joinable()) lag_thread_.join();
}

void Relay::Wake() {
  absl::MutexLock lock(&mu_);
  for (auto& t : targets_) t->wake = true;
}

void Relay::Loop(Target& t) {
  while (true) {
    bool full = false;  // the round filled its batch: more is pending
    bool delivered = false;
    if (absl::Now() >= t.next_attempt) {
      absl::StatusOr<int> n = DeliverOnce(t.subscriber.name);
      if (n.ok()) {
        if (t.failing) {
          log::Info("relay.recovered", {{"subscriber", t.subscriber.name}});
        }
        t.failing = false;
        {
          absl::MutexLock lock(&lag_mu_);
          t.failing_seen = false;
          t.last_error.clear();
        }
        t.backoff = absl::ZeroDuration();
        t.next_attempt = absl::InfinitePast();
        delivered = *n > 0;
        full = *n >= options_.batch_size;
      } else {
        t.backoff = t.backoff == absl::ZeroDuration()
                        ? options_.initial_backoff
                        : std::min(t.backoff * 2, options_.max_backoff);
        t.next_attempt = absl::Now() + t.backoff;
        if (!t.failing) {
          log::Warning("relay.failing",
                       {{"subscriber", t.subscriber.name},
                        {"error", std::string(n.status().message())}});
        }
        t.failing = true;
        absl::MutexLock lock(&lag_mu_);
        t.failing_seen = true;
        t.last_error = std::string(n.status().message()).substr(0, 500);
      }
    }
    if (delivered) t.delivered_at = absl::Now();
    absl::MutexLock lock(&mu_);
    if (stop_) return;
    if (full) continue;  // a backlog: go again at once
    // Until an append commits (the outbox wakes the relay, also for what
    // was committed while this round ran) or, for what another replica of
    // the service appends, the poll interval is up; after a failed round,
    // no later than its backoff says.
    auto woken = [this, &t]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stop_ || t.wake;
    };
    const absl::Duration wait =
        t.failing ? std::clamp(t.next_attempt - absl::Now(),
                               absl::ZeroDuration(), options_.poll_interval)
                  : options_.poll_interval;
    mu_.AwaitWithTimeout(absl::Condition(&woken), wait);
    // While busy (a round delivered within the linger), let what is being
    // committed now join the next round (RelayOptions::linger); a wake
    // after a quiet spell (idle polls do not count) goes at once.
    if (absl::Now() - t.delivered_at < options_.linger && !stop_ &&
        !t.failing) {
      auto stopped = [this]()
                         ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
      mu_.AwaitWithTimeout(absl::Condition(&stopped), options_.linger);
    }
    t.wake = false;
    if (stop_) return;
  }
}

void Relay::LagLoop() {
  auto stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
  while (true) {
    // Errors (database away) are the delivery's to report.
    (void)MeasureLag();
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopped),
                             options_.lag_interval)) {
      return;
    }
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

}  // namespace hotline::outbox
