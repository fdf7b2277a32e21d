-- ticket_term is read by term prefix only (repeats by band key, search by
-- bigram), never by row_id: the secondary index cost an index write per term
-- row and a third of the table's size.
ALTER TABLE ticket_term DROP INDEX ix_ticket_term_row;
