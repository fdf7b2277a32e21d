-- Verdicts that hold (docs/clocks.md): a clock remembers the act awaiting the
-- center (pending_*), how it was judged (judged_at, stop_cause), when it was
-- first reported overdue and how much lateness it has reported so far
-- (overdue_since, overdue_counted_through, overdue_working_days), and the
-- working days from its start to the judged act.
ALTER TABLE clock
  ADD COLUMN pending_since           DATETIME(6) NULL,
  -- 1: a reply under review; 2: a dispute under decision.
  ADD COLUMN pending_kind            TINYINT     NOT NULL DEFAULT 0,
  ADD COLUMN judged_at               DATETIME(6) NULL,
  ADD COLUMN stop_cause              VARCHAR(40) NOT NULL DEFAULT '',
  ADD COLUMN overdue_since           DATETIME(6) NULL,
  ADD COLUMN overdue_counted_through DATE        NULL,
  ADD COLUMN elapsed_working_days    INT         NOT NULL DEFAULT 0;

-- Each unit's holding of an order within a round (evidence of 6(1), and the
-- arrival at the handling unit that the FORWARD clock is judged at).
CREATE TABLE holding (
  ticket_id      VARCHAR(64) NOT NULL,
  dispatch_round INT         NOT NULL,
  seq            INT         NOT NULL,
  unit_id        VARCHAR(32) NOT NULL,
  arrived_at     DATETIME(6) NOT NULL,
  left_at        DATETIME(6) NULL,
  -- "dispatched", "forwarded" or "returned".
  arrived_by     VARCHAR(16) NOT NULL,
  PRIMARY KEY (ticket_id, dispatch_round, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Step 0 of ladder_due is a clock's overdue watch: at its due_at the scanner
-- reports the clock overdue (ClockOverdue) if nothing pending could still
-- meet it, and for completion clocks comes back at the start of every
-- following working day to report one more day of lateness. Running clocks
-- of the kinds that can be overdue get theirs now; rungs of the special
-- inspection and the district-wide notice no longer fire on a timer.
INSERT INTO ladder_due (clock_id, step, due_at)
  SELECT clock_id, 0, due FROM clock
  WHERE running = 1 AND kind IN (1, 4, 5, 6);
DELETE FROM ladder_due WHERE step IN (3, 4);

-- Special inspections and district-wide notices: acts of people [7].
CREATE TABLE supervision_act (
  act_id        BIGINT        NOT NULL AUTO_INCREMENT,
  step          TINYINT       NOT NULL,
  text          TEXT          NOT NULL,
  -- Names of the district office's participants, one per line.
  participants  TEXT          NOT NULL,
  recorded_by   VARCHAR(64)   NOT NULL,
  recorded_role TINYINT       NOT NULL,
  recorded_at   DATETIME(6)   NOT NULL,
  PRIMARY KEY (act_id),
  KEY ix_supervision_act_recorded (recorded_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The (order, unit) pairs an act names, with the ladder step it created.
CREATE TABLE supervision_act_item (
  act_id    BIGINT      NOT NULL,
  ticket_id VARCHAR(64) NOT NULL,
  unit_id   VARCHAR(32) NOT NULL,
  step_id   BIGINT      NOT NULL,
  PRIMARY KEY (act_id, ticket_id, unit_id),
  KEY ix_supervision_item_ticket (ticket_id),
  KEY ix_supervision_item_unit (unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE ladder_step
  ADD COLUMN act_id BIGINT NULL;

-- 6(3): an extension decided at or after its due, and how the unit told the
-- caller of an approved one.
ALTER TABLE extension
  ADD COLUMN decided_after_due      TINYINT       NOT NULL DEFAULT 0,
  ADD COLUMN caller_informed_contact TINYINT      NOT NULL DEFAULT 0,
  ADD COLUMN caller_informed_at     DATETIME(6)   NULL,
  ADD COLUMN caller_informed_note   VARCHAR(2048) NOT NULL DEFAULT '',
  ADD COLUMN caller_informed_by     VARCHAR(64)   NOT NULL DEFAULT '',
  ADD COLUMN caller_informed_role   TINYINT       NOT NULL DEFAULT 0,
  ADD KEY ix_extension_state (state, caller_informed_at);

-- The instant the current round was dispatched: the RETURN clock's period
-- runs from it.
ALTER TABLE ticket_info
  ADD COLUMN dispatched_at DATETIME(6) NULL;
