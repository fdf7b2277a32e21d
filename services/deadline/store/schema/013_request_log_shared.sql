-- Idempotency moves to the shared log (idempotency_log, shared migration 4;
-- DESIGN.md §6). The answers deadline's own request_log holds are carried
-- over, so that a request made before the upgrade and retried after it
-- gets its first answer. Its fingerprint (FNV-1a 64 of rpc and request) is
-- not the shared hash (SHA-256 of the request with request_id cleared,
-- which SQL cannot compute from it), so the copied entries have no hash and
-- bind their rpc alone. request_log is no longer written; it stays for a
-- rollback and may be dropped by a later migration.
INSERT IGNORE INTO idempotency_log (request_id, rpc, request_hash, answer,
                                    created_at)
SELECT request_id, rpc, NULL, response, created_at FROM request_log;
