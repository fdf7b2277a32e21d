#pragma once

// hotline-sim: a seeded, deterministic month of Dazu District's hotline,
// played through the four running services over gRPC (no shortcut to any
// database). The services run with manual clocks (HOTLINE_CLOCK=manual);
// the simulator moves all four together through the working days in steps
// of a few hours (ClockAdmin.AdvanceClock) and, after every step, waits
// until the event pipeline has settled: for every order it touched, intake's
// status equals routing's, assessment holds routing's latest event of the
// order and deadline runs the order's current round (SettleOrder). It never
// sleeps to let simulated time pass.
//
// Each working day brings orders_per_day calls (tools/loadgen/orders.h:
// every channel and request type, 27 towns); the catalogue
// (data/directory/dazu_catalogue.json) dispatches most of them by itself and
// the center dispatches the rest. Each unit behaves after a profile drawn
// from the seed (diligent, ordinary, slack), so units differ: accepts,
// forwards down to communities and sections, returns, disputes, co-unit
// opinions, extensions (asked, approved or refused by the level above),
// replies (on time, late, or never), reviews (some rejected and re-handled)
// and callbacks (reached or not, satisfied or not). The deadline ladder fires
// its reminders and supervisions as time passes, and the center records a
// special inspection for orders chased twice.
//
// Deterministic for a seed: the same decisions, in the same order, at the
// same simulated instants (ids differ between runs).

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace grpc {
class ChannelCredentials;
}

namespace hotline::sim {

struct Options {
  // host:port of each service.
  std::string intake, routing, deadline, assessment;
  std::shared_ptr<grpc::ChannelCredentials> credentials;  // null: plaintext
  // The token file the services read (TOKEN ROLE [UNIT_ID]): the simulator
  // acts with its CENTER_STAFF, CALL_AGENT and EVALUATOR tokens and with the
  // UNIT_STAFF / UNIT_LEAD token of every unit it plays (UnitTokenLines).
  std::string tokens_file;
  uint32_t seed = 1;
  // Calendar days played from the services' current instant.
  int days = 30;
  // New orders per working day.
  int orders_per_day = 24;
  // Prefix of request ids (default: derived from the wall clock), so that a
  // second run against the same services creates new orders.
  std::string run_id;
  // Progress lines (one per day) and refused actions go here; null: quiet.
  std::ostream* log = nullptr;
  bool verbose = false;  // every action
  // Bound on waiting for the pipeline to settle after a step.
  absl::Duration settle_timeout = absl::Seconds(60);
};

struct Summary {
  absl::Time start, end;  // simulated
  int working_days = 0;
  int orders = 0;
  int dispatched_auto = 0;    // by the catalogue
  int dispatched_manual = 0;  // by the center (first dispatch)
  int redispatched = 0;       // after a return or a granted dispute
  int accepted = 0;
  int forwarded = 0;
  int returned = 0;
  int disputed = 0;
  int disputes_granted = 0;
  int with_co_units = 0;
  int co_opinions = 0;
  int co_units_released = 0;
  int extensions_requested = 0;
  int extensions_refused_too_late = 0;  // FAILED_PRECONDITION at the request
  int extensions_approved = 0;
  int extensions_rejected = 0;
  int replies = 0;
  int replies_late = 0;  // after the handling due the unit was given
  int reviews_rejected = 0;
  int reviews_approved = 0;
  int evaluations = 0;
  int evaluations_not_reached = 0;
  int dissatisfied = 0;
  int open_at_end = 0;          // not replied and approved by the end
  int open_overdue_at_end = 0;  // of which past their handling due
  int supervision_acts = 0;
  int ladder_steps = 0;  // reminders and supervisions fired (deadline)
  int refused = 0;       // actions a service refused (logged)
};

// Plays the month. Errors: a service unreachable, a token missing, the
// pipeline not settling within settle_timeout.
absl::StatusOr<Summary> Run(const Options& options);

// The summary in a few lines.
std::string FormatSummary(const Summary& summary);

// The unit ids of a directory CSV (data/directory/README.md), in file order,
// without the center.
absl::StatusOr<std::vector<std::string>> UnitsOfDirectoryCsv(
    const std::string& csv_text);

// Token-file lines giving every unit of `units` a UNIT_STAFF and a UNIT_LEAD
// token, for those `existing_tokens_text` has none of; token(i) makes the
// i-th new token (≥ 8 characters).
std::string UnitTokenLines(const std::vector<std::string>& units,
                           const std::string& existing_tokens_text,
                           const std::function<std::string(int)>& token);

}  // namespace hotline::sim
