-- "A unit and its subtree" is routing's directory (the shared copy,
-- directory_unit; DESIGN.md §4), no longer the order's dispatch chain:
-- ticket_unit keeps who passed the order to whom (parent_unit_id, for the
-- approver of an extension), and its path is neither read nor written. The
-- column stays, with a default, so that a replica of the release before
-- this one still writes its rows during a rolling upgrade or a rollback; a
-- later migration may drop it.
ALTER TABLE ticket_unit MODIFY path VARCHAR(700) NOT NULL DEFAULT '';
