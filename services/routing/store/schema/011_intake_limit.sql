-- The limit given at intake (hotline.v1.HandlingLimit, serialized), kept apart
-- from the effective limit so that a re-dispatch without its own limit falls
-- back to it. NULL when intake gave none.
ALTER TABLE assignment ADD COLUMN intake_limit BLOB NULL;
