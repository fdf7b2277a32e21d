#include "services/intake/domain/knowledge_rules.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/intake/domain/places.h"
#include "services/intake/domain/similarity.h"
#include "services/intake/domain/text_rules.h"
#include "services/intake/domain/ticket_numbers.h"

namespace hotline::intake {
namespace {

const char* StateName(v1::ArticleState s) {
  switch (s) {
    case v1::ARTICLE_STATE_DRAFT:
      return "DRAFT";
    case v1::ARTICLE_STATE_IN_REVIEW:
      return "IN_REVIEW";
    case v1::ARTICLE_STATE_PUBLISHED:
      return "PUBLISHED";
    case v1::ARTICLE_STATE_SUPERSEDED:
      return "SUPERSEDED";
    case v1::ARTICLE_STATE_RETIRED:
      return "RETIRED";
    default:
      return "UNSPECIFIED";
  }
}

std::string Where(const ArticleSnapshot& s) {
  return absl::StrCat("article ", s.latest.article_id(), " version ",
                      s.latest_version, " is ", StateName(s.latest.state()));
}

ArticleChange Base(const ArticleSnapshot& s) {
  ArticleChange c;
  c.latest_version = s.latest_version;
  c.published_version = s.published_version;
  c.retired = s.retired;
  return c;
}

}  // namespace

absl::Status ValidateArticleContent(absl::string_view prefix,
                                    const v1::ArticleContent& c,
                                    const Catalog& catalog) {
  RETURN_IF_ERROR(
      CheckText(absl::StrCat(prefix, ".title"), c.title(), {true, 200, false}));
  RETURN_IF_ERROR(
      CheckText(absl::StrCat(prefix, ".body"), c.body(), {true, 32768, true}));
  if (c.category_codes_size() < 1 || c.category_codes_size() > 20) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, ".category_codes: 1–20 required"));
  }
  for (int i = 0; i < c.category_codes_size(); ++i) {
    if (!IsCode(c.category_codes(i), 64)) {
      return absl::InvalidArgumentError(absl::StrCat(
          prefix, ".category_codes[", i, "]: not a category code"));
    }
    if (!catalog.HasCategory(c.category_codes(i))) {
      return absl::NotFoundError(absl::StrCat(prefix, ".category_codes[", i,
                                              "]: unknown category ",
                                              c.category_codes(i)));
    }
  }
  for (int i = 0; i < c.area_codes_size(); ++i) {
    if (!catalog.places.towns.contains(c.area_codes(i))) {
      return absl::InvalidArgumentError(absl::StrCat(
          prefix, ".area_codes[", i, "]: not a town/street of the directory"));
    }
  }
  if (c.keywords_size() > 20) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, ".keywords: at most 20"));
  }
  for (int i = 0; i < c.keywords_size(); ++i) {
    RETURN_IF_ERROR(CheckText(absl::StrCat(prefix, ".keywords[", i, "]"),
                              c.keywords(i), {true, 32, false}));
  }
  if (!c.valid_from().empty()) {
    RETURN_IF_ERROR(
        ParseLocalDate(absl::StrCat(prefix, ".valid_from"), c.valid_from())
            .status());
  }
  if (!c.valid_to().empty()) {
    RETURN_IF_ERROR(
        ParseLocalDate(absl::StrCat(prefix, ".valid_to"), c.valid_to())
            .status());
    if (!c.valid_from().empty() && c.valid_to() < c.valid_from()) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, ".valid_to: before valid_from"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ArticleChange> DecideUpdate(const ArticleSnapshot& s,
                                           int expected_version,
                                           const v1::ArticleContent& content,
                                           const v1::Actor& actor,
                                           absl::Time now) {
  if (s.retired) return absl::FailedPreconditionError(Where(s));
  if (expected_version != s.latest_version) {
    return absl::FailedPreconditionError(absl::StrCat(
        "expected_version ", expected_version, " is stale: ", Where(s)));
  }
  ArticleChange c = Base(s);
  v1::Article v = s.latest;
  switch (s.latest.state()) {
    case v1::ARTICLE_STATE_DRAFT:
      break;
    case v1::ARTICLE_STATE_PUBLISHED:
      v.set_version(s.latest_version + 1);
      v.set_state(v1::ARTICLE_STATE_DRAFT);
      *v.mutable_created_at() = ToProto(now);
      v.clear_reviewer();
      v.clear_review_comment();
      v.clear_published_at();
      c.latest_version = v.version();
      break;
    default:
      return absl::FailedPreconditionError(Where(s));
  }
  *v.mutable_content() = content;
  *v.mutable_author() = actor;
  *v.mutable_updated_at() = ToProto(now);
  c.writes.push_back(v);
  c.result = v;
  return c;
}

absl::StatusOr<ArticleChange> DecideSubmit(const ArticleSnapshot& s,
                                           absl::Time now) {
  if (s.retired || s.latest.state() != v1::ARTICLE_STATE_DRAFT) {
    return absl::FailedPreconditionError(
        absl::StrCat(Where(s), ": no draft to submit"));
  }
  ArticleChange c = Base(s);
  v1::Article v = s.latest;
  v.set_state(v1::ARTICLE_STATE_IN_REVIEW);
  *v.mutable_updated_at() = ToProto(now);
  c.writes.push_back(v);
  c.result = v;
  return c;
}

absl::StatusOr<ArticleChange> DecideReview(const ArticleSnapshot& s,
                                           int version, bool approve,
                                           const std::string& comment,
                                           const v1::Actor& reviewer,
                                           absl::Time now) {
  if (s.retired || s.latest.state() != v1::ARTICLE_STATE_IN_REVIEW ||
      version != s.latest_version) {
    return absl::FailedPreconditionError(
        absl::StrCat(Where(s), ": version ", version, " is not in review"));
  }
  if (s.latest.author().principal_id() == reviewer.principal_id()) {
    return absl::PermissionDeniedError(
        "the author of a version cannot review it");
  }
  ArticleChange c = Base(s);
  v1::Article v = s.latest;
  *v.mutable_reviewer() = reviewer;
  v.set_review_comment(comment);
  *v.mutable_updated_at() = ToProto(now);
  if (approve) {
    v.set_state(v1::ARTICLE_STATE_PUBLISHED);
    *v.mutable_published_at() = ToProto(now);
    if (s.published.has_value()) {
      v1::Article old = *s.published;
      old.set_state(v1::ARTICLE_STATE_SUPERSEDED);
      *old.mutable_updated_at() = ToProto(now);
      c.writes.push_back(old);
    }
    c.published_version = v.version();
    c.reindex = true;
    c.indexed = v;
  } else {
    v.set_state(v1::ARTICLE_STATE_DRAFT);
  }
  c.writes.push_back(v);
  c.result = v;
  return c;
}

absl::StatusOr<ArticleChange> DecideRetire(const ArticleSnapshot& s,
                                           const std::string& reason,
                                           absl::Time now) {
  if (s.retired) return absl::FailedPreconditionError(Where(s));
  ArticleChange c = Base(s);
  v1::Article v = s.latest;
  v.set_state(v1::ARTICLE_STATE_RETIRED);
  *v.mutable_retired_at() = ToProto(now);
  v.set_retire_reason(reason);
  *v.mutable_updated_at() = ToProto(now);
  c.writes.push_back(v);
  if (s.published.has_value() && s.published->version() != v.version()) {
    v1::Article p = *s.published;
    p.set_state(v1::ARTICLE_STATE_RETIRED);
    *p.mutable_retired_at() = ToProto(now);
    p.set_retire_reason(reason);
    c.writes.push_back(p);
  }
  c.retired = true;
  c.published_version = 0;
  c.reindex = true;  // clears the index
  c.result = v;
  return c;
}

bool InCategoryByCode(absl::string_view code, absl::string_view category) {
  if (code.empty() || category.empty()) return false;
  return code == category ||
         (code.size() > category.size() && absl::StartsWith(code, category) &&
          code[category.size()] == '.');
}

bool ArticleMatches(const v1::Article& a, const std::string& category_code,
                    const std::string& area_code,
                    const std::string& owner_unit_id, const std::string& day) {
  const v1::ArticleContent& c = a.content();
  if (!owner_unit_id.empty() && a.owner_unit_id() != owner_unit_id) {
    return false;
  }
  if (!category_code.empty()) {
    bool ok = false;
    for (const auto& code : c.category_codes()) {
      ok |= InCategoryByCode(code, category_code);
    }
    if (!ok) return false;
  }
  if (!area_code.empty() && c.area_codes_size() > 0) {
    bool ok = false;
    for (const auto& code : c.area_codes()) ok |= code == area_code;
    if (!ok) return false;
  }
  if (!c.valid_from().empty() && day < c.valid_from()) return false;
  if (!c.valid_to().empty() && day > c.valid_to()) return false;
  return true;
}

std::string Snippet(const std::string& body, const std::string& query,
                    size_t max_bytes) {
  size_t pos = 0;
  for (const auto& [term, n] : Terms(query)) {
    size_t p = body.find(term);
    if (p != std::string::npos) {
      pos = p;
      break;
    }
  }
  size_t start = pos > 60 ? pos - 60 : 0;
  // Back up to a UTF-8 boundary.
  while (start > 0 &&
         (static_cast<unsigned char>(body[start]) & 0xC0) == 0x80) {
    --start;
  }
  size_t end = std::min(body.size(), start + max_bytes);
  while (end < body.size() && end > start &&
         (static_cast<unsigned char>(body[end]) & 0xC0) == 0x80) {
    --end;
  }
  return body.substr(start, end - start);
}

absl::flat_hash_map<std::string, double> ArticleTerms(const v1::Article& a) {
  absl::flat_hash_map<std::string, double> w;
  for (const auto& [t, n] : Terms(a.content().title())) w[t] += 3.0 * n;
  for (const auto& k : a.content().keywords()) {
    for (const auto& [t, n] : Terms(k)) w[t] += 3.0 * n;
  }
  for (const auto& [t, n] : Terms(a.content().body())) w[t] += n;
  return w;
}

}  // namespace hotline::intake
