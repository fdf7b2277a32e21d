#pragma once

// Storage of the caller-key rotation (core/key_rotation.h): its progress
// per target and its batches. Implemented by MysqlKeyRotationStore.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/intake/domain/rekey.h"

namespace hotline::intake {

// The progress of one rotation, as recorded.
struct RotationProgress {
  std::string target;
  int64_t cursor = 0;     // ticket rows ≤ cursor are done in this pass
  int pass = 1;           // passes begun
  int64_t rewritten = 0;  // rows rewritten so far
  bool finished = false;
};

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

}  // namespace hotline::intake
