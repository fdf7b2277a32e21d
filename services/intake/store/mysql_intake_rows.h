#pragma once

// Row mapping shared by MysqlIntakeStore's files (mysql_intake_store*.cc):
// the ticket columns every read selects and the record they map to.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/db/connection.h"
#include "common/db/sql_text.h"
#include "services/intake/store/intake_store.h"

namespace hotline::intake {

// The columns RecordFromRow reads, in its order (table alias t).
inline constexpr char kTicketCols[] =
    "t.id, t.doc, t.caller_ct, t.caller_hash, t.status, t.holder_unit_id, "
    "t.handling_due, t.merged_into, t.updated_at, t.request_hash";

// The order of one row of kTicketCols. DATA_LOSS when the stored document
// does not parse.
absl::StatusOr<TicketRecord> RecordFromRow(sql::ResultSet& rs);

// A quoted SQL string literal (common/db/sql_text.h).
inline std::string Quote(absl::string_view s) { return db::SqlQuote(s); }

}  // namespace hotline::intake
