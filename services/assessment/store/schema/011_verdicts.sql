-- Issue 12 (verdicts that hold, docs/clocks.md): deadline's ClockOverdue,
-- DutyGap and the new fields of ClockStopped and ExtensionDecided.

-- A second unit credited by the same fact (ExtensionDecided: the approver,
-- for late_extension_decisions), and the handling working days of a judged
-- completion clock (ClockStopped.elapsed_working_days; NULL when the fact
-- does not feed the median).
ALTER TABLE fact
  ADD COLUMN unit2_id      VARCHAR(32) NOT NULL DEFAULT '' AFTER unit_id,
  ADD COLUMN handling_days INT         NULL AFTER amount,
  ADD KEY ix_fact_unit2_date (unit2_id, local_date);

-- The round of the order's last reply (-1: none seen), so that a review
-- knows whether it judged a first reply (first_time_approval).
ALTER TABLE ticket_state
  ADD COLUMN last_reply_round INT NOT NULL DEFAULT -1;

-- New counters (docs/indicators.md): co-opinion clocks judged and met,
-- reviews of first replies and those approved, extension decisions taken
-- after the due (credited to the approver), and unit-days with a duty gap.
ALTER TABLE rollup_unit_day
  ADD COLUMN co_due          INT NOT NULL DEFAULT 0,
  ADD COLUMN co_met          INT NOT NULL DEFAULT 0,
  ADD COLUMN first_reviews   INT NOT NULL DEFAULT 0,
  ADD COLUMN first_approved  INT NOT NULL DEFAULT 0,
  ADD COLUMN late_decisions  INT NOT NULL DEFAULT 0,
  ADD COLUMN duty_gaps       INT NOT NULL DEFAULT 0;

ALTER TABLE rollup_unit_month
  ADD COLUMN co_due          INT NOT NULL DEFAULT 0,
  ADD COLUMN co_met          INT NOT NULL DEFAULT 0,
  ADD COLUMN first_reviews   INT NOT NULL DEFAULT 0,
  ADD COLUMN first_approved  INT NOT NULL DEFAULT 0,
  ADD COLUMN late_decisions  INT NOT NULL DEFAULT 0,
  ADD COLUMN duty_gaps       INT NOT NULL DEFAULT 0;

-- The handling-time histogram is now made of judged completion clocks
-- (ClockStopped.elapsed_working_days, deadline's calendar) instead of first
-- replies counted with the calendar compiled into assessment. Facts stored
-- before this migration carry no elapsed days, so the recomputation from
-- them is empty: clear the histogram so that rollups == recomputation.
DELETE FROM rollup_handling;
DELETE FROM rollup_handling_month;

-- Completion clocks (HANDLING, LEAD_UNIT) that became overdue: one row per
-- clock, from its first ClockOverdue; closed_at is the instant its
-- ClockStopped judged it (judged_at, else the stop), NULL while unanswered.
-- Open overdue orders as of an instant X are the rows with
-- overdue_since < X and (closed_at IS NULL OR closed_at >= X).
CREATE TABLE overdue_clock (
  clock_id       VARCHAR(64)  NOT NULL,
  ticket_id      VARCHAR(64)  NOT NULL,
  ticket_number  VARCHAR(32)  NOT NULL DEFAULT '',
  kind           TINYINT      NOT NULL,
  request_type   TINYINT      NOT NULL DEFAULT 0,
  due            DATETIME(6)  NOT NULL,
  overdue_since  DATETIME(6)  NOT NULL,
  first_event_id VARCHAR(64)  NOT NULL,
  rule           VARCHAR(64)  NOT NULL DEFAULT '',
  article        VARCHAR(32)  NOT NULL DEFAULT '',
  closed_at      DATETIME(6)  NULL,
  PRIMARY KEY (clock_id),
  KEY ix_overdue_clock_open (closed_at, overdue_since)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Each ClockOverdue of such a clock (the first and every accrual): the unit
-- charged and the working days it adds, dated by as_of.
CREATE TABLE overdue_accrual (
  event_id   VARCHAR(64) NOT NULL,
  clock_id   VARCHAR(64) NOT NULL,
  as_of      DATETIME(6) NOT NULL,
  unit_id    VARCHAR(32) NOT NULL,
  added_days INT         NOT NULL DEFAULT 0,
  PRIMARY KEY (event_id),
  KEY ix_overdue_accrual_clock (clock_id, as_of)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The unit-days that already had a DutyGap fact: the first gap of a
-- (unit, day) counts in duty_gaps, later ones of the same day do not.
CREATE TABLE duty_gap_day (
  unit_id    VARCHAR(32) NOT NULL,
  local_date DATE        NOT NULL,
  event_id   VARCHAR(64) NOT NULL,
  PRIMARY KEY (unit_id, local_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
