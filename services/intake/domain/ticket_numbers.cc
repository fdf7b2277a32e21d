#include "services/intake/domain/ticket_numbers.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/calendar/calendar.h"

namespace hotline::intake {

std::string LocalDayCompact(absl::Time t) {
  return absl::FormatTime("%Y%m%d", t, calendar::ChinaStandardTime());
}

std::string LocalDay(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d", t, calendar::ChinaStandardTime());
}

std::string TicketNumber(absl::string_view day_compact, int64_t n) {
  return absl::StrFormat("DZ%s-%06d", day_compact, n);
}

bool IsTicketNumberPrefix(absl::string_view s) {
  if (s.size() < 10 || !absl::StartsWith(s, "DZ")) return false;
  for (size_t i = 2; i < 10; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  if (s.size() == 10) return true;
  if (s[10] != '-') return false;
  for (size_t i = 11; i < s.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return s.size() <= 32;
}

absl::StatusOr<absl::Time> ParseLocalDate(absl::string_view field,
                                          absl::string_view date) {
  absl::CivilDay day;
  if (date.size() != 10 || !absl::ParseCivilTime(date, &day) ||
      day.year() < 2000 || day.year() > 2099) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not a date YYYY-MM-DD (2000–2099)"));
  }
  return absl::FromCivil(day, calendar::ChinaStandardTime());
}

}  // namespace hotline::intake
