#include "services/intake/store/mysql_key_rotation_store.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/db/sql_text.h"
#include "common/db/transaction.h"
#include "common/status/status.h"

namespace hotline::intake {
namespace {

using db::SqlTime;

// Rows under another key than the target's (or not yet labelled: rows
// written before the key-id columns, or by an older binary).
constexpr char kNotUnder[] =
    "((caller_ct IS NOT NULL AND caller_key_id <> ?) OR "
    "(caller_hash <> '' AND caller_hash_key <> ?))";

absl::StatusOr<RotationProgress> ReadProgress(db::Connection& conn,
                                              const RotationTarget& target,
                                              bool for_update) {
  ASSIGN_OR_RETURN(
      sql::PreparedStatement * sel,
      conn.Prepare(absl::StrCat("SELECT cursor_id, pass, rewritten, "
                                "finished_at IS NOT NULL FROM "
                                "caller_key_rotation WHERE target = ?",
                                for_update ? " FOR UPDATE" : "")));
  return conn.Guard(
      "read key rotation", [&]() -> absl::StatusOr<RotationProgress> {
        sel->setString(1, target.Name());
        std::unique_ptr<sql::ResultSet> rs(sel->executeQuery());
        if (!rs->next()) {
          return absl::NotFoundError(
              absl::StrCat("key rotation ", target.Name(), " not begun"));
        }
        RotationProgress p;
        p.target = target.Name();
        p.cursor = rs->getInt64(1);
        p.pass = rs->getInt(2);
        p.rewritten = rs->getInt64(3);
        p.finished = rs->getInt(4) != 0;
        return p;
      });
}

absl::StatusOr<int64_t> CountNotUnderOn(db::Connection& conn,
                                        const RotationTarget& target) {
  ASSIGN_OR_RETURN(sql::PreparedStatement * count,
                   conn.Prepare(absl::StrCat(
                       "SELECT COUNT(*) FROM ticket WHERE ", kNotUnder)));
  return conn.Guard("count rows under old keys", [&] {
    count->setString(1, target.key_id);
    count->setString(2, target.hmac_id);
    std::unique_ptr<sql::ResultSet> rs(count->executeQuery());
    rs->next();
    return rs->getInt64(1);
  });
}

}  // namespace

absl::StatusOr<RotationProgress> MysqlKeyRotationStore::Begin(
    const RotationTarget& target, absl::Time now) {
  return db::RunInTransaction(
      *pool_, [&](db::Connection& conn) -> absl::StatusOr<RotationProgress> {
        ASSIGN_OR_RETURN(
            sql::PreparedStatement * ins,
            conn.Prepare("INSERT IGNORE INTO caller_key_rotation (target, "
                         "cursor_id, pass, rewritten, started_at, updated_at) "
                         "VALUES (?, 0, 1, 0, ?, ?)"));
        RETURN_IF_ERROR(conn.Guard("begin key rotation", [&] {
          ins->setString(1, target.Name());
          ins->setString(2, SqlTime(now));
          ins->setString(3, SqlTime(now));
          ins->executeUpdate();
        }));
        ASSIGN_OR_RETURN(RotationProgress p, ReadProgress(conn, target, true));
        if (!p.finished) return p;
        ASSIGN_OR_RETURN(int64_t left, CountNotUnderOn(conn, target));
        if (left == 0) return p;
        // Finished before, yet rows under other keys again: another pass.
        ASSIGN_OR_RETURN(
            sql::PreparedStatement * again,
            conn.Prepare("UPDATE caller_key_rotation SET cursor_id = 0, "
                         "pass = pass + 1, finished_at = NULL, updated_at = ? "
                         "WHERE target = ?"));
        RETURN_IF_ERROR(conn.Guard("restart key rotation", [&] {
          again->setString(1, SqlTime(now));
          again->setString(2, target.Name());
          again->executeUpdate();
        }));
        return ReadProgress(conn, target, false);
      });
}

absl::StatusOr<RotationProgress> MysqlKeyRotationStore::RunBatch(
    const RotationTarget& target, int batch_size,
    absl::FunctionRef<
        absl::StatusOr<std::optional<CallerKeyRow>>(const CallerKeyRow&)>
        rekey,
    absl::Time now) {
  return db::RunInTransaction(
      *pool_, [&](db::Connection& conn) -> absl::StatusOr<RotationProgress> {
        // The progress row's lock serialises rotators of the same target.
        ASSIGN_OR_RETURN(RotationProgress p, ReadProgress(conn, target, true));
        if (p.finished) return p;
        ASSIGN_OR_RETURN(
            sql::PreparedStatement * sel,
            conn.Prepare(absl::StrCat(
                "SELECT id, ticket_id, caller_ct, caller_key_id, caller_hash, "
                "caller_hash_key FROM ticket WHERE id > ? AND ",
                kNotUnder, " ORDER BY id LIMIT ? FOR UPDATE")));
        ASSIGN_OR_RETURN(
            std::vector<CallerKeyRow> rows,
            conn.Guard("read rows to rotate", [&] {
              sel->setInt64(1, p.cursor);
              sel->setString(2, target.key_id);
              sel->setString(3, target.hmac_id);
              sel->setInt(4, batch_size);
              std::unique_ptr<sql::ResultSet> rs(sel->executeQuery());
              std::vector<CallerKeyRow> out;
              while (rs->next()) {
                CallerKeyRow r;
                r.row_id = rs->getInt64(1);
                r.ticket_id = rs->getString(2);
                if (!rs->isNull(3)) r.caller_ct = rs->getString(3);
                r.caller_key_id = rs->getString(4);
                r.caller_hash = rs->getString(5);
                r.caller_hash_key = rs->getString(6);
                out.push_back(std::move(r));
              }
              return out;
            }));
        ASSIGN_OR_RETURN(
            sql::PreparedStatement * progress,
            conn.Prepare("UPDATE caller_key_rotation SET cursor_id = ?, pass = "
                         "?, rewritten = ?, updated_at = ?, finished_at = ? "
                         "WHERE target = ?"));
        if (rows.empty()) {
          // The pass is over: finished, or another pass for rows written
          // behind the cursor under another key.
          ASSIGN_OR_RETURN(int64_t left, CountNotUnderOn(conn, target));
          p.cursor = 0;
          if (left == 0) {
            p.finished = true;
          } else {
            ++p.pass;
          }
        } else {
          ASSIGN_OR_RETURN(
              sql::PreparedStatement * upd,
              conn.Prepare("UPDATE ticket SET caller_ct = ?, caller_key_id = "
                           "?, caller_hash = ?, caller_hash_key = ? WHERE id "
                           "= ?"));
          for (const CallerKeyRow& row : rows) {
            ASSIGN_OR_RETURN(std::optional<CallerKeyRow> next, rekey(row));
            p.cursor = row.row_id;
            if (!next.has_value()) continue;
            RETURN_IF_ERROR(conn.Guard("rewrite caller keys", [&] {
              if (next->caller_ct.empty()) {
                upd->setNull(1, sql::DataType::VARBINARY);
              } else {
                upd->setString(1, next->caller_ct);
              }
              upd->setString(2, next->caller_key_id);
              upd->setString(3, next->caller_hash);
              upd->setString(4, next->caller_hash_key);
              upd->setInt64(5, row.row_id);
              upd->executeUpdate();
            }));
            ++p.rewritten;
          }
        }
        RETURN_IF_ERROR(conn.Guard("record key rotation", [&] {
          progress->setInt64(1, p.cursor);
          progress->setInt(2, p.pass);
          progress->setInt64(3, p.rewritten);
          progress->setString(4, SqlTime(now));
          if (p.finished) {
            progress->setString(5, SqlTime(now));
          } else {
            progress->setNull(5, sql::DataType::VARCHAR);
          }
          progress->setString(6, target.Name());
          progress->executeUpdate();
        }));
        return p;
      });
}

absl::StatusOr<int64_t> MysqlKeyRotationStore::CountNotUnder(
    const RotationTarget& target) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  return CountNotUnderOn(*conn, target);
}

}  // namespace hotline::intake
