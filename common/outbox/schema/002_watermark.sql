-- Per producer, the latest watermark it promised (PublishRequest.watermark):
-- every event it had for this service that occurred before it has been
-- applied. Kept monotonic (GREATEST).
CREATE TABLE inbox_watermark (
  producer   VARCHAR(32) NOT NULL,
  watermark  DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (producer)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
