#include "common/db/error.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace hotline::db {
namespace {

// Cuts quoted row data out of the server messages that embed it.
std::string Sanitize(int code, absl::string_view message) {
  absl::string_view marker;
  absl::string_view replacement;
  switch (code) {
    case 1062:  // Duplicate entry 'value' for key 'name'
      marker = " for key ";
      replacement = "Duplicate entry";
      break;
    case 1366:  // Incorrect string value: '\xF0...' for column `c` at row 1
      marker = " for column ";
      replacement = "Incorrect string value";
      break;
    default:
      return std::string(message);
  }
  size_t pos = message.find(marker);
  if (pos == absl::string_view::npos) return std::string(replacement);
  return absl::StrCat(replacement, message.substr(pos));
}

}  // namespace

bool IsConnectionLost(int error_code) {
  switch (error_code) {
    case 2002:  // Can't connect through socket
    case 2003:  // Can't connect to server
    case 2005:  // Unknown host
    case 2006:  // Server has gone away
    case 2013:  // Lost connection during query
    case 2055:  // Lost connection at '...', system error
    case 1040:  // Too many connections
    case 1053:  // Server shutdown in progress
    case 1927:  // Connection was killed (MariaDB)
    case 4031:  // Disconnected by the server for inactivity (MySQL 8)
      return true;
    default:
      return false;
  }
}

absl::Status FromMysqlError(int error_code, absl::string_view message,
                            absl::string_view context) {
  std::string text = absl::StrCat(context, ": ", Sanitize(error_code, message),
                                  " (mysql error ", error_code, ")");
  if (IsConnectionLost(error_code)) return absl::UnavailableError(text);
  switch (error_code) {
    case 1062:
      return absl::AlreadyExistsError(text);
    case 1205:  // Lock wait timeout exceeded
    case 1213:  // Deadlock found
    case 3572:  // NOWAIT lock not granted (MySQL 8)
      return absl::AbortedError(text);
    case 1044:  // Access denied for user to database
    case 1045:  // Access denied for user (using password)
    case 1142:  // <command> denied to user for table
      // See the header: the service's own DB credentials are wrong, which is
      // an outage for its callers, not their lack of rights.
      return absl::UnavailableError(absl::StrCat(
          context, ": access denied for the service's database user: ", message,
          " (mysql error ", error_code, ")"));
    case 1264:  // Out of range value for column
    case 1366:  // Incorrect string value
    case 1406:  // Data too long for column
      return absl::InvalidArgumentError(text);
    case 1146:  // Table doesn't exist
    default:
      return absl::InternalError(text);
  }
}

absl::Status FromSqlException(const sql::SQLException& e,
                              absl::string_view context) {
  return FromMysqlError(e.getErrorCode(), e.what(), context);
}

}  // namespace hotline::db
