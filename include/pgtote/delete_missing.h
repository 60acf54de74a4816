// --delete-missing: mirror the snapshot by deleting the target rows it does not hold, in the
// tables it carries only, children before parents, with what ON DELETE CASCADE and SET NULL do
// counted, and --max-delete capping every table. Rehearsed by the dry run like every write.
#pragma once

#include <string>
#include <vector>

#include "pgtote/import_session.h"

namespace pgtote {

struct SnapshotInfo;

// "100" or "5%": Error(usage) otherwise.
DeleteCap parse_delete_cap(const std::string& text);
// A snapshot that holds only part of the source (a subset, rows row-level security hid) cannot
// say which target rows are missing: Error(usage) for --delete-missing.
void check_delete_scope(const SnapshotInfo& info);
// After the writes, in their transaction: deletes group by group, last group first. Returns false,
// with problems in session.result, when the server refused a delete or a table passed the cap.
bool delete_missing(ImportSession& session, const std::vector<std::vector<size_t>>& groups);

}  // namespace pgtote
