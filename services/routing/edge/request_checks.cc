#include "services/routing/edge/request_checks.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/routing/domain/unit_tree.h"

namespace hotline::routing {
namespace {

bool IsIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

}  // namespace

absl::Status Bad(absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
}

absl::Status CheckId(absl::string_view field, const std::string& v) {
  if (v.empty()) return Bad(field, "required");
  if (v.size() > 64 || !std::all_of(v.begin(), v.end(), IsIdChar)) {
    return Bad(field, "1-64 chars of [A-Za-z0-9._:-]");
  }
  return absl::OkStatus();
}

// Valid UTF-8 (structurally), no control characters except \n \t when
// multi-line, at most `max` bytes; `required` rejects empty/whitespace.
absl::Status CheckText(absl::string_view field, const std::string& v,
                       size_t max, bool required, bool multiline) {
  if (required && absl::StripAsciiWhitespace(v).empty()) {
    return Bad(field, "required");
  }
  if (v.size() > max)
    return Bad(field, absl::StrCat("longer than ", max, " bytes"));
  size_t i = 0;
  while (i < v.size()) {
    unsigned char c = v[i];
    int n = c < 0x80         ? 1
            : (c >> 5) == 6  ? 2
            : (c >> 4) == 14 ? 3
            : (c >> 3) == 30 ? 4
                             : 0;
    if (n == 0 || i + n > v.size()) return Bad(field, "not valid UTF-8");
    for (int k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(v[i + k]) >> 6) != 2) {
        return Bad(field, "not valid UTF-8");
      }
    }
    if (n == 1 && (c < 0x20 || c == 0x7f)) {
      if (!(multiline && (c == '\n' || c == '\t'))) {
        return Bad(field, "control character");
      }
    }
    i += n;
  }
  return absl::OkStatus();
}

absl::Status CheckUnitRef(absl::string_view field, const std::string& v) {
  if (v.empty()) return Bad(field, "required");
  if (!IsValidUnitId(v)) return Bad(field, "not a unit id");
  return absl::OkStatus();
}

absl::Status CheckLimit(absl::string_view field, const v1::HandlingLimit& l,
                        absl::Time now) {
  switch (l.limit_case()) {
    case v1::HandlingLimit::kWorkingDays:
      if (l.working_days() < 1 || l.working_days() > 3650) {
        return Bad(absl::StrCat(field, ".working_days"), "1-3650");
      }
      break;
    case v1::HandlingLimit::kDueDate: {
      ASSIGN_OR_RETURN(absl::CivilDay d,
                       calendar::ParseDateField(
                           absl::StrCat(field, ".due_date"), l.due_date()));
      absl::CivilDay today =
          absl::ToCivilDay(now, calendar::ChinaStandardTime());
      if (d < today)
        return Bad(absl::StrCat(field, ".due_date"), "in the past");
      break;
    }
    default:
      return Bad(field, "working_days or due_date required");
  }
  return CheckText(absl::StrCat(field, ".legal_basis"), l.legal_basis(), 512,
                   false, false);
}

absl::Status CheckDispatchRequest(const v1::DispatchRequest& req,
                                  absl::Time now) {
  RETURN_IF_ERROR(CheckUnitRef("unit_id", req.unit_id()));
  if (req.co_unit_ids_size() > 20) return Bad("co_unit_ids", "more than 20");
  for (int i = 0; i < req.co_unit_ids_size(); ++i) {
    RETURN_IF_ERROR(
        CheckUnitRef(absl::StrCat("co_unit_ids[", i, "]"), req.co_unit_ids(i)));
  }
  if (req.has_limit()) RETURN_IF_ERROR(CheckLimit("limit", req.limit(), now));
  RETURN_IF_ERROR(CheckText("note", req.note(), 1024, false, true));
  RETURN_IF_ERROR(CheckText("reason", req.reason(), 1024, false, true));
  if (!req.rule_id().empty())
    RETURN_IF_ERROR(CheckId("rule_id", req.rule_id()));
  return absl::OkStatus();
}

absl::Status CheckForwardRequest(const v1::ForwardRequest& req) {
  RETURN_IF_ERROR(CheckUnitRef("to_unit_id", req.to_unit_id()));
  return CheckText("note", req.note(), 1024, false, true);
}

absl::Status CheckReturnRequest(const v1::ReturnRequest& req) {
  return CheckText("reason", req.reason(), 1024, true, true);
}

absl::Status CheckDisputeRequest(const v1::DisputeRequest& req) {
  RETURN_IF_ERROR(CheckText("reason", req.reason(), 2048, true, true));
  if (!req.suggested_unit_id().empty() &&
      !IsValidUnitId(req.suggested_unit_id())) {
    return Bad("suggested_unit_id", "not a unit id");
  }
  return absl::OkStatus();
}

absl::Status CheckDecideDisputeRequest(const v1::DecideDisputeRequest& req) {
  RETURN_IF_ERROR(CheckId("dispute_id", req.dispute_id()));
  if (req.outcome() != v1::DISPUTE_OUTCOME_DISPATCH_UPHELD &&
      req.outcome() != v1::DISPUTE_OUTCOME_DISPUTE_GRANTED) {
    return Bad("outcome", "DISPATCH_UPHELD or DISPUTE_GRANTED required");
  }
  return CheckText("reason", req.reason(), 1024, true, true);
}

absl::Status CheckAddCoUnitsRequest(const v1::AddCoUnitsRequest& req) {
  if (req.co_unit_ids_size() < 1 || req.co_unit_ids_size() > 20) {
    return Bad("co_unit_ids", "1-20 units required");
  }
  for (int i = 0; i < req.co_unit_ids_size(); ++i) {
    RETURN_IF_ERROR(
        CheckUnitRef(absl::StrCat("co_unit_ids[", i, "]"), req.co_unit_ids(i)));
  }
  return CheckText("note", req.note(), 1024, false, true);
}

absl::Status CheckSubmitCoOpinionRequest(
    const v1::SubmitCoOpinionRequest& req) {
  return CheckText("opinion", req.opinion(), 8192, true, true);
}

absl::Status CheckReleaseCoUnitRequest(const v1::ReleaseCoUnitRequest& req) {
  RETURN_IF_ERROR(CheckUnitRef("co_unit_id", req.co_unit_id()));
  return CheckText("reason", req.reason(), 1024, true, true);
}

absl::StatusOr<absl::Time> CheckReplyRequest(const v1::ReplyRequest& req,
                                             absl::Time now) {
  RETURN_IF_ERROR(CheckText("text", req.text(), 8192, true, true));
  if (req.contact() == v1::REPLY_CONTACT_UNSPECIFIED ||
      !v1::ReplyContact_IsValid(req.contact())) {
    return Bad("contact", "required");
  }
  if (!req.has_contacted_at()) return Bad("contacted_at", "required");
  ASSIGN_OR_RETURN(absl::Time contacted,
                   ParseTimestampField("contacted_at", req.contacted_at()));
  if (contacted > now) return Bad("contacted_at", "in the future");
  if (!req.has_checks()) return Bad("checks", "required");
  const auto& k = req.checks();
  if (!k.policy_checked())
    return Bad("checks.policy_checked", "must be affirmed (政策关)");
  if (!k.confidentiality_checked())
    return Bad("checks.confidentiality_checked", "must be affirmed (保密关)");
  if (!k.source_checked())
    return Bad("checks.source_checked", "must be affirmed (来源关)");
  if (!k.wording_checked())
    return Bad("checks.wording_checked", "must be affirmed (文字关)");
  return contacted;
}

absl::Status CheckReviewRequest(const v1::ReviewRequest& req) {
  RETURN_IF_ERROR(CheckId("reply_id", req.reply_id()));
  std::set<int> seen;
  bool other = false;
  for (int i = 0; i < req.reasons_size(); ++i) {
    const int r = req.reasons(i);
    if (r == 0 || !v1::ReviewReason_IsValid(r) || !seen.insert(r).second) {
      return Bad(absl::StrCat("reasons[", i, "]"), "a distinct reason");
    }
    if (r == v1::REVIEW_REASON_OTHER) other = true;
  }
  if (req.approve() && req.reasons_size() > 0) {
    return Bad("reasons", "must be empty when approving");
  }
  if (!req.approve() && req.reasons_size() == 0) {
    return Bad("reasons", "required when rejecting");
  }
  return CheckText("comment", req.comment(), 2048, other, true);
}

}  // namespace hotline::routing
