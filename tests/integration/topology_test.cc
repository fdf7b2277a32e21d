// The event topology is declared once (deploy/topology.txt): it delivers
// every event kind a service consumes from that kind's producer, sends no
// service events of which it consumes none, and the container manifests
// write the same subscriber lists.
#include "common/runtime/topology.h"

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/outbox/outbox.h"
#include "common/runtime/service_runtime.h"
#include "gtest/gtest.h"
#include "services/assessment/edge/assessment_service.h"
#include "services/deadline/edge/deadline_service.h"
#include "services/intake/edge/intake_service.h"
#include "services/routing/edge/routing_service.h"
#include "tests/support/read_file.h"

namespace hotline {
namespace {

using v1::TicketEvent;

std::string Source(const std::string& relative) {
  return absl::StrCat(HOTLINE_SOURCE_DIR, "/", relative);
}

// The payload field name of a kind, e.g. "ticket_created".
std::string KindName(TicketEvent::PayloadCase kind) {
  return TicketEvent::descriptor()->FindFieldByNumber(kind)->name();
}

// The producer of a kind (outbox::PayloadProducer: its number range).
std::string ProducerOf(TicketEvent::PayloadCase kind) {
  TicketEvent e;
  const auto* field = TicketEvent::descriptor()->FindFieldByNumber(kind);
  e.GetReflection()->MutableMessage(&e, field);
  return std::string(outbox::PayloadProducer(e));
}

class TopologyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<runtime::Topology> t =
        runtime::LoadTopology(Source("deploy/topology.txt"));
    ASSERT_TRUE(t.ok()) << t.status();
    topology_ = *t;
    for (const runtime::ServiceDefinition& d :
         {intake::Definition(), routing::Definition(), deadline::Definition(),
          assessment::Definition()}) {
      consumes_[d.name] = d.consumes;
    }
  }

  // Subscriber names in a "name=address,..." list.
  static std::set<std::string> Names(const std::string& list) {
    std::set<std::string> out;
    for (absl::string_view entry :
         absl::StrSplit(list, ',', absl::SkipEmpty())) {
      out.emplace(absl::StripAsciiWhitespace(entry.substr(0, entry.find('='))));
    }
    return out;
  }

  std::set<std::string> Declared(const std::string& producer) const {
    const auto& to = topology_.SubscribersOf(producer);
    return {to.begin(), to.end()};
  }

  runtime::Topology topology_;
  std::map<std::string, std::vector<TicketEvent::PayloadCase>> consumes_;
};

TEST_F(TopologyTest, EveryProducerIsAServiceAndEverySubscriberToo) {
  for (const auto& [producer, to] : topology_.subscribers) {
    EXPECT_TRUE(consumes_.count(producer)) << producer;
    for (const std::string& s : to) EXPECT_TRUE(consumes_.count(s)) << s;
  }
}

TEST_F(TopologyTest, EveryKindAServiceConsumesIsDeliveredFromItsProducer) {
  for (const auto& [service, kinds] : consumes_) {
    for (TicketEvent::PayloadCase kind : kinds) {
      const std::string producer = ProducerOf(kind);
      ASSERT_FALSE(producer.empty()) << KindName(kind);
      EXPECT_NE(producer, service)
          << service << " consumes its own " << KindName(kind);
      EXPECT_TRUE(topology_.Delivers(producer, service))
          << service << " consumes " << KindName(kind) << " of " << producer
          << ", but deploy/topology.txt does not deliver " << producer
          << "'s events to " << service;
    }
  }
}

TEST_F(TopologyTest, NoServiceIsSentEventsOfWhichItConsumesNone) {
  for (const auto& [producer, to] : topology_.subscribers) {
    for (const std::string& service : to) {
      bool some = false;
      for (TicketEvent::PayloadCase kind : consumes_[service]) {
        some = some || ProducerOf(kind) == producer;
      }
      EXPECT_TRUE(some) << producer << " delivers to " << service
                        << ", which consumes none of its events";
    }
  }
}

TEST_F(TopologyTest, EveryKindIsConsumedBySomeService) {
  const auto* payload = TicketEvent::descriptor()->FindOneofByName("payload");
  for (int i = 0; i < payload->field_count(); ++i) {
    auto kind =
        static_cast<TicketEvent::PayloadCase>(payload->field(i)->number());
    bool consumed = false;
    for (const auto& [service, kinds] : consumes_) {
      for (TicketEvent::PayloadCase k : kinds) consumed |= k == kind;
    }
    EXPECT_TRUE(consumed) << KindName(kind) << " is consumed by no service";
  }
}

// deploy/docker-compose.yml: HOTLINE_SUBSCRIBERS of each service block.
TEST_F(TopologyTest, ComposeWritesTheSameSubscribers) {
  std::istringstream compose(
      testing::ReadFile(Source("deploy/docker-compose.yml")));
  const std::regex block(R"(^  ([a-z]+):\s*$)");
  const std::regex subscribers(R"(^\s+HOTLINE_SUBSCRIBERS:\s*(\S*)\s*$)");
  std::string service, line;
  std::map<std::string, std::set<std::string>> written;
  std::smatch m;
  while (std::getline(compose, line)) {
    if (std::regex_match(line, m, block)) service = m[1];
    if (std::regex_match(line, m, subscribers)) written[service] = Names(m[1]);
  }
  for (const auto& [producer, to] : topology_.subscribers) {
    EXPECT_EQ(written[producer], Declared(producer))
        << "docker-compose.yml, service " << producer;
  }
  EXPECT_EQ(written.size(), topology_.subscribers.size());
}

// deploy/k8s/config.yaml: <SERVICE>_SUBSCRIBERS.
TEST_F(TopologyTest, KubernetesConfigWritesTheSameSubscribers) {
  std::istringstream config(
      testing::ReadFile(Source("deploy/k8s/config.yaml")));
  const std::regex subscribers(
      R"re(^\s+([A-Z]+)_SUBSCRIBERS:\s*"([^"]*)"\s*$)re");
  std::map<std::string, std::set<std::string>> written;
  std::string line;
  std::smatch m;
  while (std::getline(config, line)) {
    if (std::regex_match(line, m, subscribers)) {
      written[absl::AsciiStrToLower(m[1].str())] = Names(m[2]);
    }
  }
  for (const auto& [producer, to] : topology_.subscribers) {
    EXPECT_EQ(written[producer], Declared(producer))
        << "k8s/config.yaml, " << producer;
  }
  EXPECT_EQ(written.size(), topology_.subscribers.size());
}

}  // namespace
}  // namespace hotline
