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

namespace hotline::intake {

// The keys a rotation moves every row to: the key file's active ones.
struct RotationTarget {
  std::string key_id;   // AES-256-GCM
  std::string hmac_id;  // phone hash
  std::string Name() const { return key_id + "/" + hmac_id; }
};

// A ticket row's caller data as stored.
struct CallerKeyRow {
  int64_t row_id = 0;
  std::string ticket_id;
  std::string caller_ct;  // empty: anonymous
  std::string caller_key_id;
  std::string caller_hash;  // empty: no phone
  std::string caller_hash_key;
};

// The progress of one rotation, as recorded.
struct RotationProgress {
  std::string target;
  int64_t cursor = 0;     // ticket rows ≤ cursor are done in this pass
  int pass = 1;           // passes begun
  int64_t rewritten = 0;  // rows rewritten so far
  bool finished = false;
};

// The rewrite of one row: what to store (nullopt: already under the target).
// Errors: NOT_FOUND (a key the file lacks), DATA_LOSS (ciphertext fails
// authentication or does not parse).
absl::StatusOr<std::optional<CallerKeyRow>> RekeyRow(const CallerCrypto& crypto,
                                                     const CallerKeyRow& row);

// Storage of the rotation (MysqlKeyRotationStore). Thread-compatible.
class KeyRotationStore {
 public:
  virtual ~KeyRotationStore() = default;
  // The progress of the rotation to `target`, recorded as new (cursor 0)
  // when there is none; a finished rotation that finds rows under other keys
  // again starts a new pass.
  virtual absl::StatusOr<RotationProgress> Begin(const RotationTarget& target,
                                                 absl::Time now) = 0;
  // One batch, in one transaction: up to `batch_size` rows after the cursor
  // that are under another key, each passed to `rekey` and rewritten, and
  // the cursor advanced past them. A pass that finds no more rows ends: the
  // rotation is finished when no row at all is under another key, else the
  // cursor goes back to 0 for another pass. Returns the progress after it.
  virtual absl::StatusOr<RotationProgress> RunBatch(
      const RotationTarget& target, int batch_size,
      absl::FunctionRef<
          absl::StatusOr<std::optional<CallerKeyRow>>(const CallerKeyRow&)>
          rekey,
      absl::Time now) = 0;
  // Rows not under `target` (encryption key or phone-hash key).
  virtual absl::StatusOr<int64_t> CountNotUnder(
      const RotationTarget& target) = 0;
};

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
