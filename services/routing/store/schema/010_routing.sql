-- Routing (DESIGN.md §4): the unit directory, duty roster, dispatch
-- catalogue, and one row per order with its current assignment.
-- Whole records are stored as serialized protobuf (hotline.v1 messages);
-- the columns beside them are what queries filter and sort on.

CREATE TABLE unit (
  unit_id        VARCHAR(32)  NOT NULL,
  parent_unit_id VARCHAR(32)  NULL,
  kind           INT          NOT NULL,
  active         TINYINT      NOT NULL,
  sort_order     INT          NOT NULL DEFAULT 0,
  version        BIGINT       NOT NULL,
  -- hotline.v1.Unit
  body           MEDIUMBLOB   NOT NULL,
  PRIMARY KEY (unit_id),
  KEY ix_unit_parent (parent_unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE duty (
  unit_id   VARCHAR(32) NOT NULL,
  duty_date DATE        NOT NULL,
  -- hotline.v1.Contact of the leader on duty
  leader    BLOB        NOT NULL,
  PRIMARY KEY (unit_id, duty_date)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE dispatch_rule (
  rule_id  VARCHAR(64) NOT NULL,
  priority INT         NOT NULL,
  active   TINYINT     NOT NULL,
  version  BIGINT      NOT NULL,
  -- hotline.v1.DispatchRule
  body     MEDIUMBLOB  NOT NULL,
  PRIMARY KEY (rule_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE assignment (
  ticket_id          VARCHAR(64) NOT NULL,
  status             INT         NOT NULL,
  holder_unit_id     VARCHAR(32) NOT NULL,
  urgency            INT         NOT NULL,
  received_at        DATETIME(6) NOT NULL,
  dispatched_at      DATETIME(6) NULL,
  next_due           DATETIME(6) NULL,
  -- domain state not in the view: round of the last dispute (0 none),
  -- whether it was upheld, the cause of the next re-dispatch, and every unit
  -- that ever held the order (comma-separated).
  last_dispute_round INT          NOT NULL DEFAULT 0,
  dispute_upheld     TINYINT      NOT NULL DEFAULT 0,
  redispatch_cause   INT          NOT NULL DEFAULT 0,
  touched_units      TEXT         NOT NULL,
  -- hotline.v1.Assignment
  body               MEDIUMBLOB   NOT NULL,
  PRIMARY KEY (ticket_id),
  KEY ix_assignment_holder (holder_unit_id, status),
  KEY ix_assignment_status (status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Co-units of the current round, for worklists.
CREATE TABLE assignment_co_unit (
  ticket_id VARCHAR(64) NOT NULL,
  unit_id   VARCHAR(32) NOT NULL,
  submitted TINYINT     NOT NULL DEFAULT 0,
  PRIMARY KEY (ticket_id, unit_id),
  KEY ix_co_unit (unit_id, submitted)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Running clocks as deadline reports them (ClockStarted/Moved/Stopped).
CREATE TABLE clock (
  clock_id       VARCHAR(64) NOT NULL,
  ticket_id      VARCHAR(64) NOT NULL,
  kind           INT         NOT NULL,
  dispatch_round INT         NOT NULL,
  due            DATETIME(6) NOT NULL,
  running        TINYINT     NOT NULL,
  PRIMARY KEY (clock_id),
  KEY ix_clock_ticket (ticket_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Idempotency: every mutating RPC's request_id with its request and answer.
CREATE TABLE request_log (
  request_id VARCHAR(64)  NOT NULL,
  method     VARCHAR(64)  NOT NULL,
  request    MEDIUMBLOB   NOT NULL,
  response   MEDIUMBLOB   NOT NULL,
  created_at DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (request_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
