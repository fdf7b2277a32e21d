// The transactions of the edge's calls: RequestRunner (once per request id)
// and CalendarLoader (LoadYear).

#include "services/deadline/core/deadline_core_requests.h"

#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/server/idempotency.h"
#include "common/status/status.h"

namespace hotline::deadline {

absl::Status RequestRunner::Run(
    const std::string& rpc, const std::string& request_id,
    const google::protobuf::Message& request,
    std::function<absl::Status(db::Connection&)> authorize,
    std::function<absl::Status(db::Connection&)> body,
    google::protobuf::Message* response) {
  server::RequestKey key = server::KeyOf(rpc, request);
  key.request_id = request_id;
  return server::RunIdempotentResponse(*pool_, *log_, key, std::move(authorize),
                                       std::move(body), response);
}

absl::Status CalendarLoader::LoadYear(const auth::Principal& who,
                                      const v1::LoadYearRequest& req,
                                      const calendar::YearData& year,
                                      v1::LoadYearResponse* resp) {
  // One LoadYear at a time in this process: the new version derives from
  // the one in force.
  absl::MutexLock lock(&load_mu_);
  std::shared_ptr<const calendar::Calendar> current = state_->Get();
  bool changed = true;
  auto it = current->data().years().find(req.year());
  if (it != current->data().years().end() &&
      it->second.holidays == year.holidays &&
      it->second.workdays == year.workdays) {
    changed = false;
  }
  std::shared_ptr<const calendar::Calendar> next = current;
  if (changed) {
    ASSIGN_OR_RETURN(calendar::Calendar c, current->WithYear(year));
    next = std::make_shared<const calendar::Calendar>(std::move(c));
  }
  const absl::Time now = clock_->Now();
  PersistedYear persisted{year, YearMeta{req.source(), now, who.id}};
  // Set by the body: false when the answer is a replay (nothing to
  // publish). Reset on every run of the transaction.
  bool ran = false;
  // The role was checked by the edge; nothing else limits who loads a year.
  RETURN_IF_ERROR(server::RunIdempotentResponse(
      *pool_, *log_, server::KeyOf("LoadYear", req),
      [&](db::Connection&) {
        ran = false;
        return absl::OkStatus();
      },
      [&](db::Connection& conn) -> absl::Status {
        ran = true;
        resp->set_previous_version(current->version());
        resp->set_calendar_version(next->version());
        resp->set_changed(changed);
        if (changed) {
          if (current->IsKnownYear(req.year())) {
            ASSIGN_OR_RETURN(int64_t in_use, store_->CountRunningClocksInYear(
                                                 conn, req.year()));
            if (in_use > 0 && !req.force()) {
              return absl::FailedPreconditionError(absl::StrCat(
                  "year: ", req.year(), " is loaded and ", in_use,
                  " open clocks depend on it; set force to replace it"));
            }
            if (in_use > 0 && recompute_) {
              ASSIGN_OR_RETURN(int moved, recompute_(conn, *next, req.year()));
              resp->set_clocks_recomputed(moved);
            }
          }
          RETURN_IF_ERROR(
              store_->SaveCalendarYear(conn, persisted, next->version()));
        }
        return absl::OkStatus();
      },
      resp));
  if (ran && changed) {
    state_->Publish(next, req.year(), persisted.meta);
    log::Info("calendar.year_loaded", {{"year", absl::StrCat(req.year())},
                                       {"calendar_version", next->version()},
                                       {"previous_version", current->version()},
                                       {"by", who.id}});
  }
  return absl::OkStatus();
}

}  // namespace hotline::deadline
