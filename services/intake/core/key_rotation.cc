#include "services/intake/core/key_rotation.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace hotline::intake {

absl::StatusOr<RotationProgress> RotateCallerKeys(
    KeyRotationStore& store, const CallerCrypto& crypto,
    const RotationOptions& options, const std::function<absl::Time()>& now) {
  if (options.batch_size < 1 || options.batch_size > 10000) {
    return absl::InvalidArgumentError("batch_size: 1–10000");
  }
  const RotationTarget target{crypto.active_key_id(), crypto.active_hmac_id()};
  ASSIGN_OR_RETURN(RotationProgress p, store.Begin(target, now()));
  auto rekey = [&](const CallerKeyRow& row) { return RekeyRow(crypto, row); };
  for (int64_t batches = 0; !p.finished; ++batches) {
    if (options.max_batches > 0 && batches >= options.max_batches) break;
    if (batches > 0 && options.pause > absl::ZeroDuration()) {
      std::this_thread::sleep_for(absl::ToChronoMilliseconds(options.pause));
    }
    ASSIGN_OR_RETURN(p,
                     store.RunBatch(target, options.batch_size, rekey, now()));
    if (options.on_batch) options.on_batch(p);
  }
  return p;
}

}  // namespace hotline::intake
