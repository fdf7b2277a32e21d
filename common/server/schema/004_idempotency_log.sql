-- Idempotency (DESIGN.md §6), shared by every service: the first answer of
-- each request id of a state-changing call (common/server/idempotency.h).
-- Named idempotency_log because each service's own pre-upgrade table is
-- called request_log; those are copied in here by a migration of each
-- service and no longer written.
CREATE TABLE IF NOT EXISTS idempotency_log (
  request_id   VARCHAR(64)  NOT NULL,
  rpc          VARCHAR(64)  NOT NULL,
  -- server::RequestHash: SHA-256 of the request's deterministic protobuf
  -- serialization with request_id cleared. NULL for an entry copied from a
  -- service's pre-upgrade request_log (its hash was of another kind): that
  -- entry binds its rpc alone.
  request_hash BINARY(32)   NULL,
  -- What the service keeps to answer a retry: a serialized response, or a
  -- reference it rebuilds the response from. Empty while the claiming
  -- transaction runs.
  answer       MEDIUMBLOB   NOT NULL,
  created_at   DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (request_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
