#include "services/intake/store/mysql_intake_rows.h"

#include "common/server/proto_time.h"

namespace hotline::intake {

using db::ParseSqlTime;

absl::StatusOr<TicketRecord> RecordFromRow(sql::ResultSet& rs) {
  TicketRecord r;
  r.row_id = rs.getInt64(1);
  std::string doc = rs.getString(2);
  if (!r.ticket.ParseFromString(doc)) {
    return absl::DataLossError("ticket.doc: cannot be parsed");
  }
  if (!rs.isNull(3)) r.caller_ct = rs.getString(3);
  r.ticket.set_caller_hash(rs.getString(4));
  r.ticket.set_status(static_cast<v1::TicketStatus>(rs.getInt(5)));
  r.ticket.set_holder_unit_id(rs.getString(6));
  if (!rs.isNull(7)) {
    *r.ticket.mutable_handling_due() = ToProto(ParseSqlTime(rs.getString(7)));
  }
  if (!rs.isNull(8)) r.ticket.set_merged_into_ticket_id(rs.getString(8));
  *r.ticket.mutable_updated_at() = ToProto(ParseSqlTime(rs.getString(9)));
  if (!rs.isNull(10)) r.request_hash = rs.getString(10);
  return r;
}

}  // namespace hotline::intake
