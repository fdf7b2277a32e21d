#pragma once

// Storage of the knowledge base: articles, their versions, and the bigram
// index of each published version. Thread-safe.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "hotline/v1/intake.pb.h"
#include "services/intake/domain/knowledge_rules.h"

namespace hotline::intake {

using DecideFn =
    std::function<absl::StatusOr<ArticleChange>(const ArticleSnapshot&)>;
// May the caller make the change on the article as it is now
// (PERMISSION_DENIED otherwise)? Run before the request id is looked up.
using AuthorizeFn = std::function<absl::Status(const ArticleSnapshot&)>;

struct ArticleCandidate {
  v1::Article article;
  double score = 0;
};

class KnowledgeStore {
 public:
  virtual ~KnowledgeStore() = default;
  // Idempotent on request_id over the shared request log (`request_hash`:
  // server::RequestHash of the request; ALREADY_EXISTS for another request).
  // A replay returns the version the first call produced, as it is now.
  // Change runs `authorize` on the article's current state first, before the
  // request id is looked up (server/idempotency.h), then `decide` for a new
  // request.
  virtual absl::StatusOr<v1::Article> CreateArticle(
      const std::string& request_id, const std::string& request_hash,
      const v1::Article& article) = 0;
  virtual absl::StatusOr<v1::Article> Change(const std::string& request_id,
                                             const std::string& rpc,
                                             const std::string& request_hash,
                                             const std::string& article_id,
                                             const AuthorizeFn& authorize,
                                             const DecideFn& decide) = 0;
  // NOT_FOUND when absent; version 0 = the snapshot's choice by the caller.
  virtual absl::StatusOr<ArticleSnapshot> Get(
      const std::string& article_id) = 0;
  virtual absl::StatusOr<v1::Article> GetVersion(const std::string& article_id,
                                                 int version) = 0;
  // Published versions ranked by tf-idf over `terms` (all published versions
  // when terms is empty, newest first), at most `limit`.
  virtual absl::StatusOr<std::vector<ArticleCandidate>> SearchPublished(
      const absl::flat_hash_map<std::string, int>& terms, int limit) = 0;
  // Latest unpublished versions (DRAFT / IN_REVIEW), for owners.
  virtual absl::StatusOr<std::vector<v1::Article>> ListUnpublished(
      int limit) = 0;
};

}  // namespace hotline::intake
