-- Issue 15 (第九条 定期通报): the monthly bulletin the service generates on
-- its own once a month is closed, kept for listing by period. One row per
-- month; the primary key makes generation idempotent (a restart, or two
-- instances, never store a month twice).
CREATE TABLE stored_report (
  month         CHAR(7)      NOT NULL,  -- local month, "2024-03"
  title         VARCHAR(256) NOT NULL,
  from_date     DATE         NOT NULL,
  to_date       DATE         NOT NULL,
  generated_at  DATETIME(6)  NOT NULL,  -- UTC, the service's clock
  facts_through DATETIME(6)  NULL,      -- UTC; NULL when no fact yet
  documents     INT          NOT NULL,  -- how many documents `response` holds
  response      LONGBLOB     NOT NULL,  -- ReportResponse (all formats)
  PRIMARY KEY (month)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
