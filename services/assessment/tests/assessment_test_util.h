#pragma once

// Test helpers: build TicketEvents the way intake, routing and deadline emit
// them, and publish them to the assessment service's EventSink over gRPC.

#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/server/proto_time.h"
#include "hotline/v1/events.grpc.pb.h"
#include "tests/support/service_fixture.h"

namespace hotline::assessment::testing {

// "2024-03-04 10:00" local (UTC+8) → instant.
inline absl::Time Local(const std::string& text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d %H:%M", text, absl::FixedTimeZone(8 * 3600),
                       &t, &err)) {
    ADD_FAILURE() << "bad time " << text << ": " << err;
  }
  return t;
}

// Numbers events per producer and seqs per (ticket, producer).
class EventFactory {
 public:
  v1::TicketEvent Make(const std::string& producer, const std::string& ticket,
                       absl::Time at) {
    v1::TicketEvent e;
    e.set_event_id(absl::StrCat(producer, "-", ++ids_[producer]));
    e.set_ticket_id(ticket);
    e.set_seq(++seqs_[{ticket, producer}]);
    e.set_producer(producer);
    e.set_ticket_number(
        absl::StrCat("DZ20240301-",
                     ticket.substr(ticket.size() > 6 ? ticket.size() - 6 : 0)));
    *e.mutable_occurred_at() = ToProto(at);
    e.mutable_actor()->set_principal_id("system");
    e.mutable_actor()->set_role(v1::SERVICE);
    return e;
  }

 private:
  std::map<std::string, int64_t> ids_;
  std::map<std::pair<std::string, std::string>, int64_t> seqs_;
};

// Publishes `events` grouped by producer, in order, batches of ≤ 500, the
// way a relay does: events not acknowledged (a transient error such as a
// deadlock retried out) are sent again, up to 20 times per batch. Returns the
// number acknowledged.
inline int64_t Publish(const std::shared_ptr<grpc::Channel>& channel,
                       const std::vector<v1::TicketEvent>& events) {
  auto stub = v1::EventSink::NewStub(channel);
  int64_t acked = 0;
  size_t i = 0;
  while (i < events.size()) {
    v1::PublishRequest req;
    req.set_source_service(events[i].producer());
    while (i < events.size() && req.events_size() < 500 &&
           events[i].producer() == req.source_service()) {
      *req.add_events() = events[i++];
    }
    for (int attempt = 0; attempt < 20 && req.events_size() > 0; ++attempt) {
      grpc::ClientContext ctx;
      hotline::testing::ServiceUnderTest::Authorize(
          &ctx, hotline::testing::ServiceTokenOf(req.source_service()));
      v1::PublishResponse resp;
      grpc::Status s = stub->Publish(&ctx, req, &resp);
      if (!s.ok() && s.error_code() != grpc::StatusCode::ABORTED &&
          s.error_code() != grpc::StatusCode::UNAVAILABLE) {
        ADD_FAILURE() << "Publish: " << s.error_message();
        break;
      }
      // Acknowledgements are a prefix of the batch (delivery stops at the
      // first failure); resend the rest.
      const int n = resp.acknowledged_event_ids_size();
      acked += n;
      req.mutable_events()->DeleteSubrange(0, n);
    }
  }
  return acked;
}

// Publishes like `streams` relays in parallel: the events are split by
// ticket (each ticket's events stay in one stream, in order), and every
// stream publishes with Publish() above. Returns the number acknowledged.
inline int64_t PublishParallel(const std::shared_ptr<grpc::Channel>& channel,
                               const std::vector<v1::TicketEvent>& events,
                               int streams) {
  std::vector<std::vector<v1::TicketEvent>> parts(streams);
  for (const auto& e : events) {
    parts[std::hash<std::string>()(e.ticket_id()) % streams].push_back(e);
  }
  std::vector<int64_t> acked(streams, 0);
  std::vector<std::thread> threads;
  for (int i = 0; i < streams; ++i) {
    threads.emplace_back([&, i] { acked[i] = Publish(channel, parts[i]); });
  }
  int64_t total = 0;
  for (int i = 0; i < streams; ++i) {
    threads[i].join();
    total += acked[i];
  }
  return total;
}

}  // namespace hotline::assessment::testing
