#pragma once

// SQL of the clocks, the ladder, notices, extensions and the per-order chain
// (schema/010_deadline.sql). Plain functions over a db::Connection so that
// they compose into the caller's transaction; no business rules here.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/db/connection.h"
#include "hotline/v1/deadline.pb.h"

namespace hotline::deadline {

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
  bool extended = false;
  std::string calendar_version;
  std::string policy_version;
  bool calendar_incomplete = false;
  v1::Explanation explanation;

  v1::Clock ToProto() const;
};

struct TicketInfo {
  std::string ticket_id;
  std::string ticket_number;
  v1::RequestType request_type = v1::REQUEST_TYPE_UNSPECIFIED;
  int dispatch_round = 0;
  std::string first_unit_id;
  std::string handling_rule;
  int handling_days = 0;
};

struct LadderDue {
  int64_t clock_id = 0;
  v1::LadderStep step = v1::LADDER_STEP_UNSPECIFIED;
  absl::Time due_at;
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

// --- per-order chain
absl::StatusOr<std::optional<TicketInfo>> GetTicketInfo(
    db::Connection& conn, const std::string& ticket_id);
absl::Status PutTicketInfo(db::Connection& conn, const TicketInfo& info);
// Records that `parent` passed the order to `unit` (path derived from the
// parent's path; "/center/<unit>/" when parent is the center).
absl::Status PutChainLink(db::Connection& conn, const std::string& ticket_id,
                          const std::string& unit, const std::string& parent);
// The unit that passed the order to `unit`; "center" if unknown.
absl::StatusOr<std::string> ParentOf(db::Connection& conn,
                                     const std::string& ticket_id,
                                     const std::string& unit);
// Whether `unit` is `root` or below it in this order's chain.
absl::StatusOr<bool> InSubtree(db::Connection& conn,
                               const std::string& ticket_id,
                               const std::string& unit,
                               const std::string& root);
// Whether `root`'s subtree holds or held the order.
absl::StatusOr<bool> SubtreeTouched(db::Connection& conn,
                                    const std::string& ticket_id,
                                    const std::string& root);

// --- clocks
absl::Status InsertClock(db::Connection& conn, ClockRow* row);
absl::StatusOr<std::vector<ClockRow>> ClocksOfTicket(
    db::Connection& conn, const std::string& ticket_id, bool running_only,
    bool for_update);
absl::StatusOr<std::optional<ClockRow>> GetClock(db::Connection& conn,
                                                 int64_t clock_id,
                                                 bool for_update);
// Stops it, drops its pending ladder rungs and lapses pending extensions.
absl::Status StopClockRow(db::Connection& conn, const ClockRow& row,
                          v1::ClockOutcome outcome, absl::Time at,
                          int overdue_working_days);
absl::Status SetClockUnit(db::Connection& conn, int64_t clock_id,
                          const std::string& unit_id);
absl::Status MoveClockRow(db::Connection& conn, const ClockRow& row);
absl::Status SetClockLadderStep(db::Connection& conn, int64_t clock_id,
                                v1::LadderStep step);

// --- ladder
absl::Status InsertLadderDue(db::Connection& conn, const LadderDue& due);
// Moves the pending rung of a clock to a new instant.
absl::Status RescheduleLadderDue(db::Connection& conn, int64_t clock_id,
                                 v1::LadderStep step, absl::Time due_at);
// Claims up to `limit` rungs due at or before `now`, earliest first, skipping
// rows other transactions hold (FOR UPDATE SKIP LOCKED).
absl::StatusOr<std::vector<LadderDue>> ClaimDueRungs(db::Connection& conn,
                                                     absl::Time now, int limit);
absl::Status DeleteLadderDue(db::Connection& conn, int64_t clock_id,
                             v1::LadderStep step);
absl::StatusOr<int64_t> InsertLadderStep(db::Connection& conn,
                                         const v1::LadderStepRecord& rec,
                                         const std::string& fired_by);
absl::StatusOr<int64_t> InsertNotice(db::Connection& conn, const NoticeRow& n);

// --- notices (delivery)
// Claims up to `limit` PENDING notices whose next attempt is due by pushing
// their next attempt to `lease_until` (FOR UPDATE SKIP LOCKED).
absl::StatusOr<std::vector<NoticeRow>> LeasePendingNotices(
    db::Connection& conn, absl::Time now, absl::Time lease_until, int limit);
absl::Status UpdateNotice(db::Connection& conn, const NoticeRow& n);

// --- extensions
absl::StatusOr<int64_t> InsertExtension(db::Connection& conn,
                                        const ExtensionRow& row);
absl::StatusOr<std::optional<ExtensionRow>> GetExtension(db::Connection& conn,
                                                         int64_t id,
                                                         bool for_update);
absl::StatusOr<bool> HasPendingExtension(db::Connection& conn,
                                         int64_t clock_id);
absl::Status DecideExtensionRow(db::Connection& conn, const ExtensionRow& row);
absl::StatusOr<std::vector<v1::Extension>> ExtensionsOfTicket(
    db::Connection& conn, const std::string& ticket_id);

// --- queries
absl::StatusOr<std::vector<v1::LadderStepRecord>> StepsOfTicket(
    db::Connection& conn, const std::string& ticket_id);

struct StepFilter {
  std::string ticket_id;               // empty: any
  std::string unit_root;               // empty: any
  std::vector<int> steps;              // empty: any
  std::vector<int> deliveries;         // notices only
  std::optional<absl::Time> from, to;  // [from, to)
  int64_t offset = 0;
  int limit = 50;
};
absl::StatusOr<std::vector<v1::LadderStepRecord>> ListSteps(
    db::Connection& conn, const StepFilter& f);
absl::StatusOr<std::vector<NoticeRow>> ListNoticeRows(db::Connection& conn,
                                                      const StepFilter& f);

struct DueFilter {
  std::string unit_root;  // "center" or empty: all
  absl::Time due_before;
  std::optional<absl::Time> not_before;  // exclude overdue: due >= this
  std::vector<int> kinds;
  int64_t offset = 0;
  int limit = 50;
};
absl::StatusOr<std::vector<ClockRow>> ListDueClocks(db::Connection& conn,
                                                    const DueFilter& f);

}  // namespace hotline::deadline

namespace hotline::deadline {
// Running clocks that depend on `year` (see CountRunningClocksInYear), not
// fixed by an approved extension, locked for update.
absl::StatusOr<std::vector<ClockRow>> RunningClocksInYear(db::Connection& conn,
                                                          int year);
}  // namespace hotline::deadline

namespace hotline::deadline {
// Batched forms used by the scanner (one round trip each).
absl::StatusOr<std::vector<ClockRow>> ClocksByIds(
    db::Connection& conn, const std::vector<int64_t>& ids);  // FOR UPDATE
absl::Status DeleteLadderDues(db::Connection& conn,
                              const std::vector<LadderDue>& rungs);
absl::Status InsertLadderDues(db::Connection& conn,
                              const std::vector<LadderDue>& rungs);
// Inserts the records; sets each record's step_id.
absl::Status InsertLadderSteps(db::Connection& conn,
                               std::vector<v1::LadderStepRecord>* recs,
                               const std::string& fired_by);
absl::Status InsertNotices(db::Connection& conn,
                           const std::vector<NoticeRow>& notices);
absl::Status SetLadderSteps(db::Connection& conn, v1::LadderStep step,
                            const std::vector<int64_t>& clock_ids);
}  // namespace hotline::deadline
