#pragma once

// Multi-row writes of many rows: one prepared statement per chunk of rows,
// chunk sizes from RowsInNextChunk so that few statement shapes are prepared.
//
//   RETURN_IF_ERROR(db::WriteRows(
//       conn, progress,
//       {"INSERT INTO ticket_progress (ticket_id, at) VALUES ", "(?, ?)", "",
//        "write progress"},
//       [](sql::PreparedStatement* stmt, unsigned k, const Entry& e) {
//         stmt->setString(k++, e.ticket_id);
//         stmt->setString(k++, SqlTime(e.at));
//         return k;
//       }));

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/db/connection.h"
#include "common/db/sql_text.h"
#include "common/status/status.h"

namespace hotline::db {

// The statement of a chunk of n rows: head + n copies of tuple joined by ", "
// + tail; `what` names the write in errors; at most `max_rows` rows (a power
// of two ≥ 16) per statement.
struct RowsStatement {
  absl::string_view head;
  absl::string_view tuple;
  absl::string_view tail;
  const char* what;
  size_t max_rows = 256;
};

// Writes `rows` (a vector, map or other container, in its order) chunk
// after chunk: `sql(n)` is the statement for n rows, `bind(stmt, k, row)`
// sets one row's parameters from position k on and returns the next
// position; `what` names the write in errors. Nothing is executed for no
// rows. Errors: the database's (earlier chunks stay written: callers run
// inside a transaction).
template <typename Rows, typename Sql, typename Bind>
absl::Status WriteRowsWith(Connection& conn, const Rows& rows, const char* what,
                           size_t max_rows, Sql sql, Bind bind) {
  auto it = rows.begin();
  for (size_t left = rows.size(); left > 0;) {
    const size_t n = RowsInNextChunk(left, max_rows);
    ASSIGN_OR_RETURN(auto* stmt, conn.Prepare(sql(n)));
    RETURN_IF_ERROR(conn.Guard(what, [&] {
      unsigned k = 1;
      for (size_t i = 0; i < n; ++i, ++it) k = bind(stmt, k, *it);
      stmt->executeUpdate();
    }));
    left -= n;
  }
  return absl::OkStatus();
}

// As above, each chunk's statement made of `s`.
template <typename Rows, typename Bind>
absl::Status WriteRows(Connection& conn, const Rows& rows,
                       const RowsStatement& s, Bind bind) {
  return WriteRowsWith(
      conn, rows, s.what, s.max_rows,
      [&s](size_t n) {
        return absl::StrCat(s.head, SqlRows(s.tuple, n), s.tail);
      },
      bind);
}

}  // namespace hotline::db
