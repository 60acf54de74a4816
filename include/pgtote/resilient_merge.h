// --continue-on-error: writes a table (or a cycle's tables) and, when the server rejects the
// batch, splits it in halves until the rejected rows stand alone; everything else is written.
// Each try runs under a savepoint of the caller's transaction.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pgtote/import_plan.h"
#include "pgtote/pg_conn.h"

namespace pgtote {

struct RejectedRow {
  std::string table;   // schema.name
  uint64_t row = 0;    // snapshot row number
  std::string error;   // the server's message
  std::string values;  // the row as a JSON object
  ServerError server;  // the server's fields (SQLSTATE, constraint, detail), as data
};

struct MergeCounts {
  std::vector<uint64_t> updated;  // per member of the group
  std::vector<uint64_t> inserted;
};

// Rows are numbered 1..`last_row` in every stage of `group`. Rejected rows are appended.
MergeCounts merge_resilient(Connection& connection, const std::vector<const TablePlan*>& group, bool keep_existing,
                            uint64_t last_row, std::vector<RejectedRow>& rejected);

// The reject file: one JSON object per line, {"table", "row", "error", "values"}.
std::string reject_lines(const std::vector<RejectedRow>& rejected);

}  // namespace pgtote
