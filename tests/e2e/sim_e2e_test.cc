// hotline-sim (tools/sim) against the four services as real processes: a
// short month (eight working days) with a fixed seed, then the figures
// a supervisor looks at must tell a story — orders dispatched by the
// catalogue and by the center, units with different scores, an overdue order
// on a scorecard, work on a unit's list.

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "tests/e2e/scenario.h"
#include "tests/support/read_file.h"
#include "tools/sim/sim.h"

namespace hotline {
namespace {

using testing::kCenterToken;
using testing::Local;
using testing::Scenario;

class SimTest : public ::testing::Test {
 protected:
  // Starts a cluster on Monday 2024-09-02 08:00 with the sample directory,
  // the sample catalogue and a token of every unit, and plays `days`.
  absl::StatusOr<sim::Summary> Play(int days) {
    auto units = sim::UnitsOfDirectoryCsv(testing::ReadFile(
        std::string(HOTLINE_SOURCE_DIR) + "/data/directory/dazu_sample.csv"));
    if (!units.ok()) return units.status();
    const std::string unit_tokens = sim::UnitTokenLines(
        *units, "", [](int i) { return absl::StrFormat("sim-unit-%04d", i); });
    testing::ClusterOptions options;
    options.clock_start = Local(2024, 9, 2, 8, 0);
    options.extra_tokens = unit_tokens;
    auto cluster = testing::Cluster::Start(options);
    if (!cluster.ok()) return cluster.status();
    cluster_ = *std::move(cluster);
    s_ = std::make_unique<Scenario>(cluster_.get());
    s_->ImportSampleDirectory();
    v1::ImportDirectoryRequest req;
    req.set_request_id("sim-catalogue");
    req.set_format(v1::DIRECTORY_FORMAT_JSON);
    req.set_content(testing::ReadFile(std::string(HOTLINE_SOURCE_DIR) +
                                      "/data/directory/dazu_catalogue.json"));
    req.set_source("sample catalogue of Dazu District");
    v1::ImportDirectoryResponse resp;
    grpc::Status st = s_->Call(s_->directory_.get(),
                               &v1::DirectoryService::Stub::ImportDirectory,
                               kCenterToken, req, &resp);
    if (!st.ok()) return absl::InternalError(st.error_message());
    EXPECT_GT(resp.rules(), 20);

    tokens_ = ::testing::TempDir() + "/sim-tokens";
    std::ofstream(tokens_) << testing::StandardTokenLines() << "\n"
                           << unit_tokens;
    sim::Options o;
    o.intake = cluster_->address("intake");
    o.routing = cluster_->address("routing");
    o.deadline = cluster_->address("deadline");
    o.assessment = cluster_->address("assessment");
    o.tokens_file = tokens_;
    o.seed = 9;  // slack units answer the consultations (3 working days)
    o.days = days;
    o.orders_per_day = 12;
    o.run_id = "e2e-sim";
    o.log = &log_;
    o.settle_timeout = absl::Seconds(30);
    return sim::Run(o);
  }

  v1::RankingResponse Ranking(v1::UnitKind kind) {
    v1::RankingResponse out;
    grpc::Status st =
        s_->Ranking(testing::PeriodOf("2024-09-01", "2024-09-30"), kind, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }

  std::unique_ptr<testing::Cluster> cluster_;
  std::unique_ptr<Scenario> s_;
  std::string tokens_;
  std::ostringstream log_;
};

TEST_F(SimTest, AWeekOfTheDistrictTellsAStory) {
  auto summary = Play(10);  // Mon 09-02 .. Wed 09-11: eight working days
  ASSERT_TRUE(summary.ok()) << summary.status() << "\n" << log_.str();
  const sim::Summary& s = *summary;
  SCOPED_TRACE(sim::FormatSummary(s) + log_.str());
  EXPECT_EQ(s.working_days, 8);
  EXPECT_EQ(s.orders, 96);
  EXPECT_GT(s.dispatched_auto, 20);   // the catalogue's automatic rules
  EXPECT_GT(s.dispatched_manual, 3);  // noise and town garbage: the center
  EXPECT_GT(s.accepted, 40);
  EXPECT_GT(s.replies, 15);
  EXPECT_GT(s.reviews_approved, 10);
  EXPECT_GT(s.evaluations, 5);
  EXPECT_GT(s.ladder_steps, 0);  // late responses were chased

  // Routing agrees: most orders left the center's queue.
  v1::ListCenterQueueRequest qreq;
  qreq.mutable_page()->set_page_size(500);
  v1::ListCenterQueueResponse queue;
  grpc::Status st =
      s_->Call(s_->routing_.get(), &v1::RoutingService::Stub::ListCenterQueue,
               kCenterToken, qreq, &queue);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_LT(queue.items_size(), s.orders / 2);

  // Units differ: at least two distinct scores among the scored peers.
  std::set<double> scores;
  std::string overdue_unit;
  for (v1::UnitKind kind :
       {v1::UNIT_KIND_DEPARTMENT, v1::UNIT_KIND_TOWN_STREET}) {
    const v1::RankingResponse ranking = Ranking(kind);
    for (const auto& e : ranking.entries()) {
      if (e.not_scored()) continue;
      scores.insert(e.composite_score());
      if (e.indicators().overdue_orders() > 0 && overdue_unit.empty()) {
        overdue_unit = e.unit_id();
      }
    }
  }
  EXPECT_GE(scores.size(), 2u);
  std::cout << sim::FormatSummary(s) << "distinct scores: " << scores.size()
            << "\n";

  // A scorecard shows an overdue order.
  ASSERT_FALSE(overdue_unit.empty()) << "no unit with an overdue order";
  v1::Scorecard card;
  st = s_->Scorecard(
      overdue_unit, testing::PeriodOf("2024-09-01", "2024-09-30"), true, &card);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_GT(card.total().overdue_orders(), 0) << card.DebugString();

  // Some unit still has work on its list.
  int items = 0;
  for (const char* unit : {"dept.urban", "dept.transport", "dept.hrss",
                           "dept.market", "dept.education", "dept.housing"}) {
    v1::ListWorkRequest wreq;
    wreq.set_unit_id(unit);
    v1::ListWorkResponse work;
    st = s_->Call(s_->routing_.get(), &v1::RoutingService::Stub::ListWork,
                  kCenterToken, wreq, &work);
    ASSERT_TRUE(st.ok()) << st.error_message();
    items += work.items_size();
  }
  EXPECT_GT(items, 0);
}

}  // namespace
}  // namespace hotline
