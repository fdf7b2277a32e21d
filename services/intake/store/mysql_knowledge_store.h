#pragma once

// KnowledgeStore over MySQL 8 / MariaDB 10.11 (schema/012_knowledge.sql).

#include "common/db/connection.h"
#include "common/server/mysql_request_log.h"
#include "services/intake/store/knowledge_store.h"

namespace hotline::intake {

class MysqlKnowledgeStore final : public KnowledgeStore {
 public:
  explicit MysqlKnowledgeStore(db::ConnectionPool* pool) : pool_(pool) {}

  absl::StatusOr<v1::Article> CreateArticle(
      const std::string& request_id, const std::string& request_hash,
      const v1::Article& article) override;
  absl::StatusOr<v1::Article> Change(const std::string& request_id,
                                     const std::string& rpc,
                                     const std::string& request_hash,
                                     const std::string& article_id,
                                     const AuthorizeFn& authorize,
                                     const DecideFn& decide) override;
  absl::StatusOr<ArticleSnapshot> Get(const std::string& article_id) override;
  absl::StatusOr<v1::Article> GetVersion(const std::string& article_id,
                                         int version) override;
  absl::StatusOr<std::vector<ArticleCandidate>> SearchPublished(
      const absl::flat_hash_map<std::string, int>& terms, int limit) override;
  absl::StatusOr<std::vector<v1::Article>> ListUnpublished(int limit) override;

 private:
  db::ConnectionPool* pool_;
  // The calls' request log: the shared one (idempotency_log); the answer it
  // keeps is "<version>:<article_id>", replayed from article_version.
  server::MysqlRequestLog request_log_;
};

}  // namespace hotline::intake
