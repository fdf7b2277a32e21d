-- The unit each village/community lies directly under (a town/street or
-- another village/community), as routing's directory says: intake walks up
-- it to decide whether a unit lies in another's subtree (knowledge
-- articles, issue 13). '' for rows stored before: read again with the
-- directory.
ALTER TABLE community ADD COLUMN parent_code VARCHAR(32) NOT NULL DEFAULT '';
