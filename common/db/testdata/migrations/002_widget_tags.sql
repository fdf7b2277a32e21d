CREATE TABLE widget_tag (
  widget_id BIGINT NOT NULL,
  tag VARCHAR(32) NOT NULL,
  PRIMARY KEY (widget_id, tag)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

# Two statements in one file; the second one seeds a row.
INSERT INTO widget (name, note) VALUES ('示例', 'seeded by 002; 中文');
