-- Intake's copy of routing's directory moves to the shared table
-- directory_unit (common/directory, shared migration 006), which the
-- directory follower keeps from now on. The places intake kept so far (the
-- installed towns, or the last directory read: `town`, `community`,
-- `unit_name`) are copied into it, so that a start while routing is away
-- still knows them. Re-runnable: rows already there are left as they are.
INSERT IGNORE INTO directory_unit
  (unit_id, parent_unit_id, kind, name, short_name, active)
SELECT t.code, '', 2, COALESCE(n.name, t.name), '', 1
FROM town t LEFT JOIN unit_name n ON n.unit_id = t.code;

-- Villages/communities (kind 4) under the unit stored above them, else their
-- town/street.
INSERT IGNORE INTO directory_unit
  (unit_id, parent_unit_id, kind, name, short_name, active)
SELECT c.code, IF(c.parent_code = '', c.town_code, c.parent_code), 4,
       COALESCE(n.name, ''), '', 1
FROM community c LEFT JOIN unit_name n ON n.unit_id = c.code;

-- Every other unit intake had a name for; its kind and place come with the
-- next read of the directory.
INSERT IGNORE INTO directory_unit
  (unit_id, parent_unit_id, kind, name, short_name, active)
SELECT n.unit_id, '', 0, n.name, '', 1 FROM unit_name n;
