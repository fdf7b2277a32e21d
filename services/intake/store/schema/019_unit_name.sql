-- The official name of every unit of routing's directory (any kind), kept
-- with `town` and `community` as the last directory intake read: the
-- caller-facing progress names units by these ("已交办至 龙水镇人民政府"),
-- never by their ids. Empty until the directory has been read once more.
CREATE TABLE unit_name (
  unit_id  VARCHAR(32)  NOT NULL,
  name     VARCHAR(128) NOT NULL,
  PRIMARY KEY (unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
