-- Knowledge base (知识库) [4(6), 5(3)]: articles with versions, and a
-- character-bigram index of each article's published version.

CREATE TABLE article (
  article_id         VARCHAR(64) NOT NULL,
  owner_unit_id      VARCHAR(32) NOT NULL,
  latest_version     INT         NOT NULL,
  published_version  INT         NOT NULL DEFAULT 0,
  retired            TINYINT(1)  NOT NULL DEFAULT 0,
  created_at         DATETIME(6) NOT NULL,
  PRIMARY KEY (article_id),
  KEY ix_article_owner (owner_unit_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per version; `doc` is the hotline.v1.Article of the version.
CREATE TABLE article_version (
  article_id  VARCHAR(64) NOT NULL,
  version     INT         NOT NULL,
  state       TINYINT     NOT NULL,
  author_id   VARCHAR(64) NOT NULL,
  valid_from  DATE        NULL,
  valid_to    DATE        NULL,
  doc         MEDIUMBLOB  NOT NULL,
  updated_at  DATETIME(6) NOT NULL,
  PRIMARY KEY (article_id, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Search terms of the published version (title weighted above body).
CREATE TABLE article_term (
  term        VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  article_id  VARCHAR(64) NOT NULL,
  weight      DOUBLE      NOT NULL,
  PRIMARY KEY (term, article_id),
  KEY ix_article_term_article (article_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
