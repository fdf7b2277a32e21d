-- Villages/communities (村社区) of routing's directory, with the town/street
-- each lies in; kept with `town` as the last directory intake read, so that
-- locations are checked against it even while routing is unreachable.
-- Empty until the directory has been read once.
CREATE TABLE community (
  code       VARCHAR(32) NOT NULL,
  town_code  VARCHAR(32) NOT NULL,
  PRIMARY KEY (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Unit names are up to 128 bytes (routing.proto).
ALTER TABLE town MODIFY name VARCHAR(128) NOT NULL;
