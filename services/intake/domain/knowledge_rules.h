#pragma once

// The knowledge-article workflow (no gRPC, no SQL): DRAFT → IN_REVIEW →
// PUBLISHED (superseding the previous published version) → RETIRED; the
// reviewer is never the version's author. Each function decides the change
// from a snapshot; FAILED_PRECONDITION names the state, PERMISSION_DENIED
// the author conflict.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "hotline/v1/intake.pb.h"
#include "services/intake/domain/places.h"

namespace hotline::intake {

// What the store knows of one article when a change is decided.
struct ArticleSnapshot {
  std::string owner_unit_id;
  int latest_version = 0;
  int published_version = 0;  // 0: none in force
  bool retired = false;
  v1::Article latest;
  std::optional<v1::Article> published;
};

// A change decided by the Decide* functions below.
struct ArticleChange {
  std::vector<v1::Article> writes;  // version rows to insert or replace
  // Set when the published version changed: index it (or clear the index
  // when it is empty, e.g. on retirement).
  bool reindex = false;
  std::optional<v1::Article> indexed;
  int latest_version = 0;
  int published_version = 0;
  bool retired = false;
  v1::Article result;
};

// Field rules of ArticleContent; INVALID_ARGUMENT "<prefix>.<field>: ...".
absl::Status ValidateArticleContent(absl::string_view prefix,
                                    const v1::ArticleContent& c,
                                    const Catalog& catalog);

absl::StatusOr<ArticleChange> DecideUpdate(const ArticleSnapshot& s,
                                           int expected_version,
                                           const v1::ArticleContent& content,
                                           const v1::Actor& actor,
                                           absl::Time now);
absl::StatusOr<ArticleChange> DecideSubmit(const ArticleSnapshot& s,
                                           absl::Time now);
absl::StatusOr<ArticleChange> DecideReview(const ArticleSnapshot& s,
                                           int version, bool approve,
                                           const std::string& comment,
                                           const v1::Actor& reviewer,
                                           absl::Time now);
absl::StatusOr<ArticleChange> DecideRetire(const ArticleSnapshot& s,
                                           const std::string& reason,
                                           absl::Time now);

// Whether matter category `code` is `category` or a descendant of it in the
// matter taxonomy, whose codes are dotted paths: "urban.sanitation.garbage"
// lies in "urban.sanitation" and "urban", not in "urb". The taxonomy's own
// rule, not the unit tree: units lie where the directory's parent links put
// them (directory::Directory::InSubtree), whatever their ids.
bool InCategoryByCode(absl::string_view code, absl::string_view category);

// Whether a published version is shown for the filters at local date `day`
// (a category filter takes the category's descendants, InCategoryByCode).
bool ArticleMatches(const v1::Article& a, const std::string& category_code,
                    const std::string& area_code,
                    const std::string& owner_unit_id, const std::string& day);
// Up to `max_bytes` of the body around the first query term.
std::string Snippet(const std::string& body, const std::string& query,
                    size_t max_bytes);
// Terms of an article version, title and keywords weighted ×3.
absl::flat_hash_map<std::string, double> ArticleTerms(const v1::Article& a);

}  // namespace hotline::intake
