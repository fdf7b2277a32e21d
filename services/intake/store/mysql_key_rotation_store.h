#pragma once

// KeyRotationStore over MySQL 8 / MariaDB 10.11: ticket's caller columns
// and the caller_key_rotation progress table (schema/015).

#include "common/db/connection.h"
#include "services/intake/store/key_rotation_store.h"

namespace hotline::intake {

class MysqlKeyRotationStore final : public KeyRotationStore {
 public:
  // `pool` is not owned and must outlive the store.
  explicit MysqlKeyRotationStore(db::ConnectionPool* pool) : pool_(pool) {}

  absl::StatusOr<RotationProgress> Begin(const RotationTarget& target,
                                         absl::Time now) override;
  absl::StatusOr<RotationProgress> RunBatch(
      const RotationTarget& target, int batch_size,
      absl::FunctionRef<
          absl::StatusOr<std::optional<CallerKeyRow>>(const CallerKeyRow&)>
          rekey,
      absl::Time now) override;
  absl::StatusOr<int64_t> CountNotUnder(const RotationTarget& target) override;

 private:
  db::ConnectionPool* pool_;
};

}  // namespace hotline::intake
