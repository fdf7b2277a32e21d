-- Progress of caller-key rotations (hotline-intake rotate-keys; issue 13),
-- one row per target "<aes key id>/<hmac key id>": every ticket row with
-- id <= cursor_id is under the target in the current pass; a pass that ends
-- with rows still under other keys starts again from 0 (pass + 1);
-- finished_at is set once no row is under another key.
CREATE TABLE caller_key_rotation (
  target       VARCHAR(80) NOT NULL,
  cursor_id    BIGINT      NOT NULL DEFAULT 0,
  pass         INT         NOT NULL DEFAULT 1,
  rewritten    BIGINT      NOT NULL DEFAULT 0,
  started_at   DATETIME(6) NOT NULL,
  updated_at   DATETIME(6) NOT NULL,
  finished_at  DATETIME(6) NULL,
  PRIMARY KEY (target)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
