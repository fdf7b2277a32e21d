-- Issue 13. ticket.request_hash was an unkeyed SHA-256 of the whole
-- CreateTicket request, caller included: with the rest of the request stored
-- in clear, hashing candidate phone numbers recovered the caller's. It is
-- now the SHA-256 of the request without its caller (a retry's caller is
-- compared by decrypting caller_ct) and NULL for orders stored before
-- (016 erases their digests).
-- Each row names the keys its caller data is under, so that the caller keys
-- rotate row by row while the service reads rows under old and new keys:
-- caller_key_id, the AES-256-GCM key of caller_ct ('' when anonymous), and
-- caller_hash_key, the HMAC key of caller_hash ('' when no phone).
ALTER TABLE ticket
  MODIFY request_hash BINARY(32) NULL,
  ADD COLUMN caller_key_id VARCHAR(32) NOT NULL DEFAULT '' AFTER caller_ct,
  ADD COLUMN caller_hash_key VARCHAR(32) NOT NULL DEFAULT '' AFTER caller_hash;
