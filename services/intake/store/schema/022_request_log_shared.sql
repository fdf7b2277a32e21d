-- Idempotency moves to the shared log (idempotency_log, shared migration 4;
-- DESIGN.md §6). The entries intake's own request_log holds are carried
-- over, so that a request made before the upgrade and retried after it
-- gets its first answer. That table kept the object a call acted on rather
-- than a response; the shared log keeps the answer intake rebuilds the
-- response from, so it is made here the way the calls make it now: the
-- order's id for MergeTicket/UnmergeTicket (the replay answers with the
-- order as it is now), "<version>:<article_id>" for the knowledge calls
-- (the replay answers with that version of the article). Its request_hash
-- covered the rpc and the request id too, unlike the shared hash, so the
-- copied entries have no hash and bind their rpc alone. request_log is no
-- longer written; it stays for a rollback and may be dropped later.
INSERT IGNORE INTO idempotency_log (request_id, rpc, request_hash, answer,
                                    created_at)
SELECT request_id, rpc, NULL,
       CASE WHEN rpc IN ('MergeTicket', 'UnmergeTicket') THEN object_id
            ELSE CONCAT(object_version, ':', object_id) END,
       created_at
FROM request_log;
