// After an import, the application's next INSERT must get a free value from every sequence the
// imported columns draw from (owned, identity, or named in a default, shared or inherited).
#pragma once

#include <string>
#include <vector>

#include "pgtote/import_plan.h"
#include "pgtote/pg_conn.h"

namespace pgtote {

// Moves each sequence that a column of the written plans draws from past the numbers those
// columns hold, over all of them together: up for an ascending sequence, down for a descending
// one, never back, never past its bounds. setval is not undone by a rollback: call this last,
// right before COMMIT. With `dry_run` nothing moves; the stages count as written and the notes
// say what would move. Returns one note per sequence moved (or that would move) and per
// sequence or column it could not place, with why; a sequence that cannot be placed never
// fails the import.
std::vector<std::string> sync_sequences(Connection& connection, const std::vector<TablePlan>& plans, bool dry_run);

}  // namespace pgtote
