-- hotline-deadline: calendar years loaded at run time, idempotency records,
-- statutory clocks, extensions, the escalation ladder and its notices.
-- Instants are DATETIME(6) in UTC (the session time zone is +00:00).

-- Years loaded with CalendarService.LoadYear; merged over the builtin data at
-- start-up (a row replaces the builtin year of the same number).
CREATE TABLE calendar_year (
  year             INT          NOT NULL,
  -- Comma-separated YYYY-MM-DD, ascending.
  holidays         TEXT         NOT NULL,
  workdays         TEXT         NOT NULL,
  source           VARCHAR(256) NOT NULL,
  loaded_at        DATETIME(6)  NOT NULL,
  loaded_by        VARCHAR(64)  NOT NULL,
  -- The calendar version this load produced.
  calendar_version VARCHAR(160) NOT NULL,
  PRIMARY KEY (year)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Idempotency of mutating RPCs: the first answer per request_id.
CREATE TABLE request_log (
  request_id  VARCHAR(64)     NOT NULL,
  rpc         VARCHAR(64)     NOT NULL,
  fingerprint BIGINT UNSIGNED NOT NULL,
  response    MEDIUMBLOB      NOT NULL,
  created_at  DATETIME(6)     NOT NULL,
  PRIMARY KEY (request_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per order: what the clocks need from routing's events.
CREATE TABLE ticket_info (
  ticket_id      VARCHAR(64) NOT NULL,
  ticket_number  VARCHAR(64) NOT NULL,
  request_type   INT         NOT NULL,
  dispatch_round INT         NOT NULL,
  -- The first-level unit of the current round.
  first_unit_id  VARCHAR(32) NOT NULL,
  -- Rule and N of the current round's handling clock (for re-handling).
  handling_rule  VARCHAR(64) NOT NULL,
  handling_days  INT         NOT NULL,
  PRIMARY KEY (ticket_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The assignment chain learnt from Dispatched/Forwarded: who passed the order
-- to whom. path is "/center/<first>/.../<unit>/", for subtree filters.
CREATE TABLE ticket_unit (
  ticket_id      VARCHAR(64)  NOT NULL,
  unit_id        VARCHAR(32)  NOT NULL,
  parent_unit_id VARCHAR(32)  NOT NULL,
  path           VARCHAR(700) NOT NULL,
  PRIMARY KEY (ticket_id, unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE clock (
  clock_id             BIGINT       NOT NULL AUTO_INCREMENT,
  ticket_id            VARCHAR(64)  NOT NULL,
  ticket_number        VARCHAR(64)  NOT NULL,
  kind                 TINYINT      NOT NULL,
  unit_id              VARCHAR(32)  NOT NULL,
  dispatch_round       INT          NOT NULL,
  running              TINYINT      NOT NULL,
  outcome              TINYINT      NOT NULL DEFAULT 0,
  started_at           DATETIME(6)  NOT NULL,
  working_days         INT          NOT NULL,
  rule                 VARCHAR(64)  NOT NULL,
  due                  DATETIME(6)  NOT NULL,
  original_due         DATETIME(6)  NOT NULL,
  stopped_at           DATETIME(6)  NULL,
  overdue_working_days INT          NOT NULL DEFAULT 0,
  ladder_step          TINYINT      NOT NULL DEFAULT 0,
  -- Set when an approved extension fixed the last day (not recomputed when
  -- the calendar changes).
  extended             TINYINT      NOT NULL DEFAULT 0,
  calendar_version     VARCHAR(160) NOT NULL,
  policy_version       VARCHAR(64)  NOT NULL,
  calendar_incomplete  TINYINT      NOT NULL DEFAULT 0,
  -- hotline.v1.Explanation, serialized.
  explanation          BLOB         NOT NULL,
  PRIMARY KEY (clock_id),
  KEY ix_clock_ticket (ticket_id, clock_id),
  KEY ix_clock_running_due (running, due),
  KEY ix_clock_running_start (running, started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Ladder steps waiting to fire: one row per (clock, next rung). The scanner
-- claims rows with due_at <= now (FOR UPDATE SKIP LOCKED) and, in the same
-- transaction, deletes the row, records the step and its notices, appends
-- the outbox event and schedules the next rung. Rows exist only for running
-- clocks, so a tick's cost follows the due rows, not the open clocks.
CREATE TABLE ladder_due (
  clock_id BIGINT      NOT NULL,
  step     TINYINT     NOT NULL,
  due_at   DATETIME(6) NOT NULL,
  PRIMARY KEY (clock_id, step),
  KEY ix_ladder_due_at (due_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Steps fired; immutable. The unique key is the last line of defence of
-- "each step fires once".
CREATE TABLE ladder_step (
  step_id       BIGINT      NOT NULL AUTO_INCREMENT,
  clock_id      BIGINT      NOT NULL,
  step          TINYINT     NOT NULL,
  ticket_id     VARCHAR(64) NOT NULL,
  ticket_number VARCHAR(64) NOT NULL,
  clock_kind    TINYINT     NOT NULL,
  unit_id       VARCHAR(32) NOT NULL,
  due           DATETIME(6) NOT NULL,
  fired_at      DATETIME(6) NOT NULL,
  fired_by      VARCHAR(64) NOT NULL,
  PRIMARY KEY (step_id),
  UNIQUE KEY uk_ladder_step (clock_id, step),
  KEY ix_ladder_step_ticket (ticket_id),
  KEY ix_ladder_step_fired (fired_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE notice (
  notice_id       BIGINT        NOT NULL AUTO_INCREMENT,
  step_id         BIGINT        NOT NULL,
  ticket_id       VARCHAR(64)   NOT NULL,
  ticket_number   VARCHAR(64)   NOT NULL,
  step            TINYINT       NOT NULL,
  recipient_kind  TINYINT       NOT NULL,
  recipient_unit  VARCHAR(32)   NOT NULL,
  -- "unresolved" until the directory (routing) answered.
  name            VARCHAR(64)   NOT NULL,
  resolved        TINYINT       NOT NULL DEFAULT 0,
  channel         TINYINT       NOT NULL,
  address         VARCHAR(64)   NOT NULL DEFAULT '',
  text            VARCHAR(2048) NOT NULL,
  created_at      DATETIME(6)   NOT NULL,
  delivery        TINYINT       NOT NULL,
  attempts        INT           NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(6)   NOT NULL,
  delivered_at    DATETIME(6)   NULL,
  PRIMARY KEY (notice_id),
  KEY ix_notice_pending (delivery, next_attempt_at),
  KEY ix_notice_ticket (ticket_id),
  KEY ix_notice_step (step_id),
  KEY ix_notice_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE extension (
  extension_id      BIGINT        NOT NULL AUTO_INCREMENT,
  ticket_id         VARCHAR(64)   NOT NULL,
  clock_id          BIGINT        NOT NULL,
  unit_id           VARCHAR(32)   NOT NULL,
  approver_unit_id  VARCHAR(32)   NOT NULL,
  state             TINYINT       NOT NULL,
  reason            VARCHAR(2048) NOT NULL,
  progress_note     VARCHAR(2048) NOT NULL,
  proposed_due_date CHAR(10)      NOT NULL,
  working_days_left INT           NOT NULL,
  due_before        DATETIME(6)   NOT NULL,
  requested_by      VARCHAR(64)   NOT NULL,
  requested_role    TINYINT       NOT NULL,
  requested_at      DATETIME(6)   NOT NULL,
  approved_due_date CHAR(10)      NOT NULL DEFAULT '',
  due_after         DATETIME(6)   NULL,
  decision_reason   VARCHAR(2048) NOT NULL DEFAULT '',
  decided_by        VARCHAR(64)   NOT NULL DEFAULT '',
  decided_role      TINYINT       NOT NULL DEFAULT 0,
  decided_at        DATETIME(6)   NULL,
  PRIMARY KEY (extension_id),
  KEY ix_extension_ticket (ticket_id),
  KEY ix_extension_clock (clock_id, state)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
