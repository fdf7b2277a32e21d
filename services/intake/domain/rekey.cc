#include "services/intake/domain/rekey.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "hotline/v1/intake.pb.h"

namespace hotline::intake {

absl::StatusOr<std::optional<CallerKeyRow>> RekeyRow(const CallerCrypto& crypto,
                                                     const CallerKeyRow& row) {
  CallerKeyRow out = row;
  const bool ct_stale =
      !row.caller_ct.empty() &&
      CallerCrypto::KeyIdOf(row.caller_ct) != crypto.active_key_id();
  const bool hash_stale = !row.caller_hash.empty() &&
                          row.caller_hash_key != crypto.active_hmac_id();
  if (ct_stale || hash_stale) {
    if (row.caller_ct.empty()) {
      return absl::DataLossError(
          absl::StrCat("ticket ", row.ticket_id,
                       ": a phone hash without caller ciphertext"));
    }
    absl::StatusOr<std::string> plain =
        crypto.Decrypt(row.caller_ct, row.ticket_id);
    if (!plain.ok()) {
      return absl::Status(plain.status().code(),
                          absl::StrCat("ticket ", row.ticket_id, ": ",
                                       plain.status().message()));
    }
    if (ct_stale) {
      ASSIGN_OR_RETURN(out.caller_ct, crypto.Encrypt(*plain, row.ticket_id));
    }
    if (hash_stale) {
      v1::CallerIdentity c;
      if (!c.ParseFromString(*plain) || c.phone().empty()) {
        return absl::DataLossError(absl::StrCat(
            "ticket ", row.ticket_id, ": caller identity has no phone"));
      }
      out.caller_hash = crypto.PhoneHash(c.phone());
    }
  }
  if (!out.caller_ct.empty()) {
    out.caller_key_id = CallerCrypto::KeyIdOf(out.caller_ct);
  }
  if (!out.caller_hash.empty()) out.caller_hash_key = crypto.active_hmac_id();
  if (!ct_stale && !hash_stale && out.caller_key_id == row.caller_key_id &&
      out.caller_hash_key == row.caller_hash_key) {
    return std::nullopt;
  }
  return out;
}

}  // namespace hotline::intake
