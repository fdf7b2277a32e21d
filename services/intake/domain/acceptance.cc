#include "services/intake/domain/acceptance.h"

#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/str_cat.h"
#include "common/server/proto_digest.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/intake/domain/caller_privacy.h"
#include "services/intake/domain/text_rules.h"
#include "services/intake/domain/ticket_numbers.h"

namespace hotline::intake {

std::string CreateTicketFingerprint(const v1::CreateTicketRequest& request) {
  v1::CreateTicketRequest without = request;
  without.clear_caller();
  std::string bytes = "CreateTicket";
  bytes.push_back('\0');
  server::AppendDeterministic(without, &bytes);
  return server::Sha256(bytes);
}

bool RequestMatchesOrder(const v1::CreateTicketRequest& r,
                         const v1::Ticket& t) {
  using google::protobuf::util::MessageDifferencer;
  const v1::Urgency urgency =
      r.urgency() == v1::URGENCY_UNSPECIFIED ? v1::URGENCY_NORMAL : r.urgency();
  if (r.channel() != t.channel() || r.request_type() != t.request_type() ||
      r.category_code() != t.category_code() || urgency != t.urgency() ||
      r.title() != t.title() || r.content() != t.content() ||
      !MessageDifferencer::Equals(r.location(), t.location()) ||
      r.has_limit() != t.has_limit() ||
      (r.has_limit() && !MessageDifferencer::Equals(r.limit(), t.limit())) ||
      (r.confidential() || r.request_type() == v1::REQUEST_TYPE_REPORT) !=
          t.confidential() ||
      (r.has_received_at() &&
       !MessageDifferencer::Equals(r.received_at(), t.received_at()))) {
    return false;
  }
  if (r.has_close_at_intake() !=
      (t.status() == v1::TICKET_STATUS_CLOSED_AT_INTAKE ||
       !t.intake_answer().empty())) {
    return false;
  }
  if (!r.has_close_at_intake()) return true;
  const auto& c = r.close_at_intake();
  if (c.answer() != t.intake_answer() ||
      c.article_ids_size() != t.cited_article_ids_size()) {
    return false;
  }
  for (int i = 0; i < c.article_ids_size(); ++i) {
    if (c.article_ids(i) != t.cited_article_ids(i)) return false;
  }
  return true;
}

absl::Status ValidateCreateTicket(const v1::CreateTicketRequest& req,
                                  const Catalog& catalog, absl::Time now) {
  RETURN_IF_ERROR(CheckId("request_id", req.request_id()));
  if (req.channel() == v1::CHANNEL_UNSPECIFIED) {
    return absl::InvalidArgumentError("channel: required");
  }
  if (!v1::Channel_IsValid(req.channel())) {
    return absl::InvalidArgumentError("channel: not a Channel value");
  }
  if (req.request_type() == v1::REQUEST_TYPE_UNSPECIFIED) {
    return absl::InvalidArgumentError("request_type: required");
  }
  if (!v1::RequestType_IsValid(req.request_type())) {
    return absl::InvalidArgumentError("request_type: not a RequestType value");
  }
  if (req.category_code().empty()) {
    return absl::InvalidArgumentError("category_code: required");
  }
  if (!IsCode(req.category_code(), 64) ||
      !catalog.HasCategory(req.category_code())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "category_code: unknown category ", IsValidUtf8(req.category_code())
                                                ? req.category_code()
                                                : "(invalid UTF-8)"));
  }
  if (!v1::Urgency_IsValid(req.urgency())) {
    return absl::InvalidArgumentError("urgency: not an Urgency value");
  }
  const v1::Location& loc = req.location();
  const Places& places = catalog.places;
  if (!loc.town_code().empty() && !places.towns.contains(loc.town_code())) {
    return absl::InvalidArgumentError(
        "location.town_code: not a town/street of the directory");
  }
  if (!loc.community_code().empty()) {
    if (loc.town_code().empty()) {
      return absl::InvalidArgumentError(
          "location.community_code: requires location.town_code");
    }
    if (!IsCode(loc.community_code(), 32) ||
        loc.community_code() == loc.town_code()) {
      return absl::InvalidArgumentError(
          "location.community_code: not a village/community unit id");
    }
    if (!places.communities.empty()) {
      auto it = places.communities.find(loc.community_code());
      if (it == places.communities.end()) {
        return absl::InvalidArgumentError(
            "location.community_code: not a village/community of the "
            "directory");
      }
      if (it->second != loc.town_code()) {
        return absl::InvalidArgumentError(
            absl::StrCat("location.community_code: lies in ", it->second,
                         ", not in ", loc.town_code()));
      }
    }
  }
  RETURN_IF_ERROR(
      CheckText("location.address", loc.address(), {false, 256, false}));
  RETURN_IF_ERROR(CheckText("title", req.title(), {true, 200, false}));
  RETURN_IF_ERROR(CheckText("content", req.content(), {true, 8192, true}));
  RETURN_IF_ERROR(CheckCaller(req.caller()));
  if (req.has_limit()) {
    const v1::HandlingLimit& l = req.limit();
    switch (l.limit_case()) {
      case v1::HandlingLimit::kWorkingDays:
        if (l.working_days() < 1 || l.working_days() > 3650) {
          return absl::InvalidArgumentError(
              "limit.working_days: must be 1–3650");
        }
        break;
      case v1::HandlingLimit::kDueDate: {
        ASSIGN_OR_RETURN(absl::Time due,
                         ParseLocalDate("limit.due_date", l.due_date()));
        if (l.due_date() < LocalDay(now) && due < now) {
          return absl::InvalidArgumentError(
              "limit.due_date: before the date of the request");
        }
        break;
      }
      default:
        return absl::InvalidArgumentError(
            "limit: working_days or due_date required");
    }
    RETURN_IF_ERROR(
        CheckText("limit.legal_basis", l.legal_basis(), {false, 512, false}));
  }
  if (req.has_received_at()) {
    ASSIGN_OR_RETURN(absl::Time at,
                     ParseTimestampField("received_at", req.received_at()));
    if (at > now) {
      return absl::InvalidArgumentError("received_at: in the future");
    }
    if (at < now - absl::Hours(24 * 30)) {
      return absl::InvalidArgumentError("received_at: more than 30 days ago");
    }
  }
  if (req.has_close_at_intake()) {
    const v1::CloseAtIntake& c = req.close_at_intake();
    if (req.request_type() != v1::REQUEST_TYPE_CONSULTATION) {
      return absl::InvalidArgumentError(
          "close_at_intake: only a CONSULTATION can be closed at intake");
    }
    if (c.article_ids_size() < 1 || c.article_ids_size() > 10) {
      return absl::InvalidArgumentError(
          "close_at_intake.article_ids: 1–10 articles required");
    }
    for (int i = 0; i < c.article_ids_size(); ++i) {
      RETURN_IF_ERROR(
          CheckId(absl::StrCat("close_at_intake.article_ids[", i, "]"),
                  c.article_ids(i)));
    }
    RETURN_IF_ERROR(
        CheckText("close_at_intake.answer", c.answer(), {true, 8192, true}));
  }
  return absl::OkStatus();
}

}  // namespace hotline::intake
