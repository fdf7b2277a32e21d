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
-- The orders stored before this migration, so that an upgraded service does
-- not take every one of them for new (new orders go one transaction at a
-- time under the guard).
INSERT INTO order_lock (ticket_id) SELECT ticket_id FROM ticket_state;
