-- One row per order assessment has applied an event of, and the row '' (no
-- order has an empty id) that guards the insertion of new ones. An inbox
-- transaction locks the rows of all its orders first, in key order
-- (MysqlAssessmentStore::LockTickets), so that transactions of different
-- producers applied at the same time (BatchConcurrency::kPerProducer)
-- serialise per order — stored or not yet — and cannot deadlock on the rows
-- they share. Binary key: its order is the byte order the service sorts by.
CREATE TABLE order_lock (
  ticket_id VARBINARY(256) NOT NULL,
  PRIMARY KEY (ticket_id)
) ENGINE=InnoDB;
INSERT INTO order_lock (ticket_id) VALUES ('');
