#include "services/intake/domain/caller_privacy.h"

#include <google/protobuf/util/message_differencer.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/intake/domain/progress.h"
#include "services/intake/domain/text_rules.h"

namespace hotline::intake {

std::optional<std::string> NormalizePhone(absl::string_view phone) {
  std::string s;
  for (char c : phone) {
    if (c == ' ' || c == '-') continue;
    s.push_back(c);
  }
  if (absl::StartsWith(s, "+86")) s = s.substr(3);
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  if (s[0] == '1') {
    if (s.size() == 11 && s[1] >= '3' && s[1] <= '9') return s;
    return std::nullopt;
  }
  if (s[0] == '0' && s.size() >= 10 && s.size() <= 12) return s;
  return std::nullopt;
}

bool IsValidIdNumber(absl::string_view id) {
  if (id.size() != 18) return false;
  static const int kWeights[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                   3, 7, 9,  10, 5, 8, 4, 2};
  static const char kCheck[11] = {'1', '0', 'X', '9', '8', '7',
                                  '6', '5', '4', '3', '2'};
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(id[i]))) return false;
    sum += (id[i] - '0') * kWeights[i];
  }
  char last = id[17] == 'x' ? 'X' : id[17];
  return kCheck[sum % 11] == last;
}

bool IsAnonymous(const v1::CallerIdentity& c) {
  return absl::StripAsciiWhitespace(c.name()).empty() && c.phone().empty() &&
         c.id_number().empty() &&
         absl::StripAsciiWhitespace(c.address()).empty();
}

absl::Status CheckCaller(const v1::CallerIdentity& c) {
  RETURN_IF_ERROR(CheckText("caller.name", c.name(), {false, 64, false}));
  if (!c.phone().empty() && !NormalizePhone(c.phone()).has_value()) {
    return absl::InvalidArgumentError("caller.phone: not a phone number");
  }
  if (!c.id_number().empty() && !IsValidIdNumber(c.id_number())) {
    return absl::InvalidArgumentError(
        "caller.id_number: not a valid resident ID number");
  }
  RETURN_IF_ERROR(
      CheckText("caller.address", c.address(), {false, 256, false}));
  return absl::OkStatus();
}

std::string MaskName(absl::string_view name) {
  std::vector<std::string> cps = CodePoints(absl::StripAsciiWhitespace(name));
  if (cps.empty()) return "";
  std::string out = cps[0];
  for (size_t i = 1; i < cps.size(); ++i) out.push_back('*');
  if (cps.size() == 1) out.push_back('*');
  return out;
}

std::string MaskPhone(absl::string_view phone) {
  if (phone.size() < 7) return std::string(phone.size(), '*');
  return absl::StrCat(phone.substr(0, 3), std::string(phone.size() - 7, '*'),
                      phone.substr(phone.size() - 4));
}

std::string MaskIdNumber(absl::string_view id) {
  if (id.size() < 6) return std::string(id.size(), '*');
  return absl::StrCat(id.substr(0, 4), std::string(id.size() - 6, '*'),
                      id.substr(id.size() - 2));
}

std::string MaskAddress(absl::string_view address) {
  address = absl::StripAsciiWhitespace(address);
  if (address.empty()) return "";
  size_t best = absl::string_view::npos;
  for (absl::string_view suffix : {"街道", "镇", "乡"}) {
    size_t p = address.find(suffix);
    if (p != absl::string_view::npos) {
      size_t end = p + suffix.size();
      if (best == absl::string_view::npos || end < best) best = end;
    }
  }
  if (best == absl::string_view::npos || best == address.size()) {
    // No town in it (or nothing after it): keep at most the first 3 chars.
    std::vector<std::string> cps = CodePoints(address);
    std::string out;
    for (size_t i = 0; i < cps.size() && i < 3 && i + 1 < cps.size(); ++i) {
      out += cps[i];
    }
    return absl::StrCat(out, "****");
  }
  return absl::StrCat(address.substr(0, best), "****");
}

v1::MaskedCaller Mask(const v1::CallerIdentity& c) {
  v1::MaskedCaller m;
  if (IsAnonymous(c)) {
    m.set_anonymous(true);
    return m;
  }
  m.set_name(MaskName(c.name()));
  if (!c.phone().empty()) {
    m.set_phone(MaskPhone(NormalizePhone(c.phone()).value_or(c.phone())));
  }
  m.set_id_number(MaskIdNumber(c.id_number()));
  m.set_address(MaskAddress(c.address()));
  return m;
}

absl::Status CheckReportReveal(const v1::Ticket& t,
                               const auth::Principal& who) {
  if (t.request_type() != v1::REQUEST_TYPE_REPORT) return absl::OkStatus();
  if (!who.Is(auth::Role::kCenterStaff)) {
    return absl::PermissionDeniedError(absl::StrCat(
        t.ticket_number(),
        " is a report (举报): only center staff may reveal its caller"));
  }
  if (IsClosed(t.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat(t.ticket_number(), " is ", StatusName(t.status()),
                     ": a closed report's caller is no longer revealed"));
  }
  return absl::OkStatus();
}

absl::Status CheckReveal(const v1::Ticket& t, bool has_caller,
                         const auth::Principal& who, v1::RevealPurpose purpose,
                         const directory::Directory& directory) {
  RETURN_IF_ERROR(CheckReportReveal(t, who));  // whistle-blowers
  if (who.Is(auth::Role::kEvaluator)) {
    if (purpose != v1::REVEAL_PURPOSE_EVALUATION) {
      return absl::PermissionDeniedError(
          "EVALUATOR may reveal only for purpose EVALUATION");
    }
    if (t.status() != v1::TICKET_STATUS_AWAITING_EVALUATION &&
        t.status() != v1::TICKET_STATUS_EVALUATED) {
      return absl::FailedPreconditionError(
          absl::StrCat(t.ticket_number(), " is ", StatusName(t.status()),
                       ": no approved reply to evaluate yet"));
    }
  }
  if (who.IsUnitRole()) {
    if (t.confidential() || t.request_type() == v1::REQUEST_TYPE_REPORT) {
      return absl::PermissionDeniedError(
          absl::StrCat(t.ticket_number(),
                       " is confidential: its caller is never shown to units"));
    }
    if (purpose != v1::REVEAL_PURPOSE_REPLY) {
      return absl::PermissionDeniedError(
          "units may reveal only for purpose REPLY");
    }
    if (!directory.InSubtree(t.holder_unit_id(), who.unit_id)) {
      return absl::PermissionDeniedError(absl::StrCat(
          t.ticket_number(), " is held by ",
          t.holder_unit_id().empty() ? "the center" : t.holder_unit_id(),
          ", not ", who.unit_id));
    }
  }
  if (t.caller().anonymous() || !has_caller) {
    return absl::FailedPreconditionError(
        absl::StrCat(t.ticket_number(), ": the caller is anonymous"));
  }
  return absl::OkStatus();
}

v1::CallerIdentity StoredCaller(const v1::CallerIdentity& caller) {
  v1::CallerIdentity c = caller;
  if (!c.phone().empty()) {
    c.set_phone(NormalizePhone(c.phone()).value_or(c.phone()));
  }
  if (!c.id_number().empty() && c.id_number().back() == 'x') {
    c.mutable_id_number()->back() = 'X';
  }
  return c;
}

bool SameCaller(const v1::CallerIdentity& a, const v1::CallerIdentity& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace hotline::intake
