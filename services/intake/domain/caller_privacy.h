#pragma once

// Caller privacy (regulation art. 2, 10(5)(6); DESIGN.md §2 rule 1, §6),
// free of gRPC and SQL: the caller's identity checked and normalised,
// masked for display, compared for retries, and who may reveal it.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/auth/auth.h"
#include "common/directory/directory.h"
#include "hotline/v1/intake.pb.h"

namespace hotline::intake {

// Mainland phone after removing spaces and dashes and a "+86" prefix:
// mobile 1[3-9]\d{9} or landline 0\d{9,11}. nullopt if not a phone number.
std::optional<std::string> NormalizePhone(absl::string_view phone);
// 18 chars, 17 digits + check digit (0-9/X) under ISO 7064 MOD 11-2.
bool IsValidIdNumber(absl::string_view id);
// Validates the caller; INVALID_ARGUMENT naming caller.<field>.
absl::Status CheckCaller(const v1::CallerIdentity& caller);
bool IsAnonymous(const v1::CallerIdentity& caller);

std::string MaskName(absl::string_view name);    // 张三丰 → 张**
std::string MaskPhone(absl::string_view phone);  // 138****5678
std::string MaskIdNumber(absl::string_view id);  // 5002************1X
// Keeps text up to the first town-level suffix (街道/镇/乡), then "****".
std::string MaskAddress(absl::string_view address);
v1::MaskedCaller Mask(const v1::CallerIdentity& caller);

// Whistle-blowers [10(5)]: the caller of a REPORT (举报) may be revealed
// only by CENTER_STAFF (an evaluator's callback goes through the center;
// units never see it), and only while the order is open. PERMISSION_DENIED
// for any other role, FAILED_PRECONDITION once the order is CLOSED or
// CLOSED_AT_INTAKE; OK for other request types (their rules are the
// caller's). The reason and the audit are RevealCaller's, as for any order.
absl::Status CheckReportReveal(const v1::Ticket& ticket,
                               const auth::Principal& who);

// Who may reveal the caller of `t`, for what purpose (DESIGN.md §6; article
// 2, 10(5)(6)): the report rule (CheckReportReveal); an EVALUATOR only for
// EVALUATION once a reply is approved; a unit only for REPLY, only while it
// (or a sub-unit) holds the order and never on confidential orders or
// reports. `has_caller` false (anonymous order): FAILED_PRECONDITION.
// PERMISSION_DENIED / FAILED_PRECONDITION naming the order otherwise.
// "Below" is the directory's tree (`directory`, intake's copy:
// Directory::InSubtree), never the ids; a unit the copy lacks reveals only
// for the orders it holds itself.
absl::Status CheckReveal(const v1::Ticket& t, bool has_caller,
                         const auth::Principal& who, v1::RevealPurpose purpose,
                         const directory::Directory& directory);

// The caller as stored (phone normalised, ID check letter upper-case).
v1::CallerIdentity StoredCaller(const v1::CallerIdentity& caller);
// Whether two stored callers (StoredCaller) are the same person's record.
bool SameCaller(const v1::CallerIdentity& a, const v1::CallerIdentity& b);

}  // namespace hotline::intake
