// ClockEngine::Batch: the inbox's EventBatch. Each event of a delivered batch
// is applied as Apply applies it, the events they emit are appended together
// at the batch's end, and the dispatches of orders new here (nothing of the
// order stored before the batch: most dispatches) are not written one by
// one: their ticket_info, chain links, holdings, clocks and rungs are kept
// (Tx::deferred) and written in multi-row statements (FlushDeferred) at the
// batch's end, or before the first event that could see them or that could
// start a clock of its own (so every clock gets the id it gets one by one).

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/db/sql_text.h"
#include "common/status/status.h"
#include "services/deadline/core/deadline_core.h"
#include "services/deadline/core/deadline_core_internal.h"

namespace hotline::deadline {

namespace {

// Whether applying `ev` may start a clock (insert a clock row): a kept
// dispatch's clocks are written before it, so the clock ids stay in the
// order of the events (as one by one).
bool MayStartClocks(const v1::TicketEvent& ev) {
  switch (ev.payload_case()) {
    case v1::TicketEvent::kDispatched:
    case v1::TicketEvent::kRedispatched:
    case v1::TicketEvent::kForwarded:
    case v1::TicketEvent::kReturned:
    case v1::TicketEvent::kCoUnitsAdded:
      return true;
    case v1::TicketEvent::kReviewed:
      // A rejection starts re-handling and co-opinions; an approval stops.
      return !ev.reviewed().approved();
    default:
      return false;
  }
}

}  // namespace

class ClockEngine::Batch final : public outbox::EventBatch {
 public:
  explicit Batch(ClockEngine* engine) : engine_(engine) {}

  // Which of the batch's dispatched orders are new here: one read.
  absl::Status Begin(
      db::Connection& conn,
      const std::vector<const v1::TicketEvent*>& events) override {
    std::vector<std::string> dispatched;
    for (const v1::TicketEvent* e : events) {
      if (e->payload_case() == v1::TicketEvent::kDispatched) {
        dispatched.push_back(e->ticket_id());
      }
    }
    if (dispatched.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::vector<std::string> known,
                     engine_->store_->KnownTickets(conn, dispatched));
    fresh_.insert(dispatched.begin(), dispatched.end());
    for (const std::string& t : known) fresh_.erase(t);
    return absl::OkStatus();
  }

  absl::Status Handle(db::Connection& conn,
                      const v1::TicketEvent& event) override {
    const bool kept = deferred_.tickets.count(event.ticket_id()) > 0;
    if (event.payload_case() == v1::TicketEvent::kDispatched && !kept &&
        fresh_.erase(event.ticket_id()) > 0) {
      // Its first dispatch: nothing of the order is stored, nothing kept
      // reads or is read by it.
      Tx tx{conn, &held_, &deferred_};
      return engine_->Dispatch(tx, event, event.dispatched());
    }
    if (kept || (!deferred_.empty() && MayStartClocks(event))) {
      RETURN_IF_ERROR(engine_->FlushDeferred(conn, deferred_, held_));
    }
    return engine_->ApplyHolding(conn, event, &held_);
  }

  absl::Status Finish(db::Connection& conn) override {
    RETURN_IF_ERROR(engine_->FlushDeferred(conn, deferred_, held_));
    return engine_->AppendHeld(conn, &held_);
  }

 private:
  ClockEngine* engine_;
  std::vector<v1::TicketEvent> held_;
  Deferred deferred_;
  // Orders dispatched in the batch of which nothing was stored at its start
  // and whose first dispatch has not been applied yet.
  std::set<std::string> fresh_;
};

std::unique_ptr<outbox::EventBatch> ClockEngine::NewEventBatch() {
  return std::make_unique<Batch>(this);
}

absl::Status ClockEngine::FlushDeferred(db::Connection& conn, Deferred& d,
                                        std::vector<v1::TicketEvent>& held) {
  if (d.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(store_->PutTicketInfos(conn, d.infos));
  RETURN_IF_ERROR(store_->PutChainLinks(conn, d.links));
  RETURN_IF_ERROR(store_->InsertHoldings(conn, d.holdings));
  // The clocks in the order they were started: their ids in that order.
  for (size_t first = 0; first < d.clocks.size();) {
    const size_t n = db::RowsInNextChunk(d.clocks.size() - first, 128);
    std::vector<ClockRow> chunk(d.clocks.begin() + first,
                                d.clocks.begin() + first + n);
    RETURN_IF_ERROR(store_->InsertClocks(conn, &chunk));
    for (size_t i = 0; i < n; ++i) {
      d.clocks[first + i].clock_id = chunk[i].clock_id;
      d.clocks[first + i].running = true;
    }
    first += n;
  }
  std::vector<LadderDue> rungs;
  for (size_t i = 0; i < d.clocks.size(); ++i) {
    AddRungs(d.clocks[i], d.rungs_from[i], &rungs);
  }
  for (size_t first = 0; first < rungs.size();) {
    const size_t n = db::RowsInNextChunk(rungs.size() - first, 256);
    RETURN_IF_ERROR(store_->ScheduleRungs(
        conn, std::vector<LadderDue>(rungs.begin() + first,
                                     rungs.begin() + first + n)));
    first += n;
  }
  for (const auto& [event, clock] : d.started) {
    held[event].mutable_clock_started()->set_clock_id(
        absl::StrCat(d.clocks[clock].clock_id));
  }
  d = Deferred{};
  return absl::OkStatus();
}

}  // namespace hotline::deadline
