-- Intake's work orders (DESIGN.md §4). Caller identity exists only as
-- AES-256-GCM ciphertext (caller_ct) and a keyed phone hash (caller_hash);
-- no column holds a caller's name, phone, ID number or address in clear.

CREATE TABLE ticket (
  id              BIGINT       NOT NULL AUTO_INCREMENT,
  ticket_id       VARCHAR(64)  NOT NULL,
  ticket_number   VARCHAR(32)  NOT NULL,
  request_id      VARCHAR(64)  NOT NULL,
  -- SHA-256 of the CreateTicketRequest (deterministic serialization).
  request_hash    BINARY(32)   NOT NULL,
  channel         TINYINT      NOT NULL,
  request_type    TINYINT      NOT NULL,
  category_code   VARCHAR(64)  NOT NULL,
  town_code       VARCHAR(32)  NOT NULL DEFAULT '',
  confidential    TINYINT(1)   NOT NULL,
  anonymous       TINYINT(1)   NOT NULL,
  -- The immutable part of the order: hotline.v1.Ticket without caller,
  -- status, holder, progress or merge links.
  doc             MEDIUMBLOB   NOT NULL,
  -- Key id + nonce + AES-256-GCM(CallerIdentity) + tag; NULL when anonymous.
  caller_ct       VARBINARY(2048) NULL,
  caller_hash     CHAR(64)     NOT NULL DEFAULT '',
  term_count      INT          NOT NULL DEFAULT 0,
  -- MinHash signature of the terms (48 × uint32, little-endian), for the
  -- similarity of repeat candidates.
  signature       VARBINARY(256) NOT NULL DEFAULT '',
  status          TINYINT      NOT NULL,
  holder_unit_id  VARCHAR(32)  NOT NULL DEFAULT '',
  handling_due    DATETIME(6)  NULL,
  merged_into     VARCHAR(64)  NULL,
  received_at     DATETIME(6)  NOT NULL,
  created_at      DATETIME(6)  NOT NULL,
  updated_at      DATETIME(6)  NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_ticket_id (ticket_id),
  UNIQUE KEY uk_ticket_number (ticket_number),
  UNIQUE KEY uk_ticket_request (request_id),
  KEY ix_ticket_received (received_at),
  KEY ix_ticket_caller (caller_hash, received_at),
  KEY ix_ticket_town (town_code, received_at),
  KEY ix_ticket_status (status, received_at),
  KEY ix_ticket_merged (merged_into)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per local day, the last ticket-number serial handed out. Replicas reserve
-- blocks of serials (gap-tolerant numbering), so this row is not touched in
-- each order's transaction.
CREATE TABLE ticket_day_counter (
  day      CHAR(8) NOT NULL,
  last_no  BIGINT  NOT NULL,
  PRIMARY KEY (day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Character-bigram index of title + content (Chinese has no spaces), plus the
-- order's 16 LSH band keys of its MinHash signature as terms "#b…" (tf 0).
-- Keyed by town and time as well: repeat detection (same town, recent,
-- similar content) reads only the band rows of its town and window.
CREATE TABLE ticket_term (
  term         VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  town_code    VARCHAR(32) NOT NULL,
  received_at  DATETIME(6) NOT NULL,
  row_id       BIGINT      NOT NULL,
  tf           INT         NOT NULL,
  -- Number of distinct terms of the order (for Jaccard similarity).
  doc_terms    INT         NOT NULL,
  PRIMARY KEY (term, town_code, received_at, row_id),
  KEY ix_ticket_term_row (row_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The caller-facing timeline (办理进度), from intake's own actions and other
-- services' events.
CREATE TABLE ticket_progress (
  id         BIGINT       NOT NULL AUTO_INCREMENT,
  ticket_id  VARCHAR(64)  NOT NULL,
  at         DATETIME(6)  NOT NULL,
  status     TINYINT      NOT NULL,
  unit_id    VARCHAR(32)  NOT NULL DEFAULT '',
  note       TEXT         NOT NULL,
  PRIMARY KEY (id),
  KEY ix_progress_ticket (ticket_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Units that hold or held an order (from routing's events): what UNIT_STAFF
-- and UNIT_LEAD may see.
CREATE TABLE ticket_holder (
  ticket_id  VARCHAR(64) NOT NULL,
  unit_id    VARCHAR(32) NOT NULL,
  PRIMARY KEY (ticket_id, unit_id),
  KEY ix_holder_unit (unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every reveal of a caller's identity (RevealCaller). One row per
-- request_id: a retry shows the same audit_id.
CREATE TABLE reveal_audit (
  id            BIGINT       NOT NULL AUTO_INCREMENT,
  audit_id      VARCHAR(64)  NOT NULL,
  request_id    VARCHAR(64)  NOT NULL,
  request_hash  BINARY(32)   NOT NULL,
  ticket_id     VARCHAR(64)  NOT NULL,
  ticket_number VARCHAR(32)  NOT NULL,
  principal_id  VARCHAR(64)  NOT NULL,
  role          TINYINT      NOT NULL,
  unit_id       VARCHAR(32)  NOT NULL DEFAULT '',
  purpose       TINYINT      NOT NULL,
  reason        VARCHAR(512) NOT NULL,
  revealed_at   DATETIME(6)  NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uk_reveal_audit (audit_id),
  UNIQUE KEY uk_reveal_request (request_id),
  KEY ix_reveal_ticket (ticket_id),
  KEY ix_reveal_time (revealed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Idempotency of the other mutating RPCs (merge, unmerge, knowledge):
-- request id → which RPC, the request's hash, and the object it acted on.
CREATE TABLE request_log (
  request_id    VARCHAR(64)  NOT NULL,
  rpc           VARCHAR(64)  NOT NULL,
  request_hash  BINARY(32)   NOT NULL,
  object_id     VARCHAR(64)  NOT NULL,
  object_version INT         NOT NULL DEFAULT 0,
  created_at    DATETIME(6)  NOT NULL,
  PRIMARY KEY (request_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
