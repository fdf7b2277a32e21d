#include "services/intake/store/mysql_knowledge_store.h"

#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/db/transaction.h"
#include "common/server/idempotency.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/intake/domain/knowledge_rules.h"
#include "services/intake/store/mysql_intake_store.h"

namespace hotline::intake {
namespace {

absl::StatusOr<std::optional<v1::Article>> ReadVersion(db::Connection& conn,
                                                       const std::string& id,
                                                       int version);

// "<version>:<article_id>" (the answer the request log keeps) → that
// version.
absl::Status ReplayVersion(db::Connection& conn, const std::string& answer,
                           v1::Article* out) {
  const size_t colon = answer.find(':');
  int version = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(answer.substr(0, colon), &version)) {
    return absl::InternalError("request_log: unreadable answer");
  }
  ASSIGN_OR_RETURN(auto v,
                   ReadVersion(conn, answer.substr(colon + 1), version));
  if (!v) return absl::DataLossError("logged article version is missing");
  *out = *std::move(v);
  return absl::OkStatus();
}

absl::Status WriteVersion(db::Connection& conn, const v1::Article& a) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * up,
      conn.Prepare("REPLACE INTO article_version (article_id, version, state, "
                   "author_id, valid_from, valid_to, doc, updated_at) VALUES "
                   "(?,?,?,?,?,?,?,?)"));
  return conn.Guard("write article version", [&] {
    up->setString(1, a.article_id());
    up->setInt(2, a.version());
    up->setInt(3, a.state());
    up->setString(4, a.author().principal_id());
    if (a.content().valid_from().empty()) {
      up->setNull(5, sql::DataType::DATE);
    } else {
      up->setString(5, a.content().valid_from());
    }
    if (a.content().valid_to().empty()) {
      up->setNull(6, sql::DataType::DATE);
    } else {
      up->setString(6, a.content().valid_to());
    }
    up->setString(7, a.SerializeAsString());
    up->setString(8, SqlTime(FromProto(a.updated_at())));
    up->executeUpdate();
  });
}

absl::StatusOr<std::optional<v1::Article>> ReadVersion(db::Connection& conn,
                                                       const std::string& id,
                                                       int version) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * sel,
                   conn.Prepare("SELECT doc FROM article_version WHERE "
                                "article_id = ? AND version = ?"));
  return conn.Guard(
      "read article version",
      [&]() -> absl::StatusOr<std::optional<v1::Article>> {
        sel->setString(1, id);
        sel->setInt(2, version);
        std::unique_ptr<sql::ResultSet> rs(sel->executeQuery());
        if (!rs->next()) return std::optional<v1::Article>();
        v1::Article a;
        if (!a.ParseFromString(rs->getString(1))) {
          return absl::DataLossError("article doc: cannot be parsed");
        }
        return std::optional<v1::Article>(std::move(a));
      });
}

absl::StatusOr<ArticleSnapshot> Snapshot(db::Connection& conn,
                                         const std::string& id, bool lock) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * sel,
      conn.Prepare(absl::StrCat("SELECT owner_unit_id, latest_version, "
                                "published_version, retired FROM article "
                                "WHERE article_id = ?",
                                lock ? " FOR UPDATE" : "")));
  ArticleSnapshot s;
  ASSIGN_OR_RETURN(bool found, conn.Guard("read article", [&] {
    sel->setString(1, id);
    std::unique_ptr<sql::ResultSet> rs(sel->executeQuery());
    if (!rs->next()) return false;
    s.owner_unit_id = rs->getString(1);
    s.latest_version = rs->getInt(2);
    s.published_version = rs->getInt(3);
    s.retired = rs->getBoolean(4);
    return true;
  }));
  if (!found)
    return absl::NotFoundError(absl::StrCat("article ", id, " not found"));
  ASSIGN_OR_RETURN(auto latest, ReadVersion(conn, id, s.latest_version));
  if (!latest) return absl::DataLossError("article without its latest version");
  s.latest = std::move(*latest);
  if (s.published_version > 0) {
    ASSIGN_OR_RETURN(s.published, ReadVersion(conn, id, s.published_version));
  }
  return s;
}

}  // namespace

absl::StatusOr<v1::Article> MysqlKnowledgeStore::CreateArticle(
    const std::string& request_id, const std::string& request_hash,
    const v1::Article& article) {
  v1::Article out;
  auto run = [&](db::Connection& conn) -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(
        sql::PreparedStatement * ins,
        conn.Prepare("INSERT INTO article (article_id, owner_unit_id, "
                     "latest_version, created_at) VALUES (?,?,1,?)"));
    RETURN_IF_ERROR(conn.Guard("insert article", [&] {
      ins->setString(1, article.article_id());
      ins->setString(2, article.owner_unit_id());
      ins->setString(3, SqlTime(FromProto(article.created_at())));
      ins->executeUpdate();
    }));
    RETURN_IF_ERROR(WriteVersion(conn, article));
    out = article;
    return absl::StrCat(1, ":", article.article_id());
  };
  // The caller's role and owner unit were checked on the request itself;
  // there is no article yet to check anything against.
  RETURN_IF_ERROR(server::RunIdempotent(
      *pool_, request_log_, {request_id, "CreateArticle", request_hash},
      [](db::Connection&) { return absl::OkStatus(); }, run,
      [&](db::Connection& conn, const std::string& answer) {
        return ReplayVersion(conn, answer, &out);
      }));
  return out;
}

absl::StatusOr<v1::Article> MysqlKnowledgeStore::Change(
    const std::string& request_id, const std::string& rpc,
    const std::string& request_hash, const std::string& article_id,
    const AuthorizeFn& authorize, const DecideFn& decide) {
  v1::Article out;
  auto run = [&](db::Connection& conn) -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(ArticleSnapshot s, Snapshot(conn, article_id, true));
    ASSIGN_OR_RETURN(ArticleChange c, decide(s));
    for (const v1::Article& v : c.writes)
      RETURN_IF_ERROR(WriteVersion(conn, v));
    ASSIGN_OR_RETURN(sql::PreparedStatement * upd,
                     conn.Prepare("UPDATE article SET latest_version = ?, "
                                  "published_version = ?, retired = ? WHERE "
                                  "article_id = ?"));
    RETURN_IF_ERROR(conn.Guard("update article", [&] {
      upd->setInt(1, c.latest_version);
      upd->setInt(2, c.published_version);
      upd->setBoolean(3, c.retired);
      upd->setString(4, article_id);
      upd->executeUpdate();
    }));
    if (c.reindex) {
      ASSIGN_OR_RETURN(
          sql::PreparedStatement * del,
          conn.Prepare("DELETE FROM article_term WHERE article_id = ?"));
      RETURN_IF_ERROR(conn.Guard("clear article terms", [&] {
        del->setString(1, article_id);
        del->executeUpdate();
      }));
      if (c.indexed.has_value()) {
        std::vector<std::string> rows;
        for (const auto& [term, w] : ArticleTerms(*c.indexed)) {
          rows.push_back(
              absl::StrCat("('", term, "', '", article_id, "', ", w, ")"));
        }
        if (!rows.empty()) {
          RETURN_IF_ERROR(conn.Execute(absl::StrCat(
              "INSERT INTO article_term (term, article_id, weight) VALUES ",
              absl::StrJoin(rows, ","))));
        }
      }
    }
    out = c.result;
    return absl::StrCat(c.result.version(), ":", article_id);
  };
  RETURN_IF_ERROR(server::RunIdempotent(
      *pool_, request_log_, {request_id, rpc, request_hash},
      [&](db::Connection& conn) -> absl::Status {
        ASSIGN_OR_RETURN(ArticleSnapshot s, Snapshot(conn, article_id, true));
        return authorize(s);
      },
      run,
      [&](db::Connection& conn, const std::string& answer) {
        return ReplayVersion(conn, answer, &out);
      }));
  return out;
}

absl::StatusOr<ArticleSnapshot> MysqlKnowledgeStore::Get(
    const std::string& article_id) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  return Snapshot(*conn, article_id, false);
}

absl::StatusOr<v1::Article> MysqlKnowledgeStore::GetVersion(
    const std::string& article_id, int version) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto v, ReadVersion(*conn, article_id, version));
  if (!v) {
    return absl::NotFoundError(absl::StrCat("article ", article_id, " version ",
                                            version, " not found"));
  }
  return *v;
}

absl::StatusOr<std::vector<ArticleCandidate>>
MysqlKnowledgeStore::SearchPublished(
    const absl::flat_hash_map<std::string, int>& terms, int limit) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  absl::flat_hash_map<std::string, double> score;
  std::vector<std::string> order;
  if (!terms.empty()) {
    ASSIGN_OR_RETURN(auto n_rs,
                     conn->Query("SELECT COUNT(*) FROM article WHERE "
                                 "published_version > 0 AND retired = 0"));
    double n = 1;
    RETURN_IF_ERROR(conn->Guard("count articles", [&] {
      if (n_rs->next()) n = std::max<double>(1, n_rs->getInt64(1));
    }));
    ASSIGN_OR_RETURN(
        auto rs, conn->Query(absl::StrCat(
                     "SELECT term, article_id, weight FROM article_term WHERE "
                     "term IN (",
                     SqlTermList(terms, 100), ")")));
    absl::flat_hash_map<std::string,
                        std::vector<std::pair<std::string, double>>>
        by_term;
    RETURN_IF_ERROR(conn->Guard("search article terms", [&] {
      while (rs->next()) {
        by_term[std::string(rs->getString(1))].emplace_back(
            std::string(rs->getString(2)), rs->getDouble(3));
      }
    }));
    for (const auto& [term, hits] : by_term) {
      const double idf = std::log(1.0 + n / static_cast<double>(hits.size()));
      const int qtf = terms.contains(term) ? terms.at(term) : 1;
      for (const auto& [id, w] : hits) {
        score[id] += (1.0 + std::log(w)) * idf * qtf;
      }
    }
    for (const auto& [id, s] : score) order.push_back(id);
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      return score[a] != score[b] ? score[a] > score[b] : a < b;
    });
    if (static_cast<int>(order.size()) > limit) order.resize(limit);
  }
  std::string sql =
      "SELECT v.doc FROM article a JOIN article_version v ON v.article_id = "
      "a.article_id AND v.version = a.published_version WHERE a.retired = 0";
  if (!terms.empty()) {
    if (order.empty()) return std::vector<ArticleCandidate>();
    std::vector<std::string> q;
    for (const auto& id : order) q.push_back(absl::StrCat("'", id, "'"));
    absl::StrAppend(&sql, " AND a.article_id IN (", absl::StrJoin(q, ","), ")");
  } else {
    absl::StrAppend(&sql, " ORDER BY v.updated_at DESC LIMIT ", limit);
  }
  ASSIGN_OR_RETURN(auto rs, conn->Query(sql));
  std::vector<ArticleCandidate> out;
  RETURN_IF_ERROR(conn->Guard("read articles", [&] {
    while (rs->next()) {
      ArticleCandidate c;
      c.article.ParseFromString(rs->getString(1));
      c.score = score.contains(c.article.article_id())
                    ? score[c.article.article_id()]
                    : 0;
      out.push_back(std::move(c));
    }
  }));
  if (!terms.empty()) {
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.score != b.score
                 ? a.score > b.score
                 : a.article.article_id() < b.article.article_id();
    });
  }
  return out;
}

absl::StatusOr<std::vector<v1::Article>> MysqlKnowledgeStore::ListUnpublished(
    int limit) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto rs,
                   conn->Query(absl::StrCat(
                       "SELECT v.doc FROM article a JOIN article_version v ON "
                       "v.article_id = "
                       "a.article_id AND v.version = a.latest_version WHERE "
                       "a.retired = 0 AND "
                       "v.state IN (1, 2) ORDER BY v.updated_at DESC LIMIT ",
                       limit)));
  std::vector<v1::Article> out;
  RETURN_IF_ERROR(conn->Guard("read drafts", [&] {
    while (rs->next()) {
      v1::Article a;
      a.ParseFromString(rs->getString(1));
      out.push_back(std::move(a));
    }
  }));
  return out;
}

}  // namespace hotline::intake
