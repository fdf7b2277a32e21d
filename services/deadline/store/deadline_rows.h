#pragma once

// The rows of hotline-deadline's store (schema/010_deadline.sql and later):
// plain structs the store interfaces read and write and the core fills.
// Mapping only: ToProto turns a row into its wire message. Not thread-safe
// (values).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "hotline/v1/deadline.pb.h"
#include "services/deadline/domain/clock_rules.h"
#include "services/deadline/domain/ladder_rules.h"
#include "services/deadline/domain/unit_scope.h"

namespace hotline::deadline {

// The act a clock awaits the center on.
enum class Pending : int { kNone = 0, kReply = 1, kDispute = 2 };

struct ClockRow {
  int64_t clock_id = 0;
  std::string ticket_id;
  std::string ticket_number;
  v1::ClockKind kind = v1::CLOCK_KIND_UNSPECIFIED;
  std::string unit_id;
  int dispatch_round = 0;
  bool running = true;
  v1::ClockOutcome outcome = v1::CLOCK_OUTCOME_UNSPECIFIED;
  absl::Time started_at;
  int working_days = 0;
  std::string rule;
  absl::Time due;
  absl::Time original_due;
  std::optional<absl::Time> stopped_at;
  int overdue_working_days = 0;
  v1::LadderStep ladder_step = v1::LADDER_STEP_UNSPECIFIED;
  // The due is a fixed date (a dated limit or an approved extension), kept
  // when the calendar changes.
  bool fixed_due = false;
  std::string calendar_version;
  std::string policy_version;
  bool calendar_incomplete = false;
  v1::Explanation explanation;
  // docs/clocks.md: the act awaiting the center, how the clock was judged,
  // and the lateness it has reported (ClockOverdue).
  std::optional<absl::Time> pending_since;
  Pending pending = Pending::kNone;
  std::optional<absl::Time> judged_at;
  std::string stop_cause;
  std::optional<absl::Time> overdue_since;
  std::optional<absl::CivilDay> overdue_counted_through;
  int elapsed_working_days = 0;

  ClockFacts Facts() const { return {due, overdue_since, pending_since}; }
  OverdueState Overdue() const {
    return {overdue_since, overdue_counted_through, overdue_working_days};
  }
  v1::Clock ToProto() const;
};

// The lateness a clock has reported, written back after ClockOverdue events.
struct OverdueUpdate {
  int64_t clock_id = 0;
  OverdueState state;
};

struct TicketInfo {
  std::string ticket_id;
  std::string ticket_number;
  v1::RequestType request_type = v1::REQUEST_TYPE_UNSPECIFIED;
  int dispatch_round = 0;
  std::string first_unit_id;
  std::string handling_rule;
  int handling_days = 0;
  // When the current round was dispatched (unset for rows written before
  // migration 012).
  std::optional<absl::Time> dispatched_at;
};

// One unit's holding of an order within a round (table holding).
struct Holding {
  std::string unit_id;
  absl::Time arrived_at;
  std::optional<absl::Time> left_at;
  std::string arrived_by;  // "dispatched", "forwarded", "returned"
};

// A ladder rung waiting to fire: one per running clock (its next rung).
struct LadderDue {
  int64_t clock_id = 0;
  v1::LadderStep step = v1::LADDER_STEP_UNSPECIFIED;
  absl::Time due_at;
};

// Step 0 of ladder_due, kOverdueWatch, is in domain/ladder_rules.h.

// A rung claimed by the scanner, with its clock.
struct DueRung {
  LadderDue rung;
  ClockRow clock;
};

struct NoticeRow {
  int64_t notice_id = 0;
  int64_t step_id = 0;
  std::string ticket_id;
  std::string ticket_number;
  v1::LadderStep step = v1::LADDER_STEP_UNSPECIFIED;
  v1::RecipientKind recipient_kind = v1::RECIPIENT_KIND_UNSPECIFIED;
  std::string recipient_unit;
  std::string name;
  bool resolved = false;
  v1::NoticeChannel channel = v1::NOTICE_CHANNEL_UNSPECIFIED;
  std::string address;
  std::string text;
  absl::Time created_at;
  v1::NoticeDelivery delivery = v1::NOTICE_DELIVERY_PENDING;
  int attempts = 0;
  absl::Time next_attempt_at;
  std::optional<absl::Time> delivered_at;

  v1::Notice ToProto() const;
};

struct ExtensionRow {
  v1::Extension ext;  // ids as strings, times set
  int64_t extension_id = 0;
  int64_t clock_id = 0;
};

// NoticeTarget (one notice of a fired step) is in domain/ladder_rules.h.

struct FiredStep {
  // step_id is set by RecordLadderBatch; act_id (numeric) marks a step
  // recorded by a SupervisionAct.
  v1::LadderStepRecord record;
  std::string text;  // the text of each of its notices
};

// What one scanner batch fires, recorded in the caller's transaction.
struct LadderBatch {
  std::string fired_by;            // the replica
  std::vector<LadderDue> claimed;  // deleted (fired or not)
  std::vector<FiredStep> steps;    // immutable records
  // The notices of every step of a kind, in order; each is stored PENDING,
  // created and due for delivery at the step's fired_at.
  std::map<v1::LadderStep, std::vector<NoticeTarget>> notices;
  std::vector<LadderDue> next;  // the rungs that follow
  // Lateness reported by the batch's ClockOverdue events.
  std::vector<OverdueUpdate> overdue;
};

struct StepFilter {
  std::string ticket_id;   // empty: any
  UnitScope units;         // the step's (notice's recipient) unit; nullopt: any
  std::vector<int> steps;  // empty: any
  std::vector<int> deliveries;         // notices only
  std::optional<absl::Time> from, to;  // [from, to)
  int64_t offset = 0;
  int limit = 50;
};

struct ExtensionFilter {
  UnitScope units;          // the asking unit; nullopt: any
  std::string ticket_id;    // empty: any
  std::vector<int> states;  // empty: any
  bool caller_not_informed = false;
  int64_t offset = 0;
  int limit = 50;
};

// A special inspection or district-wide notice as stored.
struct SupervisionActRow {
  v1::SupervisionAct act;  // act_id set by InsertSupervisionAct
  // (ticket, unit, step_id) of each item.
  struct Item {
    std::string ticket_id;
    std::string unit_id;
    int64_t step_id = 0;
  };
  std::vector<Item> items;
};

struct ActFilter {
  int step = 0;                        // 0: both
  UnitScope units;                     // an item's unit; nullopt: any
  std::string ticket_id;               // empty: any
  std::optional<absl::Time> from, to;  // [from, to) of recorded_at
  int64_t offset = 0;
  int limit = 50;
};

struct DueFilter {
  UnitScope units;  // the clock's unit; nullopt: any
  absl::Time due_before;
  std::optional<absl::Time> not_before;  // exclude overdue: due >= this
  std::vector<int> kinds;
  int64_t offset = 0;
  int limit = 50;
};

}  // namespace hotline::deadline
