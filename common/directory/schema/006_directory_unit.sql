-- The last copy of routing's directory a service read (common/directory,
-- DESIGN.md §4), shared by every service that follows the directory: a
-- restart while routing is unreachable starts from it. Replaced as a whole
-- by each changed read; empty until the directory has been read once (or,
-- in intake, filled from the places it kept before).
CREATE TABLE IF NOT EXISTS directory_unit (
  unit_id         VARCHAR(32)  NOT NULL,
  parent_unit_id  VARCHAR(32)  NOT NULL DEFAULT '',
  -- hotline.v1.UnitKind
  kind            TINYINT      NOT NULL DEFAULT 0,
  name            VARCHAR(128) NOT NULL DEFAULT '',
  short_name      VARCHAR(64)  NOT NULL DEFAULT '',
  active          TINYINT(1)   NOT NULL DEFAULT 1,
  PRIMARY KEY (unit_id),
  KEY ix_directory_unit_parent (parent_unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
