// The import's write phase, shared by the import and the dry run's rehearsal: each table or
// cycle written by the statements it needs, refusals named by row, deferred constraints checked.
#pragma once

#include <vector>

#include "pgtote/import_session.h"

namespace pgtote {

// Writes every group in order, then checks every deferred constraint. Returns false, with named
// problems in session.result, when the server refused a write (the caller rolls back); throws
// Error for failures that are not a refusal of the data (a lost connection).
bool write_all(ImportSession& session, const std::vector<std::vector<size_t>>& groups);

}  // namespace pgtote
