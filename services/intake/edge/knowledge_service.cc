#include "services/intake/edge/knowledge_service.h"

#include "absl/strings/str_cat.h"
#include "common/id/id.h"
#include "common/server/actor.h"
#include "common/server/call_gate.h"
#include "common/server/idempotency.h"
#include "common/server/paging.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "services/intake/core/intake_core.h"
#include "services/intake/domain/caller_privacy.h"
#include "services/intake/domain/knowledge_rules.h"
#include "services/intake/domain/places.h"
#include "services/intake/domain/similarity.h"
#include "services/intake/domain/text_rules.h"
#include "services/intake/domain/ticket_numbers.h"

namespace hotline::intake {
namespace {

using auth::Role;
using server::ActorOf;

class KnowledgeServiceImpl final : public v1::KnowledgeService::Service {
 public:
  KnowledgeServiceImpl(runtime::Context& ctx, KnowledgeStore* store,
                       const CatalogHolder* catalog,
                       const directory::DirectoryFollower* directory)
      : ctx_(ctx), store_(store), catalog_(catalog), directory_(directory) {}

  grpc::Status CreateArticle(grpc::ServerContext* context,
                             const v1::CreateArticleRequest* req,
                             v1::CreateArticleResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kUnitStaff, Role::kUnitLead, Role::kCenterStaff}));
          RETURN_IF_ERROR(CheckId("request_id", req->request_id()));
          if (!IsCode(req->owner_unit_id(), 32)) {
            return absl::InvalidArgumentError("owner_unit_id: not a unit id");
          }
          RETURN_IF_ERROR(MayEdit(who, req->owner_unit_id()));
          if (!req->has_content()) {
            return absl::InvalidArgumentError("content: required");
          }
          RETURN_IF_ERROR(ValidateArticleContent("content", req->content(),
                                                 *catalog_->Get()));
          const absl::Time now = ctx_.clock.Now();
          v1::Article a;
          a.set_article_id(id::NewId("kb-", id::kLongIdBytes));
          a.set_version(1);
          a.set_state(v1::ARTICLE_STATE_DRAFT);
          a.set_owner_unit_id(req->owner_unit_id());
          *a.mutable_content() = req->content();
          *a.mutable_author() = ActorOf(who);
          *a.mutable_created_at() = ToProto(now);
          *a.mutable_updated_at() = ToProto(now);
          ASSIGN_OR_RETURN(*resp->mutable_article(),
                           store_->CreateArticle(req->request_id(),
                                                 server::RequestHash(*req), a));
          return absl::OkStatus();
        });
  }

  grpc::Status UpdateArticle(grpc::ServerContext* context,
                             const v1::UpdateArticleRequest* req,
                             v1::UpdateArticleResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kUnitStaff, Role::kUnitLead, Role::kCenterStaff}));
          RETURN_IF_ERROR(CheckId("request_id", req->request_id()));
          RETURN_IF_ERROR(CheckId("article_id", req->article_id()));
          if (req->expected_version() < 1) {
            return absl::InvalidArgumentError("expected_version: required");
          }
          if (!req->has_content())
            return absl::InvalidArgumentError("content: required");
          RETURN_IF_ERROR(ValidateArticleContent("content", req->content(),
                                                 *catalog_->Get()));
          const absl::Time now = ctx_.clock.Now();
          const v1::Actor actor = ActorOf(who);
          ASSIGN_OR_RETURN(*resp->mutable_article(),
                           store_->Change(
                               req->request_id(), "UpdateArticle",
                               server::RequestHash(*req), req->article_id(),
                               [&](const ArticleSnapshot& s) {
                                 return MayEdit(who, s.owner_unit_id);
                               },
                               [&](const ArticleSnapshot& s)
                                   -> absl::StatusOr<ArticleChange> {
                                 return DecideUpdate(s, req->expected_version(),
                                                     req->content(), actor,
                                                     now);
                               }));
          return absl::OkStatus();
        });
  }

  grpc::Status SubmitArticle(grpc::ServerContext* context,
                             const v1::SubmitArticleRequest* req,
                             v1::SubmitArticleResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kUnitStaff, Role::kUnitLead, Role::kCenterStaff}));
          RETURN_IF_ERROR(CheckId("request_id", req->request_id()));
          RETURN_IF_ERROR(CheckId("article_id", req->article_id()));
          const absl::Time now = ctx_.clock.Now();
          ASSIGN_OR_RETURN(*resp->mutable_article(),
                           store_->Change(
                               req->request_id(), "SubmitArticle",
                               server::RequestHash(*req), req->article_id(),
                               [&](const ArticleSnapshot& s) {
                                 return MayEdit(who, s.owner_unit_id);
                               },
                               [&](const ArticleSnapshot& s)
                                   -> absl::StatusOr<ArticleChange> {
                                 return DecideSubmit(s, now);
                               }));
          return absl::OkStatus();
        });
  }

  grpc::Status ReviewArticle(grpc::ServerContext* context,
                             const v1::ReviewArticleRequest* req,
                             v1::ReviewArticleResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kUnitLead, Role::kCenterStaff}));
          RETURN_IF_ERROR(CheckId("request_id", req->request_id()));
          RETURN_IF_ERROR(CheckId("article_id", req->article_id()));
          if (req->version() < 1)
            return absl::InvalidArgumentError("version: required");
          RETURN_IF_ERROR(CheckText("comment", req->comment(),
                                    {!req->approve(), 2048, true}));
          const absl::Time now = ctx_.clock.Now();
          const v1::Actor actor = ActorOf(who);
          ASSIGN_OR_RETURN(
              *resp->mutable_article(),
              store_->Change(
                  req->request_id(), "ReviewArticle", server::RequestHash(*req),
                  req->article_id(),
                  [&](const ArticleSnapshot& s) -> absl::Status {
                    if (who.Is(Role::kUnitLead) &&
                        !InTree(s.owner_unit_id, who.unit_id)) {
                      return absl::PermissionDeniedError(absl::StrCat(
                          "article of ", s.owner_unit_id, " is outside ",
                          who.unit_id, "'s subtree"));
                    }
                    return absl::OkStatus();
                  },
                  [&](const ArticleSnapshot& s)
                      -> absl::StatusOr<ArticleChange> {
                    return DecideReview(s, req->version(), req->approve(),
                                        req->comment(), actor, now);
                  }));
          return absl::OkStatus();
        });
  }

  grpc::Status RetireArticle(grpc::ServerContext* context,
                             const v1::RetireArticleRequest* req,
                             v1::RetireArticleResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kUnitLead, Role::kCenterStaff}));
          RETURN_IF_ERROR(CheckId("request_id", req->request_id()));
          RETURN_IF_ERROR(CheckId("article_id", req->article_id()));
          RETURN_IF_ERROR(
              CheckText("reason", req->reason(), {true, 512, true}));
          const absl::Time now = ctx_.clock.Now();
          ASSIGN_OR_RETURN(
              *resp->mutable_article(),
              store_->Change(
                  req->request_id(), "RetireArticle", server::RequestHash(*req),
                  req->article_id(),
                  [&](const ArticleSnapshot& s) -> absl::Status {
                    if (who.Is(Role::kUnitLead) &&
                        s.owner_unit_id != who.unit_id) {
                      return absl::PermissionDeniedError(
                          absl::StrCat("only the lead of ", s.owner_unit_id,
                                       " may retire its articles"));
                    }
                    return absl::OkStatus();
                  },
                  [&](const ArticleSnapshot& s)
                      -> absl::StatusOr<ArticleChange> {
                    return DecideRetire(s, req->reason(), now);
                  }));
          return absl::OkStatus();
        });
  }

  grpc::Status SearchArticles(grpc::ServerContext* context,
                              const v1::SearchArticlesRequest* req,
                              v1::SearchArticlesResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          ASSIGN_OR_RETURN(
              paging::OffsetPage page,
              paging::OffsetPage::Parse(
                  req->page(), paging::Query("intake.SearchArticles", *req)));
          RETURN_IF_ERROR(
              CheckText("query", req->query(), {false, 200, false}));
          if (!req->category_code().empty() &&
              !IsCode(req->category_code(), 64)) {
            return absl::InvalidArgumentError(
                "category_code: not a category code");
          }
          if (!req->area_code().empty() && !IsCode(req->area_code(), 32)) {
            return absl::InvalidArgumentError("area_code: not a unit id");
          }
          if (!req->owner_unit_id().empty() &&
              !IsCode(req->owner_unit_id(), 32)) {
            return absl::InvalidArgumentError("owner_unit_id: not a unit id");
          }
          std::string day = LocalDay(ctx_.clock.Now());
          if (!req->valid_on().empty()) {
            RETURN_IF_ERROR(
                ParseLocalDate("valid_on", req->valid_on()).status());
            day = req->valid_on();
          }
          const auto terms = Terms(req->query());
          if (!req->query().empty() && terms.empty()) {
            return absl::InvalidArgumentError("query: no searchable words");
          }
          constexpr int kMaxCandidates = 1000;
          ASSIGN_OR_RETURN(std::vector<ArticleCandidate> found,
                           store_->SearchPublished(terms, kMaxCandidates));
          if (req->include_unpublished() &&
              (who.Is(Role::kCenterStaff) || who.IsUnitRole())) {
            ASSIGN_OR_RETURN(auto drafts,
                             store_->ListUnpublished(kMaxCandidates));
            for (auto& d : drafts) {
              if (!who.Is(Role::kCenterStaff) &&
                  !InTree(d.owner_unit_id(), who.unit_id)) {
                continue;
              }
              const auto dt = ArticleTerms(d);
              double s = 0;
              for (const auto& [t, n] : terms) s += dt.contains(t) ? 1 : 0;
              if (!terms.empty() && s == 0) continue;
              found.push_back(ArticleCandidate{std::move(d), s});
            }
          }
          std::vector<const ArticleCandidate*> hits;
          for (const auto& c : found) {
            const bool published =
                c.article.state() == v1::ARTICLE_STATE_PUBLISHED;
            if (!ArticleMatches(c.article, req->category_code(),
                                req->area_code(), req->owner_unit_id(),
                                published ? day : "")) {
              continue;
            }
            hits.push_back(&c);
          }
          for (int i = page.offset(); i < static_cast<int>(hits.size()) &&
                                      i < page.offset() + page.size();
               ++i) {
            v1::ArticleHit* h = resp->add_hits();
            *h->mutable_article() = hits[i]->article;
            h->set_score(hits[i]->score);
            h->set_snippet(
                Snippet(hits[i]->article.content().body(), req->query(), 300));
          }
          resp->mutable_page()->set_next_page_token(
              page.NextOfTotal(hits.size()));
          return absl::OkStatus();
        });
  }

  grpc::Status GetArticle(grpc::ServerContext* context,
                          const v1::GetArticleRequest* req,
                          v1::GetArticleResponse* resp) override {
    return server::Handle(
        ctx_.host.gate(), context, [&](const auth::Principal& who) {
          RETURN_IF_ERROR(CheckId("article_id", req->article_id()));
          if (req->version() < 0)
            return absl::InvalidArgumentError("version: negative");
          ASSIGN_OR_RETURN(ArticleSnapshot s, store_->Get(req->article_id()));
          const bool owner =
              who.Is(Role::kCenterStaff) ||
              (who.IsUnitRole() && InTree(s.owner_unit_id, who.unit_id));
          v1::Article a;
          if (req->version() == 0) {
            if (owner) {
              a = s.latest;
            } else if (s.published.has_value()) {
              a = *s.published;
            } else {
              return absl::NotFoundError(absl::StrCat(
                  "article ", req->article_id(), " has no published version"));
            }
          } else {
            ASSIGN_OR_RETURN(
                a, store_->GetVersion(req->article_id(), req->version()));
          }
          if (!owner && (a.state() == v1::ARTICLE_STATE_DRAFT ||
                         a.state() == v1::ARTICLE_STATE_IN_REVIEW)) {
            return absl::PermissionDeniedError(
                "drafts and versions in review are for the owner unit and the "
                "center");
          }
          *resp->mutable_article() = std::move(a);
          return absl::OkStatus();
        });
  }

 private:
  // Whether `unit` is `scope` or below it in routing's directory, as
  // intake's copy has it (common/directory; ids do not encode the tree).
  bool InTree(absl::string_view unit, absl::string_view scope) const {
    return directory_->Snapshot()->InSubtree(unit, scope);
  }

  // A unit's staff create and edit articles of their own unit and of the
  // units below it; the center those of any unit.
  absl::Status MayEdit(const auth::Principal& who,
                       const std::string& owner) const {
    if (who.Is(Role::kCenterStaff)) return absl::OkStatus();
    if (!InTree(owner, who.unit_id)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "unit ", owner, " is outside ", who.unit_id, "'s subtree"));
    }
    return absl::OkStatus();
  }

  runtime::Context& ctx_;
  KnowledgeStore* store_;
  const CatalogHolder* catalog_;
  const directory::DirectoryFollower* directory_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewKnowledgeService(
    runtime::Context& ctx, KnowledgeStore* store, const CatalogHolder* catalog,
    const directory::DirectoryFollower* directory) {
  return std::make_unique<KnowledgeServiceImpl>(ctx, store, catalog, directory);
}

}  // namespace hotline::intake
