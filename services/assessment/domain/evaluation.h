#pragma once

// Satisfaction evaluation (回访评价; docs/policy/regulation.txt 第八条,
// 社会第三方评价): which order may be evaluated, and what an evaluation records
// and emits.
// Pure functions over plain values; thread-compatible.

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "hotline/v1/assessment.pb.h"
#include "hotline/v1/events.pb.h"
#include "services/assessment/domain/fact_plan.h"

namespace hotline::assessment {

// The caller's answer as the edge validated it.
struct EvaluationAnswer {
  bool reached = false;
  int satisfaction = 0;
  bool resolved = false;
  std::string comment;
  absl::Time evaluated_at;
  v1::Actor evaluator;
};

// Whether order `t` may be evaluated now: it is known, has no evaluation yet
// (`existing_evaluation_id` empty: one evaluation per order), and its reply
// was approved (the approved unit is the one evaluated).
// NOT_FOUND when assessment never saw `ticket_id`; ALREADY_EXISTS naming the
// existing evaluation; FAILED_PRECONDITION naming the order's review state
// when the reply is not approved.
absl::Status CheckEvaluable(const std::string& ticket_id, const TicketInfo& t,
                            const std::string& existing_evaluation_id);

// The evaluation of order `t` (which CheckEvaluable accepted) under
// `evaluation_id`, credited to the unit whose reply was approved.
v1::Evaluation MakeEvaluation(const std::string& evaluation_id,
                              const std::string& ticket_id, const TicketInfo& t,
                              const EvaluationAnswer& answer);

// The EvaluationRecorded event of `evaluation`, emitted at `now`.
v1::TicketEvent EvaluationRecordedEvent(const v1::Evaluation& evaluation,
                                        const TicketInfo& t, absl::Time now);

}  // namespace hotline::assessment
