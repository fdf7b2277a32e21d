-- "A unit and its subtree" is routing's directory (the shared copy,
-- directory_unit; DESIGN.md §4), no longer the order's dispatch chain:
-- ticket_unit keeps who passed the order to whom (parent_unit_id, for the
-- approver of an extension), and its path is neither read nor written. The
-- column stays, with a default, so that a replica of the release before
-- this one still writes its rows during a rolling upgrade; a later migration
-- may drop it. A rollback to that release is not clean: it reads path for
-- its subtree lists, and the orders dispatched or forwarded under this one
-- have none (their clocks drop out of units' lists until re-dispatched).
ALTER TABLE ticket_unit MODIFY path VARCHAR(700) NOT NULL DEFAULT '';
