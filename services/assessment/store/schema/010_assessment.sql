-- Assessment (issue 7): immutable facts, ticket attributes needed to enrich
-- later facts, the unit tree learned from routing's events, evaluations,
-- incremental rollups and idempotency records. docs/indicators.md defines
-- every counter.

-- One row per consumed event (and per evaluation recorded here). Never
-- updated or deleted. `kind` is the payload name, `detail` and `amount` the
-- numbers the indicators need (e.g. "HANDLING:MISSED" and 3 working days
-- late); unit_id is the unit credited ('' when none).
CREATE TABLE fact (
  id            BIGINT       NOT NULL AUTO_INCREMENT,
  event_id      VARCHAR(64)  NOT NULL,
  producer      VARCHAR(16)  NOT NULL,
  ticket_id     VARCHAR(64)  NOT NULL,
  seq           BIGINT       NOT NULL,
  kind          VARCHAR(32)  NOT NULL,
  unit_id       VARCHAR(32)  NOT NULL DEFAULT '',
  occurred_at   DATETIME(6)  NOT NULL,
  local_date    DATE         NOT NULL,
  request_type  TINYINT      NOT NULL DEFAULT 0,
  urgency       TINYINT      NOT NULL DEFAULT 0,
  category_code VARCHAR(64)  NOT NULL DEFAULT '',
  area_code     VARCHAR(32)  NOT NULL DEFAULT '',
  detail        VARCHAR(48)  NOT NULL DEFAULT '',
  amount        INT          NOT NULL DEFAULT 0,
  event         MEDIUMBLOB   NULL,
  recorded_at   DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY uk_fact_event (event_id),
  KEY ix_fact_ticket (ticket_id, occurred_at),
  KEY ix_fact_unit_date (unit_id, local_date),
  KEY ix_fact_date (local_date, occurred_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What assessment knows of each order, to enrich facts that do not carry it
-- (deadline's) and to check evaluations.
CREATE TABLE ticket_state (
  ticket_id        VARCHAR(64)  NOT NULL,
  ticket_number    VARCHAR(32)  NOT NULL DEFAULT '',
  request_type     TINYINT      NOT NULL DEFAULT 0,
  urgency          TINYINT      NOT NULL DEFAULT 0,
  category_code    VARCHAR(64)  NOT NULL DEFAULT '',
  area_code        VARCHAR(32)  NOT NULL DEFAULT '',
  dispatched_at    DATETIME(6)  NULL,
  replied_unit_id  VARCHAR(32)  NOT NULL DEFAULT '',
  -- NONE, REPLIED, APPROVED, REJECTED: the last reply's review.
  review_status    VARCHAR(16)  NOT NULL DEFAULT 'NONE',
  approved_unit_id VARCHAR(32)  NOT NULL DEFAULT '',
  PRIMARY KEY (ticket_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The unit tree as routing's events reveal it: Dispatched (parent = root),
-- Forwarded (from is the parent of to), Returned (to is the parent of from);
-- is_area when the unit was named as a matter's town/street.
CREATE TABLE unit_node (
  unit_id    VARCHAR(32) NOT NULL,
  parent_id  VARCHAR(32) NOT NULL DEFAULT '',
  is_area    TINYINT     NOT NULL DEFAULT 0,
  PRIMARY KEY (unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE evaluation (
  evaluation_id  VARCHAR(64)   NOT NULL,
  ticket_id      VARCHAR(64)   NOT NULL,
  request_id     VARCHAR(64)   NOT NULL,
  request_hash   VARCHAR(64)   NOT NULL,
  unit_id        VARCHAR(32)   NOT NULL,
  reached        TINYINT       NOT NULL,
  satisfaction   TINYINT       NOT NULL,
  resolved       TINYINT       NOT NULL,
  comment        VARCHAR(2048) NOT NULL DEFAULT '',
  evaluated_at   DATETIME(6)   NOT NULL,
  evaluator_id   VARCHAR(64)   NOT NULL,
  evaluator_role TINYINT       NOT NULL,
  evaluator_unit VARCHAR(32)   NOT NULL DEFAULT '',
  PRIMARY KEY (evaluation_id),
  UNIQUE KEY uk_evaluation_ticket (ticket_id),
  UNIQUE KEY uk_evaluation_request (request_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per unit × local day × request type: the additive counters of
-- docs/indicators.md, maintained in the inbox transaction of each fact.
CREATE TABLE rollup_unit_day (
  local_date        DATE        NOT NULL,
  unit_id           VARCHAR(32) NOT NULL,
  request_type      TINYINT     NOT NULL,
  orders            INT NOT NULL DEFAULT 0,
  resp_due          INT NOT NULL DEFAULT 0,
  resp_met          INT NOT NULL DEFAULT 0,
  fwd_due           INT NOT NULL DEFAULT 0,
  fwd_met           INT NOT NULL DEFAULT 0,
  compl_due         INT NOT NULL DEFAULT 0,
  compl_met         INT NOT NULL DEFAULT 0,
  overdue_orders    INT NOT NULL DEFAULT 0,
  overdue_days      INT NOT NULL DEFAULT 0,
  ext_requested     INT NOT NULL DEFAULT 0,
  ext_approved      INT NOT NULL DEFAULT 0,
  returns_made      INT NOT NULL DEFAULT 0,
  late_returns      INT NOT NULL DEFAULT 0,
  disputes_raised   INT NOT NULL DEFAULT 0,
  disputes_upheld   INT NOT NULL DEFAULT 0,
  disputes_granted  INT NOT NULL DEFAULT 0,
  reviews           INT NOT NULL DEFAULT 0,
  reviews_rejected  INT NOT NULL DEFAULT 0,
  reminders         INT NOT NULL DEFAULT 0,
  supervisions      INT NOT NULL DEFAULT 0,
  inspections       INT NOT NULL DEFAULT 0,
  notices           INT NOT NULL DEFAULT 0,
  evaluations       INT NOT NULL DEFAULT 0,
  reached           INT NOT NULL DEFAULT 0,
  satisfied         INT NOT NULL DEFAULT 0,
  resolved          INT NOT NULL DEFAULT 0,
  replies           INT NOT NULL DEFAULT 0,
  received          INT NOT NULL DEFAULT 0,
  closed_at_intake  INT NOT NULL DEFAULT 0,
  PRIMARY KEY (local_date, unit_id, request_type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Handling-time histogram (first replies), for exact medians from rollups.
CREATE TABLE rollup_handling (
  local_date   DATE        NOT NULL,
  unit_id      VARCHAR(32) NOT NULL,
  request_type TINYINT     NOT NULL,
  working_days INT         NOT NULL,
  n            INT         NOT NULL DEFAULT 0,
  PRIMARY KEY (local_date, unit_id, request_type, working_days)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The same counters per unit × calendar month × request type (month_start
-- is the 1st), maintained in the same transaction, so that a period made of
-- whole months reads units × types rows per month instead of per day.
CREATE TABLE rollup_unit_month (
  month_start       DATE        NOT NULL,
  unit_id           VARCHAR(32) NOT NULL,
  request_type      TINYINT     NOT NULL,
  orders            INT NOT NULL DEFAULT 0,
  resp_due          INT NOT NULL DEFAULT 0,
  resp_met          INT NOT NULL DEFAULT 0,
  fwd_due           INT NOT NULL DEFAULT 0,
  fwd_met           INT NOT NULL DEFAULT 0,
  compl_due         INT NOT NULL DEFAULT 0,
  compl_met         INT NOT NULL DEFAULT 0,
  overdue_orders    INT NOT NULL DEFAULT 0,
  overdue_days      INT NOT NULL DEFAULT 0,
  ext_requested     INT NOT NULL DEFAULT 0,
  ext_approved      INT NOT NULL DEFAULT 0,
  returns_made      INT NOT NULL DEFAULT 0,
  late_returns      INT NOT NULL DEFAULT 0,
  disputes_raised   INT NOT NULL DEFAULT 0,
  disputes_upheld   INT NOT NULL DEFAULT 0,
  disputes_granted  INT NOT NULL DEFAULT 0,
  reviews           INT NOT NULL DEFAULT 0,
  reviews_rejected  INT NOT NULL DEFAULT 0,
  reminders         INT NOT NULL DEFAULT 0,
  supervisions      INT NOT NULL DEFAULT 0,
  inspections       INT NOT NULL DEFAULT 0,
  notices           INT NOT NULL DEFAULT 0,
  evaluations       INT NOT NULL DEFAULT 0,
  reached           INT NOT NULL DEFAULT 0,
  satisfied         INT NOT NULL DEFAULT 0,
  resolved          INT NOT NULL DEFAULT 0,
  replies           INT NOT NULL DEFAULT 0,
  received          INT NOT NULL DEFAULT 0,
  closed_at_intake  INT NOT NULL DEFAULT 0,
  PRIMARY KEY (month_start, unit_id, request_type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE rollup_handling_month (
  month_start  DATE        NOT NULL,
  unit_id      VARCHAR(32) NOT NULL,
  request_type TINYINT     NOT NULL,
  working_days INT         NOT NULL,
  n            INT         NOT NULL DEFAULT 0,
  PRIMARY KEY (month_start, unit_id, request_type, working_days)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Orders received per day × category × area (HotTopics).
CREATE TABLE rollup_topic (
  local_date    DATE        NOT NULL,
  category_code VARCHAR(64) NOT NULL,
  area_code     VARCHAR(32) NOT NULL,
  n             INT         NOT NULL DEFAULT 0,
  PRIMARY KEY (local_date, category_code, area_code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Idempotency of mutating RPCs (RebuildRollups; evaluations use their own
-- table).
CREATE TABLE request_log (
  request_id   VARCHAR(64) NOT NULL,
  rpc          VARCHAR(32) NOT NULL,
  request_hash VARCHAR(64) NOT NULL,
  response     MEDIUMBLOB  NOT NULL,
  created_at   DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (request_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
