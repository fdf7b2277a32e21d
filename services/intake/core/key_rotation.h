#pragma once

// Rotation of the caller keys (issue 13): every stored order's caller
// identity is re-encrypted (AES-256-GCM) under the key file's active key and
// its phone hash re-keyed (HMAC-SHA-256) under the active phone-hash key,
// online, in batches, resumable after a crash.
//
// Each ticket row names the keys it is under (caller_key_id, caller_hash_key),
// and the service reads a row under any key of its key file, so rows under
// the old and the new keys are served alike while a rotation runs. Progress
// is recorded per target (`<aes id>/<hmac id>`) in the schema
// (caller_key_rotation): a batch is one transaction that rewrites its rows
// and advances the cursor (the highest ticket row id done), so a crash loses
// at most the batch in flight, and the next run resumes after the cursor.
// When a pass reaches the end, rows still under another key (written by a
// replica that still had the old key file) start another pass from the top;
// the rotation is finished when no row is under another key.
//
// The plaintext of a row exists only in memory, for the row being rewritten;
// it is never logged. Errors name the ticket and key ids, never caller data.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/intake/domain/caller_crypto.h"
#include "services/intake/store/key_rotation_store.h"

namespace hotline::intake {

struct RotationOptions {
  int batch_size = 500;
  // Stop after this many batches (0: run to the end). The rotation then
  // resumes where it stopped on the next run.
  int64_t max_batches = 0;
  // Pause between batches, to leave the database to the service.
  absl::Duration pause = absl::ZeroDuration();
  // Sees the progress after every batch (e.g. to print it).
  std::function<void(const RotationProgress&)> on_batch;
};

// Runs (or resumes) the rotation to `crypto`'s active keys. Every key a row
// is under must be in `crypto` (the key file lists the new keys first and
// keeps the old ones until the rotation is finished).
absl::StatusOr<RotationProgress> RotateCallerKeys(
    KeyRotationStore& store, const CallerCrypto& crypto,
    const RotationOptions& options,
    const std::function<absl::Time()>& now = absl::Now);

}  // namespace hotline::intake
