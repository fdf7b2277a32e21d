-- A co-unit the center released (ReleaseCoUnit): its input is no longer
-- awaited, so it leaves the co-unit's worklist (WORK_REASON_CO_OPINION_DUE).
ALTER TABLE assignment_co_unit ADD COLUMN released TINYINT NOT NULL DEFAULT 0;
