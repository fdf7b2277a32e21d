#include "services/intake/core/places_follower.h"

#include <grpcpp/grpcpp.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/server/tls.h"
#include "common/status/grpc_status.h"
#include "common/status/status.h"
#include "hotline/v1/routing.grpc.pb.h"

namespace hotline::intake {
namespace {

class RoutingPlacesSource final : public PlacesSource {
 public:
  RoutingPlacesSource(const std::string& target,
                      std::shared_ptr<grpc::ChannelCredentials> credentials,
                      std::string token)
      : stub_(v1::DirectoryService::NewStub(
            server::NewPeerChannel(target, "routing", std::move(credentials)))),
        token_(std::move(token)) {}

  absl::StatusOr<Places> Fetch() override {
    std::vector<v1::Unit> units;
    // Every unit, retired ones included: towns/streets and villages/
    // communities for locations (active ones, PlacesFromUnits), the names of
    // all for the caller-facing progress.
    v1::ListUnitsRequest req;
    req.set_include_inactive(true);
    req.mutable_page()->set_page_size(500);
    do {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
      v1::ListUnitsResponse resp;
      grpc::Status s = stub_->ListUnits(&ctx, req, &resp);
      if (!s.ok()) {
        absl::Status st = FromGrpcStatus(s);
        return absl::Status(st.code(),
                            absl::StrCat("routing ListUnits: ", st.message()));
      }
      for (v1::Unit& u : *resp.mutable_units()) units.push_back(std::move(u));
      req.mutable_page()->set_page_token(resp.page().next_page_token());
    } while (!req.page().page_token().empty());
    return PlacesFromUnits(units);
  }

 private:
  std::unique_ptr<v1::DirectoryService::Stub> stub_;
  std::string token_;
};

}  // namespace

std::unique_ptr<PlacesSource> NewRoutingPlacesSource(
    const std::string& target,
    std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& token) {
  return std::make_unique<RoutingPlacesSource>(target, std::move(credentials),
                                               token);
}

PlacesFollower::PlacesFollower(std::unique_ptr<PlacesSource> source,
                               IntakeStore* store, CatalogHolder* catalog,
                               absl::Duration interval, absl::Duration min_gap)
    : source_(std::move(source)),
      store_(store),
      catalog_(catalog),
      interval_(interval),
      min_gap_(min_gap) {}

PlacesFollower::~PlacesFollower() { Stop(); }

absl::Status PlacesFollower::Refresh() {
  absl::MutexLock lock(&mu_);
  return RefreshLocked().status();
}

void PlacesFollower::RefreshForUnknownPlace() {
  absl::MutexLock lock(&mu_);
  if (absl::Now() - last_attempt_ < min_gap_) return;
  (void)RefreshLocked();  // a failure is logged; the installed places stay
}

absl::StatusOr<bool> PlacesFollower::RefreshLocked() {
  last_attempt_ = absl::Now();
  absl::StatusOr<Places> places = source_->Fetch();
  if (places.ok() && places->towns.empty()) {
    places = absl::NotFoundError("the directory has no towns/streets yet");
  }
  if (!places.ok()) {
    // An empty directory is not an outage: the installed towns stay.
    if (!failing_ && !absl::IsNotFound(places.status())) {
      log::Warning("directory.unreachable",
                   {{"error", std::string(places.status().message())}});
    }
    failing_ = !absl::IsNotFound(places.status());
    return places.status();
  }
  if (failing_) log::Info("directory.reachable", {});
  failing_ = false;
  std::shared_ptr<const Catalog> current = catalog_->Get();
  if (current->places == *places) return false;
  RETURN_IF_ERROR(store_->SavePlaces(*places));
  Catalog next = *current;
  next.places = *std::move(places);
  log::Info("directory.places",
            {{"towns", absl::StrCat(next.places.towns.size())},
             {"communities", absl::StrCat(next.places.communities.size())}});
  catalog_->Set(std::move(next));
  return true;
}

void PlacesFollower::Start() {
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(interval_)) {
      (void)Refresh();
    }
  });
}

void PlacesFollower::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace hotline::intake
