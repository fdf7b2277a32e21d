#pragma once

// The life of one assignment as a state machine (routing.proto's diagram).
// Plain domain code: no gRPC, no SQL. Each operation checks the order's state,
// the acting unit's place and the arguments against the directory, and on
// success returns the order's next state together with the one event that
// records the change (payload, ticket_id, ticket_number, occurred_at; the
// caller stamps the actor and appends it to the outbox in the same
// transaction). A refusal changes nothing.
//
// Errors: PERMISSION_DENIED when the acting unit is not the one the operation
// belongs to (e.g. not the holder), FAILED_PRECONDITION naming the order's
// status and holder ("DZ20240208-000123 is REPLIED, held by town.longshui"),
// INVALID_ARGUMENT / NOT_FOUND for arguments that break the directory.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hotline/v1/events.pb.h"
#include "hotline/v1/routing.pb.h"
#include "services/routing/domain/unit_tree.h"

namespace hotline::routing {

// What routing keeps per order: the public view plus a little domain state.
struct AssignmentState {
  v1::Assignment view;
  int32_t last_dispute_round = 0;  // round of the last dispute; 0 none
  bool dispute_upheld = false;     // that dispute was decided DISPATCH_UPHELD
  // Cause recorded when the order returned to the center.
  v1::RedispatchCause redispatch_cause = v1::REDISPATCH_CAUSE_UNSPECIFIED;
  std::vector<std::string> touched_units;  // every unit that held it
  // The limit intake gave, if any; the effective limit when a dispatch names
  // none.
  std::optional<v1::HandlingLimit> intake_limit;
};

struct Transition {
  AssignmentState after;
  v1::TicketEvent event;  // payload set; actor left to the caller
  bool has_event = true;  // false for changes without a routing event
};

struct DispatchCommand {
  std::string unit_id;
  std::vector<std::string> co_unit_ids;
  bool has_limit = false;
  v1::HandlingLimit limit;
  std::string note;
  std::string rule_id;
  std::string reason;
  bool automatic = false;
};

struct ReplyCommand {
  std::string reply_id;  // server-assigned
  std::string text;
  v1::ReplyContact contact = v1::REPLY_CONTACT_UNSPECIFIED;
  absl::Time contacted_at;
  v1::ReplyChecks checks;
  bool resolved = false;
  v1::Actor replied_by;
};

class AssignmentMachine {
 public:
  // `tree` is not owned and must outlive the machine.
  explicit AssignmentMachine(const UnitTree* tree) : tree_(tree) {}

  // A new order from intake: RECEIVED at the center (no event).
  AssignmentState Received(const std::string& ticket_id,
                           const std::string& ticket_number,
                           const v1::TicketCreated& created,
                           absl::Time now) const;

  // The center dispatches or re-dispatches (改派).
  absl::StatusOr<Transition> Dispatch(const AssignmentState& s,
                                      const DispatchCommand& cmd,
                                      absl::Time now) const;
  // The holder accepts (签收): → ACCEPTED. A unit whose first-level unit is a
  // co-unit (and which does not hold the order) acknowledges its part
  // instead: the co-unit is marked accepted, holder and status unchanged,
  // Accepted{as_co_unit}. Once per co-unit per dispatch round; never once
  // released.
  absl::StatusOr<Transition> Accept(const AssignmentState& s,
                                    const std::string& unit,
                                    absl::Time now) const;
  absl::StatusOr<Transition> Forward(const AssignmentState& s,
                                     const std::string& unit,
                                     const std::string& to_unit,
                                     const std::string& note,
                                     absl::Time now) const;
  absl::StatusOr<Transition> Return(const AssignmentState& s,
                                    const std::string& unit,
                                    const std::string& reason,
                                    absl::Time now) const;
  absl::StatusOr<Transition> Dispute(const AssignmentState& s,
                                     const std::string& unit,
                                     const std::string& dispute_id,
                                     const std::string& reason,
                                     const std::string& suggested_unit,
                                     absl::Time now) const;
  absl::StatusOr<Transition> DecideDispute(const AssignmentState& s,
                                           const std::string& dispute_id,
                                           v1::DisputeOutcome outcome,
                                           const std::string& reason,
                                           absl::Time now) const;
  absl::StatusOr<Transition> AddCoUnits(const AssignmentState& s,
                                        const std::vector<std::string>& units,
                                        const std::string& note,
                                        absl::Time now) const;
  // `unit`: the caller's unit; its first-level unit must be a co-unit.
  absl::StatusOr<Transition> SubmitCoOpinion(const AssignmentState& s,
                                             const std::string& unit,
                                             const std::string& opinion,
                                             absl::Time now) const;
  // The center releases a co-unit: its input is no longer awaited (Reply
  // does not wait for it, a rejected review does not ask it again), and it
  // may no longer accept or give input. Before REPLIED only.
  absl::StatusOr<Transition> ReleaseCoUnit(const AssignmentState& s,
                                           const std::string& co_unit,
                                           const std::string& reason,
                                           absl::Time now) const;
  // Refused while a co-unit that is not released has not given its input.
  absl::StatusOr<Transition> Reply(const AssignmentState& s,
                                   const std::string& unit,
                                   const ReplyCommand& cmd,
                                   absl::Time now) const;
  absl::StatusOr<Transition> Review(
      const AssignmentState& s, const std::string& reply_id, bool approve,
      const std::vector<v1::ReviewReason>& reasons, const std::string& comment,
      absl::Time now) const;

  // Events from other services.
  absl::StatusOr<Transition> Merge(const AssignmentState& s,
                                   absl::Time now) const;  // Closed{MERGED}
  absl::StatusOr<Transition> Unmerge(const AssignmentState& s,
                                     absl::Time now) const;  // no event
  absl::StatusOr<Transition> Evaluated(const AssignmentState& s,
                                       absl::Time now) const;  // Closed

  // "DZ… is ACCEPTED, held by town.x"
  static std::string Describe(const AssignmentState& s);

 private:
  absl::Status NotHolder(const AssignmentState& s,
                         const std::string& unit) const;
  // Index in s.view.co_units() of the co-unit `unit` speaks for (its
  // first-level unit), or -1.
  int CoUnitIndex(const AssignmentState& s, const std::string& unit) const;
  absl::StatusOr<Transition> AcceptAsCoUnit(const AssignmentState& s, int index,
                                            absl::Time now) const;
  Transition Begin(const AssignmentState& s, absl::Time now) const;
  absl::Status CheckCoUnits(const std::vector<std::string>& units,
                            const std::string& lead,
                            const AssignmentState* existing,
                            const std::string& field) const;

  const UnitTree* tree_;
};

// True for statuses from which no routing operation but Review/evaluation
// applies (REPLIED or later, MERGED).
bool IsRepliedOrLater(v1::TicketStatus status);
bool IsOpen(v1::TicketStatus status);  // not CLOSED/MERGED/CLOSED_AT_INTAKE

}  // namespace hotline::routing
