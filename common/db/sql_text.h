#pragma once

// Values written into SQL text, for the statements that are built rather
// than prepared (multi-row inserts of varying length). Sessions run in UTC
// without NO_BACKSLASH_ESCAPES (connection.h).

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace hotline::db {

// "YYYY-MM-DD HH:MM:SS.ffffff" in UTC: a DATETIME(6) literal's text.
std::string SqlTime(absl::Time t);

// Parses SqlTime's form, which is also what the server returns for a
// DATETIME(6) column; the Unix epoch if `s` is not such a value.
absl::Time ParseSqlTime(const std::string& s);

// `s` as a SQL string literal, quotes included, escaped as
// mysql_real_escape_string does (\ ' " NUL \n \r ^Z); safe for utf8mb4.
std::string SqlQuote(absl::string_view s);

// `bytes` as a hexadecimal literal X'…', for binary columns.
std::string SqlHex(absl::string_view bytes);

// `rows` copies of `row` joined by ", ": SqlRows("(?, ?)", 2) is
// "(?, ?), (?, ?)", the placeholders of a multi-row insert.
std::string SqlRows(absl::string_view row, size_t rows);

// Multi-row statements are prepared per shape, so their sizes are kept few.
// How many of `remaining` (≥ 1) rows the next statement takes: all of up to
// 16 (the usual few in one statement), else the largest power of two up to
// `max_rows` (a power of two ≥ 16).
size_t RowsInNextChunk(size_t remaining, size_t max_rows = 256);

// The smallest power of two that is at least `n`.
size_t PowerOfTwoAtLeast(size_t n);

// `ids` sorted and without duplicates, in chunks of up to `max_ids` (a power
// of two), each padded with its last id to a power of two: IN lists of few
// shapes.
std::vector<std::vector<std::string>> PaddedIdChunks(
    std::vector<std::string> ids, size_t max_ids = 128);

}  // namespace hotline::db
