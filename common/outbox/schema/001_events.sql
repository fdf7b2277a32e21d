-- Event delivery (DESIGN.md §5), shared by every service: the outbox a
-- producer writes in the transaction of each state change, the per-subscriber
-- deliveries a relay works through, and the inbox a consumer records applied
-- events in.

CREATE TABLE outbox (
  id          BIGINT       NOT NULL AUTO_INCREMENT,
  ticket_id   VARCHAR(64)  NOT NULL,
  seq         BIGINT       NOT NULL,
  -- TicketEvent, serialized, without event_id (derived: "<producer>-<id>").
  event       MEDIUMBLOB   NOT NULL,
  created_at  DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  UNIQUE KEY uk_outbox_ticket_seq (ticket_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Per ticket, the last seq handed out. Its row lock serialises the events of
-- one ticket, so their outbox ids ascend with seq.
CREATE TABLE outbox_seq (
  ticket_id VARCHAR(64) NOT NULL,
  seq       BIGINT      NOT NULL,
  PRIMARY KEY (ticket_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per (subscriber, event) not yet acknowledged.
CREATE TABLE outbox_pending (
  subscriber VARCHAR(64) NOT NULL,
  outbox_id  BIGINT      NOT NULL,
  PRIMARY KEY (subscriber, outbox_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per subscriber. A relay delivers to a subscriber only while it holds
-- this row's lock (SELECT ... FOR UPDATE SKIP LOCKED), so several replicas
-- share the work and each subscriber sees one ordered stream.
CREATE TABLE outbox_lease (
  subscriber        VARCHAR(64) NOT NULL,
  delivered         BIGINT      NOT NULL DEFAULT 0,
  last_delivered_at DATETIME(6) NULL,
  PRIMARY KEY (subscriber)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Events this service has consumed: written in the transaction of the
-- event's effect, so a redelivered event is recognised and skipped.
CREATE TABLE inbox (
  event_id    VARCHAR(64)  NOT NULL,
  producer    VARCHAR(32)  NOT NULL,
  ticket_id   VARCHAR(64)  NOT NULL,
  seq         BIGINT       NOT NULL,
  -- 'applied', or 'rejected' when the handler refused the event for good.
  outcome     VARCHAR(16)  NOT NULL,
  detail      VARCHAR(512) NOT NULL DEFAULT '',
  received_at DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (event_id),
  KEY ix_inbox_ticket (ticket_id, producer, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
