-- The places now live in directory_unit (020): the old tables go. Each
-- statement is re-runnable.
DROP TABLE IF EXISTS community;
DROP TABLE IF EXISTS unit_name;
DROP TABLE IF EXISTS town;
