-- The directory stamp (store/routing_store.h, DirectoryStamp): one row that
-- every write of `unit` or `dispatch_rule` changes in the same transaction,
-- so that a replica's in-memory copy of the directory and catalogue is
-- checked with a one-row read. `version` counts the writes; `stamp` is drawn
-- at random by each write (a stamp of a rolled-back write never recurs).
CREATE TABLE directory_stamp (
  id      TINYINT NOT NULL,
  version BIGINT  NOT NULL,
  stamp   BIGINT  NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO directory_stamp (id, version, stamp) VALUES (1, 0, 0);
