// --delete-missing: mirror the snapshot by deleting the target rows it does not hold, in the
// tables it carries only, children before parents, with what ON DELETE CASCADE and SET NULL do
// counted, and --max-delete capping every table. Rehearsed by the dry run like every write.
#pragma once

#include <string>
#include <vector>

#include "pgtote/import_session.h"
#include "pgtote/subset_spec.h"

namespace pgtote {

struct SnapshotInfo;

// "100" or "5%": Error(usage) otherwise.
DeleteCap parse_delete_cap(const std::string& text);
// Which target rows a snapshot speaks for. All of them, unless it is a subset: then only the rows
// of the start tables that match their conditions, and their descendants (through the edges the
// subset follows down), computed in the target from `scope`, the config's subset: that must name
// the snapshot's start tables and conditions. Error(usage) when that cannot be known: a subset
// snapshot without the config's subset (or with another one), a subset that limits rows (which
// rows a limit kept in the source says nothing of the target), rows row-level security hid.
void check_delete_scope(const SnapshotInfo& info, const SubsetSpec& scope);
// After the writes, in their transaction: deletes group by group, last group first (within the
// subset's scope for a subset snapshot). Returns false, with problems in session.result, when the
// server refused a delete or a table passed the cap.
bool delete_missing(ImportSession& session, const std::vector<std::vector<size_t>>& groups, bool subset_snapshot);

}  // namespace pgtote
