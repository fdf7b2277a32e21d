// The composition of hotline-deadline: its settings, and the store, core
// and edge the runtime builds and serves (main.cc runs Definition()).

#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/directory/directory_follower.h"
#include "common/directory/mysql_directory_store.h"
#include "common/directory/routing_directory_source.h"
#include "common/outbox/outbox.h"
#include "common/server/mysql_request_log.h"
#include "common/server/tls.h"
#include "common/status/status.h"
#include "grpcpp/channel.h"
#include "grpcpp/impl/service_type.h"
#include "hotline_deadline_SchemaMigrations.h"
#include "services/deadline/core/deadline_core.h"
#include "services/deadline/core/deadline_core_requests.h"
#include "services/deadline/core/notifier.h"
#include "services/deadline/domain/calendar_state.h"
#include "services/deadline/domain/policy.h"
#include "services/deadline/edge/calendar_service.h"
#include "services/deadline/edge/deadline_service.h"
#include "services/deadline/store/mysql_deadline_store.h"

ABSL_FLAG(std::string, notify_webhook, "",
          "http://host:port/path receiving ladder notices as JSON POSTs "
          "(HOTLINE_NOTIFY_WEBHOOK); empty: notices are stored and logged");

ABSL_FLAG(absl::Duration, judge_lag_limit, absl::Minutes(15),
          "how long the scanner waits for a silent producer's watermark "
          "before judging clocks without it");

ABSL_FLAG(bool, ladder_scanner, true,
          "run the ladder scanner and notice delivery thread (tests turn it "
          "off to drive Scanner::ScanOnce themselves)");

namespace hotline::deadline {

namespace {

std::string ReplicaId() {
  char host[64] = {0};
  gethostname(host, sizeof host - 1);
  absl::BitGen gen;
  return absl::StrCat(host, "-", getpid(), "-",
                      absl::Uniform<uint32_t>(gen, 0, 1u << 30))
      .substr(0, 64);
}

// How often deadline reads routing's directory (the unit tree of every
// subtree filter and check), and how soon again for a unit its copy lacks
// (a unit a request names that routing added since): as assessment.
constexpr absl::Duration kDirectoryRefresh = absl::Minutes(5);
constexpr absl::Duration kDirectoryMinGap = absl::Seconds(1);

// The service as the runtime runs it: the store, the calendar in force,
// the copy of routing's directory, the core (engine, scanner, request
// runner, calendar loader, ladder loop) and the edge (DeadlineService,
// CalendarService, the EventSink inbox).
class DeadlineComponent final : public runtime::Component {
 public:
  // `units` null: no routing to follow, the stored copy of the directory
  // stays; `roster` null: notices' recipients stay unresolved.
  DeadlineComponent(runtime::Context& ctx,
                    std::unique_ptr<directory::DirectorySource> units,
                    std::unique_ptr<Directory> roster,
                    std::unique_ptr<Notifier> notifier)
      : state_(&ctx.host.registry()),
        engine_(&store_, &state_, &Policy::Builtin(), &ctx.outbox, &ctx.clock),
        scanner_(&ctx.pool, &engine_, ReplicaId()),
        directory_store_(&ctx.pool),
        follower_(std::move(units), &directory_store_,
                  {kDirectoryRefresh, kDirectoryMinGap, nullptr}),
        queries_(&ctx.pool, &engine_, &ctx.clock, &follower_),
        runner_(&ctx.pool, &request_log_),
        loader_(
            &ctx.pool, &store_, &request_log_, &state_, &ctx.clock,
            [this](db::Connection& conn, const calendar::Calendar& next,
                   int year) { return engine_.Recompute(conn, next, year); }),
        directory_(std::move(roster)),
        notifier_(std::move(notifier)),
        loop_(&ctx.pool, &store_, &state_, &scanner_, &ctx.clock,
              directory_.get(), notifier_.get(),
              absl::GetFlag(FLAGS_judge_lag_limit)) {
    CalendarServiceDeps cal;
    cal.gate = &ctx.host.gate();
    cal.clock = &ctx.clock;
    cal.state = &state_;
    cal.policy = &Policy::Builtin();
    cal.loader = &loader_;
    calendar_service_ = NewCalendarService(std::move(cal));
    DeadlineServiceDeps deps;
    deps.gate = &ctx.host.gate();
    deps.queries = &queries_;
    deps.clock = &ctx.clock;
    deps.engine = &engine_;
    deps.runner = &runner_;
    deadline_service_ = NewDeadlineService(deps);
    ctx.host.AddService(calendar_service_.get(), "hotline.v1.CalendarService");
    ctx.host.AddService(deadline_service_.get(), "hotline.v1.DeadlineService");
    ctx.ServeEventBatches([this] { return engine_.NewEventBatch(); });
  }

  ~DeadlineComponent() override { Stop(); }

  // Loads the persisted calendar years over the builtin data; the stored
  // copy of the directory, then routing's (routing down or empty: the
  // stored copy serves until it answers).
  absl::Status Prepare() override {
    RETURN_IF_ERROR(loop_.Prepare());
    return follower_.Prime();
  }

  // The directory's refresh; the scanner: polls the clock every 200 ms
  // (real time), fires due rungs, delivers pending notices, and picks up
  // calendar years other replicas loaded (LadderLoop).
  void Start() override {
    follower_.Start();
    if (!absl::GetFlag(FLAGS_ladder_scanner)) return;
    loop_.Start();
  }

  void Stop() override {
    loop_.Stop();
    follower_.Stop();
  }

 private:
  MysqlDeadlineStore store_;
  server::MysqlRequestLog request_log_;  // the shared one (idempotency_log)
  CalendarState state_;
  ClockEngine engine_;
  Scanner scanner_;
  directory::MysqlDirectoryStore directory_store_;
  directory::DirectoryFollower follower_;
  DeadlineQueries queries_;
  RequestRunner runner_;
  CalendarLoader loader_;
  std::unique_ptr<Directory> directory_;  // the roster of notices
  std::unique_ptr<Notifier> notifier_;
  LadderLoop loop_;
  std::unique_ptr<grpc::Service> calendar_service_;
  std::unique_ptr<grpc::Service> deadline_service_;
};

}  // namespace

runtime::ServiceDefinition Definition() {
  runtime::ServiceDefinition d;
  d.name = "deadline";
  // The shared copy of the directory (common/directory), then deadline's
  // own.
  d.migrations = &directory::WithDirectoryCopy<SchemaMigrations>;
  // Routing's events move, suspend and stop the clocks (a merge reaches
  // deadline as routing's Closed{MERGED}).
  d.consumes = {
      v1::TicketEvent::kDispatched,     v1::TicketEvent::kRedispatched,
      v1::TicketEvent::kClosed,         v1::TicketEvent::kAccepted,
      v1::TicketEvent::kForwarded,      v1::TicketEvent::kReturned,
      v1::TicketEvent::kDisputeRaised,  v1::TicketEvent::kDisputeDecided,
      v1::TicketEvent::kCoUnitsAdded,   v1::TicketEvent::kCoOpinionSubmitted,
      v1::TicketEvent::kCoUnitReleased, v1::TicketEvent::kReplied,
      v1::TicketEvent::kReviewed};
  d.build = [](runtime::Context& ctx)
      -> absl::StatusOr<std::unique_ptr<runtime::Component>> {
    const config::EnvLookup env = config::ProcessEnv();
    // Routing (--routing / HOTLINE_ROUTING, replicas a|b), over one
    // channel: its directory (as intake and assessment read it), the unit
    // tree of every subtree filter and check, and its roster, the liaison and
    // leader on duty of notices. Without routing: the stored copy of the
    // directory, and notices stored with recipient "unresolved".
    ASSIGN_OR_RETURN(std::string routing, directory::RoutingAddress(env));
    ASSIGN_OR_RETURN(
        std::string webhook,
        config::ResolveSetting({"notify_webhook", "HOTLINE_NOTIFY_WEBHOOK"},
                               absl::GetFlag(FLAGS_notify_webhook), env));
    std::unique_ptr<directory::DirectorySource> units;
    std::unique_ptr<Directory> roster;
    if (!routing.empty()) {
      std::shared_ptr<grpc::Channel> channel =
          server::NewPeerChannel(routing, "routing", ctx.channel_credentials);
      units = directory::NewRoutingDirectorySource(channel,
                                                   ctx.config.service_token);
      roster = NewGrpcDirectory(channel, ctx.config.service_token);
    }
    std::unique_ptr<Notifier> notifier = NewLogNotifier();
    if (!webhook.empty()) {
      ASSIGN_OR_RETURN(notifier, NewWebhookNotifier(webhook));
    }
    return std::make_unique<DeadlineComponent>(
        ctx, std::move(units), std::move(roster), std::move(notifier));
  };
  return d;
}

}  // namespace hotline::deadline
