-- Issue 13: no unkeyed digest of caller data stays in the database. The
-- digests of requests stored before 015 are erased (a retry of such an order
-- is compared with the stored order itself), and the key ids of existing
-- rows are read from the ciphertext (0x01 | len | key id | ...) and from the
-- phone-hash key of the time, the key file's `hmac HEX64` line (id "hmac").
UPDATE ticket SET request_hash = NULL WHERE request_hash IS NOT NULL;
UPDATE ticket
  SET caller_key_id = CONVERT(SUBSTRING(caller_ct, 3, ORD(SUBSTRING(caller_ct, 2, 1))) USING ascii)
  WHERE caller_ct IS NOT NULL AND caller_key_id = '';
UPDATE ticket SET caller_hash_key = 'hmac'
  WHERE caller_hash <> '' AND caller_hash_key = '';
