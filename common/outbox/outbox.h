#pragma once

// Event delivery between services (DESIGN.md §5).
//
// Producer side:
//   Outbox::Append(conn, event) inside the transaction of a state change
//   stores the event and one pending delivery per subscriber: the event exists
//   iff the change committed.
//   Relay, background threads (one per subscriber, so a slow subscriber holds
//   back no other; any number of replicas on one schema), sends each
//   subscriber its pending events in outbox order through EventSink.Publish,
//   in batches, and deletes exactly the deliveries the subscriber
//   acknowledged. Failures back off exponentially; nothing is lost.
//   A relay delivers to a subscriber only while holding that subscriber's
//   lease row (FOR UPDATE SKIP LOCKED), so replicas share subscribers and each
//   subscriber sees one ordered stream. If a relay dies after sending and
//   before recording the acknowledgement, its transaction rolls back and the
//   events are sent again: delivery is at least once, and the inbox makes it
//   exactly once in effect.
//
// Consumer side:
//   Inbox::Apply(event) runs the service's handler and records the event id in
//   one transaction, and skips an event it has recorded before.
//   NewEventSinkService() serves EventSink.Publish over an Inbox.
//
// Schema: schema/001_events.sql (part of every service's migrations).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/config/config.h"
#include "common/db/connection.h"
#include "common/server/call_gate.h"
#include "hotline/v1/events.pb.h"

namespace grpc {
class ChannelCredentials;
class Service;
}  // namespace grpc
namespace prometheus {
class Gauge;
class Registry;
}  // namespace prometheus

namespace hotline::outbox {

class Outbox {
 public:
  // `producer`: this service's name ("routing"); `subscribers`: the names of
  // the configured receivers (config::Subscriber::name).
  Outbox(std::string producer, std::vector<std::string> subscribers);

  // Within the caller's open transaction on `conn`: assigns the ticket's next
  // seq, stamps producer, stores the event and its deliveries (three round
  // trips). On return event->event_id() and event->seq() are set. Requires
  // event->ticket_id() and a payload.
  absl::Status Append(db::Connection& conn, v1::TicketEvent* event) const;

  // The same for many events at once, in order (several may share a ticket),
  // in three round trips per chunk (all of up to 16 events, else up to 256;
  // four on a server without INSERT … RETURNING):
  // for batch producers such as the deadline scanner and a consumer's
  // batch of applied events.
  absl::Status AppendAll(db::Connection& conn,
                         const std::vector<v1::TicketEvent*>& events) const;

  const std::string& producer() const { return producer_; }

  // Called once each transaction that appended deliveries has committed
  // (db::Connection::AfterCommit; at once for an append outside a
  // transaction): the service's relay's Wake, so that whatever appends — an
  // RPC, a consumer's batch, a scanner — is relayed without waiting for a
  // poll. Set before the outbox is used.
  void SetAfterCommit(std::function<void()> notify) {
    after_commit_ = std::move(notify);
  }

 private:
  std::string producer_;
  std::vector<std::string> subscribers_;
  std::string pending_sql_;
  std::function<void()> after_commit_;
};

// The events `producer` (this service) wrote for `ticket_id`, in seq order,
// as its relay sends them (event_id and seq stamped).
absl::StatusOr<std::vector<v1::TicketEvent>> ReadTicketEvents(
    db::Connection& conn, absl::string_view producer,
    absl::string_view ticket_id);

struct RelayOptions {
  int batch_size = 200;  // ≤ 500
  // A relay looks for events when woken (Wake(); a service's outbox wakes
  // its relay whenever an append commits, Outbox::SetAfterCommit), after a
  // round that filled its batch, and else at least this often (for what
  // another replica of the service appends, or an outbox without the wake).
  absl::Duration poll_interval = absl::Milliseconds(200);
  // While busy — a round delivered something within this long — a woken
  // relay waits this long before its next round: what is committed
  // meanwhile goes in one batch (one Publish, one consumer transaction)
  // instead of one round per commit. It adds at most this much to each
  // stage's lag under load; a full batch (a backlog) is followed at once, and
  // a wake after a quiet spell starts a round at once. 0: every wake starts a
  // round. Also the services' --relay_linger default (docs/performance.md
  // weighs CPU per order against lag).
  absl::Duration linger = absl::Milliseconds(200);
  absl::Duration rpc_timeout = absl::Seconds(5);
  absl::Duration initial_backoff = absl::Milliseconds(100);
  // Small enough that a subscriber which starts after its producer (or comes
  // back from an outage) is served within seconds; a failed round costs one
  // RPC.
  absl::Duration max_backoff = absl::Seconds(2);
  // Sent as "authorization: Bearer <token>" (a SERVICE principal).
  std::string service_token;
  // Of the channels to subscribers (server/tls.h); null: plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // The producer's clock: watermarks (PublishRequest.watermark) are read
  // from it. Null: no watermarks are sent.
  Clock* clock = nullptr;
  // Subtracted from the clock's now for a watermark: covers events stamped
  // before a transaction commits (a system clock runs on meanwhile; a manual
  // one does not: 0).
  absl::Duration watermark_skew = absl::Seconds(10);
  // While idle, a heartbeat carries the advancing watermark at most this
  // often (0: as soon as it advanced, for manual clocks).
  absl::Duration heartbeat_interval = absl::Seconds(1);
  // Visibility (issue 16). Where the per-subscription gauges
  // hotline_outbox_pending{subscriber} and
  // hotline_outbox_oldest_age_seconds{subscriber} are registered; null: none.
  // Not owned; must outlive the relay.
  prometheus::Registry* registry = nullptr;
  // A background thread measures every subscription's lag this often.
  absl::Duration lag_interval = absl::Seconds(1);
  // A subscription whose oldest undelivered event is older than this is
  // behind: logged (relay.behind, again at most every behind_log_interval
  // while it lasts), and relay.caught_up once the age is back under half of
  // it.
  absl::Duration behind_after = absl::Seconds(30);
  absl::Duration behind_log_interval = absl::Minutes(1);
};

// One subscription's backlog (Relay::MeasureLag).
struct SubscriptionLag {
  std::string subscriber;
  int64_t pending = 0;
  // occurred_at of the oldest undelivered event; nullopt when none.
  std::optional<absl::Time> oldest_occurred_at;
  // The producer's clock's now less oldest_occurred_at (≥ 0); zero when
  // nothing is pending.
  absl::Duration oldest_age = absl::ZeroDuration();
  bool behind = false;   // as judged by the last measurement
  bool failing = false;  // the last delivery round failed
  std::string last_error;
};

class Relay {
 public:
  // `pool` is not owned and must outlive the relay.
  Relay(db::ConnectionPool* pool, std::string producer,
        std::vector<config::Subscriber> subscribers, RelayOptions options);
  ~Relay();  // Stop()

  // Starts the threads (one per subscriber, one measuring lag); Stop()
  // joins them. Start once.
  void Start();
  void Stop();
  // Asks every subscriber's thread to look for events now (after a commit).
  void Wake();

  // One delivery round to `subscriber`: claims its lease, sends up to
  // batch_size pending events, records the acknowledgement. Returns the number
  // acknowledged; 0 when nothing was pending or another relay holds the
  // lease. Exposed so tests can drive delivery step by step.
  absl::StatusOr<int> DeliverOnce(const std::string& subscriber);

  // Test hook, called after Publish returned and before the acknowledgement
  // is recorded; returning false abandons the round as if the process had
  // died there (the transaction rolls back).
  void SetAfterSendHookForTest(std::function<bool()> hook);

  // Measures every subscription's backlog now (two index reads each),
  // updates the gauges, judges behind / caught up (logging the transitions)
  // and returns the figures, in configuration order. A background thread
  // calls it every lag_interval; EventAdmin.GetSubscriptionLag and tests
  // call it directly.
  absl::StatusOr<std::vector<SubscriptionLag>> MeasureLag();

  const std::string& producer() const { return producer_; }
  Clock* clock() const { return options_.clock; }

 private:
  struct Target;
  void Loop(Target& target);  // one thread per subscriber
  void LagLoop();             // MeasureLag every lag_interval
  absl::Status EnsureLeases();

  db::ConnectionPool* pool_;
  std::string producer_;
  RelayOptions options_;
  std::vector<std::unique_ptr<Target>> targets_;
  std::function<bool()> after_send_hook_;

  // Serialises MeasureLag (thread and RPCs) and guards the targets' lag
  // state; also guards each target's failing/last_error.
  absl::Mutex lag_mu_;

  absl::Mutex leases_mu_;
  bool leases_ready_ ABSL_GUARDED_BY(leases_mu_) = false;

  absl::Mutex mu_;  // stop_ and each target's wake
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread lag_thread_;
};

// Applies one event inside the consumer's transaction. Return OK when
// applied (or deliberately ignored). A retryable error (UNAVAILABLE, ABORTED,
// INTERNAL, ...) leaves the event unacknowledged, to be sent again; INVALID_
// ARGUMENT, FAILED_PRECONDITION, NOT_FOUND, ALREADY_EXISTS or OUT_OF_RANGE
// reject it for good: it is recorded as 'rejected' with the message, logged,
// and acknowledged, so one bad event cannot stall the stream.
using EventHandler =
    std::function<absl::Status(db::Connection&, const v1::TicketEvent&)>;

// What a consumer does in ONE inbox transaction — one event (Inbox::Apply)
// or a run of them (Inbox::ApplyBatch) — when it folds what several events
// write: Handle is called for each event in order, as an EventHandler would
// be; then, only if every Handle returned OK, Finish once, on the same
// connection and before the commit. Handle may so defer writes to Finish
// (e.g. sum increments of one row, insert many rows in one statement), as
// long as whatever a later Handle of the transaction reads sees them (flush
// before such a read, or do not defer that write). Since Finish runs in the
// transaction, the inbox rows still commit only with every effect. A Finish
// that fails rolls the whole transaction back: for Apply it is the event's
// verdict as a handler's error would be; for ApplyBatch it is not one
// event's (failed_at = events.size()), and the caller's per-event fallback
// gives each event its own verdict. Used by one thread, for one transaction
// attempt.
//
// Begin, when overridden, is called once before the first Handle with the
// events the transaction will Handle (those of a consumed kind, in order),
// e.g. to lock the rows they will write in key order up front so that
// concurrent transactions (BatchConcurrency::kPerProducer) cannot deadlock
// on them. An error from Begin is the transaction's, as Finish's is.
class EventBatch {
 public:
  virtual ~EventBatch() = default;
  virtual absl::Status Begin(
      db::Connection& /*conn*/,
      const std::vector<const v1::TicketEvent*>& /*events*/) {
    return absl::OkStatus();
  }
  virtual absl::Status Handle(db::Connection& conn,
                              const v1::TicketEvent& event) = 0;
  virtual absl::Status Finish(db::Connection& conn) = 0;
};

// Makes a fresh EventBatch for each transaction attempt (a retried
// transaction starts with a fresh one). Thread-safe.
using EventBatchFactory = std::function<std::unique_ptr<EventBatch>()>;

// Which delivered batches (Inbox::ApplyBatch) an Inbox applies at the same
// time.
//  - kOneAtATime (the default): one batch at a time, whoever sent it.
//  - kPerProducer: one batch at a time per producer (ordering needs no more:
//    seq is per (producer, ticket), and a producer's batches still go one
//    after the other), batches of different producers concurrently. Only for
//    a handler whose transactions take their shared row locks in an order
//    that cannot deadlock (e.g. in key order: EventBatch::Begin, Finish):
//    otherwise its batches would deadlock one another and go by retries and
//    the per-event fallback.
// Single events (Inbox::Apply, the per-event fallback) never wait for a
// batch, as before.
enum class BatchConcurrency { kOneAtATime, kPerProducer };

// The producer of an event's payload kind, by its number range in
// events.proto (intake 10–19, routing 20–49, deadline 50–69, assessment
// 70–79); empty for a payload outside every range.
absl::string_view PayloadProducer(const v1::TicketEvent& event);

// A producer's promise (PublishRequest.watermark) to record with the events
// that complete its Publish, in their transaction.
struct Watermark {
  std::string producer;
  absl::Time at;
};

class Inbox {
 public:
  // `pool` is not owned and must outlive the inbox. `consumer` is this
  // service's name ("intake", ...): intake checks that it knows every
  // ticket routing speaks of (see Apply). `consumes` lists the payload kinds
  // the handler acts on (the service's ServiceDefinition::consumes): an event
  // of any other kind is recorded and ordered as any other, and the handler
  // is not called for it. Empty: the handler sees every kind.
  Inbox(db::ConnectionPool* pool, EventHandler handler,
        std::string consumer = "",
        std::vector<v1::TicketEvent::PayloadCase> consumes = {});
  // The same, with an EventBatch per transaction instead of a handler: its
  // Handle for each event of a kind in `consumes`, its Finish before every
  // commit.
  // `concurrency`: see BatchConcurrency.
  Inbox(db::ConnectionPool* pool, EventBatchFactory batches,
        std::string consumer,
        std::vector<v1::TicketEvent::PayloadCase> consumes,
        BatchConcurrency concurrency = BatchConcurrency::kOneAtATime);

  // Applies `event` exactly once in effect. OK when applied now, applied
  // before, or rejected for good; an error when it should be sent again.
  //
  // Only in sequence, and only for a ticket its producer knows (DESIGN.md
  // §6): FAILED_PRECONDITION, nothing applied or recorded, when
  //  - seq n > 1 and seq n-1 of (producer, ticket) is not in the inbox (a
  //    gap: the sender resends both, in order), or
  //  - seq is 1 and this service cannot tell that the producer knows the
  //    ticket: it knows a ticket it wrote an event for itself (outbox_seq)
  //    or got an event for from another producer (inbox); besides, intake's
  //    events open every ticket (orders are born there) and routing's open a
  //    ticket at every consumer but intake (deadline and assessment hear
  //    nothing older than routing). Intake so checks every producer, routing
  //    checks deadline and assessment, and those two check each other. An
  //    event refused now is applied once what it depends on has arrived.
  // Both checks are index lookups (inbox (ticket_id, producer, seq),
  // outbox_seq's key) in the event's own transaction.
  //
  // `watermark` (optional): recorded as RecordWatermark would, in the
  // event's transaction; on OK it is recorded, whatever the event's verdict.
  absl::Status Apply(const v1::TicketEvent& event,
                     const Watermark* watermark = nullptr);

  // Applies all of `events` (in order) in ONE transaction: their inbox rows
  // in a few multi-row inserts, then each event's order check and handler as
  // Apply would, then the EventBatch's Finish (if any). OK: all applied and
  // committed. Any error (one of them seen before, out of order, refused, a
  // retryable failure): nothing of the batch is applied, and the caller applies
  // the events one by one with Apply, which gives each its own verdict. Exactly
  // once holds either way: an inbox row commits only with its effect.
  //
  // The order check is Apply's, with the batch taken into account: seq n-1
  // of (producer, ticket) counts as recorded only if it is in the inbox from
  // before or EARLIER in this batch (its effect applied first); later in the
  // batch is a gap (FAILED_PRECONDITION). On an error, `*failed_at` (when not
  // null) is the index of the event whose order check or handler failed, or
  // events.size() when the failure was not one event's (a row seen before,
  // the database): the events before it would apply together.
  //
  // One batch at a time per Inbox (a process mutex), or with
  // BatchConcurrency::kPerProducer one at a time per producer of the batch's
  // events (several producers: their mutexes in name order). Unordered
  // concurrent batches from several producers would hold many rows' locks
  // each (shared rows such as assessment's rollups) and deadlock one another;
  // batches from another replica of the service are left to InnoDB's
  // deadlock detection, RunInTransaction's retries and the per-event
  // fallback.
  //
  // `watermark` (optional): recorded in the batch's transaction, so on OK.
  absl::Status ApplyBatch(const std::vector<const v1::TicketEvent*>& events,
                          size_t* failed_at = nullptr,
                          const Watermark* watermark = nullptr);

  // Records `producer`'s watermark (never moving it back).
  absl::Status RecordWatermark(const std::string& producer,
                               absl::Time watermark);

 private:
  db::ConnectionPool* pool_;
  // The batch's Handle, for the kinds in consumes_ (all when empty).
  absl::Status Handle(db::Connection& conn, EventBatch& batch,
                      const v1::TicketEvent& event);

  // Whether the handler acts on `event`'s kind (consumes_; empty: every kind).
  bool Consumes(const v1::TicketEvent& event) const;
  // The events of `events` the handler acts on, in order.
  std::vector<const v1::TicketEvent*> Consumed(
      const std::vector<const v1::TicketEvent*>& events) const;
  // The mutexes a batch of `events` holds while applied, in the order to
  // take them.
  std::vector<absl::Mutex*> BatchLocks(
      const std::vector<const v1::TicketEvent*>& events);

  EventBatchFactory batches_;
  std::string consumer_;
  std::vector<v1::TicketEvent::PayloadCase> consumes_;
  BatchConcurrency concurrency_ = BatchConcurrency::kOneAtATime;
  absl::Mutex batch_mu_;  // held while a batch is applied (kOneAtATime)
  // kPerProducer: one mutex per producer, made on first use, never removed.
  absl::Mutex producers_mu_;
  std::map<std::string, std::unique_ptr<absl::Mutex>> producer_mu_
      ABSL_GUARDED_BY(producers_mu_);
};

// EventSink over `inbox`. Callers need a SERVICE token that names its
// service (auth.h); the request's source_service and every event's producer
// must be that name, and every event's payload must be of that producer's
// kind (PayloadProducer): otherwise PERMISSION_DENIED and nothing of the
// batch is applied. Events are applied in order up to the first one that is
// not in sequence or whose ticket the producer is not known to know
// (Inbox::Apply): that one and the rest are not acknowledged (OK with the
// acknowledged prefix), so the relay resends them. Runs of up to 128 events
// are applied in one transaction each (Inbox::ApplyBatch) with the same
// verdicts as one by one; see Publish. A request whose events
// were all acknowledged records its watermark for the producer
// (monotonic). Not owned: inbox and gate must outlive the service.
std::unique_ptr<grpc::Service> NewEventSinkService(
    Inbox* inbox, const server::CallGate* gate);

// The lowest watermark over the producers that sent one within `fresh`
// (real time): every event those producers had for this service that
// occurred before it has been applied. nullopt when none has (no producer
// relays to this service, or none has been heard of for that long).
absl::StatusOr<std::optional<absl::Time>> LowWatermark(db::Connection& conn,
                                                       absl::Duration fresh);

// EventAdmin (admin.proto) over `relay`: GetSubscriptionLag, for the
// CENTER_STAFF, AUDITOR and SERVICE roles. Not owned: relay and gate must
// outlive the service.
std::unique_ptr<grpc::Service> NewEventAdminService(
    Relay* relay, const server::CallGate* gate);
inline constexpr char kEventAdminServiceName[] = "hotline.v1.EventAdmin";

// Validates one incoming event; INVALID_ARGUMENT naming `field_prefix`.field.
absl::Status ValidateEvent(const v1::TicketEvent& event,
                           absl::string_view field_prefix);

}  // namespace hotline::outbox
